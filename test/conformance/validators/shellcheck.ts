/**
 * Debian `shellcheck` over the `run:` scripts of a workflow and over standalone scripts
 * (validators.md §2.3).
 */
import * as fs from 'fs';
import * as path from 'path';
import { runTool } from './exec';
import { tmpDir } from './paths';

/** The exclusions native actionlint uses for `${{ }}` placeholders (validators.md §2.3). */
export const SHELLCHECK_EXCLUDES = 'SC1091,SC2194,SC2050,SC2154,SC2157';

/** shellcheck `--severity` levels, most to least severe. */
export type ShellcheckSeverity = 'error' | 'warning' | 'info' | 'style';

/** Options for {@link shellcheckWorkflow} and {@link shellcheckScript}. */
export interface ShellcheckOptions {
  /** minimum severity to report; default `style` (everything, like actionlint) */
  readonly severity?: ShellcheckSeverity;
}

type Dialect = 'bash' | 'sh';
type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function runsOnWindows(job: Obj): boolean {
  const runsOn = job['runs-on'];
  const labels = Array.isArray(runsOn) ? runsOn : isObj(runsOn) ? [runsOn.labels].flat() : [runsOn];
  return labels.some((l) => typeof l === 'string' && /windows/i.test(l));
}

function shellOf(v: unknown): string | undefined {
  return isObj(v) && isObj(v.run) && typeof v.run.shell === 'string' ? v.run.shell : undefined;
}

/**
 * Maps a `shell:` value to a shellcheck dialect, or undefined for shells shellcheck cannot check
 * (pwsh, powershell, cmd, python, custom interpreters).
 * @param shell the `shell:` value, e.g. `bash`, `sh`, `bash -e {0}`
 */
export function dialectOf(shell: string): Dialect | undefined {
  const cmd = shell.trim().split(/\s+/)[0].split('/').pop() ?? '';
  if (cmd === 'bash') return 'bash';
  if (cmd === 'sh' || cmd === 'dash') return 'sh';
  return undefined;
}

function check(script: string, dialect: Dialect, severity: ShellcheckSeverity): string[] {
  const r = runTool('shellcheck', ['-s', dialect, '-S', severity, '-f', 'gcc', '-e', SHELLCHECK_EXCLUDES, '-'], { input: script });
  if (r.rc === 0) return [];
  const lines = r.stdout.split('\n').map((l) => l.trim()).filter((l) => l.length > 0);
  if (r.rc === 1 && lines.length > 0) return lines;
  throw new Error(`shellcheck failed (exit ${r.rc}): ${r.stderr || r.stdout}`);
}

/**
 * Checks many scripts with one shellcheck process per dialect (a process per script costs ~0.1 s here, and
 * a workflow has dozens of `run:` steps). Each script is written to its own file; shellcheck's gcc-format
 * lines (`<file>:<line>:<col>: <level>: <message> [SCnnnn]`) are mapped back to the script they belong to,
 * with the file name replaced by `-` so a finding reads as it does for a script on stdin.
 * @returns findings per script, in the order given (empty arrays for clean scripts)
 */
