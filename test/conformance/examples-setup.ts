/**
 * Global setup of the jest `conformance` project: synthesizes every example once for the whole run (the
 * conformance, actionlint and stale-output tests all read that output) and type-checks the examples'
 * `.projenrc.ts` once. See `synthesizeAllExamples` in example-harness.ts.
 */
import * as fs from 'fs';
import * as path from 'path';
import { SYNTH_RUN_ENV, synthesizeAllExamples } from './example-harness';
import { useScratch } from '../scratch';
import { tmpDir } from './validators/paths';

export default async function setup(): Promise<void> {
  useScratch();
  // in the repository (not the scratch directory): the examples' .projenrc.ts resolve projen from its node_modules
  const runDir = fs.mkdtempSync(path.join(tmpDir('examples-synth'), `run-${process.pid}-`));
  process.env[SYNTH_RUN_ENV] = runDir; // read by the test workers (they inherit this process's environment)
  const t = Date.now();
  const run = await synthesizeAllExamples(runDir);
  const failed = Object.entries(run.examples).filter(([, r]) => r.error).map(([n]) => n);
  process.stderr.write(`\n[conformance setup] synthesized ${Object.keys(run.examples).join(', ')} into ${path.relative(process.cwd(), runDir)} in ${Date.now() - t} ms`
    + (failed.length || run.typeErrors.length || run.typeCheckError ? ` (problems: ${[...failed, run.typeErrors.length ? 'type errors' : '', run.typeCheckError ? 'type check' : ''].filter(Boolean).join(', ')}; the tests report them)` : '') + '\n');
}
