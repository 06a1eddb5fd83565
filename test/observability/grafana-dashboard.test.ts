import { Duration } from 'cdk8s';
import * as pp from '../../src';
import { checkPromqlExprs, coreErrors, crdErrors, dashboardStructureErrors, dashboardTypeErrors, sharedDir } from '../conformance/validators';
import { errorOf, makeApp } from '../util';
import { BOTH_SLOS } from './helpers';

const PUSH = { metricsPush: pp.MetricsPush.external({ url: 'https://pushgateway.acme.dev/', tokenSecret: 'PUSHGATEWAY_TOKEN' }) };

function synth(overrides: Partial<pp.PlatformAppProps> = {}, props: pp.GrafanaDashboardProps = {}, rules = true): pp.SynthOutput {
  const { project, app } = makeApp({ slos: BOTH_SLOS(), observability: PUSH, ...overrides });
  if (rules) new pp.PrometheusRules(app, 'Alerts');
  new pp.GrafanaDashboard(app, 'Dashboards', props);
  return pp.Testing.synth(project);
}

function dashboard(out: pp.SynthOutput, uid: string, app = 'checkout'): any {
  return JSON.parse(out.file(`monitoring/${app}/dashboards/${uid}.json`)!);
}

const panels = (d: any) => d.panels.filter((p: any) => p.type !== 'row');
const panel = (d: any, title: string) => d.panels.find((p: any) => p.title === title);
const steps = (p: any) => p.fieldConfig.defaults.thresholds.steps.map((s: any) => [s.color, s.value]);

/** Every Prometheus expression of a dashboard (panels and annotations). */
function exprs(d: any): Array<{ name: string; expr: string }> {
  const out: Array<{ name: string; expr: string }> = [];
  for (const p of d.panels) for (const t of p.targets ?? []) if (t.datasource?.type === 'prometheus') out.push({ name: `${d.uid}#${p.id} ${p.title}`, expr: t.expr });
  for (const a of d.annotations.list) if (a.datasource?.type === 'prometheus') out.push({ name: `${d.uid} annotation ${a.name}`, expr: a.expr });
  return out;
}

