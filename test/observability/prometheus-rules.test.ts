import { Duration } from 'cdk8s';
import * as pp from '../../src';
import { crdErrors, sharedDir } from '../conformance/validators';
import { errorOf, makeApp } from '../util';
import { BOTH_SLOS, burnAlerts, promtoolFindings, rulesOf, runFixture, shopApp } from './helpers';

const PUSH = { metricsPush: pp.MetricsPush.external({ url: 'https://pushgateway.acme.dev/', tokenSecret: 'PUSHGATEWAY_TOKEN' }) };

function synthRules(overrides: Partial<pp.PlatformAppProps> = {}, props: pp.PrometheusRulesProps = {}): pp.SynthOutput {
  const { project, app } = shopApp(overrides);
  new pp.PrometheusRules(app, 'Alerts', props);
  return pp.Testing.synth(project);
}

function rules(overrides: Partial<pp.PlatformAppProps> = {}, props: pp.PrometheusRulesProps = {}): any {
  return synthRules(overrides, props).yaml('monitoring/checkout/production.rules.yml');
}

/** [factor, budget, for, severity] of each tier, read from the generated expressions. */
function thresholds(doc: any, alert?: string): Record<string, [string, string, string | undefined, string]> {
  const out: Record<string, [string, string, string | undefined, string]> = {};
  for (const [tier, r] of Object.entries<any>(burnAlerts(doc, alert))) {
    const m = /> \(([\d.]+) \* ([\d.]+)\)/.exec(r.expr)!;
    out[tier] = [m[1], m[2], r.for, r.labels.severity];
  }
  return out;
}

