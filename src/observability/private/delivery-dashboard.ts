/**
 * The delivery dashboard of an app: the four DORA keys (deployment frequency, lead time for changes, change
 * failure rate, time to restore) per environment, pipeline duration and failures, coverage, scan findings and
 * policy violations — from the series the pipeline pushes (`PipelineMetrics`) and Kyverno's policy results,
 * with the reference pipeline's success metrics as thresholds. Never exported from the package.
 */
import { customVariable, dashboardJson, datasourceVariable, PanelSpec, RowSpec } from './dashboard-model';
import { SUCCESS_METRICS } from './pipeline-rules';
import { PipelineMetrics, pushedMetricsOf } from '../../platform/pipeline-metrics';
import type { IPlatformApp } from '../../platform/platform-app-contract';

/** What the delivery dashboard needs beyond the app. */
export interface DeliveryDashboardOptions {
  readonly uid: string;
  readonly serviceUid: string;
  readonly tags: string[];
}

const M = PipelineMetrics;
const S = SUCCESS_METRICS;

/** The delivery dashboard JSON. */
export function deliveryDashboard(app: IPlatformApp, o: DeliveryDashboardOptions): Record<string, unknown> {
  const a = `app="${app.name}"`;
  const env = `${a}, environment="$environment"`;
  const deploys = (result?: string) => `${M.DEPLOY_TIMESTAMP}{${env}${result ? `, result="${result}"` : ''}}`;
  // events in a range, a series' first-ever sample included (see doraGroup): changes + "the first sample is itself in the range"
  const events = (result: string | undefined, range: string, seconds: string) =>
    `sum(changes(${deploys(result)}[${range}]) + (min_over_time(${deploys(result)}[${range}]) > bool (time() - ${seconds})))`;
  const namespaces = app.environments.map((e) => e.namespace).join('|');
  const rows: RowSpec[] = [
    {
      title: 'DORA: $environment',
      panels: [
        {
          type: 'stat',
          title: 'Deployment frequency',
          description: `Successful deploys per day over the time range; the target is daily (at least ${86400 / S.deployIntervalSeconds} per day).`,
          w: 6,
          h: 6,
          unit: 'short',
          decimals: 2,
          queries: [{ expr: `${events('success', '$__range', '$__range_s')} / ($__range_s / 86400)`, instant: true }],
          steps: [{ color: 'red', value: null }, { color: 'green', value: 86400 / S.deployIntervalSeconds }],
        },
        {
          type: 'stat',
          title: 'Lead time for changes',
          description: 'Author time to successful deploy, per change, averaged over the changes of the last deploy.',
          w: 6,
          h: 6,
          unit: 's',
          queries: [{ expr: `max(${M.DEPLOY_LEAD_TIME_SUM}{${env}})\n/\n(max(${M.DEPLOY_CHANGES}{${env}}) > 0)`, instant: true }],
          steps: [{ color: 'blue', value: null }],
        },
        {
          type: 'stat',
          title: 'Change failure rate',
          description: `Failed deploys over all deploys in the time range; the target is under ${S.changeFailureRate * 100}%.`,
          w: 6,
          h: 6,
          unit: 'percentunit',
          decimals: 1,
          queries: [{ expr: `(${events('failure', '$__range', '$__range_s')} or vector(0))\n/\n(${events(undefined, '$__range', '$__range_s')} > 0)`, instant: true }],
          steps: [{ color: 'green', value: null }, { color: 'red', value: S.changeFailureRate }],
        },
        {
          type: 'stat',
          title: 'Time to restore',
          description: `From a failed deploy to the next successful one, the last restore in the time range (recorded by the PrometheusRules' DORA rules); the target is under ${S.restoreSeconds / 60} minutes.`,
          w: 6,
          h: 6,
          unit: 's',
          queries: [{ expr: `max(last_over_time(dora:time_to_restore:seconds{${env}}[$__range]))`, instant: true }],
          steps: [{ color: 'green', value: null }, { color: 'red', value: S.restoreSeconds }],
        },
        {
          type: 'timeseries',
          title: 'Deploys per day',
          w: 24,
          h: 7,
          unit: 'short',
          min: 0,
          decimals: 0,
          queries: [{ expr: `sum by (result) (changes(${deploys()}[1d]) + (min_over_time(${deploys()}[1d]) > bool (time() - 86400)))`, legend: '{{result}}' }],
        },
      ],
    },
    {
      title: 'Pipeline',
      panels: [
        {
          type: 'timeseries',
          title: 'Pipeline duration',
          description: `Running time of the last run per result (no job running — approvals, wait timers, queues — is the wait); the line is the ${S.pipelineSeconds / 60}-minute target.`,
          w: 12,
          h: 7,
          unit: 's',
          min: 0,
          thresholdLines: true,
          queries: [{ expr: `max by (result) (${M.RUN_DURATION}{${a}})`, legend: '{{result}}' }, { expr: `max by (result) (${M.RUN_WAIT}{${a}})`, legend: 'wait {{result}}' }],
          steps: [{ color: 'green', value: null }, { color: 'red', value: S.pipelineSeconds }],
        },
        {
          type: 'stat',
          title: 'Failed runs',
          description: 'Failed pipeline runs on deploying branches in the time range.',
          w: 6,
          h: 7,
          unit: 'short',
          decimals: 0,
          queries: [{ expr: `sum(changes(${M.RUN_TIMESTAMP}{${a}, result="failure"}[$__range]) + (min_over_time(${M.RUN_TIMESTAMP}{${a}, result="failure"}[$__range]) > bool (time() - $__range_s)))`, instant: true }],
          steps: [{ color: 'green', value: null }, { color: 'red', value: 1 }],
        },
        {
          type: 'stat',
          title: 'Test coverage',
          description: `Line coverage of the last run; the target is over ${S.coveragePercent}%.`,
          w: 6,
          h: 7,
          unit: 'percent',
          decimals: 1,
          min: 0,
          max: 100,
          queries: [{ expr: `max(${M.TEST_COVERAGE}{${a}})`, instant: true }],
          steps: [{ color: 'red', value: null }, { color: 'green', value: S.coveragePercent }],
        },
      ],
    },
    {
      title: 'Security',
      panels: [
        {
          type: 'bargauge',
          title: 'Scan findings (last run)',
          w: 12,
          h: 8,
          unit: 'short',
          decimals: 0,
          min: 0,
          queries: [{ expr: `sum by (scanner, severity) (${M.SCAN_FINDINGS}{${a}})`, legend: '{{scanner}} {{severity}}', instant: true }],
          steps: [{ color: 'green', value: null }, { color: 'red', value: 1 }],
        },
        {
          type: 'timeseries',
          title: 'Kyverno policy failures',
          w: 12,
          h: 8,
          unit: 'short',
          min: 0,
          queries: [{ expr: `sum by (policy_name, rule_name) (increase(kyverno_policy_results_total{rule_result=~"fail|FAIL", resource_namespace=~"${namespaces}"}[$__rate_interval]))`, legend: '{{policy_name}}/{{rule_name}}' }],
        },
      ],
    },
  ];
  const load = loadTestRow(app);
  if (load) rows.push(load);
  return dashboardJson({
    uid: o.uid,
    title: `${app.name} / delivery`,
    description: `DORA keys, pipeline health and security results of ${app.name}, with the reference pipeline's success metrics as thresholds. Generated by platform-pipeline.`,
    tags: o.tags,
    time: 'now-30d',
    variables: [
      datasourceVariable('datasource', 'prometheus', 'Prometheus'),
      customVariable('environment', 'Environment', app.environments.map((e) => e.name)),
    ],
    annotations: [],
    links: [{ type: 'link', title: `${app.name} / service`, url: `/d/${o.serviceUid}`, icon: 'dashboard', targetBlank: false, asDropdown: false, includeVars: false, keepTime: true, tags: [], tooltip: '' }],
    rows,
  });
}

