/**
 * Debian `shellcheck` over the `run:` scripts of a workflow and over standalone scripts
 * (validators.md §2.3).
 */
import * as fs from 'fs';
import { runTool } from './exec';

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
 * Runs shellcheck on every `run:` step of a parsed workflow whose shell is bash or sh (step `shell`,
 * else job `defaults.run.shell`, else workflow `defaults.run.shell`, else bash, or pwsh on Windows
 * runners). `${{ … }}` expressions are replaced with the word `GHA_EXPR` first.
 * @param workflow the workflow as a plain object (e.g. `YAML.parse(text)`)
 * @param opts minimum severity
 * @returns findings like `job build, step "Test": -:2:1: error: Couldn't find 'fi' … [SC1046]`
 */
export function shellcheckWorkflow(workflow: unknown, opts: ShellcheckOptions = {}): string[] {
  if (!isObj(workflow) || !isObj(workflow.jobs)) throw new Error('shellcheckWorkflow: not a workflow object (no `jobs:` mapping)');
  const findings: string[] = [];
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
      const script = step.run.replace(/\$\{\{[\s\S]*?\}\}/g, 'GHA_EXPR');
      for (const f of check(script, dialect, opts.severity ?? 'style')) findings.push(`job ${jobId}, step ${label}: ${f}`);
    });
  }
  return findings;
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
