/** Debian `promtool` (unpacked to `.tools/bin/promtool`): rule checks, rule unit tests, PromQL (validators.md §4). */
import * as fs from 'fs';
import * as path from 'path';
import { stringify } from 'yaml';
import { runTool } from './exec';
import { tmpDir } from './paths';

/** Exit status and combined output of one promtool run. */
export interface PromtoolResult {
  /** exit status */
  readonly rc: number;
  /** stdout followed by stderr */
  readonly out: string;
}

/**
 * Runs promtool.
 * @param args promtool arguments, e.g. `'check', 'rules', 'x.yml'`
 * @returns exit status and combined output; throws if promtool cannot be run
 */
export function promtool(...args: string[]): PromtoolResult {
  const r = runTool('promtool', args);
  return { rc: r.rc, out: r.stdout + r.stderr };
}

function findingsOf(r: PromtoolResult, what: string): string[] {
  if (r.rc === 0) return [];
  const lines = r.out.split('\n').map((l) => l.trimEnd()).filter((l) => l.trim().length > 0 && !/^Checking |^Unit Testing: |^\s*(SUCCESS.*|FAILED:?)$/.test(l));
  return lines.length > 0 ? lines : [`${what} failed (exit ${r.rc}) without output`];
}

function requireFiles(files: readonly string[], fn: string): void {
  if (files.length === 0) throw new Error(`${fn}: no files given`);
  for (const f of files) if (!fs.existsSync(f)) throw new Error(`${fn}: no such file ${f}`);
}

/**
 * `promtool check rules --lint-fatal`: PromQL parse and type errors, durations, templates,
 * unknown fields, repeated group names and (fatal) duplicate rules.
 * @param files plain rule files (`groups:`), not PrometheusRule CRs (write `.spec` to a file)
 * @returns promtool's error lines; empty when all files pass
 */
export function checkRules(files: readonly string[]): string[] {
  requireFiles(files, 'checkRules');
  return findingsOf(promtool('check', 'rules', '--lint-fatal', ...files), 'promtool check rules');
}

/**
 * `promtool test rules`: rule unit tests.
 * @param files rule test files (`rule_files:` are resolved relative to each file)
 * @returns promtool's failure output (including `exp:`/`got:` lines); empty when all tests pass
 */
export function testRules(files: readonly string[]): string[] {
  requireFiles(files, 'testRules');
  return findingsOf(promtool('test', 'rules', ...files), 'promtool test rules');
}

/**
 * Turns a templated query into plain PromQL: Argo `{{args.x}}` / `{{ x }}` and Grafana variables
 * become `5m` inside a range selector `[...]` and a plain word elsewhere; `$__rate_interval`,
 * `$__interval` and `$__range` become `5m`; `$__range_s`/`$__interval_ms`-style numbers become `300`.
 * @param expr the query
 * @returns the substituted query
 */
export function substitutePlaceholders(expr: string): string {
  const placeholder = String.raw`(?:\{\{\s*[\w.-]+\s*\}\}|\$\{[\w.:]+\}|\$[A-Za-z_]\w*|\[\[[\w.:]+\]\])`;
  return expr
    .replace(/\$\{?__(?:rate_interval|interval|range)\}?(?![\w])/g, '5m')
    .replace(/\$\{?__(?:range_s|range_ms|interval_ms)\}?(?![\w])/g, '300')
    .replace(new RegExp(String.raw`\[\s*${placeholder}\s*(?=[:\]])`, 'g'), '[5m')
    .replace(new RegExp(String.raw`:\s*${placeholder}\s*\]`, 'g'), ':5m]')
    .replace(new RegExp(placeholder, 'g'), 'pp_placeholder');
}

/**
 * Checks standalone PromQL expressions (AnalysisTemplate queries, dashboard targets) by wrapping each,
 * after {@link substitutePlaceholders}, as a recording rule in a temp file and running
 * `promtool check rules`.
 * @param exprs named expressions
 * @returns findings prefixed with the expression's name; empty when all parse and type-check
 */
export function checkPromqlExprs(exprs: ReadonlyArray<{ name: string; expr: string }>): string[] {
  if (exprs.length === 0) return [];
  const rules = exprs.map((e, i) => ({ record: `pp_check:expr_${i}`, expr: substitutePlaceholders(e.expr) }));
  const dir = fs.mkdtempSync(path.join(tmpDir('promtool'), 'exprs-'));
  try {
    const file = path.join(dir, 'exprs.rules.yml');
    fs.writeFileSync(file, stringify({ groups: [{ name: 'pp-check-exprs', rules }] }));
    const r = promtool('check', 'rules', file);
    if (r.rc === 0) return [];
    const findings: string[] = [];
    for (const line of findingsOf(r, 'promtool check rules')) {
      const m = /pp_check:expr_(\d+)/.exec(line);
      if (m) {
        const e = exprs[Number(m[1])];
        findings.push(`${e.name}: ${line.replace(/^.*?pp_check:expr_\d+"?:?\s*/, '')} (expr: ${rules[Number(m[1])].expr})`);
      } else if (!/^\s*FAILED:?$/.test(line)) {
        findings.push(line.replace(file, '<exprs>'));
      }
    }
    return findings.length > 0 ? findings : [`promtool check rules failed (exit ${r.rc}): ${r.out}`];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
