/**
 * Works as installed: pack the library (`npm pack`), install the tarball into a fresh projen project
 * outside the repository, synthesize `examples/minimal` there. The output must equal the committed example
 * output, byte for byte; that is what makes it checked: examples-stale.test.ts proves the committed output
 * is what this run synthesized, and examples.test.ts / examples-actionlint.test.ts run every conformance
 * check on that (running them again here on identical bytes found nothing they had not).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { assertLibraryBuilt, copyDir, ExampleOutput, readOutput } from './example-harness';
import { repoRoot } from './validators';

const PEERS = ['projen@0.103.25', 'cdk8s@2.70.106', 'constructs@10.8.1', 'cdk8s-plus-27@2.9.5', 'typescript@~5.9.3', 'ts-node@^10', '@types/node@^20'];

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): string {
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', timeout: 600_000, maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed in ${cwd} (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

let work: string;
let output: ExampleOutput;
let installedVersion: string;

beforeAll(() => {
  assertLibraryBuilt();
  const root = repoRoot();
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-installed-'));
  const packed = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', work], root))[0];
  const tarball = path.join(work, packed.filename);

  const project = path.join(work, 'repo');
  fs.mkdirSync(project);
  fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'hello-platform', private: true }, null, 2));
  run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', tarball, ...PEERS], project);
  installedVersion = JSON.parse(fs.readFileSync(path.join(project, 'node_modules', 'platform-pipeline', 'package.json'), 'utf8')).version;

  const example = path.join(root, 'examples', 'minimal');
  fs.copyFileSync(path.join(example, '.projenrc.ts'), path.join(project, '.projenrc.ts'));
  for (const dir of ['charts', 'app']) copyDir(path.join(example, dir), path.join(project, dir));
  const tsconfig = path.join(work, 'tsconfig.projenrc.json');
  fs.copyFileSync(path.join(root, 'examples', 'tsconfig.json'), tsconfig);
  const env: NodeJS.ProcessEnv = { ...process.env, PROJEN_DISABLE_POST: 'true' };
  delete env.JEST_WORKER_ID;
  run(path.join(project, 'node_modules', '.bin', 'ts-node'), ['--project', tsconfig, '.projenrc.ts'], project, env);
  output = readOutput('installed minimal', project);
}, 600_000);

afterAll(() => {
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

test('the package installs from its tarball with its bundled dependencies', () => {
  expect(installedVersion).toBeDefined();
  const pkg = path.join(work, 'repo', 'node_modules', 'platform-pipeline');
  expect(fs.existsSync(path.join(pkg, 'lib', 'index.js'))).toBe(true);
  expect(fs.existsSync(path.join(pkg, 'node_modules', 'yaml'))).toBe(true);
  expect(fs.existsSync(path.join(pkg, 'src'))).toBe(false);
});

test('synthesizes the same files as the committed examples/minimal', () => {
  const committed = path.join(repoRoot(), 'examples', 'minimal');
  expect(output.files).toEqual(JSON.parse(fs.readFileSync(path.join(committed, '.projen', 'files.json'), 'utf8')).files);
  const differ = output.files.filter((f) => fs.readFileSync(path.join(committed, f), 'utf8') !== output.read(f));
  expect(differ).toEqual([]);
});

test('the synth check\'s diff renderer runs from the installed devDependency (npx --no-install platform-pipeline-diff)', () => {
  const repo = path.join(work, 'repo');
  // the head: the installed project's output with one value changed; the base: the committed example
  const head = path.join(work, 'head');
  copyDir(repo, head);
  const values = path.join(head, 'helm', 'hello', 'values-production.yaml');
  fs.chmodSync(values, 0o644);
  fs.writeFileSync(values, fs.readFileSync(values, 'utf8').replace(/replicaCount: \d+/, 'replicaCount: 7'));
  const out = path.join(work, 'diff.md');
  const stdout = run('npx', ['--no-install', 'platform-pipeline-diff', path.join(repoRoot(), 'examples', 'minimal'), head, '--output', out], repo);
  expect(fs.readFileSync(out, 'utf8')).toBe(stdout);
  expect(stdout).toContain('#### environment production');
  expect(stdout).toContain('| helm values | `helm/hello/values-production.yaml` | changed | replicaCount |');
});
