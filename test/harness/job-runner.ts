/**
 * The script harness (DESIGN §2b): runs one job of a generated workflow as GitHub's runner would.
 *
 * - `run:` steps run under bash with the runner's default flags (`bash --noprofile --norc -eo pipefail`,
 *   or `sh -e` for `shell: sh`), with `GITHUB_OUTPUT`, `GITHUB_ENV`, `GITHUB_PATH`, `GITHUB_STEP_SUMMARY`,
 *   `RUNNER_TEMP` and the step's `env:` (expressions evaluated against the scenario), in a copy of the repo.
 * - `if:`, `continue-on-error`, step outcomes and conclusions, `success()`/`failure()`/`always()`/
 *   `cancelled()` behave as on GitHub; the job's `outputs:` are evaluated at the end.
 * - External tools are stubs on PATH (test/harness/stubs/stub.sh) that record their arguments and do what
 *   the scenario says; only a short list of real tools is reachable (coreutils, jq, tar, git, …), so a tool
 *   the scenario lacks is "command not found", as on a runner without it. Tools a script downloads come
 *   from fake releases (archives of stubs). The library pins each real asset's sha256; before a step runs,
 *   the harness swaps each pinned sum in its script for the sum of the fake asset served at the pinned URL
 *   (the generator is told nothing), so the install scripts run for real and a tampered asset fails them.
 *   `genuinePins` runs a script with the library's sums unchanged.
 * - `uses:` steps are simulated by test/harness/actions.ts from what each action's source does.
 */
import { spawnSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ArtifactStore, simulateAction } from './actions';
import { Contexts, evaluateCondition, interpolate, stringify } from './expressions';
import { TOOL_PINS } from '../../src/core/tool-pins.generated';
import { TOOLS } from '../../src/core/versions';
import { scratchDir } from '../scratch';

/** Tools that are real on the harness's PATH: the runner image's basics. Everything else is a stub. */
const REAL_TOOLS = [
  'bash', 'sh', 'env', 'cat', 'echo', 'printf', 'test', '[', 'mkdir', 'rm', 'rmdir', 'cp', 'mv', 'ln', 'ls', 'chmod',
  'install', 'mktemp', 'touch', 'head', 'tail', 'tr', 'cut', 'sort', 'uniq', 'wc', 'tee', 'sed', 'awk', 'grep', 'egrep',
  'find', 'xargs', 'basename', 'dirname', 'date', 'sha256sum', 'tar', 'gzip', 'gunzip', 'zip', 'unzip', 'jq', 'uname',
  'true', 'false', 'seq', 'expr', 'git', 'base64', 'od', 'diff', 'comm', 'paste', 'realpath', 'readlink', 'stat', 'id',
  'timeout', 'fold', 'rev', 'nproc', 'kill', 'md5sum', 'sha1sum', 'sha512sum', 'cmp', 'numfmt', 'file', 'hostname', 'yes',
];

/** Tools that get a stub by default (a scenario may remove one with `missing`). */
export const STUB_TOOLS = [
  'curl', 'wget', 'helm', 'kubectl', 'kubectl-argo-rollouts', 'cosign', 'trivy', 'grype', 'syft', 'gitleaks', 'trufflehog',
  'checkov', 'kubesec', 'semgrep', 'osv-scanner', 'gh', 'crane', 'oras', 'aws', 'gcloud', 'gke-gcloud-auth-plugin', 'az',
  'kubelogin', 'docker', 'yamllint', 'actionlint', 'promtool', 'kube-score', 'kubeconform', 'conftest', 'argocd', 'pip',
  'pip-audit', 'python', 'python3', 'pytest', 'npm', 'npx', 'node', 'go', 'kyverno', 'k6', 'kind', 'cilium', 'istioctl',
  'tflint', 'terraform', 'snyk', 'fossa', 'sleep', 'shellcheck', 'yq', 'google-chrome', 'sudo', 'apt-get', 'oscap-chroot',
  ...Object.values(TOOLS).map((t) => t.name),
].filter((t, i, all) => all.indexOf(t) === i);

/** The GitHub event a scenario runs under. */
export interface EventContext {
  /** `github.event_name` @default 'push' */
  readonly name?: string;
  /** `github.ref` @default 'refs/heads/main' */
  readonly ref?: string;
  /** `github.event` payload. @default {} */
  readonly payload?: Record<string, unknown>;
}

