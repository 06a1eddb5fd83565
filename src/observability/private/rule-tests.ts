/**
 * promtool unit tests generated with the rules (monitoring.md §8): for each SLO a burn that must page, a
 * burn that must ticket but not page, a healthy service that must stay quiet, the absent-metric alert, and
 * the pipeline and policy alerts. Synthetic series are built from the SLI source's own matchers, so the
 * tests exercise the real SLI expressions. Never exported from the package.
 */
import { pipelineAlertNames } from './pipeline-rules';
import { goG4, LabelMatcher, matches, parseMatchers, valueSatisfying, Rule, RuleGroup, SloRuleContext } from './promql';
import { absentAlertName, burnAlertName, exhaustedAlertName, identityOf, sloLabelNames, TIER_LABEL } from './slo-rules';
import { num, promDuration } from '../../core/prom-format';
import { SloKind } from '../../model/slo';
import { PipelineMetrics } from '../../platform/pipeline-metrics';
import { AlertTier, ResolvedWindow } from '../burn-rate-windows';

interface Series { readonly series: string; readonly values: string }
interface ExpAlert { readonly exp_labels: Record<string, string>; readonly exp_annotations: Record<string, string> }
interface AlertTest { readonly eval_time: string; readonly alertname: string; readonly exp_alerts: ExpAlert[] }
interface ExprTest { readonly expr: string; readonly eval_time: string; readonly exp_samples: Array<{ labels: string; value: number }> }
/** One promtool test group. */
export interface TestGroup {
  readonly name: string;
  readonly interval: string;
  readonly input_series: Series[];
  readonly promql_expr_test?: ExprTest[];
  readonly alert_rule_test: AlertTest[];
}

/**
 * promtool's `group_eval_order` for a rule file: groups of recording rules only first, then the others, each
 * in file order (so an SLO's SLI recordings come before its meta recordings). Without it promtool evaluates
 * the groups of one evaluation in random order (Go map order through an unstable sort), so a rule that reads
 * another group's recording sees this evaluation's value in some runs and the previous one in others: a test
 * of such a value passes or fails by chance.
 */
type GroupShape = { readonly name: string; readonly rules: ReadonlyArray<{ readonly record?: string }> };
export function groupEvalOrder(groups: ReadonlyArray<GroupShape>): string[] {
  const recordingOnly = (g: { rules: ReadonlyArray<{ record?: string }> }) => g.rules.every((r) => r.record !== undefined);
  return [...groups.filter(recordingOnly), ...groups.filter((g) => !recordingOnly(g))].map((g) => g.name);
}

const MARGIN = 2; // minutes kept between an evaluation and any alert's firing time

