/**
 * Hand-written promtool scenarios over the reference rules (app `checkout`, one environment `production` in
 * namespace `shop`, availability 99.9 % and latency 99 % under 250 ms over 30 days, workbook windows, the
 * Pushgateway pipeline and DORA rules). Every expected number, label and annotation below is written by hand:
 * nothing is derived from the generator, so a change to a threshold, window, factor, name, label or
 * annotation of the generated rules fails a scenario (prometheus-rules.scenarios.test.ts runs them once;
 * rule-mutations.test.ts shows that each listed mutation of the rules is caught).
 */
import * as fs from 'fs';
import * as path from 'path';
import { Duration } from 'cdk8s';
import { parse, stringify } from 'yaml';
import { shopApp } from './helpers';
import * as pp from '../../src';
import { groupEvalOrder } from '../../src/observability/private/rule-tests';

/** The reference rules file's text (synthesized once per test file). */
export function referenceRules(): string {
  const { project, app } = shopApp({
    slos: [
      pp.Slo.availability({ name: 'availability', objective: 99.9 }),
      pp.Slo.latency({ name: 'latency', objective: 99, threshold: Duration.millis(250) }),
    ],
    observability: { metricsPush: pp.MetricsPush.external({ url: 'https://pushgateway.acme.dev', tokenSecret: 'PUSHGATEWAY_TOKEN' }) },
  });
  new pp.PrometheusRules(app, 'Alerts', { policyViolationAlert: false });
  return pp.Testing.synth(project).file('monitoring/checkout/production.rules.yml')!;
}

// ---- series builders --------------------------------------------------------------------------------------

const PUSHED = { app: 'checkout', job: 'platform_pipeline' };

function labelText(metric: string, labels: Record<string, string>): string {
  return `${metric}{${Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(', ')}}`;
}

/** A pushed timestamp gauge: blank until the first event, then the time of the latest event (events at whole minutes). */
function events(minutes: number[], until: number): string {
  const out: string[] = [];
  let value: number | undefined;
  for (let m = 0; m <= until; m++) {
    if (minutes.includes(m)) value = m * 60;
    out.push(value === undefined ? '_' : String(value));
  }
  return out.join(' ');
}

/** A pushed per-deploy gauge: blank until the first deploy, then the value pushed with the latest one. */
function perDeploy(pushes: Array<[number, number]>, until: number): string {
  const out: string[] = [];
  let value: number | undefined;
  for (let m = 0; m <= until; m++) {
    const p = pushes.find(([at]) => at === m);
    if (p) value = p[1];
    out.push(value === undefined ? '_' : String(value));
  }
  return out.join(' ');
}

/** A counter growing by `perMinute[i]` over segment i of `[minutes, perMinute]`. */
function counter(segments: Array<[number, number]>): string {
  const out = ['0'];
  let v = 0;
  for (const [minutes, rate] of segments) {
    for (let i = 0; i < minutes; i++) {
      v += rate;
      out.push(String(v));
    }
  }
  return out.join(' ');
}

const deploy = (environment: string, result: string, minutes: number[], until: number) => ({
  series: labelText('platform_pipeline_deploy_timestamp_seconds', { ...PUSHED, environment, result }),
  values: events(minutes, until),
});

// ---- DORA sequences ---------------------------------------------------------------------------------------

/** One hand-written DORA sequence: the events, and the exact values of the recordings at given times. */
export interface DoraSequence {
  readonly name: string;
  /** Human summary of the events, for the report. */
  readonly events: string;
  readonly input: Array<{ series: string; values: string }>;
  /** [record, eval minute, environment, expected value or undefined for "no sample"]. */
  readonly expect: Array<[string, number, string, number | undefined]>;
}

