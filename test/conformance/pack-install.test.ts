/**
 * Works as installed: pack the library (`npm pack`, once), and with that tarball
 * - install it as the README's "Use it in an existing repository" says, synthesize `examples/minimal` there;
 *   the result must equal the committed example output byte for byte, which is what makes it checked:
 *   examples-stale.test.ts proves the committed output is what this run synthesized, and examples.test.ts /
 *   examples-actionlint.test.ts run every conformance check on that (running them again here on identical
 *   bytes found nothing they had not);
 * - run that README section's `.projenrc.ts` and commands as written, and check what they generate;
 * - run `npx projen new --from <tarball> platform-app` in an empty folder, then `npx projen`, and check that.
 * The one `npm install` (the README's) is shared: the other two folders start from a copy of its
 * node_modules, so their installs resolve without downloading, and the three syntheses run side by side.
 */
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { assertLibraryBuilt, copyDir, ExampleOutput, readOutput } from './example-harness';
import { ACTIONLINT_CHECK, expectedFindings, OUTPUT_CHECKS } from './output-checks';
import { repoRoot } from './validators';

const NPM_ENV: NodeJS.ProcessEnv = { npm_config_prefer_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false', npm_config_loglevel: 'error' };

function env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env, ...NPM_ENV, ...extra };
  delete e.JEST_WORKER_ID;
  delete e.NODE_ENV;
  return e;
}

