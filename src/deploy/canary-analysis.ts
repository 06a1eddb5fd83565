import { Duration } from 'cdk8s';
import { goDuration } from './delivery-strategy';
import { show } from '../core/errors';
import { dnsLabelProblem } from '../core/names';
import { leMatcher } from '../core/prom-format';
import { SliSource } from '../model/sli-source';
import { Slo, SloKind } from '../model/slo';
import type { IPlatformApp } from '../platform/platform-app-contract';

/** An explicit analysis metric: a PromQL query and the range its result must stay in. */
export interface CanaryMetric {
  /** Metric name, a DNS-1123 label unique within the analysis. */
  readonly name: string;
  /**
   * PromQL query returning one value. It may use `{{args.service}}` (the cluster-local host of the
   * Service under test, e.g. `checkout-canary.shop.svc.cluster.local`), `{{args.namespace}}` and
   * `{{args.canary-hash}}` (the new version's `rollouts-pod-template-hash`).
   */
  readonly query: string;
  /**
   * The result passes when it is at most this.
   * @default - no upper bound (set `min` instead)
   */
  readonly max?: number;
  /**
   * The result passes when it is at least this.
   * @default - no lower bound (set `max` instead)
   */
  readonly min?: number;
}

/** How a canary (or a blue-green preview) is analysed. */
export interface AnalysisOptions {
  /**
   * Time between measurements.
   * @default Duration.minutes(1)
   */
  readonly interval?: Duration;
  /**
   * Measurements of an analysis run that completes: the inline step before the last weight and a
   * blue-green pre- or post-promotion analysis. A canary's background analysis (`<app>-slo-background`)
   * takes no count: it measures every `interval` until the rollout completes or aborts, so every weight,
   * and a pause at a manual gate, is watched.
   * @default 5
   */
  readonly count?: number;
  /**
   * Failed measurements tolerated per run; one more fails the run, which aborts and rolls back. In the
   * background analysis they add up over the whole rollout (not only consecutive ones).
   * @default 2
   */
  readonly failureLimit?: number;
  /**
   * Measurements without data (no traffic yet, series not scraped) tolerated; one more makes the run
   * inconclusive, which pauses the rollout instead of aborting it.
   * @default 2
   */
  readonly inconclusiveLimit?: number;
  /**
   * Range of the `rate()` windows in the queries.
   * @default Duration.minutes(2)
   */
  readonly window?: Duration;
  /**
   * The SLOs (by name) whose error ratios the analysis checks.
   * @default - every SLO of the app
   */
  readonly slos?: string[];
  /**
   * Explicit metrics, checked besides the SLOs.
   * @default - none
   */
  readonly metrics?: CanaryMetric[];
  /**
   * The canary may burn its error budget this many times faster than the SLO allows: an SLO of 99.9 %
   * with a multiplier of 2 fails the canary above an error ratio of 0.002.
   * @default 1
   */
  readonly budgetMultiplier?: number;
  /**
   * Label matchers that select the new version's series, used instead of the SLI source's selector.
   * @default - with Istio SLIs `reporter="source", destination_service="{{args.service}}"`; with the app's
   * own metrics the SLI selector plus `rollouts_pod_template_hash="{{args.canary-hash}}"` (the scrape must
   * copy that pod label)
   */
  readonly canarySelector?: string;
  /**
   * Besides the background analysis from the first step, block before the last weight until an analysis
   * run has passed.
   * @default true
   */
  readonly inlineBeforeLastWeight?: boolean;
}

/** One metric of the generated analysis, with its bound. @internal */
export interface AnalysisMetricSpec {
  readonly name: string;
  readonly query: string;
  readonly max?: number;
  readonly min?: number;
  /** The SLO it comes from, if any. */
  readonly slo?: Slo;
}

/** The analysis settings with defaults resolved. @internal */
export interface ResolvedAnalysis {
  readonly interval: Duration;
  readonly count: number;
  readonly failureLimit: number;
  readonly inconclusiveLimit: number;
  readonly window: Duration;
  readonly slos: Slo[];
  readonly metrics: CanaryMetric[];
  readonly budgetMultiplier: number;
  readonly canarySelector?: string;
  readonly inline: boolean;
}

const ARGS = ['service', 'namespace', 'canary-hash'];

