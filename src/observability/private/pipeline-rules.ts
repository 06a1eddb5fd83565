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

/** DORA recordings over the deploy events the release path pushes. */
export function doraGroup(app: string): RuleGroup {
  const d = M.DEPLOY_TIMESTAMP;
  const by = 'app, environment';
  const count = (result: string, w: string) => `sum by (${by}) (changes(${d}${sel(app, `result="${result}"`)}[${w}]))`;
  const rules: Rule[] = [
    { record: 'dora:deployments:count1d', expr: count('success', '1d') },
    { record: 'dora:deployments:count7d', expr: `sum by (${by}) (changes(${d}${sel(app)}[7d]))` },
    { record: 'dora:failed_deployments:count7d', expr: `${count('failure', '7d')}\nor\n${count('success', '7d')} * 0` },
    { record: 'dora:change_failure_rate:ratio7d', expr: `dora:failed_deployments:count7d${sel(app)}\n/ on (${by})\nclamp_min(dora:deployments:count7d${sel(app)}, 1)` },
    { record: 'dora:lead_time:seconds', expr: `max by (${by}) (${d}${sel(app, 'result="success"')})\n- on (${by})\nmax by (${by}) (${M.DEPLOY_COMMIT_TIMESTAMP}${sel(app)})` },
    { record: 'dora:time_to_restore:seconds', expr: `(\n  max by (${by}) (${d}${sel(app, 'result="success"')})\n  - on (${by})\n  max by (${by}) (${d}${sel(app, 'result="failure"')})\n) > 0` },
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
  const d = M.DEPLOY_TIMESTAMP;
  const prod = c.productionEnvironment;
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
    rule(n.slow, `max by (app) (${M.RUN_DURATION}${sel(c.app, 'result="success"')}) > ${S.pipelineSeconds}`, AlertTier.TICKET,
      `The ${c.app} pipeline takes longer than ${S.pipelineSeconds / 60} minutes.`,
      `The last successful run of the {{ $labels.app }} pipeline took {{ $value | humanizeDuration }}; the target is under ${S.pipelineSeconds / 60} minutes.`),
    rule(n.cfr, `dora:change_failure_rate:ratio7d${sel(c.app, `environment="${prod}"`)} > ${num(S.changeFailureRate)}`, AlertTier.TICKET,
      `The ${c.app} change failure rate is above ${num(S.changeFailureRate * 100)}%.`,
      `{{ $value | humanizePercentage }} of the deploys of {{ $labels.app }} to {{ $labels.environment }} in the last 7 days failed; the target is under ${num(S.changeFailureRate * 100)}%.`),
    rule(n.notRestored, `(time() - max by (app, environment) (${d}${sel(c.app, 'result="failure"')}) > ${S.restoreSeconds})\nand on (app, environment)\n(\n  ${newerThan(d, c.app, 'app, environment', 'failure', 'success')}\n)`, AlertTier.TICKET,
      `A failed ${c.app} deployment is not restored within ${S.restoreSeconds / 60} minutes.`,
      `The last deploy of {{ $labels.app }} to {{ $labels.environment }} failed more than ${S.restoreSeconds / 60} minutes ago and no deploy has succeeded since; the time-to-restore target is ${S.restoreSeconds / 60} minutes.`),
    rule(n.infrequent, `time() - max by (app, environment) (${d}${sel(c.app, `environment="${prod}", result="success"`)}) > ${S.deployIntervalSeconds}`, AlertTier.INFO,
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
