/**
 * Pipeline and delivery rules (enterprise-pipeline.md §5 and §7), bound to series something really emits:
 * the gauges the pipeline pushes to the Pushgateway (`PipelineMetrics`: deploy and rollback events from the
 * release path, run result and duration, scan findings and coverage from the report job) and Kyverno's
 * `kyverno_policy_results_total`. Events are counted with `changes()` over timestamp gauges or aged with
 * `time() - ts`; never `increase()` of a pushed value. Never exported from the package.
 */
import { num } from '../../core/prom-format';
import { PipelineMetrics } from '../../platform/pipeline-metrics';
import { AlertTier } from '../burn-rate-windows';
import { links, pascal, Rule, RuleGroup } from './promql';

/**
 * The reference pipeline's success metrics (enterprise-pipeline.md §7): thresholds of the delivery
 * dashboard and of the delivery alerts.
 */
export const SUCCESS_METRICS = {
  /** Pipeline execution time under 60 minutes. */
  pipelineSeconds: 3600,
  /** Deployment frequency: daily (a successful deploy at least every 24 hours). */
  deployIntervalSeconds: 86400,
  /** Change failure rate under 5 %. */
  changeFailureRate: 0.05,
  /** Time to restore under 30 minutes. */
  restoreSeconds: 1800,
  /** Test coverage over 80 %. */
  coveragePercent: 80,
} as const;

/** What the pipeline rules need. */
export interface PipelineRuleContext {
  readonly app: string;
  /** Namespace label on the alerts, so the app's AlertmanagerConfig (matching its namespace) routes them. */
  readonly namespace: string;
  /** The environment DORA figures are judged on (the last one, normally production). */
  readonly productionEnvironment: string;
  readonly severities: Record<string, string>;
  readonly extraLabels: Record<string, string>;
  readonly runbookBaseUrl?: string;
  readonly dashboardUrl?: string;
  /** The pipeline duration target in seconds (running time, waits excluded). */
  readonly pipelineSeconds: number;
}

const M = PipelineMetrics;

/** Alert names of the pipeline rules of `app`. */
export function pipelineAlertNames(app: string) {
  const p = pascal(app);
  return {
    failed: `${p}PipelineFailed`,
    rolledBack: `${p}DeploymentRolledBack`,
    vulnerabilities: `${p}ImageVulnerabilities`,
    policy: `${p}PolicyViolation`,
    slow: `${p}PipelineSlow`,
    cfr: `${p}ChangeFailureRateHigh`,
    notRestored: `${p}DeploymentNotRestored`,
    infrequent: `${p}DeploymentsInfrequent`,
    coverage: `${p}TestCoverageLow`,
  };
}

/** `max by (app, environment) (metric{app="x", result="success"})`-style selectors of one app. */
function sel(app: string, extra: string = ''): string {
  return `{app="${app}"${extra ? `, ${extra}` : ''}}`;
}

/** "the last value of `metric` with result `a` is newer than the one with result `b` (or `b` never happened)". */
export function newerThan(metric: string, app: string, by: string, a: string, b: string): string {
  return `max by (${by}) (${metric}${sel(app, `result="${a}"`)})\n  > ${by.includes(',') ? `on (${by}) ` : ''}max by (${by}) (${metric}${sel(app, `result="${b}"`)} or ${metric}${sel(app, `result="${a}"`)} * 0)`;
}

/**
 * How far back a rule looks to see that a gauge changed: the moment of an event is the evaluations within
 * this offset after the scrape that first shows it. Several evaluations see one event (5 at a 1m interval);
 * the aggregates built on these moments are ratios or averages, which the repetition does not change.
 */
export const EVENT_OFFSET = '5m';

/** The events of one timestamp series within `w` (seconds `ws`), first-ever sample included: see `doraGroup`. */
function eventsIn(series: string, w: string, ws: number): string {
  return `changes(${series}[${w}]) + (min_over_time(${series}[${w}]) > bool (time() - ${ws}))`;
}

