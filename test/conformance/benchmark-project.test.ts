/**
 * The benchmark's project (benchmark/bench-project.js, run by `npx projen benchmark`) is a definition like
 * any user's: when a check of the library starts refusing it, the benchmark stops measuring anything. This
 * synthesizes it, core and full, with two apps, from the built library as the benchmark does.
 */
import * as fs from 'fs';
import * as path from 'path';
import { assertLibraryBuilt } from './example-harness';
import { repoRoot, tmpDir } from './validators';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { benchProject } = require(path.join(repoRoot(), 'benchmark', 'bench-project.js'));

beforeAll(() => assertLibraryBuilt());

test.each([['core', false], ['full', true]])('the %s benchmark project synthesizes', (_label, full) => {
  const outdir = fs.mkdtempSync(path.join(tmpDir('benchmark'), 'bench-'));
  const previous = process.env.PROJEN_DISABLE_POST;
  process.env.PROJEN_DISABLE_POST = 'true';
  try {
    benchProject(outdir, 2, full).synth();
    const files: string[] = JSON.parse(fs.readFileSync(path.join(outdir, '.projen', 'files.json'), 'utf8')).files;
    expect(files).toContain('.github/workflows/svc1-pipeline.yml');
    // full adds every stage of the enterprise example: its files are there
    expect(files.some((f) => f.startsWith('e2e/svc1/'))).toBe(full);
    expect(files.some((f) => f.startsWith('policies/svc1/'))).toBe(full);
  } finally {
    if (previous === undefined) delete process.env.PROJEN_DISABLE_POST;
    else process.env.PROJEN_DISABLE_POST = previous;
    fs.rmSync(outdir, { recursive: true, force: true });
  }
});