export const DORA_SEQUENCES: DoraSequence[] = [
  {
    name: 'the issue\'s outage: a failed deploy at 600 s, the fix at 1200 s, the next deploy at 6000 s',
    events: 'uat: failure 600 s; success 1200 s, 6000 s',
    input: [deploy('uat', 'failure', [10], 110), deploy('uat', 'success', [20, 100], 110)],
    expect: [
      ['dora:failed_deployments:count7d', 10, 'uat', 1], // the first-ever sample of a series counts
      ['dora:deployments:count7d', 10, 'uat', 1],
      ['dora:change_failure_rate:ratio7d', 10, 'uat', 1],
      ['dora:time_to_restore:seconds', 20, 'uat', 600],
      ['dora:change_failure_rate:ratio7d', 20, 'uat', 0.5],
      ['dora:time_to_restore:seconds', 25, 'uat', undefined], // recorded at the restore, not forever
      ['dora:time_to_restore:seconds', 100, 'uat', undefined], // a later deploy restores nothing
      ['dora:time_to_restore:mean_seconds7d', 105, 'uat', 600], // not 5400, and it does not grow
      ['dora:deployments:count1d', 105, 'uat', 2],
      ['dora:deployments:count7d', 105, 'uat', 3],
      ['dora:failed_deployments:count7d', 105, 'uat', 1],
      ['dora:change_failure_rate:ratio7d', 105, 'uat', 1 / 3],
    ],
  },
  {
    name: 'two failed deploys in a row: the time to restore runs from the first',
    events: 'staging: success 120 s; failures 600 s, 900 s; success 1500 s',
    input: [deploy('staging', 'success', [2, 25], 40), deploy('staging', 'failure', [10, 15], 40)],
    expect: [
      ['dora:failed_deployment:start_timestamp_seconds', 10, 'staging', 600],
      ['dora:failed_deployment:start_timestamp_seconds', 15, 'staging', undefined],
      ['dora:time_to_restore:seconds', 25, 'staging', 900],
      ['dora:time_to_restore:mean_seconds7d', 35, 'staging', 900],
      ['dora:deployments:count7d', 30, 'staging', 4],
      ['dora:failed_deployments:count7d', 30, 'staging', 2],
      ['dora:change_failure_rate:ratio7d', 30, 'staging', 0.5],
      ['dora:deployments:count1d', 30, 'staging', 2],
    ],
  },
  {
    name: 'lead time per change: a deploy of 2 changes (authored 300 s and 0 s before it) at 600 s, one of 1 change (600 s before) at 3000 s',
    events: 'qa: success 600 s (changes 2, lead sum 900 s); success 3000 s (changes 1, lead sum 600 s)',
    input: [
      deploy('qa', 'success', [10, 50], 60),
      { series: labelText('platform_pipeline_deploy_changes', { ...PUSHED, environment: 'qa', result: 'success' }), values: perDeploy([[10, 2], [50, 1]], 60) },
      { series: labelText('platform_pipeline_deploy_lead_time_sum_seconds', { ...PUSHED, environment: 'qa', result: 'success' }), values: perDeploy([[10, 900], [50, 600]], 60) },
    ],
    expect: [
      ['dora:deploy_changes:count', 10, 'qa', 2], // the first-ever deploy is seen
      ['dora:deploy_changes:count', 15, 'qa', undefined],
      ['dora:lead_time_for_changes:mean_seconds7d', 30, 'qa', 450],
      ['dora:lead_time_for_changes:last_deploy_seconds', 30, 'qa', 450],
      ['dora:lead_time_for_changes:mean_seconds7d', 60, 'qa', 500], // (900 + 600) / (2 + 1)
      ['dora:lead_time_for_changes:last_deploy_seconds', 60, 'qa', 600],
      ['dora:deployments:count1d', 60, 'qa', 2],
    ],
  },
  {
    name: 'deployment frequency: three successful deploys, the first one the series\' first sample',
    events: 'dev: success 300 s, 3900 s, 7500 s',
    input: [deploy('dev', 'success', [5, 65, 125], 130)],
    expect: [
      ['dora:deployments:count1d', 5, 'dev', 1],
      ['dora:deployments:count1d', 130, 'dev', 3],
      ['dora:change_failure_rate:ratio7d', 130, 'dev', 0],
      ['dora:time_to_restore:seconds', 130, 'dev', undefined],
    ],
  },
];