function checkMany(scripts: ReadonlyArray<{ script: string; dialect: Dialect }>, severity: ShellcheckSeverity): string[][] {
  const findings: string[][] = scripts.map(() => []);
  if (scripts.length === 0) return findings;
  const dir = fs.mkdtempSync(path.join(tmpDir('shellcheck'), 'run-'));
  try {
    const files = scripts.map((s, i) => {
      const file = path.join(dir, `s${i}.sh`);
      fs.writeFileSync(file, s.script);
      return file;
    });
    for (const dialect of ['bash', 'sh'] as const) {
      const mine = scripts.map((_, i) => i).filter((i) => scripts[i].dialect === dialect);
      if (mine.length === 0) continue;
      const r = runTool('shellcheck', ['-s', dialect, '-S', severity, '-f', 'gcc', '-e', SHELLCHECK_EXCLUDES, ...mine.map((i) => files[i])]);
      if (r.rc === 0) continue;
      const lines = r.stdout.split('\n').map((l) => l.trim()).filter((l) => l.length > 0);
      if (r.rc !== 1 || lines.length === 0) throw new Error(`shellcheck failed (exit ${r.rc}): ${r.stderr || r.stdout}`);
      for (const line of lines) {
        const m = /^(.*?\/s(\d+)\.sh):(\d+:\d+: .*)$/.exec(line);
        const i = m ? Number(m[2]) : NaN;
        if (!m || m[1] !== files[i] || scripts[i].dialect !== dialect) throw new Error(`shellcheck: cannot tell which script this finding is about: ${line}`);
        findings[i].push(`-:${m[3]}`);
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return findings;
}

/**
 * Runs shellcheck on every `run:` step of a parsed workflow whose shell is bash or sh (step `shell`,
 * else job `defaults.run.shell`, else workflow `defaults.run.shell`, else bash, or pwsh on Windows
 * runners). `${{ … }}` expressions are replaced with the word `GHA_EXPR` first.
 * @param workflow the workflow as a plain object (e.g. `YAML.parse(text)`)
 * @param opts minimum severity
 * @returns findings like `job build, step "Test": -:2:1: error: Couldn't find 'fi' … [SC1046]`
 */
export function shellcheckWorkflow(workflow: unknown, opts: ShellcheckOptions = {}): string[] {
  if (!isObj(workflow) || !isObj(workflow.jobs)) throw new Error('shellcheckWorkflow: not a workflow object (no `jobs:` mapping)');
  const steps: Array<{ where: string; script: string; dialect: Dialect }> = [];
  const wfShell = shellOf(workflow.defaults);
  for (const [jobId, job] of Object.entries(workflow.jobs)) {
    if (!isObj(job) || !Array.isArray(job.steps)) continue; // reusable-workflow call: no steps
    const jobShell = shellOf(job.defaults) ?? wfShell;
    job.steps.forEach((step: unknown, i: number) => {
      if (!isObj(step) || typeof step.run !== 'string') return;
      const shell = typeof step.shell === 'string' ? step.shell : jobShell ?? (runsOnWindows(job) ? 'pwsh' : 'bash');
      const dialect = dialectOf(shell);
      if (!dialect) return;
      const label = typeof step.id === 'string' ? `id ${step.id}` : typeof step.name === 'string' ? `"${step.name}"` : `#${i + 1}`;
      steps.push({ where: `job ${jobId}, step ${label}`, script: step.run.replace(/\$\{\{[\s\S]*?\}\}/g, 'GHA_EXPR'), dialect });
    });
  }
  // every run: script of the workflow in one shellcheck process per dialect
  const found = checkMany(steps, opts.severity ?? 'style');
  return steps.flatMap((s, i) => found[i].map((f) => `${s.where}: ${f}`));
}

/**
 * Runs shellcheck on a standalone script; the dialect comes from its shebang
 * (`bash`, `sh`/`dash`, also via `/usr/bin/env`). A missing or unsupported shebang is a finding.
 * @param file path of the script
 * @param opts minimum severity
 * @returns findings like `scripts/x.sh:3:1: error: … [SC1046]`
 */
export function shellcheckScript(file: string, opts: ShellcheckOptions = {}): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const shebang = /^#!\s*(\S+)(?:\s+(\S+))?/.exec(text);
  if (!shebang) return [`${file}:1:1: no shebang line; cannot tell bash from sh`];
  const interp = shebang[1].endsWith('/env') ? shebang[2] ?? '' : shebang[1];
  const dialect = dialectOf(interp);
  if (!dialect) return [`${file}:1:1: unsupported interpreter in shebang: ${shebang[0]}`];
  return check(text, dialect, opts.severity ?? 'style').map((l) => l.replace(/^-:/, `${file}:`));
}