/** "the last deploy failed": the failure is newer than the last success, or nothing ever succeeded. */
function failingExpr(app: string, o = ''): string {
  const by = 'app, environment';
  const F = `max by (${by}) (${PipelineMetrics.DEPLOY_TIMESTAMP}${sel(app, 'result="failure"')}${o})`;
  const S = `max by (${by}) (${PipelineMetrics.DEPLOY_TIMESTAMP}${sel(app, 'result="success"')}${o})`;
  return `(${F} > on (${by}) (${S} or ${F} * 0))`;
}

/** The time of the first failed deploy of the current run of failures (the recorded start, else the last failure). */
function outageStart(app: string): string {
  const by = 'app, environment';
  const F = `max by (${by}) (${PipelineMetrics.DEPLOY_TIMESTAMP}${sel(app, 'result="failure"')})`;
  const S = `max by (${by}) (${PipelineMetrics.DEPLOY_TIMESTAMP}${sel(app, 'result="success"')})`;
  return `max by (${by}) (last_over_time(${DORA_RECORDS.failureStart}${sel(app)}[30d])) > on (${by}) (${S} or ${F} * 0)\n  or ${F}`;
}

/** Names of the DORA recordings of every app. */
export const DORA_RECORDS = {
  /** Successful deploys in the last day, per environment (deployment frequency). */
  deploymentsPerDay: 'dora:deployments:count1d',
  /** Successful deploys in the last 7 days. */
  successfulDeployments7d: 'dora:successful_deployments:count7d',
  /** Every deploy (successful or failed) in the last 7 days. */
  deployments7d: 'dora:deployments:count7d',
  /** Failed deploys in the last 7 days. */
  failedDeployments7d: 'dora:failed_deployments:count7d',
  /** Failed / all deploys in the last 7 days (change failure rate). */
  changeFailureRate7d: 'dora:change_failure_rate:ratio7d',
  /** At the moment of a successful deploy: the sum of its changes' lead times. */
  deployLeadTimeSum: 'dora:deploy_lead_time:sum_seconds',
  /** At the moment of a successful deploy: the number of changes it shipped. */
  deployChanges: 'dora:deploy_changes:count',
  /** Mean lead time per change of the successful deploys of the last 7 days. */
  leadTime7d: 'dora:lead_time_for_changes:mean_seconds7d',
  /** Mean lead time per change of the last successful deploy. */
  leadTimeLast: 'dora:lead_time_for_changes:last_deploy_seconds',
  /** At the moment a deploy fails after a success (or first ever): the failure's time, the start of an outage. */
  failureStart: 'dora:failed_deployment:start_timestamp_seconds',
  /** At the moment of the first successful deploy after failed ones: seconds since the first of them. */
  timeToRestore: 'dora:time_to_restore:seconds',
  /** Mean time to restore of the restores of the last 7 days. */
  timeToRestore7d: 'dora:time_to_restore:mean_seconds7d',
} as const;

/**
 * DORA recordings over the deploy events the release path pushes, defined as DORA does:
 * - deployment frequency: successful deploys per day;
 * - change failure rate: failed deploys / all deploys to the environment (7 days);
 * - lead time for changes: deploy time − author time of each change the deploy shipped, per change;
 * - time to restore: from a failed deploy to the next successful one (the first failure of a run of failures).
 *
 * Pushgateway semantics: a pushed gauge holds the time of the LAST event of its group; Prometheus sees its
 * value change. The events of a window are the value changes within it, plus one when the window's first
 * sample is itself an event of the window (a series' first-ever sample, which `changes()` alone misses):
 * the values are increasing timestamps, so `min_over_time` is that first sample. Per-deploy figures (changes
 * and lead times) are recorded at the moment their deploy appears, and aggregated as ratios of sums.
 */
