/** Debian `yamllint` with `test/conformance/yamllint.yml` (validators.md §2.4). */
import * as fs from 'fs';
import * as path from 'path';
import { runTool } from './exec';
import { repoRoot } from './paths';

/**
 * Path of the yamllint config used by {@link yamllintFindings}.
 * @returns absolute path of `test/conformance/yamllint.yml`
 */
export function yamllintConfig(): string {
  return path.join(repoRoot(), 'test', 'conformance', 'yamllint.yml');
}

/**
 * Lints YAML files with `--strict`: errors (duplicate keys, syntax, indentation) and warnings are
 * both findings.
 * @param files YAML file paths (at least one; each must exist)
 * @returns findings like `x.yml:3:1: [error] duplication of key "c" in mapping (key-duplicates)`
 */
export function yamllintFindings(files: readonly string[]): string[] {
  if (files.length === 0) throw new Error('yamllintFindings: no files given');
  for (const f of files) if (!fs.existsSync(f)) throw new Error(`yamllintFindings: no such file ${f}`);
  const r = runTool('yamllint', ['-c', yamllintConfig(), '-f', 'parsable', '--strict', ...files]);
  const lines = r.stdout.split('\n').map((l) => l.trim()).filter((l) => l.length > 0);
  if (r.rc === 0) return [];
  if ((r.rc === 1 || r.rc === 2) && lines.length > 0) return lines;
  throw new Error(`yamllint failed (exit ${r.rc}): ${r.stderr || r.stdout}`);
}