function run(cmd: string, args: string[], cwd: string, e: NodeJS.ProcessEnv = env()): string {
  const r = spawnSync(cmd, args, { cwd, env: e, encoding: 'utf8', timeout: 600_000, maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed in ${cwd} (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

function runAsync(cmd: string, args: string[], cwd: string, e: NodeJS.ProcessEnv = env()): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env: e, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { out += d; });
    child.on('error', reject);
    child.on('close', (status) => (status === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(' ')} failed in ${cwd} (exit ${status}):\n${out}`))));
  });
}

/** The fenced blocks of one README section (`## ` or `### ` heading), in order, by language. */
function readmeBlocks(readme: string, heading: string): Array<{ lang: string; text: string }> {
  const start = readme.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`README.md has no section '${heading}'`);
  const rest = readme.slice(start + heading.length + 2);
  const section = rest.slice(0, rest.search(/\n##+ /) < 0 ? undefined : rest.search(/\n##+ /));
  return [...section.matchAll(/```(\w+)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1], text: m[2] }));
}

/**
 * Another project folder starting from the node_modules of `from`, so that its installs need no download
 * (they run with npm's --offline). `packageJson` is its package.json; without it, the one of `from`.
 */
function seed(from: string, to: string, packageJson?: object): void {
  fs.mkdirSync(to, { recursive: true });
  if (packageJson) {
    fs.writeFileSync(path.join(to, 'package.json'), JSON.stringify(packageJson, null, 2));
  } else {
    for (const f of ['package.json', 'package-lock.json']) fs.copyFileSync(path.join(from, f), path.join(to, f));
  }
  run('cp', ['-a', path.join(from, 'node_modules'), to], to);
}

const README_SECTION = '### Use it in an existing repository';

let work: string;
let packedFiles: string[];
let installedVersion: string;
const outputs: Record<string, ExampleOutput> = {};

beforeAll(async () => {
  assertLibraryBuilt();
  const root = repoRoot();
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-installed-'));
  const packed = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', work], root))[0];
  packedFiles = packed.files.map((f: any) => f.path).sort();
  const tarball = path.join(work, packed.filename);
  const spec = `platform-pipeline@file:${tarball}`;

  // the README's install, as written, with the package name replaced by the tarball
  const blocks = readmeBlocks(fs.readFileSync(path.join(root, 'README.md'), 'utf8'), README_SECTION);
  const [install, projenrc, synth] = [blocks[0], blocks[1], blocks[2]];
  if (blocks.length !== 3 || install.lang !== 'sh' || projenrc.lang !== 'ts' || synth.lang !== 'sh') {
    throw new Error(`README '${README_SECTION}': expected an sh block (install), a ts block (.projenrc.ts) and an sh block (synth), got ${blocks.map((b) => b.lang).join(', ')}`);
  }
  const repo = path.join(work, 'repo');
  fs.mkdirSync(repo);
  fs.writeFileSync(path.join(repo, 'package.json'), JSON.stringify({ name: 'hello-platform', private: true }, null, 2));
  run('bash', ['-euo', 'pipefail', '-c', install.text.replace(/(\s)platform-pipeline(\s)/, `$1${spec}$2`)], repo);
  installedVersion = JSON.parse(fs.readFileSync(path.join(repo, 'node_modules', 'platform-pipeline', 'package.json'), 'utf8')).version;

  const readme = path.join(work, 'readme');
  const created = path.join(work, 'checkout');
  seed(repo, readme);
  // as in an empty folder, where `projen new` installs projen, then the module: package.json names only these
  // two (projen takes the first devDependency other than projen for the module it was asked for)
  const projenVersion = JSON.parse(fs.readFileSync(path.join(repo, 'node_modules', 'projen', 'package.json'), 'utf8')).version;
  seed(repo, created, { devDependencies: { 'platform-pipeline': `file:${tarball}`, 'projen': projenVersion } });
  const offline = env({ npm_config_offline: 'true' });

  // 1. examples/minimal in the installed project
  const example = path.join(root, 'examples', 'minimal');
  fs.copyFileSync(path.join(example, '.projenrc.ts'), path.join(repo, '.projenrc.ts'));
  for (const dir of ['charts', 'app']) copyDir(path.join(example, dir), path.join(repo, dir));
  const tsconfig = path.join(work, 'tsconfig.projenrc.json');
  fs.copyFileSync(path.join(root, 'examples', 'tsconfig.json'), tsconfig);
  const minimal = runAsync(path.join(repo, 'node_modules', '.bin', 'ts-node'), ['--project', tsconfig, '.projenrc.ts'], repo, env({ PROJEN_DISABLE_POST: 'true' }));

  // 2. the README's .projenrc.ts and synth commands as written (the package.json entry for the tarball
  // stays, so projen's npm install after synth resolves without the registry); the chart it names is the
  // user's: examples/minimal's stands in for it
  fs.writeFileSync(path.join(readme, '.projenrc.ts'), projenrc.text);
  copyDir(path.join(example, 'charts', 'hello'), path.join(readme, 'helm', 'platform'));
  const readmeSynth = runAsync('bash', ['-euo', 'pipefail', '-c', synth.text], readme, offline);

  // 3. `projen new` in an empty folder (but for the copied node_modules), then `npx projen`, as on a
  // developer's machine: with CI set (as on a CI runner), projen installs with `npm ci`, which an empty
  // folder has no lockfile for
  const laptop = { ...offline };
  delete laptop.CI;
  const fresh = runAsync('npx', ['--no-install', 'projen', 'new', '--from', spec, 'platform-app', '--no-git'], created, laptop)
    .then(() => runAsync('npx', ['--no-install', 'projen'], created, laptop));

  // all three settle before any failure is reported, so that afterAll never removes a folder a synthesis
  // is still writing into
  const settled = await Promise.allSettled([minimal, readmeSynth, fresh]);
  const failed = settled.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed.length) throw failed[0].reason;
  outputs.minimal = readOutput('installed minimal', repo);
  outputs.readme = readOutput('README steps', readme);
  outputs['platform-app'] = readOutput('projen new platform-app', created);
}, 600_000);

afterAll(() => {
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

test('the tarball holds what a user needs and nothing else', () => {
  const top = [...new Set(packedFiles.map((f) => (f.includes('/') ? `${f.split('/')[0]}/` : f)))];
  expect(top).toEqual(['.jsii', 'API.md', 'LICENSE', 'README.md', 'lib/', 'node_modules/', 'package.json']);
  // compiled code: each module's .js with its .d.ts, nothing else (no sources, tests, maps, build info)
  const lib = packedFiles.filter((f) => f.startsWith('lib/'));
  expect(lib.filter((f) => !/\.(js|d\.ts)$/.test(f))).toEqual([]);
  expect(lib.filter((f) => f.endsWith('.js')).map((f) => f.replace(/\.js$/, '.d.ts')).filter((d) => !lib.includes(d))).toEqual([]);
  expect(lib).toContain('lib/index.js');
  expect(lib).toContain('lib/app/platform-project.js');
  // bundled: exactly the non-jsii runtime dependencies (and what they require)
  const bundled = [...new Set(packedFiles.filter((f) => f.startsWith('node_modules/')).map((f) => f.split('/').slice(0, f.split('/')[1].startsWith('@') ? 3 : 2).join('/')))];
  expect(bundled).toEqual(['node_modules/@lezer/common', 'node_modules/@lezer/highlight', 'node_modules/@lezer/lr', 'node_modules/@prometheus-io/lezer-promql', 'node_modules/yaml']);
});

test('Construct Hub: the .jsii documents every public type and carries description, keywords, repository and licence', () => {
  const jsii = JSON.parse(fs.readFileSync(path.join(work, 'repo', 'node_modules', 'platform-pipeline', '.jsii'), 'utf8'));
  expect(Object.values<any>(jsii.types).filter((t) => !t.docs?.summary).map((t) => t.fqn)).toEqual([]);
  // and every member: property, method, enum member
  const members = Object.values<any>(jsii.types).flatMap((t) =>
    [...(t.properties ?? []), ...(t.methods ?? []), ...(t.members ?? [])].map((m: any) => ({ name: `${t.fqn}.${m.name}`, docs: m.docs })));
  expect(members.length).toBeGreaterThan(500);
  expect(members.filter((m) => !m.docs?.summary).map((m) => m.name)).toEqual([]);
  expect(jsii.description.length).toBeGreaterThan(40);
  expect(jsii.keywords).toEqual(expect.arrayContaining(['cdk8s', 'projen', 'kubernetes']));
  expect(jsii.repository.url).toMatch(/^https:\/\/github\.com\//);
  expect(jsii.license).toBe('Apache-2.0');
  expect(jsii.types['platform-pipeline.PlatformProject'].docs.custom?.pjid).toBe('platform-app');
});

test('the package installs from its tarball with its bundled dependencies', () => {
  expect(installedVersion).toBeDefined();
  const pkg = path.join(work, 'repo', 'node_modules', 'platform-pipeline');
  expect(fs.existsSync(path.join(pkg, 'lib', 'index.js'))).toBe(true);
  expect(fs.existsSync(path.join(pkg, 'node_modules', 'yaml'))).toBe(true);
  expect(fs.existsSync(path.join(pkg, 'src'))).toBe(false);
});

test('synthesizes the same files as the committed examples/minimal', () => {
  const output = outputs.minimal;
  const committed = path.join(repoRoot(), 'examples', 'minimal');
  expect(output.files).toEqual(JSON.parse(fs.readFileSync(path.join(committed, '.projen', 'files.json'), 'utf8')).files);
  const differ = output.files.filter((f) => fs.readFileSync(path.join(committed, f), 'utf8') !== output.read(f));
  expect(differ).toEqual([]);
});

test('projen new --from <tarball> platform-app: a PlatformProject, its README, starter chart and pipeline; no projen workflow', () => {
  const o = outputs['platform-app'];
  const rc = fs.readFileSync(path.join(o.dir, '.projenrc.ts'), 'utf8');
  expect(rc).toContain('import { PlatformProject } from "platform-pipeline";');
  expect(rc).toContain('name: "checkout"');
  expect(o.files.filter((f) => f.startsWith('.github/'))).toEqual(['.github/workflows/checkout-pipeline.yml']);
  expect(o.files).toEqual(expect.arrayContaining(['helm/checkout/values-staging.yaml', 'deploy/checkout/production.k8s.yaml', 'docs/checkout-pipeline.md']));
  expect(fs.readFileSync(path.join(o.dir, 'README.md'), 'utf8')).toContain('## What is generated');
  expect(fs.existsSync(path.join(o.dir, 'charts', 'checkout', 'values.schema.json'))).toBe(true);
  expect(JSON.parse(o.read('package.json')).devDependencies.typescript).toBe('~5.9.3');
});

test('the README\'s steps write the pipeline of its checkout app', () => {
  const o = outputs.readme;
  expect(o.files).toEqual(expect.arrayContaining(['.github/workflows/checkout-pipeline.yml', 'helm/checkout/values-production.yaml', 'scripts/checkout/setup-environments.sh']));
  expect(o.files.filter((f) => f.startsWith('.github/workflows/'))).toEqual(['.github/workflows/checkout-pipeline.yml']);
});

// every conformance check on the installed outputs that no other test checks (minimal: byte-identical to the
// committed example, see the top); outputs declare what they do not generate in ABSENT_KINDS
const CASES = ['readme', 'platform-app'].flatMap((o) => [...OUTPUT_CHECKS, ACTIONLINT_CHECK].map((c) => [o, c.name, c] as const));
test.each(CASES)('installed output %s: %s', async (o, _, check) => {
  expect(await check.run(outputs[o])).toEqual(expectedFindings(check, o));
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