function doraTests(): any[] {
  return DORA_SEQUENCES.map((s) => ({
    name: `DORA: ${s.name}`,
    interval: '1m',
    input_series: s.input,
    promql_expr_test: s.expect.map(([record, at, environment, value]) => ({
      expr: `${record}{environment="${environment}"}`,
      eval_time: `${at}m`,
      exp_samples: value === undefined ? [] : [{ labels: labelText(record, { app: 'checkout', environment }), value }],
    })),
  }));
}

// ---- pipeline alerts: just above fires, just below stays quiet --------------------------------------------

const PIPE_LABELS = { severity: 'warning', namespace: 'shop' };

function pipelineAlertTests(): any[] {
  const alert = (alertname: string, at: number, exp: Array<{ exp_labels: Record<string, string>; exp_annotations: Record<string, string> }>) =>
    ({ eval_time: `${at}m`, alertname, exp_alerts: exp });
  const notRestored = (value: string) => ({
    exp_labels: { ...PIPE_LABELS, app: 'checkout', environment: 'perf' },
    exp_annotations: {
      summary: 'A failed checkout deployment is not restored within 30 minutes.',
      description: `A deploy of checkout to perf failed ${value} ago and no deploy has succeeded since; the time-to-restore target is 30 minutes.`,
    },
  });
  const cfr = (pct: string) => ({
    exp_labels: { ...PIPE_LABELS, app: 'checkout', environment: 'production' },
    exp_annotations: {
      summary: 'The checkout change failure rate is above 5%.',
      description: `${pct} of the deploys of checkout to production in the last 7 days failed; the target is under 5%.`,
    },
  });
  const minutes = (n: number, from = 1) => Array.from({ length: n }, (_, i) => from + i);
  return [
    {
      name: 'DeploymentNotRestored: 1800 s after the failure quiet, 2100 s (the next evaluation) fires',
      interval: '1m',
      input_series: [deploy('perf', 'failure', [10], 45)],
      alert_rule_test: [
        alert('CheckoutDeploymentNotRestored', 40, []),
        alert('CheckoutDeploymentNotRestored', 45, [notRestored('35m 0s')]),
      ],
    },
    {
      name: 'DeploymentNotRestored: restored after 20 minutes stays quiet',
      interval: '1m',
      input_series: [deploy('perf2', 'failure', [10], 45), deploy('perf2', 'success', [30], 45)],
      alert_rule_test: [alert('CheckoutDeploymentNotRestored', 45, [])],
    },
    {
      name: 'ChangeFailureRateHigh: 1 failed of 19 deploys (5.26 %) fires',
      interval: '1m',
      input_series: [deploy('production', 'success', minutes(18), 25), deploy('production', 'failure', [19], 25)],
      alert_rule_test: [alert('CheckoutChangeFailureRateHigh', 25, [cfr('5.263%')])],
    },
    {
      name: 'ChangeFailureRateHigh: 1 failed of 21 deploys (4.76 %) stays quiet',
      interval: '1m',
      input_series: [deploy('production', 'success', minutes(20), 25), deploy('production', 'failure', [21], 25)],
      alert_rule_test: [alert('CheckoutChangeFailureRateHigh', 25, [])],
    },
    {
      name: 'PipelineSlow (running time): 3601 s fires, 3600 s quiet; ImageVulnerabilities: 1 finding fires, 0 quiet; TestCoverageLow: 79.9 fires, 80 quiet',
      interval: '1m',
      input_series: [
        { series: labelText('platform_pipeline_run_duration_seconds', { ...PUSHED, result: 'success' }), values: '3600x4 3601x5' },
        { series: labelText('platform_pipeline_run_wait_seconds', { ...PUSHED, result: 'success' }), values: '90000x10' },
        { series: labelText('platform_pipeline_scan_findings', { ...PUSHED, scanner: 'trivy', severity: 'critical' }), values: '0x4 1x5' },
        { series: labelText('platform_pipeline_scan_findings', { ...PUSHED, scanner: 'trivy', severity: 'low' }), values: '7x10' },
        { series: labelText('platform_pipeline_test_coverage_percent', PUSHED), values: '80x4 79.9x5' },
      ],
      alert_rule_test: [
        alert('CheckoutPipelineSlow', 0, []),
        alert('CheckoutPipelineSlow', 5, [{
          exp_labels: { ...PIPE_LABELS, app: 'checkout' },
          exp_annotations: {
            summary: 'The checkout pipeline runs longer than 60 minutes.',
            description: 'The last successful run of the checkout pipeline ran for 1h 0m 1s without its approval and queue waits; the target is under 60 minutes.',
          },
        }]),
        alert('CheckoutImageVulnerabilities', 0, []),
        alert('CheckoutImageVulnerabilities', 5, [{
          exp_labels: { ...PIPE_LABELS, app: 'checkout', scanner: 'trivy' },
          exp_annotations: {
            summary: 'The last checkout scan found critical or high vulnerabilities.',
            description: 'Scanner trivy reported 1 critical or high findings for checkout in its last run.',
          },
        }]),
        alert('CheckoutTestCoverageLow', 0, []),
        alert('CheckoutTestCoverageLow', 5, [{
          exp_labels: { ...PIPE_LABELS, app: 'checkout' },
          exp_annotations: {
            summary: 'checkout test coverage is below 80%.',
            description: 'The last test run of checkout covered 79.9% of the lines; the target is over 80%.',
          },
        }]),
      ],
    },
    {
      name: 'DeploymentRolledBack: 55 minutes after the rollback fires, 60 minutes quiet',
      interval: '1m',
      input_series: [{ series: labelText('platform_pipeline_rollback_timestamp_seconds', { ...PUSHED, environment: 'canary' }), values: events([10], 75) }],
      alert_rule_test: [
        alert('CheckoutDeploymentRolledBack', 65, [{
          exp_labels: { ...PIPE_LABELS, app: 'checkout', environment: 'canary' },
          exp_annotations: {
            summary: 'A checkout deployment was rolled back.',
            description: 'The deploy of checkout to canary failed verification and was rolled back within the last hour.',
          },
        }]),
        alert('CheckoutDeploymentRolledBack', 70, []),
      ],
    },
  ];
}