export function doraGroup(app: string): RuleGroup {
  const R = DORA_RECORDS;
  const d = M.DEPLOY_TIMESTAMP;
  const by = 'app, environment';
  const on = `on (${by})`;
  const raw = (result: string) => `${d}${sel(app, `result="${result}"`)}`;
  const S = (o = '') => `max by (${by}) (${raw('success')}${o})`;
  const F = (o = '') => `max by (${by}) (${raw('failure')}${o})`;
  const count = (result: string, w: string, ws: number) => `sum by (${by}) (${eventsIn(raw(result), w, ws)})`;
  const off = ` offset ${EVENT_OFFSET}`;
  // a successful deploy just appeared: the success time moved within the offset, or its series is new
  const justDeployed = `(${S()} > ${on} ${S(off)} or (${S()} unless ${on} ${S(off)}))`;
  const failing = (o = '') => failingExpr(app, o);
  const rules: Rule[] = [
    { record: R.deploymentsPerDay, expr: count('success', '1d', 86400) },
    { record: R.successfulDeployments7d, expr: count('success', '7d', 604800) },
    { record: R.failedDeployments7d, expr: count('failure', '7d', 604800) },
    { record: R.deployments7d, expr: `sum by (${by}) (${eventsIn(`${d}${sel(app, 'result=~"success|failure"')}`, '7d', 604800)})` },
    {
      record: R.changeFailureRate7d,
      expr: `(${R.failedDeployments7d}${sel(app)} or ${R.successfulDeployments7d}${sel(app)} * 0)\n/ ${on}\n(${R.deployments7d}${sel(app)} > 0)`,
    },
    { record: R.deployLeadTimeSum, expr: `max by (${by}) (${M.DEPLOY_LEAD_TIME_SUM}${sel(app, 'result="success"')})\nand ${on}\n${justDeployed}` },
    { record: R.deployChanges, expr: `max by (${by}) (${M.DEPLOY_CHANGES}${sel(app, 'result="success"')})\nand ${on}\n${justDeployed}` },
    {
      record: R.leadTime7d,
      expr: `sum_over_time(${R.deployLeadTimeSum}${sel(app)}[7d])\n/ ${on}\n(sum_over_time(${R.deployChanges}${sel(app)}[7d]) > 0)`,
    },
    {
      record: R.leadTimeLast,
      expr: `max by (${by}) (${M.DEPLOY_LEAD_TIME_SUM}${sel(app, 'result="success"')})\n/ ${on}\n(max by (${by}) (${M.DEPLOY_CHANGES}${sel(app, 'result="success"')}) > 0)`,
    },
    { record: R.failureStart, expr: `${failing()}\nunless ${on}\n${failing(off)}` },
    {
      record: R.timeToRestore,
      // now restored (success newer than failure), and a failure came after the success before this one
      expr: `(\n  ${S()}\n  - ${on}\n  (\n    max by (${by}) (last_over_time(${R.failureStart}${sel(app)}[30d])) > ${on} (${S(off)} or ${F()} * 0)\n    or ${F()}\n  )\n)\nand ${on}\n(${S()} > ${on} ${F()})\nand ${on}\n(${F()} > ${on} (${S(off)} or ${F()} * 0))`,
    },
    { record: R.timeToRestore7d, expr: `avg_over_time(${R.timeToRestore}${sel(app)}[7d])` },
  ];
  return { name: `platform-pipeline-dora-${app}`, rules };
}