/** `{a="b"}` text of a label map, for series and sample labels. */
function labelText(metric: string, labels: Record<string, string>): string {
  const body = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`).join(', ');
  return `${metric}{${body}}`;
}

/** Renders the few template forms the generated annotations use. */
function render(text: string, labels: Record<string, string>, value?: number): string {
  return text.replace(/\{\{\s*([^}]*?)\s*\}\}/g, (all, inner: string) => {
    const l = /^\$labels\.(\w+)$/.exec(inner);
    if (l) return labels[l[1]] ?? '';
    if (inner === '$value | humanizePercentage' && value !== undefined) return `${goG4(value * 100)}%`;
    throw new Error(`rule-tests: cannot render ${all}`);
  });
}

function expAlert(rule: Rule, exprLabels: Record<string, string>, value?: number): ExpAlert {
  const labels = { ...exprLabels, ...(rule.labels ?? {}) };
  const annotations: Record<string, string> = {};
  for (const [k, v] of Object.entries(rule.annotations ?? {})) annotations[k] = render(v, labels, value);
  return { exp_labels: labels, exp_annotations: annotations };
}

/** Labels satisfying a matcher list (negative matchers left out when an absent label satisfies them). */
function labelsFor(ms: LabelMatcher[]): Record<string, string> | string {
  const out: Record<string, string> = {};
  for (const name of [...new Set(ms.map((m) => m.name))]) {
    const on = ms.filter((m) => m.name === name);
    if (on.every((m) => matches(m, ''))) continue;
    const v = valueSatisfying(on);
    if (v === undefined) return `no value of label '${name}' satisfies ${on.map((m) => `${m.name}${m.op}"${m.value}"`).join(', ')}`;
    out[name] = v;
  }
  return out;
}

/** Good and bad (or fast and total) series for an SLO at error ratio `e`, `minutes` long. */
function seriesFor(c: SloRuleContext, e: number, perMinute: number, minutes: number): Series[] | string {
  const s = c.source!;
  const sel = parseMatchers(s.selector(c.app, c.namespace));
  if (!sel) return `the SLI source's selector ${JSON.stringify(s.selectorTemplate)} is not a list of label matchers`;
  const base = labelsFor(sel);
  if (typeof base === 'string') return base;
  const bad = +num(perMinute * e);
  const good = +num(perMinute - bad);
  const v = (step: number) => `0+${step}x${minutes}`;
  if (c.slo.kind === SloKind.LATENCY) {
    const h = s.latencyHistogram!;
    return [
      { series: labelText(`${h}_bucket`, { ...base, le: String(s.thresholdInUnit(c.slo.threshold!)) }), values: v(good) },
      { series: labelText(`${h}_count`, base), values: v(perMinute) },
    ];
  }
  const errMs = parseMatchers(s.errorMatchers);
  if (!errMs || errMs.length === 0) return `the SLI source's errorMatchers ${JSON.stringify(s.errorMatchers)} are not a list of label matchers`;
  const errLabels = labelsFor([...sel, ...errMs]);
  if (typeof errLabels === 'string') return errLabels;
  const first = errMs[0];
  const on = [...sel, ...errMs].filter((m) => m.name === first.name && !errMs.includes(m));
  const okValue = ['200', 'OK', 'ok', 'success', 'false', '0', 'x'].find((x) => on.every((m) => matches(m, x)) && !matches(first, x));
  if (okValue === undefined) return `no value of label '${first.name}' makes a request good under errorMatchers ${JSON.stringify(s.errorMatchers)}`;
  return [
    { series: labelText(s.requestsMetric, { ...errLabels, [first.name]: okValue }), values: v(good) },
    { series: labelText(s.requestsMetric, errLabels), values: v(bad) },
  ];
}

/** A value with few digits strictly between `lo` and `hi`, or undefined. */
function nicelyBetween(lo: number, hi: number): number | undefined {
  for (let digits = 1; digits <= 4; digits++) {
    const v = +(((lo + hi) / 2).toPrecision(digits));
    if (v > lo && v < hi) return v;
  }
  return undefined;
}

/** Evaluation minute after `from` where no window is within MARGIN of firing, and the windows firing then. */
function settle(windows: ResolvedWindow[], e: number, from: number): { at: number; firing: ResolvedWindow[] } {
  const burning = windows.filter((w) => w.threshold < e);
  let at = from;
  const near = (t: number) => burning.some((w) => Math.abs(t - 1 - w.pendingSeconds / 60) < MARGIN);
  while (near(at)) at += 1;
  return { at, firing: burning.filter((w) => at - 1 - w.pendingSeconds / 60 >= MARGIN) };
}