/** What a simulated action step does (by step id). */
export interface ActionBehaviour {
  /** @default 'success' */
  readonly outcome?: 'success' | 'failure';
  /** Outputs the step sets. */
  readonly outputs?: Record<string, string>;
}

/** The result of a needed job, as `needs.<job>` shows it. */
export interface NeedResult {
  readonly result: 'success' | 'failure' | 'cancelled' | 'skipped';
  readonly outputs?: Record<string, string>;
}

/** One scenario: the world a job runs in. */
export interface Scenario {
  readonly event?: EventContext;
  /** Bash snippets replacing a tool's behaviour (sourced by the stub with the call's arguments). */
  readonly tools?: Record<string, string>;
  /** Tools absent from the runner (no stub on PATH, not inside release archives). */
  readonly missing?: string[];
  /** Release assets (by file name) served with altered content: their checksum no longer matches. */
  readonly tampered?: string[];
  /**
   * Release assets (by file name) served with altered content by a compromised release: the checksum files
   * that release serves list the altered content's sum.
   */
  readonly compromised?: string[];
  /**
   * Run scripts with the sha256 sums the library pins, as generated (the fake release assets do not match
   * them). By default each pinned sum is swapped for the sum of the harness's fake asset at the pinned URL.
   */
  readonly genuinePins?: boolean;
  /** HTTP answers for curl: URL regular expression, exit code, body fixture name. */
  readonly http?: { match: string; exit: number; body?: string }[];
  /** Fixture files the behaviours read as "${FIXTURES}/<name>". */
  readonly fixtures?: Record<string, string>;
  /** Simulated action steps by step id. */
  readonly actions?: Record<string, ActionBehaviour>;
  /** Results and outputs of the needed jobs. @default every needed job succeeded with no outputs */
  readonly needs?: Record<string, NeedResult>;
  /** What the pipeline's `<app>-changes` job answered (does the run concern the app?). @default true */
  readonly changed?: boolean;
  readonly secrets?: Record<string, string>;
  readonly vars?: Record<string, string>;
  /** The run is cancelled after this step (later steps see `cancelled()`). */
  readonly cancelAfter?: string;
  /**
   * The deploying branch has moved on: a commit after the run's exists as `refs/remotes/origin/main` (a
   * full-history checkout of an old run sees it), while HEAD stays at the run's commit.
   */
  readonly newerCommit?: boolean;
  /** Files written into the workspace before the job (relative path → content). */
  readonly files?: Record<string, string>;
  /** Artifacts uploaded by earlier jobs of the run (shared between runJob calls). */
  readonly artifacts?: ArtifactStore;
}

/** The result of one step. */
export interface StepResult {
  readonly id: string;
  readonly outcome: 'success' | 'failure' | 'skipped';
  readonly conclusion: 'success' | 'failure' | 'skipped';
  readonly outputs: Record<string, string>;
  readonly stdout: string;
  readonly stderr: string;
}

/** One recorded call of a stubbed tool. */
export interface ToolCall {
  readonly tool: string;
  readonly args: string[];
}

/** The result of running a job. */
export interface JobResult {
  readonly conclusion: 'success' | 'failure' | 'skipped';
  readonly steps: StepResult[];
  readonly outputs: Record<string, string>;
  readonly calls: ToolCall[];
  /** Everything the steps wrote to `GITHUB_STEP_SUMMARY`. */
  readonly summary: string;
  /** stdout and stderr of every step, for failure messages. */
  readonly log: string;
  /** The workspace after the job (removed by `cleanup()`). */
  readonly workspace: string;
  /** A step by id (throws when there is none). */
  step(id: string): StepResult;
  /** Calls of one tool. */
  callsOf(tool: string): string[][];
}

/** Fake releases, shared by the runs of one process that lack the same tools. */
function releasesDir(root: string, missing: string[]): string {
  const key = missing.length === 0 ? 'all' : missing.sort().join('+');
  return path.join(root, `releases-${process.pid}`, key);
}

/** Bash builtins among the real tools: `command -v` names no file for them, so they get no link. */
const BASH_BUILTINS = new Set(['echo', 'printf', 'test', '[', 'true', 'false', 'kill']);

