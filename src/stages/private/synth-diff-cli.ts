#!/usr/bin/env node
/**
 * `platform-pipeline-diff <base> <head> [--output <file>]`: renders what changes between two synthesized
 * trees (see synth-diff.ts) as Markdown on stdout, and into `--output` when given. The synth-check job runs
 * it from the repository's installed devDependency (`npx --no-install platform-pipeline-diff`).
 * Exit codes: 0 rendered, 1 a tree could not be read, 2 wrong usage.
 * @internal
 */
import * as fs from 'fs';
import { diffTrees, renderMarkdown } from './synth-diff';

const USAGE = 'usage: platform-pipeline-diff <base-dir> <head-dir> [--output <file>]';

/** Runs the command; returns its exit code. */
export function main(argv: string[], stdout: (s: string) => void, stderr: (s: string) => void): number {
  const args = [...argv];
  let output: string | undefined;
  const o = args.indexOf('--output');
  if (o >= 0) {
    output = args[o + 1];
    args.splice(o, 2);
    if (!output) {
      stderr(`--output needs a file\n${USAGE}\n`);
      return 2;
    }
  }
  if (args.length !== 2 || args.some((a) => a.startsWith('-'))) {
    stderr(`${USAGE}\n`);
    return 2;
  }
  let markdown: string;
  try {
    markdown = renderMarkdown(diffTrees(args[0], args[1]));
  } catch (e: any) {
    stderr(`platform-pipeline-diff: ${e.message}\n`);
    return 1;
  }
  if (output) fs.writeFileSync(output, markdown);
  stdout(markdown);
  return 0;
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2), (s) => process.stdout.write(s), (s) => process.stderr.write(s));
}