// ---- SLO burn-rate alerts ---------------------------------------------------------------------------------

const IDENTITY = { sloth_id: 'checkout-availability', sloth_service: 'checkout', sloth_slo: 'availability', namespace: 'shop' };
const TIERS: Record<string, { labels: Record<string, string>; threshold: string; factor: string; spent: string; short: string; long: string }> = {
  'page-fast': { labels: { severity: 'critical', sloth_severity: 'page', slo_burn_tier: 'page-fast', short: '5m', long: '1h' }, threshold: '1.44', factor: '14.4', spent: '2', short: '5m', long: '1h' },
  'page-slow': { labels: { severity: 'critical', sloth_severity: 'page', slo_burn_tier: 'page-slow', short: '30m', long: '6h' }, threshold: '0.6', factor: '6', spent: '5', short: '30m', long: '6h' },
  'ticket-fast': { labels: { severity: 'warning', sloth_severity: 'ticket', slo_burn_tier: 'ticket-fast', short: '2h', long: '1d' }, threshold: '0.3', factor: '3', spent: '10', short: '2h', long: '1d' },
  'ticket-slow': { labels: { severity: 'warning', sloth_severity: 'ticket', slo_burn_tier: 'ticket-slow', short: '6h', long: '3d' }, threshold: '0.1', factor: '1', spent: '10', short: '6h', long: '3d' },
};

function burn(tier: string, pct: string) {
  const t = TIERS[tier];
  return {
    exp_labels: { ...IDENTITY, ...t.labels },
    exp_annotations: {
      summary: 'checkout availability SLO error budget burn rate is too high.',
      description: `checkout availability in shop: the ${t.short} error ratio is ${pct}, above ${t.threshold}% (${t.factor}x the 0.1% error budget) over ${t.short} and ${t.long}; at this rate ${t.spent}% of the 30d error budget is spent within ${t.long}.`,
    },
  };
}