/** The first executable `name` on this process's PATH (what `command -v` finds for a non-builtin). */
function which(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (!dir.startsWith('/')) continue;
    const p = path.join(dir, name);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      if (fs.statSync(p).isFile()) return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * The real tools, linked into one directory per process. Looked up in this process, not in a shell: a
 * process per tool costs seconds here.
 */
function realBin(root: string): string {
  const dir = path.join(root, 'realbin');
  if (fs.existsSync(path.join(dir, '.complete'))) return dir;
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  for (const tool of REAL_TOOLS) {
    const where = BASH_BUILTINS.has(tool) ? undefined : which(tool);
    if (where) fs.symlinkSync(where, path.join(dir, tool));
  }
  fs.writeFileSync(path.join(dir, '.complete'), '');
  return dir;
}

let python3: string | null | undefined;
/** The real python3 (looked up once per process), or undefined when there is none. */
function python3Path(): string | undefined {
  if (python3 === undefined) python3 = which('python3') ?? null;
  return python3 ?? undefined;
}

/**
 * The stub tools for runs that lack `missing`, made once per process and set of missing tools (a run only
 * adds its own world: calls.log, behaviours, fixtures, responses). `bin/` holds a link per stubbed tool for
 * PATH, `stage/` the stubs a fake release archive holds, `missing/` a marker per missing tool, `defaults/`
 * the harness's default behaviours, `real/` the real helm, promtool and python3 some defaults hand over to.
 * The stubs find it through HARNESS_KIT, set for every step.
 */
function stubKit(root: string, missing: string[]): string {
  const key = missing.length === 0 ? 'all' : [...missing].sort().join('+');
  const kit = path.join(root, `kit-${key}`);
  if (fs.existsSync(path.join(kit, '.complete'))) return kit;
  fs.rmSync(kit, { recursive: true, force: true });
  for (const d of ['bin', 'stage', 'missing', 'real']) fs.mkdirSync(path.join(kit, d), { recursive: true });
  const stubsSrc = path.join(__dirname, 'stubs');
  const stub = fs.readFileSync(path.join(stubsSrc, 'stub.sh'), 'utf8');
  fs.writeFileSync(path.join(kit, 'stub.sh'), stub, { mode: 0o755 });
  copyTree(path.join(stubsSrc, 'defaults'), path.join(kit, 'defaults'));
  fs.writeFileSync(path.join(kit, 'tools.list'), STUB_TOOLS.filter((t) => t !== 'sleep' && t !== 'curl').join('\n') + '\n');
  const gone = new Set(missing);
  for (const tool of STUB_TOOLS) {
    if (gone.has(tool)) {
      fs.writeFileSync(path.join(kit, 'missing', tool), '');
      continue;
    }
    fs.symlinkSync(path.join(kit, 'stub.sh'), path.join(kit, 'bin', tool));
    if (tool !== 'sleep' && tool !== 'curl') fs.writeFileSync(path.join(kit, 'stage', tool), stub, { mode: 0o755 });
  }
  const toolsBin = path.join(__dirname, '..', '..', '.tools', 'bin');
  for (const real of ['helm', 'promtool']) {
    const p = path.join(toolsBin, real);
    if (fs.existsSync(p)) fs.symlinkSync(fs.realpathSync(p), path.join(kit, 'real', real));
  }
  const python = python3Path();
  if (python) fs.symlinkSync(python, path.join(kit, 'real', 'python3'));
  fs.writeFileSync(path.join(kit, '.complete'), '');
  return kit;
}

/**
 * This process's harness directory. Per process: jest runs test files in parallel workers, and one file's
 * cleanup must not remove the workspaces of a job another worker is running.
 */
function harnessRoot(): string {
  return scratchDir(path.join('harness', `pid-${process.pid}`));
}

/** Copies a directory tree, without `node_modules` and `.git`. */
function copyTree(src: string, dst: string): void {
  fs.mkdirSync(dst, { recursive: true });
  for (const e of fs.readdirSync(src, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name === '.git') continue;
    const s = path.join(src, e.name);
    const d = path.join(dst, e.name);
    if (e.isDirectory()) copyTree(s, d);
    else if (e.isFile()) fs.copyFileSync(s, d);
  }
}

/**
 * Copies a directory tree as it is (.git included), with timestamps, so that git sees an unchanged index.
 * fs.cpSync does the same at several times the cost (a few stat calls per entry).
 */
function copyAll(src: string, dst: string): void {
  fs.mkdirSync(dst, { recursive: true });
  for (const e of fs.readdirSync(src, { withFileTypes: true })) {
    const s = path.join(src, e.name);
    const d = path.join(dst, e.name);
    if (e.isDirectory()) {
      copyAll(s, d);
    } else if (e.isSymbolicLink()) {
      fs.symlinkSync(fs.readlinkSync(s), d);
    } else {
      fs.copyFileSync(s, d);
      const st = fs.statSync(s);
      fs.utimesSync(d, st.atime, st.mtime);
    }
  }
}

/**
 * Copies `repo` to `workspace`, adds `files`, and commits everything in a fresh git repository, then an
 * empty commit on top (the run's commit, whose parent holds the same tree); returns the run's commit.
 */
function gitWorkspace(repo: string, files: Record<string, string>, workspace: string): string {
  copyTree(repo, workspace);
  for (const [rel, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(workspace, rel)), { recursive: true });
    fs.writeFileSync(path.join(workspace, rel), content);
  }
  // no template (no sample hooks) and no reflogs: every file here is copied for every run of the process
  const git = spawnSync('bash', ['-c', 'git init -q --template= -b main . && git config core.logAllRefUpdates false && git -c user.email=ci@example.invalid -c user.name=ci add -A && git -c user.email=ci@example.invalid -c user.name=ci commit -q -m harness && git -c user.email=ci@example.invalid -c user.name=ci commit -q --allow-empty -m run && git rev-parse HEAD'], { cwd: workspace, encoding: 'utf8' });
  const sha = git.stdout.trim();
  if (git.status !== 0 || !/^[0-9a-f]{40}$/.test(sha)) throw new Error(`git init of the workspace failed (exit ${git.status}): ${git.stderr}`);
  return sha;
}