/**
 * Load tests and the registry: the figures the LoadTestStage and the KindE2EStage push, per environment
 * (the kind cluster's is `kind-e2e`) and scenario, one point per run, so a regression shows as a step. Only
 * the panels of figures some stage of the app pushes; no row when none does.
 */
function loadTestRow(app: IPlatformApp): RowSpec | undefined {
  const pushed = pushedMetricsOf(app);
  const a = `app="${app.name}"`;
  const byScenario = (metric: string) => `max by (environment, scenario) (${metric}{${a}})`;
  const panels: PanelSpec[] = [];
  if (pushed.has(M.LOAD_TEST_LATENCY)) {
    panels.push({
      type: 'timeseries',
      title: 'Load test latency',
      description: 'p95 and p99 of each scenario\'s last load test (k6), per environment.',
      w: 12,
      h: 8,
      unit: 's',
      min: 0,
      queries: [{ expr: `max by (environment, scenario, quantile) (${M.LOAD_TEST_LATENCY}{${a}})`, legend: '{{environment}} {{scenario}} p{{quantile}}' }],
    });
  }
  if (pushed.has(M.LOAD_TEST_THROUGHPUT)) {
    const target = pushed.has(M.LOAD_TEST_TARGET_THROUGHPUT);
    panels.push({
      type: 'timeseries',
      title: target ? 'Load test throughput (and the gateway test\'s target)' : 'Load test throughput',
      description: target
        ? 'Requests per second each scenario achieved; for the ingress gateway throughput test, also the rate it had to sustain.'
        : 'Requests per second each scenario achieved.',
      w: 12,
      h: 8,
      unit: 'reqps',
      min: 0,
      queries: [
        { expr: byScenario(M.LOAD_TEST_THROUGHPUT), legend: '{{environment}} {{scenario}}' },
        ...(target ? [{ expr: byScenario(M.LOAD_TEST_TARGET_THROUGHPUT), legend: 'target {{environment}} {{scenario}}' }] : []),
      ],
    });
  }
  if (pushed.has(M.LOAD_TEST_ERROR_RATIO)) {
    panels.push({
      type: 'timeseries',
      title: 'Load test errors',
      description: 'Share of failed requests of each scenario\'s last load test.',
      w: 8,
      h: 7,
      unit: 'percentunit',
      min: 0,
      queries: [{ expr: byScenario(M.LOAD_TEST_ERROR_RATIO), legend: '{{environment}} {{scenario}}' }],
    });
  }
  if (pushed.has(M.LOAD_TEST_DROPPED_ITERATIONS)) {
    panels.push({
      type: 'timeseries',
      title: 'Gateway test: dropped iterations',
      description: 'Iterations k6 could not start at their time in the ingress gateway throughput test: the gateway did not keep up.',
      w: 8,
      h: 7,
      unit: 'short',
      min: 0,
      decimals: 0,
      queries: [{ expr: byScenario(M.LOAD_TEST_DROPPED_ITERATIONS), legend: '{{environment}} {{scenario}}' }],
    });
  }
  if (pushed.has(M.IMAGE_PULL_SECONDS)) {
    panels.push({
      type: 'timeseries',
      title: 'Image pull time (kind E2E)',
      description: 'Seconds the kind cluster\'s nodes took to pull the release\'s image from the registry (the slowest pull of a run).',
      w: 8,
      h: 7,
      unit: 's',
      min: 0,
      queries: [{ expr: `max(${M.IMAGE_PULL_SECONDS}{${a}})`, legend: 'pull' }],
    });
  }
  return panels.length > 0 ? { title: 'Load tests and registry', panels } : undefined;
}
