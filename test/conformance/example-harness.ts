/**
 * Synthesizes an example the way a user's `npx projen` would, in a fresh copy, and collects its output.
 * Inside this repository `platform-pipeline` resolves to the library's build output (`lib/`), so the
 * library must be compiled first (`npx projen compile`); a stale or missing build fails loudly.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { repoRoot } from './validators/paths';

/** The examples in `examples/`. */
export function exampleNames(): string[] {
  const dir = path.join(repoRoot(), 'examples');
  return fs.readdirSync(dir).filter((n) => fs.existsSync(path.join(dir, n, '.projenrc.ts'))).sort();
}

/** Throws unless `lib/` is newer than every source file. */
export function assertLibraryBuilt(): void {
  const root = repoRoot();
  const lib = path.join(root, 'lib', 'index.js');
  if (!fs.existsSync(lib)) throw new Error('lib/index.js is missing: run `npx projen compile` before the conformance tests');
  const built = fs.statSync(lib).mtimeMs;
  const newer: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (p.endsWith('.ts') && fs.statSync(p).mtimeMs > built) newer.push(path.relative(root, p));
    }
  };
  walk(path.join(root, 'src'));
  if (newer.length > 0) throw new Error(`lib/ is older than ${newer.slice(0, 3).join(', ')}: run \`npx projen compile\` first`);
}

/** The result of synthesizing an example. */
export interface ExampleOutput {
  /** Example name. */
  readonly name: string;
  /** Directory of the synthesized copy. */
  readonly dir: string;
  /** Files projen generated (from `.projen/files.json`), relative to `dir`. */
  readonly files: string[];
  /** Reads a generated file. */
  read(rel: string): string;
  /** Parses every YAML document of a file. */
  yamlDocs(rel: string): any[];
}

/** Copies a directory tree (without node_modules). */
export function copyDir(src: string, dst: string): void {
  fs.mkdirSync(dst, { recursive: true });
  for (const e of fs.readdirSync(src, { withFileTypes: true })) {
    if (e.name === 'node_modules') continue;
    const s = path.join(src, e.name);
    const d = path.join(dst, e.name);
    if (e.isDirectory()) copyDir(s, d);
    else fs.copyFileSync(s, d);
  }
}

/** Where the conformance project's global setup (examples-setup.ts) publishes the examples it synthesized. */
export const SYNTH_RUN_ENV = 'PP_EXAMPLES_SYNTH_RUN';

/** What the global setup did for one example. */
interface SynthRecord {
  /** directory of the synthesized copy */
  readonly dir: string;
  /** why synthesis failed (the test that reads the example fails with it) */
  readonly error?: string;
}

/** What the global setup wrote to `<run>/result.json`. */
export interface SynthRun {
  /** every example by name */
  readonly examples: Record<string, SynthRecord>;
  /** `tsc --noEmit` findings over every example's `.projenrc.ts` (type-checked once, against `lib/`) */
  readonly typeErrors: string[];
  /** when the type check could not run at all */
  readonly typeCheckError?: string;
}

function runAsync(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, timeoutMs: number)
  : Promise<{ status: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { out += d; });
    const timer = setTimeout(() => { out += `\n(killed after ${timeoutMs} ms)`; child.kill('SIGKILL'); }, timeoutMs);
    child.on('error', (e) => { clearTimeout(timer); resolve({ status: null, out: `${out}\n${e.message}` }); });
    child.on('close', (status) => { clearTimeout(timer); resolve({ status, out }); });
  });
}

/**
 * Synthesizes every example ONCE for a whole jest run (the conformance project's global setup), into
 * `runDir/<name>/<name>`, as a user's `npx projen` would (a copy whose `platform-pipeline` is this repository's build), with ts-node in transpile-only
 * mode, and type-checks every example's `.projenrc.ts` against `lib/` in one `tsc --noEmit` program instead
 * (the check ts-node would have made per synthesis). The examples and the type check run concurrently.
 * Failures are recorded in `runDir/result.json`, not thrown: the tests that read the example report them.
 */