/** Committed copies of a repository without scenario files, made once per process and repository. */
const checkouts = new Map<string, { dir: string; sha: string }>();

/**
 * The job's workspace: `repo` plus the scenario's files, committed. Without scenario files (most jobs), the
 * repository is committed once per process and the job gets a byte-identical copy of that (work tree and
 * .git), which spares the git processes; with scenario files, they are committed with the repository.
 * @returns the commit sha
 */
function checkout(repo: string, files: Record<string, string>, workspace: string, root: string): string {
  if (Object.keys(files).length > 0) return gitWorkspace(repo, files, workspace);
  let c = checkouts.get(repo);
  if (!c || !fs.existsSync(c.dir)) {
    const dir = path.join(fs.mkdtempSync(path.join(root, 'checkout-')), 'repo');
    c = { dir, sha: gitWorkspace(repo, {}, dir) };
    // one pack instead of a file per object: a third of the files each copy would make
    const packed = spawnSync('git', ['repack', '-a', '-d', '-q'], { cwd: dir, encoding: 'utf8' });
    if (packed.status !== 0) throw new Error(`git repack of the workspace failed: ${packed.stderr}`);
    checkouts.set(repo, c);
  }
  copyAll(c.dir, workspace);
  return c.sha;
}

/** Parses a `GITHUB_OUTPUT` / `GITHUB_ENV` file (`k=v` lines and `k<<EOF` blocks). */
export function parseKeyValueFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line === '') continue;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const value: string[] = [];
      i++;
      while (i < lines.length && lines[i] !== heredoc[2]) value.push(lines[i++]);
      if (i >= lines.length) throw new Error(`unterminated ${heredoc[1]}<<${heredoc[2]} block`);
      out[heredoc[1]] = value.join('\n');
      continue;
    }
    const eq = line.indexOf('=');
    if (eq <= 0) throw new Error(`malformed line ${JSON.stringify(line)} (GitHub rejects it: "Invalid format")`);
    out[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return out;
}

/** Where to find the repository a job checks out. */
export interface RunOptions {
  /** The repository root the job checks out (copied into a fresh workspace). */
  readonly repo: string;
  /** Environment of the workflow (`env:` at the top). */
  readonly workflowEnv?: Record<string, string>;
}

type NeedsContext = Record<string, { result: string; outputs: Record<string, string> }>;

/**
 * `needs.<job>` as the job sees it: the scenario's results and outputs, by default a success with no outputs
 * (and, for the pipeline's `<app>-changes` job, the scenario's `changed`).
 */
function needsContext(job: any, jobId: string, scenario: Scenario): NeedsContext {
  const needed: string[] = job.needs === undefined ? [] : Array.isArray(job.needs) ? job.needs : [job.needs];
  for (const n of Object.keys(scenario.needs ?? {})) {
    if (!needed.includes(n)) throw new Error(`scenario gives needs.${n}, but ${jobId} does not need it (needs: ${needed.join(', ')})`);
  }
  const needs: NeedsContext = {};
  for (const n of needed) {
    const given = scenario.needs?.[n];
    const defaults: Record<string, string> = n.endsWith('-changes') ? { changed: String(scenario.changed ?? true) } : {};
    needs[n] = { result: given?.result ?? 'success', outputs: given?.outputs ?? defaults };
  }
  return needs;
}