describe('GrafanaDashboard', () => {
  test('snapshot: the delivery dashboard', () => {
    expect(synth().file('monitoring/checkout/dashboards/checkout-delivery.json')).toMatchSnapshot();
  });

  test('classic JSON: null id, stable uid, ids 1..n, explicit grid, refIds per panel, a datasource variable, no __inputs', () => {
    const out = synth({}, { loki: true, tempo: true });
    for (const uid of ['checkout-service', 'checkout-delivery']) {
      const text = out.file(`monitoring/checkout/dashboards/${uid}.json`)!;
      const d = JSON.parse(text);
      expect(d.id).toBeNull();
      expect(d.uid).toBe(uid);
      expect(d.uid.length).toBeLessThanOrEqual(40);
      expect(text).not.toContain('__inputs');
      expect(text).not.toContain('DS_PROMETHEUS');
      expect(d.panels.map((p: any) => p.id)).toEqual(d.panels.map((_: any, i: number) => i + 1));
      for (const p of d.panels) {
        expect(p.gridPos.x + p.gridPos.w).toBeLessThanOrEqual(24);
        expect(p.gridPos.h).toBeGreaterThan(0);
        if (p.type === 'row') continue;
        expect(p.targets.map((t: any) => t.refId)).toEqual(p.targets.map((_: any, i: number) => String.fromCharCode(65 + i)));
        const refs = [p.datasource, ...p.targets.map((t: any) => t.datasource)];
        for (const r of refs) expect([{ type: 'prometheus', uid: '${datasource}' }, { type: 'loki', uid: '${loki}' }, { type: 'tempo', uid: '${tempo}' }]).toContainEqual(r);
      }
      expect(d.templating.list[0]).toMatchObject({ type: 'datasource', name: 'datasource', query: 'prometheus' });
      // no two panels overlap
      const cells = new Set<string>();
      for (const p of d.panels) {
        for (let x = p.gridPos.x; x < p.gridPos.x + p.gridPos.w; x++) {
          for (let y = p.gridPos.y; y < p.gridPos.y + p.gridPos.h; y++) {
            expect(cells.has(`${x},${y}`)).toBe(false);
            cells.add(`${x},${y}`);
          }
        }
      }
    }
  });

  test('every panel and annotation query passes promtool (wrapped as a rule)', () => {
    const out = synth({}, { loki: true, tempo: true });
    const custom = synth({
      mesh: pp.Mesh.NONE,
      sliSource: pp.SliSource.custom({ requestsMetric: 'http_requests_total', errorMatchers: 'code=~"5..|429"', latencyHistogram: 'http_request_duration_seconds' }),
      slos: [pp.Slo.latency({ name: 'latency', objective: 99, threshold: Duration.millis(250) })],
    });
    const all = [
      ...exprs(dashboard(out, 'checkout-service')), ...exprs(dashboard(out, 'checkout-delivery')), ...exprs(dashboard(custom, 'checkout-service')),
    ];
    expect(all.length).toBeGreaterThan(30);
    expect(checkPromqlExprs(all)).toEqual([]);
    // the check can fail
    expect(checkPromqlExprs([{ name: 'broken', expr: 'sum(rate(x[$__rate_interval])' }])).not.toEqual([]);
  });

  test('delivery dashboard: the success metrics as thresholds (daily deploys, CFR 5 %, restore 30 min, 60 min runs, 80 % coverage)', () => {
    const d = dashboard(synth(), 'checkout-delivery');
    expect(steps(panel(d, 'Deployment frequency'))).toEqual([['red', null], ['green', 1]]);
    expect(steps(panel(d, 'Change failure rate'))).toEqual([['green', null], ['red', 0.05]]);
    expect(steps(panel(d, 'Time to restore'))).toEqual([['green', null], ['red', 1800]]);
    expect(steps(panel(d, 'Pipeline duration'))).toEqual([['green', null], ['red', 3600]]);
    expect(panel(d, 'Pipeline duration').fieldConfig.defaults.custom.thresholdsStyle).toEqual({ mode: 'line' });
    expect(steps(panel(d, 'Test coverage'))).toEqual([['red', null], ['green', 80]]);
    expect(panel(d, 'Deployment frequency').targets[0].expr).toBe(
      'sum(changes(platform_pipeline_deploy_timestamp_seconds{app="checkout", environment="$environment", result="success"}[$__range])'
      + ' + (min_over_time(platform_pipeline_deploy_timestamp_seconds{app="checkout", environment="$environment", result="success"}[$__range]) > bool (time() - $__range_s)))'
      + ' / ($__range_s / 86400)');
    expect(panel(d, 'Lead time for changes').targets[0].expr).toBe(
      'max(platform_pipeline_deploy_lead_time_sum_seconds{app="checkout", environment="$environment"})\n/\n(max(platform_pipeline_deploy_changes{app="checkout", environment="$environment"}) > 0)');
    expect(panel(d, 'Time to restore').targets[0].expr).toBe('max(last_over_time(dora:time_to_restore:seconds{app="checkout", environment="$environment"}[$__range]))');
    expect(panel(d, 'Pipeline duration').targets.map((t: any) => t.expr)).toEqual([
      `max by (result) (${pp.PipelineMetrics.RUN_DURATION}{app="checkout"})`, `max by (result) (${pp.PipelineMetrics.RUN_WAIT}{app="checkout"})`,
    ]);
    expect(panel(d, 'Scan findings (last run)').targets[0].expr).toContain(pp.PipelineMetrics.SCAN_FINDINGS);
    expect(d.templating.list[1]).toMatchObject({ type: 'custom', name: 'environment', query: 'staging,production', current: { value: 'production' } });
    const text = JSON.stringify(d);
    expect(text).not.toMatch(/increase\(platform_pipeline/);
  });

  test('service dashboard: SLO status, budget, burn rate with the alert factors, RED, saturation, deploy annotations', () => {
    const d = dashboard(synth(), 'checkout-service');
    expect(panel(d, 'availability: error budget remaining').targets[0].expr).toBe('slo:period_error_budget_remaining:ratio{sloth_id="checkout-availability", namespace="$namespace"}');
    expect(steps(panel(d, 'availability: error budget remaining'))).toEqual([['red', null], ['orange', 0], ['green', 0.25]]);
    expect(steps(panel(d, 'availability: SLI over 30d'))).toEqual([['red', null], ['green', 0.999]]);
    expect(steps(panel(d, 'availability: burn rate'))).toEqual([['green', null], ['orange', 1], ['orange', 3], ['red', 6], ['red', 14.4]]);
    expect(panel(d, 'latency: burn rate').targets[0].expr).toBe('slo:current_burn_rate:ratio{sloth_id="checkout-latency", namespace="$namespace"}');
    expect(panel(d, 'Request rate').targets[0].expr).toBe(
      'sum(rate(istio_requests_total{reporter="destination", destination_workload="checkout", destination_workload_namespace="$namespace"}[$__rate_interval]))');
    expect(panel(d, 'Latency percentiles').targets.map((t: any) => t.legendFormat)).toEqual(['p50', 'p90', 'p99']);
    expect(panel(d, 'Latency percentiles').fieldConfig.defaults.unit).toBe('ms');
    expect(panel(d, 'CPU per pod').targets[0].expr).toContain('container_cpu_usage_seconds_total{namespace="$namespace", pod=~"checkout-[a-z0-9]+-[a-z0-9]{5}"');
    expect(d.annotations.list.map((a: any) => a.name)).toEqual(['Annotations & Alerts', 'Deploys', 'Rollbacks']);
    expect(d.annotations.list[1].expr).toBe(`changes(${pp.PipelineMetrics.DEPLOY_TIMESTAMP}{app="checkout"}[2m]) > 0`);
    expect(d.templating.list.map((v: any) => v.name)).toEqual(['datasource', 'namespace']);
    expect(d.links[0].url).toBe('/d/checkout-delivery');
    expect(panels(d).some((p: any) => p.type === 'logs')).toBe(false);
  });

  test('Loki logs and Tempo traces only when configured, through their own datasource variables', () => {
    const d = dashboard(synth({}, { loki: true, tempo: true, logSelector: '{namespace="$namespace", app="checkout"}' }), 'checkout-service');
    expect(d.templating.list.map((v: any) => [v.name, v.query])).toEqual([['datasource', 'prometheus'], ['namespace', 'platform-staging,platform-prod'], ['loki', 'loki'], ['tempo', 'tempo']]);
    const logs = panel(d, 'Logs');
    expect(logs.type).toBe('logs');
    expect(logs.targets[0]).toEqual({ datasource: { type: 'loki', uid: '${loki}' }, refId: 'A', expr: '{namespace="$namespace", app="checkout"}', queryType: 'range' });
    expect(panel(d, 'Recent traces').targets[0]).toMatchObject({ datasource: { type: 'tempo', uid: '${tempo}' }, queryType: 'traceql', query: '{resource.service.name="checkout"}' });
  });

  test('without a Pushgateway: no delivery dashboard and no deploy annotations (nothing would feed them)', () => {
    const out = synth({ observability: {} });
    expect(out.paths.filter((p) => p.includes('/dashboards/'))).toEqual(['monitoring/checkout/dashboards/checkout-service.json']);
    expect(dashboard(out, 'checkout-service').annotations.list.map((a: any) => a.name)).toEqual(['Annotations & Alerts']);
  });

  test('sidecar ConfigMaps (label grafana_dashboard, compact JSON equal to the file) in the chosen environment', () => {
    const out = synth({}, { provisioning: pp.DashboardProvisioning.sidecar({ folder: 'Checkout', labelValue: 'true' }) });
    const docs = out.yamlDocuments('deploy/checkout/production.k8s.yaml')!.filter((d) => d.kind === 'ConfigMap');
    expect(docs.map((d) => d.metadata.name)).toEqual(['checkout-service-dashboard', 'checkout-delivery-dashboard']);
    for (const cm of docs) {
      expect(coreErrors(cm)).toEqual([]);
      expect(cm.metadata).toMatchObject({ namespace: 'platform-prod', labels: { grafana_dashboard: 'true' }, annotations: { grafana_folder: 'Checkout' } });
      const [key, json] = Object.entries<string>(cm.data)[0];
      expect(json).not.toContain('\n');
      expect(JSON.parse(json)).toEqual(dashboard(out, key.replace(/\.json$/, '')));
    }
    expect(out.yamlDocuments('deploy/checkout/staging.k8s.yaml')!.filter((d) => d.kind === 'ConfigMap')).toEqual([]);
    const staging = synth({}, { environment: 'staging' }).yamlDocuments('deploy/checkout/staging.k8s.yaml')!.filter((d) => d.kind === 'ConfigMap');
    expect(staging.map((d) => d.metadata.namespace)).toEqual(['platform-staging', 'platform-staging']);
  });

  test('grafana-operator GrafanaDashboard objects validate against the schema', () => {
    const out = synth({}, { provisioning: pp.DashboardProvisioning.grafanaOperator({ folder: 'Checkout', namespace: 'monitoring', instanceSelector: [{ name: 'dashboards', value: 'main' }] }) });
    const docs = out.yamlDocuments('deploy/checkout/production.k8s.yaml')!.filter((d) => d.kind === 'GrafanaDashboard');
    expect(docs.length).toBe(2);
    for (const d of docs) {
      expect(crdErrors(d, `${sharedDir()}/schemas`)).toEqual([]);
      expect(d.metadata.namespace).toBe('monitoring');
      expect(d.spec).toMatchObject({ instanceSelector: { matchLabels: { dashboards: 'main' } }, folder: 'Checkout', resyncPeriod: '10m0s' });
      expect(JSON.parse(d.spec.json).uid).toBe(d.spec.uid);
    }
  });

  test('two apps: dashboards, uids and objects never collide; a shared uid prefix is refused', () => {
    const { project, app } = makeApp({ observability: PUSH });
    const cart = makeApp({ observability: PUSH, image: pp.ContainerImage.fromRegistry('ghcr.io/acme/cart', { context: 'services/cart' }) }, 'cart', project).app;
    new pp.GrafanaDashboard(app, 'Dashboards');
    new pp.GrafanaDashboard(cart, 'Dashboards');
    const out = pp.Testing.synth(project);
    expect(out.paths.filter((p) => p.includes('/dashboards/'))).toEqual([
      'monitoring/cart/dashboards/cart-delivery.json', 'monitoring/cart/dashboards/cart-service.json',
      'monitoring/checkout/dashboards/checkout-delivery.json', 'monitoring/checkout/dashboards/checkout-service.json',
    ]);
    expect(dashboard(out, 'cart-service', 'cart').uid).toBe('cart-service');

    const clash = makeApp();
    const other = makeApp({ image: pp.ContainerImage.fromRegistry('ghcr.io/acme/cart', { context: 'services/cart' }) }, 'cart', clash.project).app;
    new pp.GrafanaDashboard(clash.app, 'Dashboards', { uidPrefix: 'shop' });
    new pp.GrafanaDashboard(other, 'Dashboards', { uidPrefix: 'shop' });
    expect(errorOf(() => pp.Testing.synth(clash.project))).toMatch(/checkout\/Dashboards: dashboard uid 'shop-service' is also used by cart\/Dashboards; give one app another 'uidPrefix'/);
  });

  test('bad input: uid over 40 characters, bad characters, unknown environment, stray options', () => {
    const { app } = makeApp();
    expect(errorOf(() => new pp.GrafanaDashboard(app, 'Long', { uidPrefix: 'a-very-long-dashboard-prefix-for-checkout' })))
      .toMatch(/checkout\/Long: dashboard uid 'a-very-long-dashboard-prefix-for-checkout-service' is 49 characters; Grafana allows at most 40: set 'uidPrefix' to at most 31 characters/);
    expect(errorOf(() => new pp.GrafanaDashboard(app, 'Chars', { uidPrefix: 'shop/checkout' }))).toMatch(/may only use letters, digits, '-' and '_'/);
    expect(errorOf(() => new pp.GrafanaDashboard(app, 'Env', { environment: 'qa' }))).toMatch(/no environment 'qa'|'environment' names 'qa', which the app does not declare/);
    expect(errorOf(() => new pp.GrafanaDashboard(app, 'Stray', { logSelector: '{app="x"}' }))).toMatch(/'logSelector' is set but 'loki' is not/);
    expect(errorOf(() => pp.DashboardProvisioning.grafanaOperator({ instanceSelector: [] }))).toMatch(/'instanceSelector' must name at least one label/);
    expect(errorOf(() => pp.DashboardProvisioning.sidecar({ labelValue: 'not valid' }))).toMatch(/'labelValue' must be a Kubernetes label value/);
    new pp.GrafanaDashboard(app, 'Dashboards');
    expect(errorOf(() => new pp.GrafanaDashboard(app, 'Again'))).toMatch(/the app already has a GrafanaDashboard \(checkout\/Dashboards\)/);
  });
});

describe('delivery dashboard: load tests and the registry', () => {
  function withLoad(push: boolean, gateway: boolean, e2e: boolean): any {
    const { project, app } = makeApp({ slos: BOTH_SLOS(), observability: push ? PUSH : {} });
    new pp.LoadTestStage(app, 'Load', {
      scenarios: [{ name: 'browse', endpoints: [{ path: '/api/products' }], vus: 5, duration: Duration.minutes(1) }],
      gatewayThroughput: gateway ? { rate: 40 } : undefined,
    });
    if (e2e) new pp.KindE2EStage(app, 'E2E', { environment: 'staging' });
    new pp.GrafanaDashboard(app, 'Dashboards');
    const out = pp.Testing.synth(project);
    return push ? dashboard(out, 'checkout-delivery') : undefined;
  }
  const row = (d: any) => {
    const i = d.panels.findIndex((p: any) => p.type === 'row' && p.title === 'Load tests and registry');
    if (i < 0) return undefined;
    const next = d.panels.findIndex((p: any, j: number) => j > i && p.type === 'row');
    return d.panels.slice(i + 1, next < 0 ? undefined : next);
  };

  test('a row for the figures the stages push: latency, throughput and the gateway target, errors, dropped iterations, image pull time', () => {
    const d = withLoad(true, true, true);
    const load = row(d);
    expect(load.map((p: any) => p.title)).toEqual([
      'Load test latency', 'Load test throughput (and the gateway test\'s target)', 'Load test errors', 'Gateway test: dropped iterations', 'Image pull time (kind E2E)',
    ]);
    const exprsOf = (title: string) => load.find((p: any) => p.title === title).targets.map((t: any) => t.expr);
    expect(exprsOf('Load test latency')).toEqual(['max by (environment, scenario, quantile) (platform_pipeline_load_test_latency_seconds{app="checkout"})']);
    expect(exprsOf('Load test throughput (and the gateway test\'s target)')).toEqual([
      'max by (environment, scenario) (platform_pipeline_load_test_requests_per_second{app="checkout"})',
      'max by (environment, scenario) (platform_pipeline_load_test_target_requests_per_second{app="checkout"})',
    ]);
    expect(exprsOf('Gateway test: dropped iterations')).toEqual(['max by (environment, scenario) (platform_pipeline_load_test_dropped_iterations{app="checkout"})']);
    expect(exprsOf('Image pull time (kind E2E)')).toEqual(['max(platform_pipeline_image_pull_seconds{app="checkout"})']);
    expect(dashboardStructureErrors('delivery', d)).toEqual([]);
    expect(checkPromqlExprs(exprs(d))).toEqual([]);
  });

  test('only what is pushed: no gateway test, no E2E -> no target, dropped-iterations or pull panels; no load test -> no row', () => {
    expect(row(withLoad(true, false, false)).map((p: any) => p.title)).toEqual(['Load test latency', 'Load test throughput', 'Load test errors']);
    expect(row(dashboard(synth(), 'checkout-delivery'))).toBeUndefined();
  });
});

describe('dashboards against the Grafana foundation SDK types', () => {
  test('the service and delivery dashboards type-check, with Loki and Tempo panels', () => {
    const { project, app } = makeApp({ slos: BOTH_SLOS(), observability: { metricsPush: pp.MetricsPush.external({ url: 'https://pushgateway.acme.dev/', tokenSecret: 'PUSHGATEWAY_TOKEN' }) } });
    new pp.PrometheusRules(app, 'Alerts');
    new pp.GrafanaDashboard(app, 'Dashboards', { loki: true, tempo: true });
    const out = pp.Testing.synth(project);
    const docs = ['checkout-service', 'checkout-delivery'].map((uid) => JSON.parse(out.file(`monitoring/checkout/dashboards/${uid}.json`)!));
    expect(dashboardTypeErrors(docs)).toEqual([]);
    docs.forEach((d, i) => expect(dashboardStructureErrors(`dashboard ${i}`, d)).toEqual([]));
  }, 60_000);

  test('the check can fail: a misspelt grid field and a datasource given as a string are reported', () => {
    const { project, app } = makeApp();
    new pp.GrafanaDashboard(app, 'Dashboards');
    const d = JSON.parse(pp.Testing.synth(project).file('monitoring/checkout/dashboards/checkout-service.json')!);
    d.panels[1].gridPos = { x: 0, y: 1, wdth: 4, h: 6 };
    d.panels[2].datasource = 'prometheus';
    const errors = dashboardTypeErrors([d]).join('\n');
    expect(errors).toMatch(/wdth/);
    expect(errors).toMatch(/Type 'string' has no properties in common with type/);
    d.__inputs = [];
    d.panels[3].gridPos = { x: 20, y: 1, w: 6, h: 6 };
    const structure = dashboardStructureErrors('d', d).join('\n');
    expect(structure).toContain('has __inputs');
    expect(structure).toMatch(/gridPos .* is outside the 24-column grid/);
    expect(structure).toContain('datasource "prometheus" must be { type, uid: \'${variable}\' }');
  }, 60_000);
});