describe('PrometheusRules', () => {
  test('snapshot: one availability SLO, no pipeline or policy alerts', () => {
    const out = synthRules({}, { policyViolationAlert: false, budgetExhaustedAlert: false });
    expect(out.file('monitoring/checkout/production.rules.yml')).toMatchSnapshot();
  });

  test('workbook windows for 99.9 % over 30 days: factors 14.4/6/3/1, budget 0.001, no for: (as Sloth)', () => {
    expect(thresholds(rules())).toEqual({
      'page-fast': ['14.4', '0.001', undefined, 'critical'],
      'page-slow': ['6', '0.001', undefined, 'critical'],
      'ticket-fast': ['3', '0.001', undefined, 'warning'],
      'ticket-slow': ['1', '0.001', undefined, 'warning'],
    });
  });

  test('a 28-day period moves the factors to 13.44/5.6/2.8/0.9333; 99 % moves the budget to 0.01', () => {
    const doc = rules({ slos: [pp.Slo.availability({ name: 'availability', objective: 99, period: Duration.days(28) })] });
    expect(thresholds(doc)).toEqual({
      'page-fast': ['13.44', '0.01', undefined, 'critical'],
      'page-slow': ['5.6', '0.01', undefined, 'critical'],
      'ticket-fast': ['2.8', '0.01', undefined, 'warning'],
      'ticket-slow': ['0.9333', '0.01', undefined, 'warning'],
    });
    expect(rulesOf(doc).map((r) => r.record).filter((r) => r?.startsWith('slo:sli_error'))).toEqual([
      'slo:sli_error:ratio_rate5m', 'slo:sli_error:ratio_rate30m', 'slo:sli_error:ratio_rate1h', 'slo:sli_error:ratio_rate2h',
      'slo:sli_error:ratio_rate6h', 'slo:sli_error:ratio_rate1d', 'slo:sli_error:ratio_rate3d', 'slo:sli_error:ratio_rate28d',
    ]);
  });

  test('99.95 % prints the budget exactly (0.0005), never 1 - 0.9995', () => {
    const doc = rules({ slos: [pp.Slo.availability({ name: 'availability', objective: 99.95 })] });
    expect(thresholds(doc)['page-fast']).toEqual(['14.4', '0.0005', undefined, 'critical']);
    expect(rulesOf(doc).find((r) => r.record === 'slo:error_budget:ratio').expr).toBe('vector(0.0005)');
    expect(rulesOf(doc).find((r) => r.record === 'slo:objective:ratio').expr).toBe('vector(0.9995)');
  });

  test('custom windows for a 7-day period: factors from the period (8 % in 1h of 168h = 13.44 …)', () => {
    const windows = pp.BurnRateWindows.custom([
      { tier: pp.AlertTier.PAGE, shortWindow: Duration.minutes(5), longWindow: Duration.hours(1), budgetConsumed: 8 },
      { tier: pp.AlertTier.PAGE, shortWindow: Duration.minutes(30), longWindow: Duration.hours(6), budgetConsumed: 12.5 },
      {
        tier: pp.AlertTier.TICKET,
        shortWindow: Duration.hours(2),
        longWindow: Duration.days(1),
        budgetConsumed: 20,
        pendingFor: Duration.minutes(30),
      },
      { tier: pp.AlertTier.TICKET, shortWindow: Duration.hours(6), longWindow: Duration.days(3), budgetConsumed: 42, name: 'ticket-slow' },
    ]);
    const out = synthRules({ slos: [pp.Slo.availability({ name: 'availability', objective: 99.5, period: Duration.days(7) })] }, { windows });
    expect(thresholds(out.yaml('monitoring/checkout/production.rules.yml'))).toEqual({
      'page-5m-1h': ['13.44', '0.005', undefined, 'critical'],
      'page-30m-6h': ['3.5', '0.005', undefined, 'critical'],
      'ticket-2h-1d': ['1.4', '0.005', '30m', 'warning'],
      'ticket-slow': ['0.98', '0.005', undefined, 'warning'],
    });
    const f = promtoolFindings(out, 'custom-windows');
    expect(f.rules).toEqual([]);
    expect(f.tests).toEqual([]);
  });

  test('Sloth-compatible identity: sloth_id/service/slo on every rule, sloth_window on SLI records, info metric', () => {
    const doc = rules({ team: 'payments' }, { ruleLabels: [{ name: 'tier', value: '1' }] });
    for (const r of rulesOf(doc).filter((x) => x.record?.startsWith('slo:') || x.alert?.endsWith('ErrorBudgetBurn'))) {
      if (r.record) expect(r.labels).toMatchObject({ sloth_id: 'checkout-availability', sloth_service: 'checkout', sloth_slo: 'availability', namespace: 'shop', team: 'payments', tier: '1' });
    }
    const info = rulesOf(doc).find((r) => r.record === 'sloth_slo_info');
    expect(info.labels).toMatchObject({ sloth_objective: '99.9' });
    expect(rulesOf(doc).find((r) => r.record === 'slo:sli_error:ratio_rate5m').labels.sloth_window).toBe('5m');
    expect(doc.groups.map((g: any) => g.name)).toEqual(expect.arrayContaining([
      'sloth-slo-sli-recordings-checkout-availability', 'sloth-slo-meta-recordings-checkout-availability', 'sloth-slo-alerts-checkout-availability',
    ]));
  });

  test('label prefix and severities are configurable; alerts carry runbook and dashboard links', () => {
    const { project, app } = shopApp({ runbookBaseUrl: 'https://runbooks.acme.dev/checkout', observability: { grafanaUrl: 'https://grafana.acme.dev' } });
    new pp.PrometheusRules(app, 'Alerts', { labelPrefix: 'slo_', pageSeverity: 'page', ticketSeverity: 'ticket' });
    new pp.GrafanaDashboard(app, 'Dashboards');
    const doc = pp.Testing.synth(project).yaml('monitoring/checkout/production.rules.yml');
    const fast = burnAlerts(doc)['page-fast'];
    expect(fast.labels).toEqual({ severity: 'page', slo_severity: 'page', slo_burn_tier: 'page-fast', short: '5m', long: '1h' });
    expect(fast.expr).toContain('slo_id="checkout-availability"');
    expect(fast.annotations.runbook_url).toBe('https://runbooks.acme.dev/checkout/checkoutavailabilityerrorbudgetburn');
    expect(fast.annotations.dashboard_url).toBe('https://grafana.acme.dev/d/checkout-service?var-namespace=shop');
    expect(rulesOf(doc).find((r) => r.record === 'slo_slo_info')).toBeDefined();
  });

  test('latency SLOs read histogram buckets; integer bounds match le="N" and le="N.0", fractional ones exactly', () => {
    const istio = rules({ slos: BOTH_SLOS() });
    const lat = rulesOf(istio).find((r) => r.record === 'slo:sli_error:ratio_rate5m' && r.labels.sloth_slo === 'latency');
    expect(lat.expr).toContain('istio_request_duration_milliseconds_bucket{reporter="destination", destination_workload="checkout", destination_workload_namespace="shop", le=~"250([.]0)?"}[5m]');
    expect(lat.expr).toContain('istio_request_duration_milliseconds_count{');
    const source = pp.SliSource.custom({ requestsMetric: 'http_requests_total', latencyHistogram: 'http_request_duration_seconds' });
    const custom = rules({
      mesh: pp.Mesh.NONE,
      sliSource: source,
      slos: [
        pp.Slo.latency({ name: 'fast', objective: 99, threshold: Duration.millis(250) }),
        pp.Slo.latency({ name: 'slow', objective: 99.9, threshold: Duration.seconds(1) }),
      ],
    });
    const sli = (slo: string) => rulesOf(custom).find((r) => r.record === 'slo:sli_error:ratio_rate5m' && r.labels.sloth_slo === slo).expr;
    expect(sli('fast')).toContain('le="0.25"');
    expect(sli('slow')).toContain('le=~"1([.]0)?"');
  });

  test('a latency threshold that is not a bucket bound is refused', () => {
    expect(errorOf(() => makeApp({ slos: [pp.Slo.latency({ name: 'latency', objective: 99, threshold: Duration.millis(300) })] })))
      .toMatch(/'threshold' 300 millis \(300ms\) is not a bucket bound of istio_request_duration_milliseconds; pick one of/);
  });

  test('per environment: a PrometheusRule that validates, with the selector labels and the environment namespace', () => {
    const { project, app } = makeApp({ slos: BOTH_SLOS(), observability: PUSH });
    new pp.PrometheusRules(app, 'Alerts');
    const out = pp.Testing.synth(project);
    for (const env of ['staging', 'production']) {
      const docs = out.yamlDocuments(`deploy/checkout/${env}.k8s.yaml`)!;
      const cr = docs.find((d) => d.kind === 'PrometheusRule');
      expect(crdErrors(cr, `${sharedDir()}/schemas`)).toEqual([]);
      expect(cr.metadata).toMatchObject({ name: 'checkout-rules', namespace: env === 'staging' ? 'platform-staging' : 'platform-prod', labels: { release: 'kube-prometheus-stack' } });
      expect(cr.spec).toEqual(out.yaml(`monitoring/checkout/${env}.rules.yml`));
      const names = cr.spec.groups.map((g: any) => g.name);
      expect(new Set(names).size).toBe(names.length);
      for (const g of cr.spec.groups) {
        expect(Object.keys(g).sort()).toEqual(['name', 'rules']);
      }
    }
    const labelled = synthRules({}, { labels: [{ name: 'prometheus', value: 'main' }], namespace: 'monitoring' }).yamlDocuments('deploy/checkout/production.k8s.yaml')!
      .find((d) => d.kind === 'PrometheusRule');
    expect(labelled.metadata.namespace).toBe('monitoring');
    expect(labelled.metadata.labels).toEqual({ 'app.kubernetes.io/managed-by': 'platform-pipeline', 'app.kubernetes.io/part-of': 'checkout', 'prometheus': 'main' });
  });

  test('pipeline and delivery alerts only where the Pushgateway is scraped, and only when one is configured', () => {
    const { project, app } = makeApp({ observability: PUSH });
    new pp.PrometheusRules(app, 'Alerts');
    const out = pp.Testing.synth(project);
    const alerts = (env: string) => rulesOf(out.yaml(`monitoring/checkout/${env}.rules.yml`)).map((r) => r.alert).filter((a) => a);
    expect(alerts('production')).toEqual(expect.arrayContaining(['CheckoutPipelineFailed', 'CheckoutDeploymentRolledBack', 'CheckoutImageVulnerabilities',
      'CheckoutPolicyViolation', 'CheckoutPipelineSlow', 'CheckoutChangeFailureRateHigh', 'CheckoutDeploymentNotRestored', 'CheckoutDeploymentsInfrequent', 'CheckoutTestCoverageLow']));
    expect(alerts('staging')).not.toContain('CheckoutPipelineFailed');
    expect(alerts('staging')).toContain('CheckoutPolicyViolation');
    const without = rulesOf(rules()).map((r) => r.alert);
    expect(without).not.toContain('CheckoutPipelineFailed');
    const moved = rulesOf(synthRules({
      environments: [
        { name: 'staging', namespace: 'stg', cluster: pp.ClusterAccess.kubeconfigSecret('K') },
        { name: 'production', namespace: 'prd', cluster: pp.ClusterAccess.kubeconfigSecret('P') },
      ],
      observability: PUSH,
    }, { pipelineEnvironment: 'staging' }).yaml('monitoring/checkout/staging.rules.yml')).map((r) => r.alert);
    expect(moved).toContain('CheckoutPipelineFailed');
  });

  test('pipeline alerts read the names the pipeline pushes, counting with changes() or age, never increase() of a pushed gauge', () => {
    const doc = rules({ observability: PUSH });
    const pipeline = doc.groups.filter((g: any) => g.name.startsWith('platform-pipeline-')).flatMap((g: any) => g.rules);
    const text = pipeline.map((r: any) => r.expr).join('\n');
    for (const name of [pp.PipelineMetrics.DEPLOY_TIMESTAMP, pp.PipelineMetrics.DEPLOY_CHANGES, pp.PipelineMetrics.DEPLOY_LEAD_TIME_SUM,
      pp.PipelineMetrics.ROLLBACK_TIMESTAMP,
      pp.PipelineMetrics.RUN_TIMESTAMP, pp.PipelineMetrics.RUN_DURATION, pp.PipelineMetrics.SCAN_FINDINGS, pp.PipelineMetrics.TEST_COVERAGE]) {
      expect(text).toContain(name);
    }
    const metrics = [...text.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\{/g)].map((m) => m[1]);
    const known = new Set<string>(['kyverno_policy_results_total', ...Object.values(pp.PipelineMetrics).filter((v) => typeof v === 'string'),
      'dora:failed_deployments:count7d', 'dora:successful_deployments:count7d', 'dora:deployments:count7d', 'dora:change_failure_rate:ratio7d',
      'dora:deploy_lead_time:sum_seconds', 'dora:deploy_changes:count', 'dora:failed_deployment:start_timestamp_seconds', 'dora:time_to_restore:seconds']);
    expect(metrics.filter((m) => !known.has(m))).toEqual([]);
    expect(text).not.toMatch(/increase\(platform_pipeline/);
    expect(text).toMatch(/increase\(kyverno_policy_results_total/);
  });

  test('optional guards: minimum traffic, exact period SLI, no budget-exhausted alert', () => {
    const exact = rules({}, { optimizedPeriodSli: false });
    expect(rulesOf(exact).find((r) => r.record === 'slo:sli_error:ratio_rate30d').expr).toContain('[30d]))');
    expect(rulesOf(exact).find((r) => r.record === 'slo:sli_error:ratio_rate30d').expr).not.toContain('sum_over_time');
    const doc = rules({}, { minRequestRate: 0.5, budgetExhaustedAlert: false });
    expect(burnAlerts(doc)['page-fast'].expr).toContain('and on()\n(sum(rate(istio_requests_total{reporter="destination", destination_workload="checkout", destination_workload_namespace="shop"}[1h])) > 0.5)');
    expect(rulesOf(doc).find((r) => r.record === 'slo:sli_error:ratio_rate30d').expr).toMatch(/^sum_over_time\(slo:sli_error:ratio_rate5m\{.*\}\[30d\]\)\n\/ ignoring \(sloth_window\)\ncount_over_time/);
    expect(rulesOf(doc).map((r) => r.alert)).not.toContain('CheckoutAvailabilityBudgetExhausted');
  });

  test('every generated rules file passes promtool check rules --lint-fatal and every generated test passes promtool test rules', () => {
    const configs: Array<[string, Partial<pp.PlatformAppProps>, pp.PrometheusRulesProps]> = [
      ['reference', { slos: BOTH_SLOS(), observability: PUSH, team: 'payments', runbookBaseUrl: 'https://runbooks.acme.dev' }, {}],
      ['custom-source', {
        mesh: pp.Mesh.NONE,
        sliSource: pp.SliSource.custom({ requestsMetric: 'http_requests_total', errorMatchers: 'code=~"5..|429"', latencyHistogram: 'http_request_duration_seconds' }),
        slos: [pp.Slo.availability({ name: 'availability', objective: 99.5 }), pp.Slo.latency({ name: 'latency', objective: 95, threshold: Duration.millis(500) })],
      }, { minRequestRate: 2 }],
      ['28d-prefix', { slos: [pp.Slo.availability({ name: 'availability', objective: 99.99, period: Duration.days(28) })] }, { labelPrefix: 'pp_', optimizedPeriodSli: true }],
    ];
    for (const [label, overrides, props] of configs) {
      const f = promtoolFindings(synthRules(overrides, props), label);
      expect({ label, rules: f.rules, tests: f.tests }).toEqual({ label, rules: [], tests: [] });
    }
  });

  test('generated tests fix the order of rule groups: every group, recordings first (promtool otherwise evaluates them in random order)', () => {
    const out = synthRules({ slos: BOTH_SLOS() });
    const groups = out.yaml('monitoring/checkout/production.rules.yml').groups;
    const order: string[] = out.yaml('monitoring/checkout/production.rules.test.yml').group_eval_order;
    expect([...order].sort()).toEqual(groups.map((g: any) => g.name).sort());
    const recordingOnly = (name: string) => groups.find((g: any) => g.name === name).rules.every((r: any) => r.record);
    const firstAlerting = order.findIndex((n) => !recordingOnly(n));
    expect(firstAlerting).toBeGreaterThan(0);
    expect(order.slice(firstAlerting).every((n) => !recordingOnly(n))).toBe(true);
    // an SLO's SLI recordings before its meta recordings, which read them
    expect(order.indexOf('sloth-slo-sli-recordings-checkout-latency')).toBeLessThan(order.indexOf('sloth-slo-meta-recordings-checkout-latency'));
  });

  test('generated tests cover page, ticket, quiet and absent for each SLO', () => {
    const tests = synthRules({ slos: BOTH_SLOS() }).yaml('monitoring/checkout/production.rules.test.yml');
    expect(tests.rule_files).toEqual(['production.rules.yml']);
    expect(tests.tests.map((t: any) => t.name)).toEqual([
      'checkout availability (99.9%): 2.2% errors must page',
      'checkout availability (99.9%): 0.5% errors must open a ticket, not page',
      'checkout availability (99.9%): 0.05% errors must stay quiet',
      'checkout latency (99%): 22% slow requests must page',
      'checkout latency (99%): 4% slow requests must open a ticket, not page',
      'checkout latency (99%): 0.5% slow requests must stay quiet',
      'checkout: SLI metrics missing',
      'checkout: a failing Kyverno policy result alerts',
    ]);
    const page = tests.tests[0].alert_rule_test[0];
    expect(page.exp_alerts.map((a: any) => a.exp_labels.slo_burn_tier)).toEqual(['page-fast', 'page-slow', 'ticket-fast', 'ticket-slow']);
    expect(tests.tests[1].alert_rule_test[0].exp_alerts.map((a: any) => a.exp_labels.slo_burn_tier)).toEqual(['ticket-fast', 'ticket-slow']);
    expect(tests.tests[2].alert_rule_test[0].exp_alerts).toEqual([]);
  });

  test('custom alerts: {app}/{namespace} placeholders, tier severities, parsed at once', () => {
    const { project, app } = shopApp();
    const rulesConstruct = new pp.PrometheusRules(app, 'Alerts');
    rulesConstruct.addAlert({ name: 'CheckoutQueueBacklog', expr: 'sum(queue_depth{app="{app}", namespace="{namespace}"}) > 100', summary: 'The checkout queue is backing up.', tier: pp.AlertTier.PAGE, pendingFor: Duration.minutes(10) });
    const doc = pp.Testing.synth(project).yaml('monitoring/checkout/production.rules.yml');
    const r = rulesOf(doc).find((x) => x.alert === 'CheckoutQueueBacklog');
    expect(r).toEqual({
      alert: 'CheckoutQueueBacklog',
      expr: 'sum(queue_depth{app="checkout", namespace="shop"}) > 100',
      for: '10m',
      labels: { severity: 'critical', namespace: 'shop' },
      annotations: { summary: 'The checkout queue is backing up.', description: 'The checkout queue is backing up.' },
    });
    expect(errorOf(() => rulesConstruct.addAlert({ name: 'Broken', expr: 'sum(rate(x[5m])', summary: 'Broken.' })))
      .toMatch(/^checkout\/Alerts: addAlert\('Broken'\): 'expr' 'sum\(rate\(x\[5m\]\)': it does not parse as PromQL/);
    expect(errorOf(() => rulesConstruct.addAlert({ name: 'lowercase', expr: 'up', summary: 'x.' }))).toMatch(/'name' must be CamelCase/);
    const clash = shopApp();
    new pp.PrometheusRules(clash.app, 'Alerts').addAlert({ name: 'CheckoutSLOMetricAbsent', expr: 'absent(up)', summary: 'Clash.' });
    expect(errorOf(() => pp.Testing.synth(clash.project))).toMatch(/checkout\/Alerts: addAlert\("CheckoutSLOMetricAbsent"\): the generated rules already have an alert of that name/);
    expect(errorOf(() => rulesConstruct.addAlert({ name: 'Escaped', expr: 'x{le=~"1(\\.0)?"}', summary: 'x.' }))).toMatch(/escape '\\\.'.*write \[\.\]/);
  });

  test('sliQueries: a {{window}}-templated escape hatch, parsed at synth', () => {
    const doc = rules({}, { sliQueries: [{ slo: 'availability', errorQuery: 'sum(rate(http_requests_total{job="{app}", code=~"5.."}[{{window}}]))', totalQuery: 'sum(rate(http_requests_total{job="{app}"}[{{window}}]))' }] });
    expect(rulesOf(doc).find((r) => r.record === 'slo:sli_error:ratio_rate1h').expr).toBe(
      '(sum(rate(http_requests_total{job="checkout", code=~"5.."}[1h])))\n/\n(sum(rate(http_requests_total{job="checkout"}[1h])))');
    expect(rulesOf(doc).map((r) => r.alert)).not.toContain('CheckoutSLOMetricAbsent');
  });
});

describe('PrometheusRules: bad input', () => {
  test('objective 100 or 0 is refused by Slo', () => {
    expect(errorOf(() => pp.Slo.availability({ name: 'a', objective: 100 }))).toMatch(/'objective' must be a percentage strictly between 0 and 100, got 100/);
    expect(errorOf(() => pp.Slo.availability({ name: 'a', objective: 0 }))).toMatch(/got 0/);
  });

  test('custom() refuses zero, negative and equal windows, more than the whole budget, duplicate and non-DNS tier names', () => {
    const page = pp.AlertTier.PAGE;
    const base = { tier: page, shortWindow: Duration.minutes(5), longWindow: Duration.hours(1), budgetConsumed: 2 };
    const one = (w: Partial<pp.BurnRateWindowProps>) => errorOf(() => pp.BurnRateWindows.custom([{ ...base, ...w }]));
    expect(one({ shortWindow: Duration.minutes(0) })).toMatch(/'windows\[0\].shortWindow' must be a whole number of minutes, got '0 minutes'/);
    expect(() => Duration.minutes(-60)).toThrow(/cannot be negative/); // cdk8s refuses negative durations itself
    expect(one({ longWindow: Duration.seconds(90) })).toMatch(/'windows\[0\].longWindow' must be a whole number of minutes/);
    expect(one({ pendingFor: Duration.minutes(0) })).toMatch(/'windows\[0\].pendingFor' must be a whole number of minutes/);
    expect(one({ shortWindow: Duration.hours(1) })).toMatch(/'windows\[0\].shortWindow' \(60 minutes\) must be shorter than 'longWindow' \(60 minutes\)/);
    expect(one({ budgetConsumed: 100.5 })).toMatch(/'windows\[0\].budgetConsumed' must be a percentage above 0 and at most 100, got 100.5/);
    expect(one({ budgetConsumed: -1 })).toMatch(/'windows\[0\].budgetConsumed' must be a percentage above 0 and at most 100, got -1/);
    expect(one({ name: 'Page_Fast' })).toMatch(/'windows\[0\].name' must be lowercase letters, digits and '-', got 'Page_Fast'/);
    expect(one({ tier: pp.AlertTier.INFO })).toMatch(/'windows\[0\].tier' must be AlertTier.PAGE or AlertTier.TICKET, got 'info'/);
    const w = { tier: page, shortWindow: Duration.minutes(5), longWindow: Duration.hours(1), budgetConsumed: 2, name: 'fast' };
    expect(errorOf(() => pp.BurnRateWindows.custom([w, { ...w, longWindow: Duration.hours(2) }]))).toMatch(/'windows\[1\].name' 'fast' is used twice/);
    // the same windows without a name default to the same tier label: refused too
    const anon = { tier: page, shortWindow: Duration.minutes(5), longWindow: Duration.hours(1), budgetConsumed: 2 };
    expect(errorOf(() => pp.BurnRateWindows.custom([anon, { ...anon, budgetConsumed: 3 }]))).toMatch(/'windows\[1\].name' 'page-5m-1h' is used twice/);
    // accepted: 100 % exactly, and a for: of its own
    expect(pp.BurnRateWindows.custom([{ ...anon, budgetConsumed: 100, pendingFor: Duration.minutes(2) }]).windows).toHaveLength(1);
  });

  test('a 90 % latency SLO with the default windows names the option that changes them and shows the call', () => {
    const msg = errorOf(() => synthRules({ slos: [pp.Slo.latency({ name: 'latency', objective: 90, threshold: Duration.millis(250) })] }));
    expect(msg).toMatch(/window 'page-fast': SLO 'latency' \(objective 90%\) would alert only above 144% errors \(factor 14.4 × budget 0.1\), which can never happen/);
    expect(msg).toContain("give PrometheusRules' 'windows' option windows that spend less of the budget (below 1.39% in 1h here) or have longer windows");
    expect(msg).toContain("new PrometheusRules(app, 'Alerts', { windows: BurnRateWindows.custom([{ tier: AlertTier.TICKET, shortWindow: Duration.hours(6), longWindow: Duration.days(3), budgetConsumed: 10 }, ...]) })");
    // the suggested window works for that SLO: 10 % in 3 days of 30 is a factor of 1, threshold 10 % errors
    const windows = pp.BurnRateWindows.custom([
      { tier: pp.AlertTier.TICKET, shortWindow: Duration.hours(6), longWindow: Duration.days(3), budgetConsumed: 10 },
    ]);
    const doc = rules({ slos: [pp.Slo.latency({ name: 'latency', objective: 90, threshold: Duration.millis(250) })] }, { windows });
    expect(thresholds(doc, 'CheckoutLatencyErrorBudgetBurn')).toEqual({ 'ticket-6h-3d': ['1', '0.1', undefined, 'warning'] });
  });

  test('an empty SLI selector renders no empty matcher: never {a="b", } or {, a="b"}', () => {
    const source = pp.SliSource.custom({ requestsMetric: 'http_requests_total', selector: '', latencyHistogram: 'http_request_duration_seconds' });
    const doc = rules({ mesh: pp.Mesh.NONE, sliSource: source, slos: BOTH_SLOS() });
    const exprs = rulesOf(doc).map((r) => r.expr).join('\n');
    expect(exprs).toContain('sum(rate(http_requests_total{code=~"5.."}[5m]))');
    expect(exprs).toContain('sum(rate(http_request_duration_seconds_bucket{le="0.25"}[5m]))');
    expect(exprs).toContain('sum(rate(http_request_duration_seconds_count{}[5m]))');
    expect(exprs).not.toMatch(/,\s*\}|\{\s*,/);
  });

  test('only the paging environments page: staging burn alerts open tickets (severity warning, sloth_severity page)', () => {
    const { project, app } = makeApp({ slos: BOTH_SLOS() });
    new pp.PrometheusRules(app, 'Alerts');
    const out = pp.Testing.synth(project);
    const severities = (env: string) => [...new Set(rulesOf(out.yaml(`monitoring/checkout/${env}.rules.yml`))
      .filter((r) => r.alert?.endsWith('ErrorBudgetBurn') && r.labels.sloth_severity === 'page').map((r) => r.labels.severity))];
    expect(severities('staging')).toEqual(['warning']);
    expect(severities('production')).toEqual(['critical']);
    const both = makeApp({ slos: BOTH_SLOS() });
    new pp.PrometheusRules(both.app, 'Alerts', { pagingEnvironments: ['staging', 'production'] });
    const out2 = pp.Testing.synth(both.project);
    expect(rulesOf(out2.yaml('monitoring/checkout/staging.rules.yml')).filter((r) => r.labels?.slo_burn_tier === 'page-fast').map((r) => r.labels.severity)).toEqual(['critical', 'critical']);
    expect(errorOf(() => synthRules({}, { pagingEnvironments: ['qa'] }))).toMatch(/'pagingEnvironments' names 'qa', which the app does not declare/);
  });

  test('an unknown window set, bad custom windows, and windows that do not fit the SLO', () => {
    expect(errorOf(() => pp.BurnRateWindows.fromName('google-7d'))).toMatch(/unknown window set 'google-7d'; known sets are \['workbook', 'google-30d', 'google-28d'\]/);
    expect(pp.BurnRateWindows.fromName('google-28d').name).toBe('google-28d');
    const page = pp.AlertTier.PAGE;
    const custom = (props: pp.BurnRateWindowProps) => errorOf(() => pp.BurnRateWindows.custom([props]));
    expect(custom({ tier: page, shortWindow: Duration.hours(1), longWindow: Duration.minutes(5), budgetConsumed: 2 }))
      .toMatch(/'windows\[0\].shortWindow' \(60 minutes\) must be shorter than 'longWindow' \(5 minutes\)/);
    expect(custom({ tier: page, shortWindow: Duration.seconds(90), longWindow: Duration.hours(1), budgetConsumed: 0 }))
      .toMatch(/'windows\[0\].shortWindow' must be a whole number of minutes.*'windows\[0\].budgetConsumed' must be a percentage above 0/);
    expect(errorOf(() => pp.BurnRateWindows.custom([]))).toMatch(/at least one window/);
    expect(errorOf(() => synthRules({ slos: [pp.Slo.availability({ name: 'availability', objective: 99.9, period: Duration.days(28) })] }, { windows: pp.BurnRateWindows.google30d() })))
      .toMatch(/checkout\/Alerts: window set 'google-30d' is for a 30d period, but SLO 'availability' has 28d/);
    expect(errorOf(() => synthRules({ slos: [pp.Slo.availability({ name: 'availability', objective: 99.9, period: Duration.days(2) })] })))
      .toMatch(/the long window 3d is longer than SLO 'availability''s period 2d/);
    expect(errorOf(() => synthRules({ slos: [pp.Slo.availability({ name: 'availability', objective: 90 })] })))
      .toMatch(/window 'page-fast': SLO 'availability' \(objective 90%\) would alert only above 144% errors/);
  });

  test('a broken SLI source matcher or custom query fails synth with the construct path', () => {
    const broken = pp.SliSource.custom({ requestsMetric: 'http_requests_total', errorMatchers: 'code=~"5..' });
    expect(errorOf(() => synthRules({ mesh: pp.Mesh.NONE, sliSource: broken })))
      .toMatch(/checkout\/Alerts: SLO "availability" in production: rule slo:sli_error:ratio_rate5m: it does not parse as PromQL.*check the SLI source's 'selector' and 'errorMatchers'/);
    expect(errorOf(() => synthRules({}, { sliQueries: [{ slo: 'availability', errorQuery: 'sum(rate(x[{{window}}])', totalQuery: 'sum(rate(y[{{window}}]))' }] })))
      .toMatch(/checkout\/Alerts: 'sliQueries\[0\].errorQuery' .*: it does not parse as PromQL/);
    expect(errorOf(() => synthRules({}, { sliQueries: [{ slo: 'nope', errorQuery: 'sum(rate(x[5m]))', totalQuery: 'sum(rate(y[{{window}}]))' }] })))
      .toMatch(/'sliQueries\[0\].slo' 'nope' is not an SLO of the app.*'sliQueries\[0\].errorQuery' must use \{\{window\}\}/);
  });

  test('other props are checked with the prop, the value and the fix', () => {
    expect(errorOf(() => synthRules({}, { pipelineEnvironment: 'qa' }))).toMatch(/'pipelineEnvironment' names 'qa', which the app does not declare; environments are \['production'\]/);
    expect(errorOf(() => synthRules({}, { pageSeverity: 'x', ticketSeverity: 'x' }))).toMatch(/pages and tickets need different severities/);
    expect(errorOf(() => synthRules({}, { ruleLabels: [{ name: 'severity', value: 'x' }] }))).toMatch(/'ruleLabels' key 'severity' must be a Prometheus label name not used by the generated rules/);
    expect(errorOf(() => synthRules({}, { labelPrefix: 'Sloth' }))).toMatch(/'labelPrefix' must be lowercase/);
    expect(errorOf(() => synthRules({}, { minRequestRate: 0 }))).toMatch(/'minRequestRate' must be a positive number/);
    expect(errorOf(() => synthRules({}, { promtoolVersion: 'latest' }))).toMatch(/'promtoolVersion' must be a Prometheus release such as '3.5.0', got 'latest'/);
    const { app } = shopApp();
    new pp.PrometheusRules(app, 'Alerts');
    expect(errorOf(() => new pp.PrometheusRules(app, 'More'))).toMatch(/checkout\/More: the app already has PrometheusRules \(checkout\/Alerts\); add alerts to that one with addAlert\(\)/);
  });
});

describe('two apps in one project', () => {
  test('rules, groups, alert names and files never collide', () => {
    const { project, app } = makeApp({ slos: BOTH_SLOS(), observability: PUSH });
    const other = makeApp({ slos: BOTH_SLOS(), observability: PUSH, image: pp.ContainerImage.fromRegistry('ghcr.io/acme/cart', { context: 'services/cart' }) }, 'cart', project).app;
    new pp.PrometheusRules(app, 'Alerts');
    new pp.PrometheusRules(other, 'Alerts');
    const out = pp.Testing.synth(project);
    const a = out.yaml('monitoring/checkout/production.rules.yml');
    const b = out.yaml('monitoring/cart/production.rules.yml');
    const groups = (d: any) => d.groups.map((g: any) => g.name);
    expect(groups(a).filter((g: string) => groups(b).includes(g))).toEqual([]);
    const alerts = (d: any) => new Set(rulesOf(d).map((r) => r.alert).filter((x) => x));
    expect([...alerts(a)].filter((x) => alerts(b).has(x))).toEqual([]);
    const wf = out.yaml('.github/workflows/cart-pipeline.yml');
    expect(wf.jobs['cart-alert-rules'].steps.find((s: any) => s.id === 'check-rules').run).toBe(
      'promtool check rules --lint-fatal "monitoring/cart/staging.rules.yml" "monitoring/cart/production.rules.yml"');
  });
});

/**
 * Hand-written promtool tests with fixed numbers (test/observability/fixtures) run against the generated
 * rules: a wrong factor, window or label in the generator fails here even if the generated tests agree with it.
 */
function rulesText(overrides: Partial<pp.PlatformAppProps>, props: pp.PrometheusRulesProps = {}): string {
  const { project, app } = shopApp(overrides);
  new pp.PrometheusRules(app, 'Alerts', props);
  return pp.Testing.synth(project).file('monitoring/checkout/production.rules.yml')!;
}

describe('generated rules against hand-written promtool tests', () => {
  test('99 % over 28 days: 14 % pages fast (13.44x), 13 % does not', () => {
    const text = rulesText({ slos: [pp.Slo.availability({ name: 'availability', objective: 99, period: Duration.days(28) })] });
    expect(runFixture('windows-28d-99.test.yml', text)).toEqual([]);
  });

  test('the 28-day fixture fails against 30-day factors (the fixture can fail)', () => {
    const text = rulesText({ slos: [pp.Slo.availability({ name: 'availability', objective: 99, period: Duration.days(28) })] })
      .replace(/\(13\.44 \* 0\.01\)/g, '(14.4 * 0.01)');
    expect(runFixture('windows-28d-99.test.yml', text).join('\n')).toMatch(/CheckoutAvailabilityErrorBudgetBurn/);
  });

  test('latency from Istio buckets reads both le="250" and Prometheus 3\'s le="250.0"', () => {
    const text = rulesText({ slos: [pp.Slo.latency({ name: 'latency', objective: 99, threshold: Duration.millis(250) })] });
    expect(text).toContain('le=~"250([.]0)?"');
    expect(runFixture('latency-prometheus3.test.yml', text)).toEqual([]);
    expect(runFixture('latency-prometheus3.test.yml', text.replace(/le=~"250\(\[\.\]0\)\?"/g, 'le="250"')).join('\n')).toMatch(/CheckoutLatencyErrorBudgetBurn|exp:/);
  });

  test('pipeline, delivery and policy alerts over the pushed metrics and Kyverno results', () => {
    const text = rulesText({ slos: [], observability: { metricsPush: pp.MetricsPush.external({ url: 'https://pushgateway.acme.dev/', tokenSecret: 'PUSHGATEWAY_TOKEN' }) } });
    expect(runFixture('pipeline.test.yml', text)).toEqual([]);
  });
});