const EXHAUSTED = {
  exp_labels: { ...IDENTITY, sloth_window: '30d', severity: 'info', sloth_severity: 'info' },
  exp_annotations: {
    summary: 'checkout availability SLO error budget is exhausted.',
    description: 'checkout availability in shop has used all of its 30d error budget (objective 99.9%).',
  },
};

const PERIOD = '{namespace="shop", sloth_id="checkout-availability", sloth_service="checkout", sloth_slo="availability", sloth_window="30d"}';
const ISTIO = { reporter: 'destination', destination_workload: 'checkout', destination_workload_namespace: 'shop' };
const requests = (code: string, segments: Array<[number, number]>) =>
  ({ series: labelText('istio_requests_total', { ...ISTIO, response_code: code }), values: counter(segments) });

function sloTests(): any[] {
  // [errors per 10000 requests, tiers that fire]: each threshold with one ratio just above and one just below
  const cases: Array<[number, string[]]> = [
    [145, ['page-fast', 'page-slow', 'ticket-fast', 'ticket-slow']],
    [143, ['page-slow', 'ticket-fast', 'ticket-slow']],
    [61, ['page-slow', 'ticket-fast', 'ticket-slow']],
    [59, ['ticket-fast', 'ticket-slow']],
    [31, ['ticket-fast', 'ticket-slow']],
    [29, ['ticket-slow']],
    [11, ['ticket-slow']],
    [9, []],
  ];
  const out: any[] = cases.map(([bad, tiers]) => ({
    name: `burn: ${bad / 100}% errors fire ${tiers.join(', ') || 'nothing'}`,
    interval: '1m',
    input_series: [requests('200', [[20, 10000 - bad]]), requests('500', [[20, bad]])],
    alert_rule_test: [
      { eval_time: '15m', alertname: 'CheckoutAvailabilityErrorBudgetBurn', exp_alerts: tiers.map((t) => burn(t, `${bad / 100}%`)) },
      // the period SLI: 15 minutes at 1.45 % of errors use the budget of 30 days at 0.1 %; at 0.09 % they do not
      ...(bad === 145 || bad === 9 ? [{ eval_time: '15m', alertname: 'CheckoutAvailabilityBudgetExhausted', exp_alerts: bad === 145 ? [EXHAUSTED] : [] }] : []),
    ],
  }));
  // Rule groups are evaluated recordings first (group_eval_order, as the generated tests do); Prometheus itself
  // evaluates groups concurrently, so an alert may read the recordings of the evaluation before: the scenarios
  // below keep every window an alert reads constant across the last two evaluations.
  out.push({
    name: 'burn: 10 % errors, then no traffic for 10 minutes: the 5m window no longer pages fast, the 30m/6h, 2h/1d and 6h/3d tiers still fire',
    interval: '1m',
    input_series: [requests('200', [[30, 9000], [10, 0]]), requests('500', [[30, 1000], [10, 0]])],
    alert_rule_test: [{ eval_time: '40m', alertname: 'CheckoutAvailabilityErrorBudgetBurn', exp_alerts: [burn('page-slow', '10%'), burn('ticket-fast', '10%'), burn('ticket-slow', '10%')] }],
  });
  out.push({
    name: 'burn: only the 6h/3d tier fires: 90 minutes at 100/min without errors, 20 at 10000/min with 0.2 % errors, 10 at 1/min (3d ratio 0.19 %, period mean of 5m ratios 0.03 %)',
    interval: '1m',
    input_series: [requests('200', [[90, 100], [20, 9980], [10, 1]]), requests('500', [[90, 0], [20, 20], [10, 0]])],
    alert_rule_test: [
      { eval_time: '120m', alertname: 'CheckoutAvailabilityErrorBudgetBurn', exp_alerts: [burn('ticket-slow', '0.1914%')] },
      { eval_time: '120m', alertname: 'CheckoutAvailabilityBudgetExhausted', exp_alerts: [] },
    ],
    // the period SLI is Sloth's: the mean of the 5m ratios recorded every 5 minutes from 5m to 120m,
    // 4 of 24 of them (95m to 110m) at 0.2 %; the budget remaining is 1 - that / 0.001
    promql_expr_test: [
      { expr: 'abs(slo:sli_error:ratio_rate30d{sloth_slo="availability"} - 0.008 / 24) < bool 1e-9', eval_time: '120m', exp_samples: [{ labels: PERIOD, value: 1 }] },
      { expr: 'abs(slo:period_error_budget_remaining:ratio{sloth_slo="availability"} - (1 - 0.008 / 24 / 0.001)) < bool 1e-9', eval_time: '120m', exp_samples: [{ labels: PERIOD, value: 1 }] },
    ],
  });
  out.push({
    name: 'burn: page-fast needs its 1h window too: 5 % errors 2 hours ago and again for the last 15 minutes (5m 5 %, 1h 1.25 %, 6h 3 %)',
    interval: '1m',
    input_series: [requests('200', [[60, 9500], [50, 10000], [15, 9500]]), requests('500', [[60, 500], [50, 0], [15, 500]])],
    promql_expr_test: [{
      expr: 'count by (slo_burn_tier) (ALERTS{alertname="CheckoutAvailabilityErrorBudgetBurn", alertstate="firing"})',
      eval_time: '125m',
      exp_samples: ['page-slow', 'ticket-fast', 'ticket-slow'].map((t) => ({ labels: `{slo_burn_tier="${t}"}`, value: 1 })),
    }],
  });
  out.push({
    name: 'latency SLI: only this workload\'s requests count (99 % fast of 1000/min; another workload serves 100000/min, all slow)',
    interval: '1m',
    input_series: [
      { series: labelText('istio_request_duration_milliseconds_bucket', { ...ISTIO, le: '250' }), values: counter([[10, 990]]) },
      { series: labelText('istio_request_duration_milliseconds_count', ISTIO), values: counter([[10, 1000]]) },
      { series: labelText('istio_request_duration_milliseconds_bucket', { ...ISTIO, destination_workload: 'other', le: '250' }), values: counter([[10, 0]]) },
      { series: labelText('istio_request_duration_milliseconds_count', { ...ISTIO, destination_workload: 'other' }), values: counter([[10, 100000]]) },
    ],
    promql_expr_test: [{
      expr: 'abs(slo:sli_error:ratio_rate5m{sloth_slo="latency"} - 0.01) < bool 1e-9',
      eval_time: '10m',
      exp_samples: [{ labels: '{namespace="shop", sloth_id="checkout-latency", sloth_service="checkout", sloth_slo="latency", sloth_window="5m"}', value: 1 }],
    }],
  });
  return out;
}

