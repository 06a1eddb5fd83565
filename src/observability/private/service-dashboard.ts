/**
 * The service dashboard of an app: SLO status, remaining budget and burn rates (from the Sloth-compatible
 * recordings), request rate, errors and latency percentiles (from the SLI source), saturation (cAdvisor and
 * kube-state-metrics), deploy and rollback annotations (from the pushed pipeline metrics), and a Loki logs
 * panel and Tempo trace search when configured. Never exported from the package.
 */
import { AlertTier, BurnRateWindows } from '../burn-rate-windows';
import { customVariable, dashboardJson, datasourceVariable, LOKI, PanelSpec, promAnnotation, RowSpec, Step, TEMPO } from './dashboard-model';
import { pascal } from './promql';
import { num, promDuration } from '../../core/prom-format';
import { LatencyUnit } from '../../model/sli-source';
import { PipelineMetrics } from '../../platform/pipeline-metrics';
import type { IPlatformApp } from '../../platform/platform-app-contract';

/** What the service dashboard needs beyond the app. */
export interface ServiceDashboardOptions {
  readonly uid: string;
  readonly deliveryUid: string;
  readonly tags: string[];
  readonly labelPrefix: string;
  readonly windows: BurnRateWindows;
  readonly logSelector?: string;
  readonly traceQuery?: string;
}

/** The pods of the app's Deployment or Rollout (`<app>-<hash>-<suffix>`). */
export function podPattern(app: string): string {
  return `${app}-[a-z0-9]+-[a-z0-9]{5}`;
}

const BUDGET_STEPS: Step[] = [{ color: 'red', value: null }, { color: 'orange', value: 0 }, { color: 'green', value: 0.25 }];

function sloRow(app: IPlatformApp, o: ServiceDashboardOptions): RowSpec {
  const p = o.labelPrefix;
  const panels: PanelSpec[] = [];
  for (const slo of app.slos) {
    const sel = `{${p}id="${app.name}-${slo.name}", namespace="$namespace"}`;
    const period = promDuration(slo.period.toSeconds());
    const { windows } = o.windows._resolve(slo);
    const factors = [...new Set(windows.map((w) => w.factor))].sort((a, b) => a - b);
    const pageFactor = Math.min(...windows.filter((w) => w.tier === AlertTier.PAGE).map((w) => w.factor), Infinity);
    panels.push(
      { type: 'stat', title: `${slo.name}: objective`, description: slo.description, w: 4, h: 6, unit: 'percentunit', decimals: 3, queries: [{ expr: `slo:objective:ratio${sel}`, instant: true }], steps: [{ color: 'blue', value: null }] },
      {
        type: 'stat',
        title: `${slo.name}: SLI over ${period}`,
        w: 4,
        h: 6,
        unit: 'percentunit',
        decimals: 3,
        queries: [{ expr: `1 - slo:sli_error:ratio_rate${period}${sel}`, instant: true }],
        steps: [{ color: 'red', value: null }, { color: 'green', value: slo.objectiveRatio }],
      },
      { type: 'stat', title: `${slo.name}: error budget remaining`, w: 4, h: 6, unit: 'percentunit', decimals: 1, queries: [{ expr: `slo:period_error_budget_remaining:ratio${sel}`, instant: true }], steps: BUDGET_STEPS },
      {
        type: 'timeseries',
        title: `${slo.name}: burn rate`,
        description: `Error budget burn rate over the shortest alert window; lines at the alert factors (${factors.join(', ')}).`,
        w: 12,
        h: 6,
        unit: 'x',
        min: 0,
        thresholdLines: true,
        queries: [{ expr: `slo:current_burn_rate:ratio${sel}`, legend: 'burn rate' }],
        steps: [{ color: 'green', value: null }, ...factors.map((f) => ({ color: f >= pageFactor ? 'red' : 'orange', value: f }))],
      },
    );
  }
  panels.push({
    type: 'table',
    title: 'Firing alerts',
    w: 24,
    h: 6,
    queries: [{ expr: `ALERTS{alertstate="firing", namespace="$namespace", alertname=~"${pascal(app.name)}.*"}`, instant: true, table: true }],
  });
  return { title: 'Service level objectives', panels };
}