/** The pipeline alerts and the success-metric alerts of an app (for the environment whose Prometheus scrapes the Pushgateway). */
export function pipelineAlertGroup(c: PipelineRuleContext): RuleGroup {
  const n = pipelineAlertNames(c.app);
  const S = SUCCESS_METRICS;
  const labels = (tier: AlertTier) => ({ severity: c.severities[tier], namespace: c.namespace, ...c.extraLabels });
  const rule = (alert: string, expr: string, tier: AlertTier, summary: string, description: string, pendingFor?: string): Rule => ({
    alert,
    expr,
    ...(pendingFor ? { for: pendingFor } : {}),
    labels: labels(tier),
    annotations: { summary, description, ...links(alert, c.runbookBaseUrl, c.dashboardUrl) },
  });
  const prod = c.productionEnvironment;
  const on = 'on (app, environment)';
  const rules: Rule[] = [
    rule(n.failed, newerThan(M.RUN_TIMESTAMP, c.app, 'app', 'failure', 'success'), AlertTier.TICKET,
      `The last ${c.app} pipeline run failed.`,
      'The last run of the {{ $labels.app }} pipeline on a deploying branch failed; the runs after it have not succeeded yet.'),
    rule(n.rolledBack, `time() - max by (app, environment) (${M.ROLLBACK_TIMESTAMP}${sel(c.app)}) < 3600`, AlertTier.TICKET,
      `A ${c.app} deployment was rolled back.`,
      'The deploy of {{ $labels.app }} to {{ $labels.environment }} failed verification and was rolled back within the last hour.'),
    // summed over the finding severities: the series' own `severity` label would clash with the alert's
    rule(n.vulnerabilities, `sum by (app, scanner) (${M.SCAN_FINDINGS}${sel(c.app, 'severity=~"critical|high"')}) > 0`, AlertTier.TICKET,
      `The last ${c.app} scan found critical or high vulnerabilities.`,
      'Scanner {{ $labels.scanner }} reported {{ $value }} critical or high findings for {{ $labels.app }} in its last run.'),
    // running time only: approval waits, wait timers and runner queues are RUN_WAIT, not the pipeline's speed
    rule(n.slow, `max by (app) (${M.RUN_DURATION}${sel(c.app, 'result="success"')}) > ${c.pipelineSeconds}`, AlertTier.TICKET,
      `The ${c.app} pipeline runs longer than ${num(c.pipelineSeconds / 60)} minutes.`,
      `The last successful run of the {{ $labels.app }} pipeline ran for {{ $value | humanizeDuration }} without its approval and queue waits; the target is under ${num(c.pipelineSeconds / 60)} minutes.`),
    rule(n.cfr, `dora:change_failure_rate:ratio7d${sel(c.app, `environment="${prod}"`)} > ${num(S.changeFailureRate)}`, AlertTier.TICKET,
      `The ${c.app} change failure rate is above ${num(S.changeFailureRate * 100)}%.`,
      `{{ $value | humanizePercentage }} of the deploys of {{ $labels.app }} to {{ $labels.environment }} in the last 7 days failed; the target is under ${num(S.changeFailureRate * 100)}%.`),
    rule(n.notRestored, `time() - (\n  ${outageStart(c.app)}\n) > ${S.restoreSeconds}\nand ${on}\n${failingExpr(c.app)}`, AlertTier.TICKET,
      `A failed ${c.app} deployment is not restored within ${S.restoreSeconds / 60} minutes.`,
      `A deploy of {{ $labels.app }} to {{ $labels.environment }} failed {{ $value | humanizeDuration }} ago and no deploy has succeeded since; the time-to-restore target is ${S.restoreSeconds / 60} minutes.`),
    rule(n.infrequent, `time() - max by (app, environment) (${M.DEPLOY_TIMESTAMP}${sel(c.app, `environment="${prod}", result="success"`)}) > ${S.deployIntervalSeconds}`, AlertTier.INFO,
      `${c.app} was not deployed to ${prod} for a day.`,
      'The last successful deploy of {{ $labels.app }} to {{ $labels.environment }} is more than a day old; the target is daily deploys.'),
    rule(n.coverage, `max by (app) (${M.TEST_COVERAGE}${sel(c.app)}) < ${S.coveragePercent}`, AlertTier.TICKET,
      `${c.app} test coverage is below ${S.coveragePercent}%.`,
      `The last test run of {{ $labels.app }} covered {{ $value }}% of the lines; the target is over ${S.coveragePercent}%.`),
  ];
  return { name: `platform-pipeline-alerts-${c.app}`, rules };
}

/** The policy-violation alert of one environment, from Kyverno's policy results. */
export function policyGroup(c: PipelineRuleContext): RuleGroup {
  const alert = pipelineAlertNames(c.app).policy;
  return {
    name: `platform-pipeline-policy-${c.app}`,
    rules: [{
      alert,
      expr: `sum by (policy_name, rule_name, resource_kind) (\n  increase(kyverno_policy_results_total{rule_result=~"fail|FAIL", resource_namespace="${c.namespace}"}[10m])\n) > 0`,
      labels: { severity: c.severities[AlertTier.TICKET], namespace: c.namespace, ...c.extraLabels },
      annotations: {
        summary: `A Kyverno policy failed for ${c.app} resources in ${c.namespace}.`,
        description: `Rule {{ $labels.rule_name }} of policy {{ $labels.policy_name }} failed for a {{ $labels.resource_kind }} in ${c.namespace} within the last 10 minutes.`,
        ...links(alert, c.runbookBaseUrl, c.dashboardUrl),
      },
    }],
  };
}