/**
 * A job whose own condition is false (or whose needed jobs failed or were skipped) does not start: decided
 * before any workspace is made. Its condition may read only `github`, `needs`, `vars` and status functions.
 */
function earlySkip(job: any, jobId: string, scenario: Scenario): JobResult | undefined {
  const needs = needsContext(job, jobId, scenario);
  const failedNeed = Object.values(needs).some((n) => n.result === 'failure' || n.result === 'cancelled');
  const skippedNeed = Object.values(needs).some((n) => n.result === 'skipped');
  const cond = job.if === undefined ? undefined : String(job.if);
  const event = scenario.event ?? {};
  const ref = event.ref ?? 'refs/heads/main';
  const github = {
    event_name: event.name ?? 'push',
    ref,
    ref_name: ref.replace(/^refs\/(heads|tags)\//, ''),
    ref_type: ref.startsWith('refs/tags/') ? 'tag' : 'branch',
    // the run's repository, as in the steps' context below (a same-repository pull request names it)
    repository: 'acme/platform',
    event: { repository: { fork: false }, ...(event.payload ?? {}) },
  };
  const runs = cond === undefined
    ? !failedNeed && !skippedNeed
    : evaluateCondition(cond, { github, needs, vars: scenario.vars ?? {} }, { status: { failed: failedNeed, cancelled: false } })
      && (/\b(always|failure|cancelled)\s*\(/.test(cond) || !skippedNeed);
  if (runs) return undefined;
  return {
    conclusion: 'skipped',
    steps: [],
    outputs: {},
    calls: [],
    summary: '',
    log: `${jobId}: skipped`,
    workspace: '',
    step: (id) => { throw new Error(`${jobId} was skipped; no step ${id}`); },
    callsOf: () => [],
  };
}

/** Runs job `jobId` of a parsed workflow under a scenario. */
export function runJob(workflow: any, jobId: string, scenario: Scenario, options: RunOptions): JobResult {
  const job = workflow.jobs?.[jobId];
  if (!job) throw new Error(`no job ${jobId}; jobs are ${Object.keys(workflow.jobs ?? {}).join(', ')}`);
  const skipped = earlySkip(job, jobId, scenario);
  if (skipped) return skipped;
  const root = harnessRoot();
  const run = fs.mkdtempSync(path.join(root, `${jobId}-`));
  const harness = path.join(run, 'harness');
  const workspace = path.join(run, 'workspace');
  const temp = path.join(run, 'runner-temp');
  for (const d of [harness, temp, path.join(harness, 'behaviours'), path.join(harness, 'fixtures')]) {
    fs.mkdirSync(d, { recursive: true });
  }
  // a git repository, as after actions/checkout (with the scenario's files committed)
  const sha = checkout(options.repo, scenario.files ?? {}, workspace, root);
  if (scenario.newerCommit) {
    const g = spawnSync('bash', ['-c', 'git -c user.email=ci@example.invalid -c user.name=ci commit -q --allow-empty -m newer && git update-ref refs/remotes/origin/main HEAD && git reset -q --hard HEAD~1'], { cwd: workspace, encoding: 'utf8' });
    if (g.status !== 0) throw new Error(`making the newer commit failed: ${g.stderr}`);
  }

  // the stubs: the tools (shared by the runs of this process that lack the same tools) and this run's world
  const missing = new Set(scenario.missing ?? []);
  const kit = stubKit(root, [...missing]);
  fs.writeFileSync(path.join(harness, 'calls.log'), '');
  fs.writeFileSync(path.join(harness, 'tampered.list'), (scenario.tampered ?? []).join('\n') + '\n');
  fs.writeFileSync(path.join(harness, 'compromised.list'), (scenario.compromised ?? []).join('\n') + '\n');
  fs.writeFileSync(path.join(harness, 'http.tsv'), (scenario.http ?? []).map((h) => `${h.match}\t${h.exit}\t${h.body ?? ''}`).join('\n') + '\n');
  for (const [tool, snippet] of Object.entries(scenario.tools ?? {})) {
    if (!STUB_TOOLS.includes(tool)) throw new Error(`scenario gives a behaviour for ${tool}, which is not a stubbed tool; add it to STUB_TOOLS`);
    fs.writeFileSync(path.join(harness, 'behaviours', `${tool}.sh`), snippet + '\n');
  }
  for (const [name, content] of Object.entries(scenario.fixtures ?? {})) fs.writeFileSync(path.join(harness, 'fixtures', name), content);

  const event = scenario.event ?? {};
  const eventName = event.name ?? 'push';
  const ref = event.ref ?? 'refs/heads/main';
  const github = {
    event_name: eventName,
    ref,
    ref_name: ref.replace(/^refs\/(heads|tags)\//, ''),
    ref_type: ref.startsWith('refs/tags/') ? 'tag' : 'branch',
    sha,
    repository: 'acme/platform',
    repository_owner: 'acme',
    actor: 'octocat',
    run_id: '4242',
    run_number: '7',
    run_attempt: '1',
    server_url: 'https://github.com',
    api_url: 'https://api.github.com',
    workflow: workflow.name ?? 'pipeline',
    job: jobId,
    token: 'ghs_harness',
    event: { repository: { fork: false }, ...(event.payload ?? {}) },
    workspace,
    head_ref: '',
    base_ref: '',
  };
  const needsCtx = needsContext(job, jobId, scenario);

  const env: Record<string, string> = {};
  const githubEnv: Record<string, string> = {};
  const pathAdds: string[] = [];
  const stepsCtx: Record<string, { outcome: string; conclusion: string; outputs: Record<string, string> }> = {};
  const results: StepResult[] = [];
  const artifacts: ArtifactStore = scenario.artifacts ?? new Map();
  const runnerCtx = { temp, os: 'Linux', arch: 'X64', name: 'harness', tool_cache: path.join(run, 'toolcache') };
  let failed = false;
  let cancelled = false;
  let summary = '';
  const log: string[] = [];

  const ctx = (): Contexts => ({
    github,
    needs: needsCtx,
    steps: stepsCtx,
    runner: runnerCtx,
    secrets: { GITHUB_TOKEN: 'ghs_harness', ...(scenario.secrets ?? {}) },
    vars: scenario.vars ?? {},
    inputs: {},
    matrix: {},
    strategy: {},
    env: { ...options.workflowEnv, ...env, ...githubEnv },
    job: { status: cancelled ? 'cancelled' : failed ? 'failure' : 'success' },
  });
  const hashFiles = (patterns: string[]) => {
    const r = spawnSync('bash', ['-c', 'shopt -s globstar nullglob; for p in "$@"; do for f in $p; do [ -f "$f" ] && echo "$f"; done; done', 'x', ...patterns], { cwd: workspace, encoding: 'utf8' });
    return r.stdout.trim() === '' ? '' : 'hash-' + r.stdout.trim().split('\n').length;
  };
  const evalOpts = () => ({ status: { failed, cancelled }, hashFiles });

  const finish = (conclusion: JobResult['conclusion'], outputs: Record<string, string>): JobResult => {
    const calls = fs.readFileSync(path.join(harness, 'calls.log'), 'utf8').split('\n').filter((l) => l !== '').map((l) => {
      const [tool, ...args] = l.split('\x1f');
      return { tool, args };
    });
    return {
      conclusion,
      steps: results,
      outputs,
      calls,
      summary,
      log: log.join('\n'),
      workspace,
      step: (id) => {
        const s = results.find((r) => r.id === id);
        if (!s) throw new Error(`no step ${id} in ${jobId}; steps: ${results.map((r) => r.id).join(', ')}`);
        return s;
      },
      callsOf: (tool) => calls.filter((c) => c.tool === tool).map((c) => c.args),
    };
  };
  // a job calling a reusable workflow: the harness does not run the called workflow; it succeeds
  if (job.uses) return finish('success', {});

  for (const [k, v] of Object.entries(job.env ?? {})) env[k] = interpolate(String(v), ctx(), evalOpts());

  for (const step of job.steps ?? []) {
    const id: string = step.id;
    if (!id) throw new Error(`${jobId}: a step without an id`);
    const runs = evaluateCondition(step.if === undefined ? undefined : String(step.if), ctx(), evalOpts());
    if (!runs) {
      stepsCtx[id] = { outcome: 'skipped', conclusion: 'skipped', outputs: {} };
      results.push({ id, outcome: 'skipped', conclusion: 'skipped', outputs: {}, stdout: '', stderr: '' });
      if (scenario.cancelAfter === id) cancelled = true;
      continue;
    }
    const stepEnv: Record<string, string> = {};
    for (const [k, v] of Object.entries(step.env ?? {})) stepEnv[k] = interpolate(String(v), ctx(), evalOpts());
    let outcome: 'success' | 'failure';
    let outputs: Record<string, string> = {};
    let stdout = '';
    let stderr = '';
    if (step.run !== undefined) {
      const generated = interpolate(String(step.run), ctx(), evalOpts());
      const script = scenario.genuinePins ? generated : repinToFakeReleases(generated, harness, kit, releasesDir(root, [...missing]), realBin(root));
      const file = path.join(run, `step-${id}.sh`);
      fs.writeFileSync(file, script);
      const files = { output: path.join(run, `output-${id}`), env: path.join(run, `env-${id}`), path: path.join(run, `path-${id}`), summary: path.join(run, `summary-${id}`) };
      for (const f of Object.values(files)) fs.writeFileSync(f, '');
      const shell = String(step.shell ?? job.defaults?.run?.shell ?? workflow.defaults?.run?.shell ?? 'bash');
      const argv = shell === 'bash' ? ['bash', ['--noprofile', '--norc', '-eo', 'pipefail', file]]
        : shell === 'sh' ? ['sh', ['-e', file]]
          : (() => { throw new Error(`${jobId}/${id}: shell ${shell} is not supported by the harness`); })();
      const PATH = [...pathAdds.slice().reverse(), path.join(kit, 'bin'), realBin(root)].join(':');
      const r = spawnSync(argv[0] as string, argv[1] as string[], {
        cwd: step['working-directory'] ? path.join(workspace, step['working-directory']) : workspace,
        encoding: 'utf8',
        timeout: 120_000,
        env: {
          PATH,
          HOME: path.join(run, 'home'),
          LANG: 'C.UTF-8',
          CI: 'true',
          GITHUB_ACTIONS: 'true',
          HARNESS_DIR: harness,
          HARNESS_KIT: kit,
          HARNESS_RELEASES: releasesDir(root, [...missing]),
          GITHUB_OUTPUT: files.output,
          GITHUB_ENV: files.env,
          GITHUB_PATH: files.path,
          GITHUB_STEP_SUMMARY: files.summary,
          GITHUB_WORKSPACE: workspace,
          GITHUB_SHA: sha,
          GITHUB_REF: ref,
          GITHUB_REF_NAME: github.ref_name,
          GITHUB_REF_TYPE: github.ref_type,
          GITHUB_EVENT_NAME: eventName,
          GITHUB_REPOSITORY: github.repository,
          GITHUB_REPOSITORY_OWNER: 'acme',
          GITHUB_RUN_ID: github.run_id,
          GITHUB_RUN_NUMBER: github.run_number,
          GITHUB_RUN_ATTEMPT: '1',
          GITHUB_SERVER_URL: github.server_url,
          GITHUB_API_URL: github.api_url,
          GITHUB_JOB: jobId,
          GITHUB_ACTOR: 'octocat',
          GITHUB_WORKFLOW: github.workflow,
          RUNNER_TEMP: temp,
          RUNNER_OS: 'Linux',
          RUNNER_ARCH: 'X64',
          ACTIONS_ID_TOKEN_REQUEST_URL: 'https://token.actions.example/token?x=1',
          ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'oidc-request-token',
          ...options.workflowEnv,
          ...env,
          ...githubEnv,
          ...stepEnv,
        },
      });
      stdout = r.stdout ?? '';
      stderr = (r.stderr ?? '') + (r.error ? `\nharness: ${r.error.message}` : '');
      outcome = r.status === 0 ? 'success' : 'failure';
      try {
        outputs = parseKeyValueFile(fs.readFileSync(files.output, 'utf8'));
        Object.assign(githubEnv, parseKeyValueFile(fs.readFileSync(files.env, 'utf8')));
      } catch (e: any) {
        stderr += `\nharness: ${e.message}`;
        outcome = 'failure';
      }
      for (const line of fs.readFileSync(files.path, 'utf8').split('\n')) if (line.trim()) pathAdds.push(line.trim());
      summary += fs.readFileSync(files.summary, 'utf8');
    } else if (step.uses !== undefined) {
      const inputs: Record<string, string> = {};
      for (const [k, v] of Object.entries(step.with ?? {})) inputs[k] = interpolate(stringify(v), ctx(), evalOpts());
      const sim = simulateAction(String(step.uses), inputs, { workspace, artifacts, jobId, stepId: id, temp, behaviour: scenario.actions?.[id] });
      outcome = sim.outcome;
      outputs = sim.outputs;
      stdout = sim.log;
      for (const p of sim.addPath ?? []) pathAdds.push(p);
    } else {
      throw new Error(`${jobId}/${id}: a step with neither run nor uses`);
    }
    const conclusion = outcome === 'failure' && truthyContinue(step['continue-on-error'], ctx()) ? 'success' : outcome;
    if (conclusion === 'failure') failed = true;
    stepsCtx[id] = { outcome, conclusion, outputs };
    results.push({ id, outcome, conclusion, outputs, stdout, stderr });
    log.push(`--- ${jobId}/${id}: ${outcome}${conclusion !== outcome ? ` (continue-on-error: ${conclusion})` : ''}`, stdout.trim(), stderr.trim());
    if (scenario.cancelAfter === id) cancelled = true;
  }
  const jobOutputs: Record<string, string> = {};
  for (const [k, v] of Object.entries(job.outputs ?? {})) jobOutputs[k] = interpolate(String(v), ctx(), evalOpts());
  return finish(cancelled ? 'failure' : failed ? 'failure' : 'success', jobOutputs);
}

/** The runner architecture as release assets name it (the installers map `uname -m` the same way). */
const HARNESS_ARCH = os.arch() === 'arm64' ? 'arm64' : 'amd64';

/**
 * The script with every pinned sha256 (src/core/tool-pins.generated.ts) of this runner's architecture that
 * it names replaced by the sha256 of the harness's fake asset at the pin's URL, built by the curl stub as a
 * download would (its call is not recorded). A pinned URL the fake releases do not serve keeps its sum.
 */
function repinToFakeReleases(script: string, harness: string, kit: string, releases: string, real: string): string {
  let out = script;
  for (const pin of TOOL_PINS) {
    if (pin.arch !== HARNESS_ARCH || !out.includes(pin.sha256)) continue;
    const file = path.join(releases, pin.url.replace(/^https:\/\//, ''));
    if (!fs.existsSync(file)) {
      const calls = fs.readFileSync(path.join(harness, 'calls.log'));
      spawnSync(path.join(kit, 'bin', 'curl'), ['--fail', '--output', '/dev/null', pin.url], {
        env: { PATH: real, HARNESS_DIR: harness, HARNESS_KIT: kit, HARNESS_RELEASES: releases, LANG: 'C.UTF-8' }, encoding: 'utf8',
      });
      fs.writeFileSync(path.join(harness, 'calls.log'), calls);
    }
    if (!fs.existsSync(file)) continue;
    const fake = createHash('sha256').update(fs.readFileSync(file)).digest('hex');
    out = out.split(pin.sha256).join(fake);
  }
  return out;
}

function truthyContinue(v: unknown, ctx: Contexts): boolean {
  if (v === undefined || v === null || v === false) return false;
  if (v === true) return true;
  return interpolate(String(v), ctx) === 'true';
}

/** Removes this process's harness files. */
export function cleanupHarness(): void {
  fs.rmSync(harnessRoot(), { recursive: true, force: true });
  checkouts.clear();
}

/** A temp dir outside the harness, for tests. */
export function harnessTmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'pp-harness-'));
}

/**
 * Runs every job of a workflow in `needs` order, as one run: each job sees the results and outputs of the
 * jobs it needs, and the artifacts of the jobs before it. `scenarioFor` gives each job's world (tools,
 * secrets, …); the event and the artifacts are the run's.
 */
export function runWorkflow(
  workflow: any, event: EventContext, scenarioFor: (jobId: string) => Scenario, options: RunOptions,
): Map<string, JobResult> {
  const results = new Map<string, JobResult>();
  const artifacts: ArtifactStore = new Map();
  const pending = Object.keys(workflow.jobs);
  const needsOf = (id: string): string[] => {
    const n = workflow.jobs[id].needs;
    return n === undefined ? [] : Array.isArray(n) ? n : [n];
  };
  while (pending.length > 0) {
    const next = pending.findIndex((id) => needsOf(id).every((n) => results.has(n)));
    if (next < 0) throw new Error(`jobs wait for each other: ${pending.join(', ')}`);
    const id = pending.splice(next, 1)[0];
    const needs: Record<string, NeedResult> = {};
    for (const n of needsOf(id)) {
      const r = results.get(n)!;
      needs[n] = { result: r.conclusion, outputs: r.outputs };
    }
    results.set(id, runJob(workflow, id, { ...scenarioFor(id), event, artifacts, needs }, options));
  }
  return results;
}