function redRow(app: IPlatformApp): RowSpec | undefined {
  const source = app.sliSource ?? (app.slos.length > 0 ? app.slos.map((s) => s.sli).find((s) => s) : undefined);
  if (!source) return undefined;
  const sel = source.selector(app.name, '$namespace');
  const m = source.requestsMetric;
  const rate = (matchers: string) => `sum(rate(${m}{${matchers}}[$__rate_interval]))`;
  const panels: PanelSpec[] = [
    { type: 'timeseries', title: 'Request rate', w: 8, h: 8, unit: 'reqps', min: 0, queries: [{ expr: rate(sel), legend: 'requests' }] },
    {
      type: 'timeseries',
      title: 'Error ratio',
      w: 8,
      h: 8,
      unit: 'percentunit',
      min: 0,
      queries: [{ expr: `(${rate(`${sel}, ${source.errorMatchers}`)} or vector(0))\n/\n${rate(sel)}`, legend: 'errors' }],
    },
  ];
  if (source.latencyHistogram) {
    const h = source.latencyHistogram;
    panels.push({
      type: 'timeseries',
      title: 'Latency percentiles',
      w: 8,
      h: 8,
      unit: source.latencyUnit === LatencyUnit.MILLISECONDS ? 'ms' : 's',
      min: 0,
      queries: [0.5, 0.9, 0.99].map((q) => ({ expr: `histogram_quantile(${q}, sum by (le) (rate(${h}_bucket{${sel}}[$__rate_interval])))`, legend: `p${num(q * 100)}` })),
    });
  }
  return { title: 'Traffic, errors, latency', panels };
}

function saturationRow(app: IPlatformApp): RowSpec {
  const pods = `namespace="$namespace", pod=~"${podPattern(app.name)}"`;
  const containers = `${pods}, container!="", container!="POD"`;
  return {
    title: 'Saturation',
    panels: [
      { type: 'timeseries', title: 'CPU per pod', w: 8, h: 8, unit: 'cores', min: 0, queries: [{ expr: `sum by (pod) (rate(container_cpu_usage_seconds_total{${containers}}[$__rate_interval]))`, legend: '{{pod}}' }] },
      { type: 'timeseries', title: 'Memory per pod (working set)', w: 8, h: 8, unit: 'bytes', min: 0, queries: [{ expr: `sum by (pod) (container_memory_working_set_bytes{${containers}})`, legend: '{{pod}}' }] },
      { type: 'timeseries', title: 'Ready pods', w: 8, h: 8, unit: 'short', min: 0, decimals: 0, queries: [{ expr: `sum(kube_pod_status_ready{${pods}, condition="true"})`, legend: 'ready' }] },
    ],
  };
}

/** The service dashboard JSON. */
export function serviceDashboard(app: IPlatformApp, o: ServiceDashboardOptions): Record<string, unknown> {
  const rows: RowSpec[] = [];
  if (app.slos.length > 0) rows.push(sloRow(app, o));
  const red = redRow(app);
  if (red) rows.push(red);
  rows.push(saturationRow(app));
  if (o.logSelector) rows.push({ title: 'Logs (Loki)', panels: [{ type: 'logs', title: 'Logs', w: 24, h: 10, datasource: LOKI, queries: [{ expr: o.logSelector }] }] });
  if (o.traceQuery) rows.push({ title: 'Traces (Tempo)', panels: [{ type: 'table', title: 'Recent traces', w: 24, h: 8, datasource: TEMPO, queries: [{ traceql: o.traceQuery }] }] });

  const variables = [
    datasourceVariable('datasource', 'prometheus', 'Prometheus'),
    customVariable('namespace', 'Environment namespace', app.environments.map((e) => e.namespace)),
  ];
  if (o.logSelector) variables.push(datasourceVariable('loki', 'loki', 'Loki'));
  if (o.traceQuery) variables.push(datasourceVariable('tempo', 'tempo', 'Tempo'));
  const annotations = app.observability.pushgatewayUrl ? [
    promAnnotation('Deploys', `changes(${PipelineMetrics.DEPLOY_TIMESTAMP}{app="${app.name}"}[2m]) > 0`, 'blue', 'Deploy to {{environment}}: {{result}}', 'environment,result'),
    promAnnotation('Rollbacks', `changes(${PipelineMetrics.ROLLBACK_TIMESTAMP}{app="${app.name}"}[2m]) > 0`, 'red', 'Rollback in {{environment}}', 'environment'),
  ] : [];
  return dashboardJson({
    uid: o.uid,
    title: `${app.name} / service`,
    description: `SLOs, traffic, saturation${o.logSelector ? ', logs' : ''}${o.traceQuery ? ', traces' : ''} of ${app.name}. Generated by platform-pipeline; edit the app definition, not this dashboard.`,
    tags: o.tags,
    time: 'now-6h',
    variables,
    annotations,
    links: [{ type: 'link', title: `${app.name} / delivery`, url: `/d/${o.deliveryUid}`, icon: 'dashboard', targetBlank: false, asDropdown: false, includeVars: false, keepTime: true, tags: [], tooltip: '' }],
    rows,
  });
}