/** Deploy frequency over a day: a 1-hour evaluation interval keeps a day of evaluations cheap. */
function dayTests(): any[] {
  return [{
    name: 'DeploymentsInfrequent: 24 h after the last production deploy quiet, 25 h fires',
    interval: '1h',
    input_series: [{ series: labelText('platform_pipeline_deploy_timestamp_seconds', { ...PUSHED, environment: 'production', result: 'success' }), values: '0x30' }],
    alert_rule_test: [
      { eval_time: '24h', alertname: 'CheckoutDeploymentsInfrequent', exp_alerts: [] },
      {
        eval_time: '25h',
        alertname: 'CheckoutDeploymentsInfrequent',
        exp_alerts: [{
          exp_labels: { severity: 'info', namespace: 'shop', app: 'checkout', environment: 'production' },
          exp_annotations: {
            summary: 'checkout was not deployed to production for a day.',
            description: 'The last successful deploy of checkout to production is more than a day old; the target is daily deploys.',
          },
        }],
      },
    ],
  }];
}

/**
 * The pipeline scenarios in as few promtool test groups as possible (each group costs a fresh storage): the
 * rules group by app and environment, so scenarios of different environments (and the pushed figures without
 * one) share a group. Scenarios that need the same environment (the two change-failure-rate cases, both in
 * production) stay apart.
 */
