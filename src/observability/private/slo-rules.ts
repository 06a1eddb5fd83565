/**
 * SLO rules, Sloth-compatible (monitoring.md §1–§5): SLI recordings per window plus the period,
 * metadata recordings, one multi-window burn-rate alert per window pair (page and ticket tiers with a
 * stable tier label), the metric-absent and budget-exhausted alerts. Never exported from the package.
 */
import { atWindow, links, pascal, Rule, RuleGroup, selectorOf, SliTemplate, SloRuleContext } from './promql';
import { leMatcher, num, promDuration } from '../../core/prom-format';
import type { SliSource } from '../../model/sli-source';
import type { Slo } from '../../model/slo';
import { SloKind } from '../../model/slo';
import { AlertTier } from '../burn-rate-windows';

/** Label names with the prefix applied. */
export function sloLabelNames(prefix: string) {
  return {
    id: `${prefix}id`,
    service: `${prefix}service`,
    slo: `${prefix}slo`,
    window: `${prefix}window`,
    severity: `${prefix}severity`,
    objective: `${prefix}objective`,
    info: `${prefix}slo_info`,
  };
}

/** The stable tier label on burn-rate alerts. */
export const TIER_LABEL = 'slo_burn_tier';

/** `sum(rate(m{a="b", c=~"d"}[{{window}}]))`. */
function rateOf(metric: string, matchers: string[]): string {
  return `sum(rate(${metric}{${matchers.filter((m) => m.trim().length > 0).join(', ')}}[{{window}}]))`;
}

/** The SLI of an SLO read from its source (availability from counters, latency from histogram buckets). */
export function sliFromSource(app: string, namespace: string, slo: Slo, source: SliSource): SliTemplate {
  const sel = source.selector(app, namespace);
  if (slo.kind === SloKind.LATENCY) {
    const h = source.latencyHistogram!;
    const le = leMatcher(source.thresholdInUnit(slo.threshold!));
    const total = rateOf(`${h}_count`, [sel]);
    return {
      ratio: `1 - (\n  ${rateOf(`${h}_bucket`, [sel, le])}\n  /\n  ${total}\n)`,
      totalRate: total,
      absentSelector: `${h}_count{${sel}}`,
    };
  }
  const total = rateOf(source.requestsMetric, [sel]);
  return {
    ratio: `(${rateOf(source.requestsMetric, [sel, source.errorMatchers])} or vector(0))\n/\n(${total})`,
    totalRate: total,
    absentSelector: `${source.requestsMetric}{${sel}}`,
  };
}

/** An SLI from the user's `{{window}}`-templated error and total queries. */
export function sliFromQueries(errorQuery: string, totalQuery: string): SliTemplate {
  return { ratio: `(${errorQuery})\n/\n(${totalQuery})`, totalRate: totalQuery };
}

/** The identity labels of an SLO's rules (without the window). */
export function identityOf(c: Pick<SloRuleContext, 'app' | 'slo' | 'namespace' | 'prefix'>): Record<string, string> {
  const n = sloLabelNames(c.prefix);
  return { [n.id]: `${c.app}-${c.slo.name}`, [n.service]: c.app, [n.slo]: c.slo.name, namespace: c.namespace };
}

/** Alert name of an SLO's burn-rate alerts, e.g. `CheckoutAvailabilityErrorBudgetBurn`. */
export function burnAlertName(app: string, slo: string): string {
  return `${pascal(app)}${pascal(slo)}ErrorBudgetBurn`;
}

/** Alert name of an SLO's budget-exhausted alert. */
export function exhaustedAlertName(app: string, slo: string): string {
  return `${pascal(app)}${pascal(slo)}BudgetExhausted`;
}

/** Alert name of the SLI-metric-absent alerts of an app. */
export function absentAlertName(app: string): string {
  return `${pascal(app)}SLOMetricAbsent`;
}

/** Every window an SLO's rules record, in seconds, ascending (alert windows plus the period). */
export function recordedWindows(c: SloRuleContext): number[] {
  const set = new Set<number>();
  for (const w of c.windows) {
    set.add(w.shortSeconds);
    set.add(w.longSeconds);
  }
  set.add(c.slo.period.toSeconds());
  return [...set].sort((a, b) => a - b);
}