/** The generated tests of one SLO, or a reason why its SLI cannot be synthesized. */
export function sloTests(c: SloRuleContext, groups: RuleGroup[]): TestGroup[] | string {
  if (!c.source || !c.sli.absentSelector) return 'its SLI comes from custom queries';
  const n = sloLabelNames(c.prefix);
  const alerts = groups.flatMap((g) => g.rules).filter((r) => r.alert);
  const burnName = burnAlertName(c.app, c.slo.name);
  const burnRule = (w: ResolvedWindow) => alerts.find((r) => r.alert === burnName && r.labels?.[TIER_LABEL] === w.name)!;
  const identity = { ...identityOf(c), ...c.extraLabels };
  const budget = c.slo.errorBudget;
  const perMinute = Math.max(1000, Math.ceil(((c.minRequestRate ?? 0) * 60 * 4) / 1000) * 1000);
  const title = `${c.app} ${c.slo.name} (${c.slo.objective}%)`;
  const bad = c.slo.kind === SloKind.LATENCY ? 'slow requests' : 'errors';
  const pages = c.windows.filter((w) => w.tier === AlertTier.PAGE);
  const tickets = c.windows.filter((w) => w.tier === AlertTier.TICKET);
  const maxFor = Math.max(...c.windows.map((w) => w.pendingSeconds / 60));
  const out: TestGroup[] = [];

  const scenario = (name: string, e: number, plan: { at: number; firing: ResolvedWindow[] }, extra: ExprTest[] = []): TestGroup | string => {
    // the traffic guard averages over the whole long window, also the part before the series starts:
    // enough traffic that it passes within the first minute, so the alerts' timing stays as planned
    const longest = Math.max(0, ...c.windows.filter((w) => w.threshold < e).map((w) => w.longSeconds));
    const guarded = c.minRequestRate && longest > 0 ? Math.ceil((2 * c.minRequestRate * longest) / 1000) * 1000 : 0;
    const series = seriesFor(c, e, Math.max(perMinute, guarded), plan.at + 5);
    if (typeof series === 'string') return series;
    const tests: AlertTest[] = [{
      eval_time: `${plan.at}m`,
      alertname: burnName,
      exp_alerts: plan.firing.map((w) => expAlert(burnRule(w), identity, e)),
    }];
    const exhausted = alerts.find((r) => r.alert === exhaustedAlertName(c.app, c.slo.name));
    if (exhausted && plan.at >= 1 + 5 + MARGIN && Math.abs(e - budget) > budget / 10) {
      const periodLabels = { ...identity, [n.window]: promDuration(c.slo.period.toSeconds()) };
      tests.push({ eval_time: `${plan.at}m`, alertname: exhausted.alert!, exp_alerts: e > budget ? [expAlert(exhausted, periodLabels)] : [] });
    }
    return { name: `${title}: ${name}`, interval: '1m', input_series: series, ...(extra.length ? { promql_expr_test: extra } : {}), alert_rule_test: tests };
  };
  const push = (g: TestGroup | string) => {
    if (typeof g === 'string') throw new Error(g);
    out.push(g);
  };

  try {
    const shortest = c.windows.reduce((a, w) => (w.shortSeconds < a.shortSeconds ? w : a), c.windows[0]);
    if (pages.length > 0) {
      const top = Math.max(...pages.map((w) => w.threshold));
      const e = top * 1.5 < 1 ? +(top * 1.5).toPrecision(2) : 1;
      const plan = settle(c.windows, e, 1 + Math.max(...pages.map((w) => w.pendingSeconds / 60)) + MARGIN + 3);
      const sliCheck: ExprTest = {
        expr: `abs(slo:sli_error:ratio_rate${shortest.short}{${n.id}="${c.app}-${c.slo.name}", namespace="${c.namespace}"} - ${e}) < bool 1e-9`,
        eval_time: `${plan.at}m`,
        exp_samples: [{ labels: labelText('', { ...identity, [n.window]: shortest.short }), value: 1 }],
      };
      push(scenario(`${num(e * 100)}% ${bad} must page`, e, plan, [sliCheck]));
    }
    if (tickets.length > 0) {
      const hi = pages.length > 0 ? Math.min(...pages.map((w) => w.threshold)) : 1;
      const e = nicelyBetween(Math.max(...tickets.map((w) => w.threshold)), hi);
      if (e !== undefined) {
        const plan = settle(c.windows, e, 1 + Math.min(...tickets.map((w) => w.pendingSeconds / 60)) + MARGIN + 3);
        push(scenario(`${num(e * 100)}% ${bad} must open a ticket, not page`, e, plan));
      }
    }
    const quiet = +(Math.min(...c.windows.map((w) => w.threshold)) / 2).toPrecision(2);
    push(scenario(`${num(quiet * 100)}% ${bad} must stay quiet`, quiet, { at: Math.ceil(1 + maxFor + MARGIN + 3), firing: [] }));
  } catch (err: any) {
    return String(err.message);
  }
  return out;
}