function mergeByEnvironment(groups: any[]): any[] {
  const out: any[] = [];
  for (const g of groups) {
    const series = new Set(g.input_series.map((x: any) => x.series));
    const envs = new Set(g.input_series.map((x: any) => envOf(x.series)).filter((e: string | undefined) => e !== undefined));
    const clash = (x: any) => series.has(x.series) || envs.has(envOf(x.series));
    const into = out.find((o) => !o.input_series.some(clash));
    if (!into) {
      const copy = (k: string) => [...(g[k] ?? [])];
      out.push({ ...g, promql_expr_test: copy('promql_expr_test'), alert_rule_test: copy('alert_rule_test'), input_series: copy('input_series') });
      continue;
    }
    into.name = `${into.name} | ${g.name}`;
    into.input_series.push(...g.input_series);
    into.promql_expr_test.push(...(g.promql_expr_test ?? []));
    for (const t of g.alert_rule_test ?? []) {
      // one expectation per alert and time: the alerts of every environment at that time
      const same = into.alert_rule_test.find((x: any) => x.alertname === t.alertname && x.eval_time === t.eval_time);
      if (same) same.exp_alerts = [...same.exp_alerts, ...t.exp_alerts];
      else into.alert_rule_test.push({ ...t, exp_alerts: [...t.exp_alerts] });
    }
  }
  return out.map((o) => ({
    ...o,
    ...(o.promql_expr_test.length ? {} : { promql_expr_test: undefined }),
    ...(o.alert_rule_test.length ? {} : { alert_rule_test: undefined }),
  })).map((o) => JSON.parse(JSON.stringify(o)));
}

function envOf(series: string): string | undefined {
  return /environment="([^"]+)"/.exec(series)?.[1];
}

/** The rule files the scenarios read: the reference rules split by group, so each scenario evaluates only the rules it tests. */
export const RULE_FILES: Record<string, (group: string) => boolean> = {
  'pipeline.rules.yml': (g) => g.startsWith('platform-pipeline-'),
  'availability.rules.yml': (g) => g.endsWith('-checkout-availability'),
  'latency.rules.yml': (g) => g.endsWith('-checkout-latency'),
};

/**
 * The hand-written promtool test files. Rules are evaluated every 5 minutes (series have a sample a
 * minute): the DORA event rules look back 5 minutes, so each event is seen by exactly one evaluation.
 */
export function scenarioFiles(): Array<{ file: string; doc: any }> {
  const slo = sloTests();
  return [
    { file: 'pipeline.test.yml', doc: { rule_files: ['pipeline.rules.yml'], evaluation_interval: '5m', tests: mergeByEnvironment([...doraTests(), ...pipelineAlertTests()]) } },
    { file: 'availability.test.yml', doc: { rule_files: ['availability.rules.yml'], evaluation_interval: '5m', tests: slo.filter((t) => !t.name.startsWith('latency')) } },
    { file: 'latency.test.yml', doc: { rule_files: ['latency.rules.yml'], evaluation_interval: '5m', tests: slo.filter((t) => t.name.startsWith('latency')) } },
    { file: 'days.test.yml', doc: { rule_files: ['pipeline.rules.yml'], evaluation_interval: '1h', tests: dayTests() } },
  ];
}

/** Writes the reference rules (split by `RULE_FILES`) and the scenario files into `dir`; returns the scenario files. */
export function writeScenarios(dir: string, rulesText: string): string[] {
  const doc = parse(rulesText);
  const order: Record<string, string[]> = {};
  for (const [file, pick] of Object.entries(RULE_FILES)) {
    const groups = doc.groups.filter((g: any) => pick(g.name));
    if (groups.length === 0) throw new Error(`no rule group for ${file}`);
    fs.writeFileSync(path.join(dir, file), stringify({ groups }, { lineWidth: 0 }));
    order[file] = groupEvalOrder(groups);
  }
  // the evaluation order the generated tests use: without it, a rule reading another group's recording
  // sees this evaluation's value or the previous one by chance
  return scenarioFiles().map(({ file, doc: d }) => {
    const groupOrder = d.rule_files.flatMap((f: string) => order[f]);
    const ordered = { rule_files: d.rule_files, evaluation_interval: d.evaluation_interval, group_eval_order: groupOrder, tests: d.tests };
    fs.writeFileSync(path.join(dir, file), stringify(ordered, { lineWidth: 0 }));
    return path.join(dir, file);
  });
}