export async function synthesizeAllExamples(runDir: string): Promise<SynthRun> {
  const root = repoRoot();
  fs.mkdirSync(runDir, { recursive: true });
  let built: string | undefined;
  try {
    assertLibraryBuilt();
  } catch (e: any) {
    built = e.message;
  }
  const names = exampleNames();
  const env: NodeJS.ProcessEnv = { ...process.env, PROJEN_DISABLE_POST: 'true', TS_NODE_TRANSPILE_ONLY: 'true' };
  delete env.JEST_WORKER_ID;
  delete env.NODE_ENV;
  const tsNode = path.join(root, 'node_modules', '.bin', 'ts-node');
  const synths = names.map(async (name): Promise<[string, SynthRecord]> => {
    const base = path.join(runDir, name);
    const dir = path.join(base, name);
    if (built) return [name, { dir, error: built }];
    copyDir(path.join(root, 'examples', name), dir);
    fs.mkdirSync(path.join(base, 'node_modules'), { recursive: true });
    fs.symlinkSync(root, path.join(base, 'node_modules', 'platform-pipeline'), 'dir');
    const r = await runAsync(tsNode, ['--project', path.join(root, 'examples', 'tsconfig.json'), '.projenrc.ts'], dir, env, 180_000);
    return [name, r.status === 0 ? { dir } : { dir, error: `synthesizing examples/${name} failed (exit ${r.status}):\n${r.out}` }];
  });
  // one program over every example's .projenrc.ts, as ts-node would type-check it (examples/tsconfig.json)
  const typeCheck = (async (): Promise<Pick<SynthRun, 'typeErrors' | 'typeCheckError'>> => {
    if (built) return { typeErrors: [], typeCheckError: built };
    const tsconfig = path.join(runDir, 'tsconfig.examples.json');
    fs.writeFileSync(tsconfig, JSON.stringify({
      extends: path.join(root, 'examples', 'tsconfig.json'),
      compilerOptions: { noEmit: true, baseUrl: runDir, paths: { 'platform-pipeline': [root] } },
      files: names.map((n) => path.join(root, 'examples', n, '.projenrc.ts')),
    }));
    const r = await runAsync(path.join(root, 'node_modules', '.bin', 'tsc'), ['--project', tsconfig, '--pretty', 'false'], root, env, 180_000);
    const lines = r.out.split('\n').map((l) => l.trimEnd()).filter((l) => l.length > 0);
    if (r.status === 0 && lines.length === 0) return { typeErrors: [] };
    if (lines.some((l) => /error TS\d+/.test(l))) return { typeErrors: lines };
    return { typeErrors: [], typeCheckError: `tsc --noEmit over the examples failed (exit ${r.status}): ${r.out}` };
  })();
  const result: SynthRun = { examples: Object.fromEntries(await Promise.all(synths)), ...(await typeCheck) };
  fs.writeFileSync(path.join(runDir, 'result.json'), JSON.stringify(result, null, 2));
  return result;
}

/** The global setup's record of this run, or undefined when the tests run without it. */
export function synthRun(): SynthRun | undefined {
  const runDir = process.env[SYNTH_RUN_ENV];
  if (!runDir) return undefined;
  const file = path.join(runDir, 'result.json');
  if (!fs.existsSync(file)) throw new Error(`${SYNTH_RUN_ENV}=${runDir}, but the global setup wrote no ${file}`);
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

/**
 * The output of `examples/<name>`, synthesized once per jest run by the global setup (shared by every test
 * file: read it, never change it).
 */
export function exampleOutput(name: string): ExampleOutput {
  const run = synthRun();
  if (!run) throw new Error(`${SYNTH_RUN_ENV} is not set: run the example tests in the jest \`conformance\` project, whose global setup (test/conformance/examples-setup.ts) synthesizes the examples`);
  const rec = run.examples[name];
  if (!rec) throw new Error(`the global setup did not synthesize examples/${name} (it did: ${Object.keys(run.examples).join(', ')})`);
  if (rec.error) throw new Error(rec.error);
  return readOutput(name, rec.dir);
}

/** The output projen generated in `dir` (from its `.projen/files.json`). */
export function readOutput(name: string, dir: string): ExampleOutput {
  const manifest = path.join(dir, '.projen', 'files.json');
  if (!fs.existsSync(manifest)) throw new Error(`${name}: no .projen/files.json after synth in ${dir}; was the output redirected?`);
  const files: string[] = JSON.parse(fs.readFileSync(manifest, 'utf8')).files;
  return {
    name,
    dir,
    files,
    read: (rel) => fs.readFileSync(path.join(dir, rel), 'utf8'),
    yamlDocs: (rel) => parseAllDocuments(fs.readFileSync(path.join(dir, rel), 'utf8')).map((d) => {
      if (d.errors.length > 0) throw new Error(`${rel}: ${d.errors.map((e) => e.message).join('; ')}`);
      return d.toJSON();
    }).filter((d) => d !== null && d !== undefined),
  };
}
