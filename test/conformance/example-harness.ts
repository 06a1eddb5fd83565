/**
 * Synthesizes an example the way a user's `npx projen` would, in a fresh copy, and collects its output.
 * Inside this repository `platform-pipeline` resolves to the library's build output (`lib/`), so the
 * library must be compiled first (`npx projen compile`); a stale or missing build fails loudly.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { repoRoot, tmpDir } from './validators/paths';

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

/**
 * Copies `examples/<name>` into `.tmp/`, links `platform-pipeline` to this repository, runs its
 * `.projenrc.ts` with ts-node (type-checked against `lib/`), and returns what it wrote.
 */
export function synthesizeExample(name: string): ExampleOutput {
  assertLibraryBuilt();
  const root = repoRoot();
  const base = fs.mkdtempSync(path.join(tmpDir('examples'), `${name}-`));
  const dir = path.join(base, name);
  copyDir(path.join(root, 'examples', name), dir);
  fs.mkdirSync(path.join(base, 'node_modules'), { recursive: true });
  fs.symlinkSync(root, path.join(base, 'node_modules', 'platform-pipeline'), 'dir');
  // projen redirects synthesis to a temp dir when it thinks it runs under jest: run the child as a user would
  const env: NodeJS.ProcessEnv = { ...process.env, PROJEN_DISABLE_POST: 'true' };
  delete env.JEST_WORKER_ID;
  delete env.NODE_ENV;
  const r = spawnSync(path.join(root, 'node_modules', '.bin', 'ts-node'), ['--project', path.join(root, 'examples', 'tsconfig.json'), '.projenrc.ts'], {
    cwd: dir, env, encoding: 'utf8', timeout: 180_000,
  });
  if (r.status !== 0) throw new Error(`synthesizing examples/${name} failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
  return readOutput(name, dir);
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

/** Removes the copies made by `synthesizeExample`. */
export function cleanExamples(outputs: ExampleOutput[]): void {
  for (const o of outputs) fs.rmSync(path.dirname(o.dir), { recursive: true, force: true });
}