/** The three groups of one SLO: SLI recordings, metadata recordings, alerts. */
export function sloGroups(c: SloRuleContext): RuleGroup[] {
  const n = sloLabelNames(c.prefix);
  const identity = identityOf(c);
  const labels = { ...identity, ...c.extraLabels };
  const sel = selectorOf(identity);
  const on = `on(${[n.id, n.slo, n.service, 'namespace'].join(', ')})`;
  const periodSeconds = c.slo.period.toSeconds();
  const period = promDuration(periodSeconds);
  const windows = recordedWindows(c);
  const smallest = promDuration(windows[0]);
  const key = `${c.app}-${c.slo.name}`;

  const sli: Rule[] = windows.map((s) => {
    const w = promDuration(s);
    const expr = s === periodSeconds && c.optimizedPeriod && windows[0] !== periodSeconds
      ? `sum_over_time(slo:sli_error:ratio_rate${smallest}${sel}[${w}])\n/ ignoring (${n.window})\ncount_over_time(slo:sli_error:ratio_rate${smallest}${sel}[${w}])`
      : atWindow(c.sli.ratio, w);
    return { record: `slo:sli_error:ratio_rate${w}`, expr, labels: { ...labels, [n.window]: w } };
  });

  const budget = c.slo.errorBudget;
  const meta: Rule[] = [
    { record: 'slo:objective:ratio', expr: `vector(${num(c.slo.objectiveRatio)})`, labels },
    { record: 'slo:error_budget:ratio', expr: `vector(${num(budget)})`, labels },
    { record: 'slo:time_period:days', expr: `vector(${num(periodSeconds / 86400)})`, labels },
    { record: 'slo:current_burn_rate:ratio', expr: `slo:sli_error:ratio_rate${smallest}${sel}\n/ ${on} group_left\nslo:error_budget:ratio${sel}`, labels },
    { record: 'slo:period_burn_rate:ratio', expr: `slo:sli_error:ratio_rate${period}${sel}\n/ ${on} group_left\nslo:error_budget:ratio${sel}`, labels },
    { record: 'slo:period_error_budget_remaining:ratio', expr: `1 - slo:period_burn_rate:ratio${sel}`, labels },
    { record: n.info, expr: 'vector(1)', labels: { ...labels, [n.objective]: String(c.slo.objective) } },
  ];

  const alerts: Rule[] = [];
  const name = burnAlertName(c.app, c.slo.name);
  for (const w of c.windows) {
    const cond = (win: string) => `max(slo:sli_error:ratio_rate${win}${sel} > (${w.factor} * ${num(budget)})) without (${n.window})`;
    let expr = `(\n  ${cond(w.short)}\n  and\n  ${cond(w.long)}\n)`;
    if (c.minRequestRate !== undefined) expr += `\nand on()\n(${atWindow(c.sli.totalRate, w.long)} > ${num(c.minRequestRate)})`;
    const pct = num(w.threshold * 100, 4);
    alerts.push({
      alert: name,
      expr,
      ...(w.pendingFor ? { for: w.pendingFor } : {}),
      labels: { severity: c.severities[w.tier], [n.severity]: w.tier, [TIER_LABEL]: w.name, short: w.short, long: w.long },
      annotations: {
        summary: `${c.app} ${c.slo.name} SLO error budget burn rate is too high.`,
        description: `{{ $labels.${n.service} }} {{ $labels.${n.slo} }} in {{ $labels.namespace }}: the ${w.short} error ratio is {{ $value | humanizePercentage }}, above ${pct}% (${w.factor}x the ${num(budget * 100)}% error budget) over ${w.short} and ${w.long}; at this rate ${num(w.budgetConsumed)}% of the ${period} error budget is spent within ${w.long}.`,
        ...links(name, c.runbookBaseUrl, c.dashboardUrl),
      },
    });
  }
  if (c.sli.absentSelector) {
    const absent = absentAlertName(c.app);
    alerts.push({
      alert: absent,
      expr: `absent(${c.sli.absentSelector})`,
      for: c.absentFor,
      labels: { severity: c.severities[AlertTier.TICKET], ...labels },
      annotations: {
        summary: `SLI metric for ${c.app} ${c.slo.name} is missing.`,
        description: `No samples of ${c.sli.absentSelector} for ${c.absentFor}; the ${c.slo.name} SLO alerts of ${c.app} cannot fire.`,
        ...links(absent, c.runbookBaseUrl, c.dashboardUrl),
      },
    });
  }
  if (c.budgetExhaustedAlert) {
    const exhausted = exhaustedAlertName(c.app, c.slo.name);
    alerts.push({
      alert: exhausted,
      expr: `slo:period_error_budget_remaining:ratio${sel} <= 0`,
      for: '5m',
      labels: { severity: c.severities[AlertTier.INFO], [n.severity]: AlertTier.INFO },
      annotations: {
        summary: `${c.app} ${c.slo.name} SLO error budget is exhausted.`,
        description: `{{ $labels.${n.service} }} {{ $labels.${n.slo} }} in {{ $labels.namespace }} has used all of its ${period} error budget (objective ${c.slo.objective}%).`,
        ...links(exhausted, c.runbookBaseUrl, c.dashboardUrl),
      },
    });
  }

  return [
    { name: `sloth-slo-sli-recordings-${key}`, rules: sli },
    { name: `sloth-slo-meta-recordings-${key}`, rules: meta },
    { name: `sloth-slo-alerts-${key}`, rules: alerts },
  ];
}