/** Resolves defaults and returns the problems of the options. @internal */
export function resolveAnalysis(app: IPlatformApp, o: AnalysisOptions = {}): { analysis: ResolvedAnalysis; problems: string[] } {
  const problems: string[] = [];
  const interval = o.interval ?? Duration.minutes(1);
  const window = o.window ?? Duration.minutes(2);
  for (const [prop, d] of [['analysis.interval', interval], ['analysis.window', window]] as Array<[string, Duration]>) {
    const s = d.toMilliseconds() / 1000;
    if (!(Number.isInteger(s) && s >= 10)) problems.push(`'${prop}' must be whole seconds and at least 10s, got ${d.toHumanString()}`);
  }
  const count = o.count ?? 5;
  if (!(Number.isInteger(count) && count >= 1)) problems.push(`'analysis.count' must be a whole number of at least 1, got ${show(count)}`);
  const failureLimit = o.failureLimit ?? 2;
  if (!(Number.isInteger(failureLimit) && failureLimit >= 0)) problems.push(`'analysis.failureLimit' must be a whole number of at least 0, got ${show(failureLimit)}`);
  const inconclusiveLimit = o.inconclusiveLimit ?? 2;
  if (!(Number.isInteger(inconclusiveLimit) && inconclusiveLimit >= 0)) problems.push(`'analysis.inconclusiveLimit' must be a whole number of at least 0, got ${show(inconclusiveLimit)}`);
  if (count >= 1 && failureLimit >= count) problems.push(`'analysis.failureLimit' (${failureLimit}) must be below 'analysis.count' (${count}), or no run could ever fail`);
  const budgetMultiplier = o.budgetMultiplier ?? 1;
  if (!(typeof budgetMultiplier === 'number' && budgetMultiplier >= 1 && budgetMultiplier <= 100)) {
    problems.push(`'analysis.budgetMultiplier' must be a number from 1 to 100, got ${show(budgetMultiplier)}`);
  }
  let slos = app.slos;
  if (o.slos !== undefined) {
    const unknown = o.slos.filter((n) => !app.slos.some((s) => s.name === n));
    if (unknown.length > 0) problems.push(`'analysis.slos' names ${show(unknown)}, which the app does not declare; its SLOs are ${show(app.slos.map((s) => s.name))}`);
    slos = app.slos.filter((s) => o.slos!.includes(s.name));
  }
  const metrics = o.metrics ?? [];
  const names = new Set<string>();
  for (const m of metrics) {
    const np = dnsLabelProblem('analysis.metrics[].name', m.name);
    if (np) problems.push(np);
    if (names.has(m.name)) problems.push(`'analysis.metrics' uses the name ${show(m.name)} twice`);
    names.add(m.name);
    if (typeof m.query !== 'string' || m.query.trim().length === 0) problems.push(`metric ${show(m.name)}: 'query' is required`);
    if ((m.max === undefined) === (m.min === undefined)) problems.push(`metric ${show(m.name)}: set exactly one of 'max' or 'min', got ${m.max === undefined ? 'neither' : 'both'}`);
    for (const a of argsOf(m.query ?? '')) {
      if (!ARGS.includes(a)) problems.push(`metric ${show(m.name)}: the query uses {{args.${a}}}; the analysis provides ${ARGS.map((x) => `{{args.${x}}}`).join(', ')}`);
    }
  }
  return {
    analysis: {
      interval,
      count,
      failureLimit,
      inconclusiveLimit,
      window,
      slos,
      metrics,
      budgetMultiplier,
      canarySelector: o.canarySelector,
      inline: o.inlineBeforeLastWeight ?? true,
    },
    problems,
  };
}

/** The `{{args.x}}` names a query uses. @internal */
export function argsOf(query: string): string[] {
  return [...new Set([...query.matchAll(/\{\{\s*args\.([\w-]+)\s*\}\}/g)].map((m) => m[1]))];
}

/** The label matchers selecting the version under test in the SLI source's series. @internal */
export function canaryMatchers(app: IPlatformApp, source: SliSource, namespace: string, a: ResolvedAnalysis): string {
  if (a.canarySelector) return a.canarySelector;
  if (source.kind === 'istio') return 'reporter="source", destination_service="{{args.service}}"';
  return `${source.selector(app.name, namespace)}, rollouts_pod_template_hash="{{args.canary-hash}}"`;
}

/**
 * The metrics of the analysis: each SLO's bad-event ratio over the version under test (bounded by its
 * error budget times the multiplier), then the explicit metrics. The error numerator falls back to 0 when
 * no request failed (`or vector(0)`), so traffic without errors passes while no traffic at all yields no
 * data. @internal
 */
export function analysisMetrics(app: IPlatformApp, namespace: string, a: ResolvedAnalysis): AnalysisMetricSpec[] {
  const out: AnalysisMetricSpec[] = [];
  const w = goDuration(a.window);
  for (const slo of a.slos) {
    const source = app.sliSourceFor(slo);
    const sel = canaryMatchers(app, source, namespace, a);
    const max = +(slo.errorBudget * a.budgetMultiplier).toPrecision(12);
    if (slo.kind === SloKind.AVAILABILITY) {
      out.push({
        name: `${slo.name}-error-ratio`,
        slo,
        max,
        query: [
          `(sum(rate(${source.requestsMetric}{${sel}, ${source.errorMatchers}}[${w}])) or vector(0))`,
          '/',
          `sum(rate(${source.requestsMetric}{${sel}}[${w}]))`,
        ].join('\n'),
      });
    } else {
      const h = source.latencyHistogram!;
      out.push({
        name: `${slo.name}-slow-ratio`,
        slo,
        max,
        query: [
          '1 - (',
          `  sum(rate(${h}_bucket{${sel}, ${leMatcher(source.thresholdInUnit(slo.threshold!))}}[${w}]))`,
          '  /',
          `  sum(rate(${h}_count{${sel}}[${w}]))`,
          ')',
        ].join('\n'),
      });
    }
  }
  for (const m of a.metrics) out.push({ name: m.name, query: m.query, max: m.max, min: m.min });
  return out;
}

/**
 * The guarded conditions of a metric: an empty result or NaN (no traffic yet, `0/0`) matches neither, so
 * the measurement is inconclusive — it neither passes nor aborts. @internal
 */
export function conditions(m: AnalysisMetricSpec): { successCondition: string; failureCondition: string } {
  const guard = 'len(result) > 0 && !isNaN(result[0])';
  if (m.max !== undefined) {
    return { successCondition: `${guard} && result[0] <= ${m.max}`, failureCondition: `${guard} && result[0] > ${m.max}` };
  }
  return { successCondition: `${guard} && result[0] >= ${m.min}`, failureCondition: `${guard} && result[0] < ${m.min}` };
}