/** The absent-metric test for every SLO with a metric selector: no series at all, every absent alert fires. */
export function absentTest(contexts: SloRuleContext[], groups: RuleGroup[], app: string): TestGroup | undefined {
  const name = absentAlertName(app);
  const rules = groups.flatMap((g) => g.rules).filter((r) => r.alert === name);
  if (rules.length === 0) return undefined;
  const forMinutes = Math.max(...contexts.map((c) => c.absentForSeconds / 60));
  const exp = rules.map((r) => {
    const sel = /^absent\([^{]*\{(.*)\}\)$/s.exec(r.expr)?.[1] ?? '';
    const eq = (parseMatchers(sel) ?? []).filter((m) => m.op === '=');
    const labels: Record<string, string> = {};
    for (const m of eq) if (eq.filter((x) => x.name === m.name).length === 1) labels[m.name] = m.value;
    return expAlert(r, labels);
  });
  return {
    name: `${app}: SLI metrics missing`,
    interval: '1m',
    input_series: [{ series: 'up{job="platform-pipeline-rule-test"}', values: `1x${forMinutes + 10}` }],
    alert_rule_test: [{ eval_time: `${forMinutes + 5}m`, alertname: name, exp_alerts: exp }],
  };
}

/** Tests of the pipeline alerts (last run failed, rollback) and of the policy alert. */
export function pipelineTests(app: string, groups: RuleGroup[], rollbackEnvironment: string | undefined,
  policyNamespace: string | undefined): TestGroup[] {
  const names = pipelineAlertNames(app);
  const rules = groups.flatMap((g) => g.rules);
  const rule = (alert: string) => rules.find((r) => r.alert === alert);
  const out: TestGroup[] = [];
  const failed = rule(names.failed);
  const rolled = rule(names.rolledBack);
  if (failed && rolled && rollbackEnvironment) {
    const run = (result: string, ts: number) => ({ series: labelText(PipelineMetrics.RUN_TIMESTAMP, { app, job: PipelineMetrics.PUSH_JOB, result }), values: `${ts}x30` });
    out.push({
      name: `${app}: a failed run after a success alerts, a rollback alerts`,
      interval: '1m',
      input_series: [run('success', 60), run('failure', 120), {
        series: labelText(PipelineMetrics.ROLLBACK_TIMESTAMP, { app, environment: rollbackEnvironment, job: PipelineMetrics.PUSH_JOB }),
        values: '120x30',
      }],
      alert_rule_test: [
        { eval_time: '10m', alertname: names.failed, exp_alerts: [expAlert(failed, { app })] },
        { eval_time: '10m', alertname: names.rolledBack, exp_alerts: [expAlert(rolled, { app, environment: rollbackEnvironment })] },
      ],
    });
    out.push({
      name: `${app}: a success after a failure is quiet`,
      interval: '1m',
      input_series: [run('failure', 60), run('success', 120)],
      alert_rule_test: [{ eval_time: '10m', alertname: names.failed, exp_alerts: [] }],
    });
  }
  const policy = rule(names.policy);
  if (policy && policyNamespace) {
    const labels = { policy_name: 'require-labels', rule_name: 'check-team', resource_kind: 'Deployment' };
    out.push({
      name: `${app}: a failing Kyverno policy result alerts`,
      interval: '1m',
      input_series: [{
        series: labelText('kyverno_policy_results_total', { ...labels, resource_namespace: policyNamespace, rule_result: 'fail' }),
        values: '0+1x20',
      }],
      alert_rule_test: [{ eval_time: '10m', alertname: names.policy, exp_alerts: [expAlert(policy, labels)] }],
    });
  }
  return out;
}
