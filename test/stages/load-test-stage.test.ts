import { Duration } from 'cdk8s';
import * as pp from '../../src';
import { shellcheckWorkflow } from '../conformance/validators';
import { errorOf, makeApp, workflowOf } from '../util';

const BROWSE: pp.LoadScenario = { name: 'browse', endpoints: [{ path: '/api/products' }], vus: 20, rampUp: Duration.seconds(30), duration: Duration.minutes(3) };

function synth(props: Partial<pp.LoadTestStageProps> = {}, appOverrides: Partial<pp.PlatformAppProps> = {}) {
  const { project, app } = makeApp(appOverrides);
  const stage = new pp.LoadTestStage(app, 'Load', { scenarios: [BROWSE], ...props });
  const out = pp.Testing.synth(project);
  return { out, stage, jobs: workflowOf(out).jobs };
}
const script = (props: Partial<pp.LoadTestStageProps>, appOverrides: Partial<pp.PlatformAppProps> = {}, name = 'browse') =>
  synth(props, appOverrides).out.file(`load/checkout/${name}.js`)!;
const step = (job: any, id: string) => job.steps.find((s: any) => s.id === id);

describe('LoadTestStage', () => {
  test('a k6 script: exact text (marker, options annotated for @types/k6, thresholds from the SLOs)', () => {
    expect(script({})).toMatchSnapshot();
  });

  test('each load model becomes its k6 executor', () => {
    const scenarios: pp.LoadScenario[] = [
      { name: 'closed', endpoints: [{ path: '/' }], vus: 5, duration: Duration.seconds(90) },
      { name: 'open', endpoints: [{ path: '/' }], arrivalRate: 30, duration: Duration.minutes(2) },
      { name: 'open-ramp', endpoints: [{ path: '/' }], arrivalRate: 8, maxVus: 50, rampUp: Duration.minutes(1), duration: Duration.minutes(2) },
    ];
    const { out } = synth({ scenarios: [BROWSE, ...scenarios] });
    const file = (n: string) => out.file(`load/checkout/${n}.js`)!;
    expect(file('browse')).toContain("executor: 'ramping-vus',\n      startVUs: 0,\n      stages: [\n        { duration: '30s', target: 20 },\n        { duration: '180s', target: 20 },\n      ],");
    expect(file('closed')).toContain("executor: 'constant-vus',\n      vus: 5,\n      duration: '90s',");
    expect(file('open')).toContain("executor: 'constant-arrival-rate',\n      rate: 30,\n      timeUnit: '1s',\n      duration: '120s',\n      preAllocatedVUs: 30,\n      maxVUs: 120,");
    expect(file('open-ramp')).toContain("executor: 'ramping-arrival-rate',\n      startRate: 0,\n      timeUnit: '1s',\n      preAllocatedVUs: 8,\n      maxVUs: 50,\n      stages: [\n        { duration: '60s', target: 8 },\n        { duration: '120s', target: 8 },");
  });

  test('endpoints: method, body, content type and expected status reach the request and its check', () => {
    const text = script({
      scenarios: [{
        name: 'orders',
        endpoints: [{ path: '/api/orders', method: pp.HttpMethod.POST, body: '{"sku":"a"}', expectedStatus: 201 }, { path: '/api/x', method: pp.HttpMethod.PUT, body: 'a=1', contentType: 'application/x-www-form-urlencoded' }],
        vus: 1,
        duration: Duration.seconds(10),
      }],
    }, {}, 'orders');
    expect(text).toContain('http.request("POST", BASE_URL + "/api/orders", "{\\"sku\\":\\"a\\"}", {\n    headers: { \'Content-Type\': "application/json" }, tags: { name: "POST /api/orders" }, responseCallback: http.expectedStatuses(201),');
    expect(text).toContain('check(r0, { "POST /api/orders answers 201": (r) => r.status === 201 });');
    expect(text).toContain('http.request("PUT", BASE_URL + "/api/x", "a=1", {\n    headers: { \'Content-Type\': "application/x-www-form-urlencoded" }, tags: { name: "PUT /api/x" }, responseCallback: http.expectedStatuses(200),');
  });

  test('the thresholds follow the SLOs: a changed SLO changes them, no SLO leaves none', () => {
    const changed = script({}, {
      slos: [
        pp.Slo.availability({ name: 'availability', objective: 99 }),
        pp.Slo.latency({ name: 'fast', objective: 99.5, threshold: Duration.millis(500) }),
        pp.Slo.latency({ name: 'median', objective: 50, threshold: Duration.millis(100) }),
      ],
    });
    expect(changed).toContain("http_req_duration: ['p(99.5)<=500', 'p(50)<=100'],");
    expect(changed).toContain("http_req_failed: ['rate<=0.01'],");
    expect(changed).toContain("summaryTrendStats: ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99)', 'p(99.5)', 'p(50)'],");
    expect(script({ scenarios: [{ ...BROWSE, maxP95: Duration.millis(300) }] }))
      .toContain("// this scenario's own bound: p95 at most 300 millis\n    http_req_duration: ['p(99)<=250', 'p(95)<=300'],");
    const none = script({}, { slos: [] });
    expect(none).not.toContain('thresholds: {');
    expect(none).toContain("summaryTrendStats: ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99)'],");
  });

  test('the verify job: after the staging deploy, in its GitHub environment, before production; on the critical path', () => {
    const { jobs, out } = synth();
    const job = jobs['checkout-load-test-staging'];
    expect(job.needs).toBe('checkout-deploy-staging');
    expect(job.environment).toEqual({ name: 'staging' });
    expect(job.permissions).toEqual({ contents: 'read', actions: 'read' });
    expect(jobs['checkout-deploy-production'].needs).toContain('checkout-load-test-staging');
    expect(job.steps.map((s: any) => s.id)).toEqual(['checkout', 'cluster-credentials', 'setup-kubectl', 'setup-k6', 'baseline', 'k6', 'report', 'upload', 'regression']);
    expect(step(job, 'setup-k6')).toMatchObject({ uses: expect.stringMatching(/^grafana\/setup-k6-action@[0-9a-f]{40}$/), with: { 'k6-version': '1.6.1' } });
    expect(step(job, 'k6').env).toEqual({
      BASE_URL: 'https://staging.acme.dev',
      LOAD_DIR: 'load/checkout',
      POD_SELECTOR: 'app.kubernetes.io/name=checkout,app.kubernetes.io/instance=checkout',
      SAMPLE_INTERVAL: '15',
    });
    // 30 s ramp + 3 min, sampled at the start and every 15 s: 15 samples
    expect(step(job, 'k6').run).toContain('run_scenario browse 15');
    expect(step(job, 'upload').with).toMatchObject({ name: 'checkout-load-test-staging', path: 'load-results/' });
    expect(step(job, 'baseline').env).toMatchObject({ WORKFLOW: 'checkout-pipeline.yml', ARTIFACT: 'checkout-load-test-staging' });
    expect(step(job, 'regression').env).toEqual({ BASELINE_FOUND: '${{ steps.baseline.outputs.found }}', TOLERANCE_PERCENT: '20', ERROR_RATE_TOLERANCE: '0.1' });
    expect(out.file('docs/checkout-pipeline.md')).toMatch(/\*\*Critical path\*\*[^\n]*`checkout-deploy-staging` → `checkout-load-test-staging` → ⏸ \*approval by sre-leads \(production\)\* → `checkout-deploy-production`/);
  });

  test('options: target, tolerance, a baseline in the repository, no regression check, sample interval, pushes', () => {
    const prod = synth({
      target: pp.LoadTestTarget.environment('production'),
      sampleInterval: Duration.seconds(30),
      regression: { latencyTolerancePercent: 5, errorRateTolerancePoints: 0.5, baseline: pp.LoadBaseline.repositoryDirectory('load/baseline') },
    }).jobs['checkout-load-test-production'];
    expect(prod.needs).toBe('checkout-deploy-production');
    expect(step(prod, 'k6').env).toMatchObject({ BASE_URL: 'https://acme.dev', SAMPLE_INTERVAL: '30' });
    expect(step(prod, 'baseline').env).toEqual({ BASELINE_SOURCE: 'load/baseline' });
    expect(step(prod, 'regression').env).toMatchObject({ TOLERANCE_PERCENT: '5', ERROR_RATE_TOLERANCE: '0.5' });
    expect(prod.permissions).toEqual({ 'contents': 'read', 'id-token': 'write' });

    const near = synth({ runner: pp.Runner.selfHosted(['linux', 'x64', 'load-generators']) }).jobs['checkout-load-test-staging'];
    expect(near['runs-on']).toEqual(['self-hosted', 'linux', 'x64', 'load-generators']);
    const off = synth({ regression: { enabled: false } }).jobs['checkout-load-test-staging'];
    expect(off.steps.map((s: any) => s.id)).not.toContain('regression');
    expect(off.steps.map((s: any) => s.id)).not.toContain('baseline');
    expect(step(off, 'report').run).not.toContain('curl');
    const pushing = synth({}, { observability: { metricsPush: pp.MetricsPush.external({ url: 'https://pg.acme.dev:9091', tokenSecret: 'PG_TOKEN' }) } }).jobs['checkout-load-test-staging'];
    // the token of an external Pushgateway reaches the push
    expect(step(pushing, 'report').env).toEqual({ PUSHGATEWAY_URL: 'https://pg.acme.dev:9091', PUSHGATEWAY_TOKEN: '${{ secrets.PG_TOKEN }}' });
    expect(step(pushing, 'report').run).toContain('platform_pipeline_load_test_latency_seconds{scenario="browse",quantile="0.99"} ${p99s_browse}');
  });

  test('against the kind cluster: inside the E2E job, before chaos, through a port-forward; no job of its own, no URL needed', () => {
    const { project, app } = makeApp({
      environments: [{ name: 'staging', namespace: 'platform-staging', cluster: pp.ClusterAccess.kubeconfigSecret('STAGING_KUBECONFIG') }],
    });
    const e2e = new pp.KindE2EStage(app, 'E2E', { chaos: {} });
    const stage = new pp.LoadTestStage(app, 'Load', { scenarios: [BROWSE], target: pp.LoadTestTarget.kindCluster(e2e) });
    expect(stage.job).toBe(e2e.job);
    expect(stage.environment).toBe('staging');
    const out = pp.Testing.synth(project);
    const jobs = workflowOf(out).jobs;
    expect(Object.keys(jobs).filter((j) => j.includes('load-test'))).toEqual([]);
    const job = jobs['checkout-e2e'];
    const ids = job.steps.map((s: any) => s.id);
    // without an E2E command the load test brings the port-forward; everything before the pods are deleted
    expect(ids.slice(ids.indexOf('deploy-release') + 1, ids.indexOf('chaos'))).toEqual([
      'image-pull-time', 'mtls', 'port-forward', 'load-setup-k6', 'load-baseline', 'load-k6', 'load-report', 'load-upload', 'load-regression',
    ]);
    expect(out.file('e2e/checkout/port-forward.sh')).toContain('port-forward "service/${APP}" "${local_port}:${PORT}"');
    expect(step(job, 'load-k6').env).toMatchObject({ BASE_URL: 'http://127.0.0.1:18080', LOAD_DIR: 'load/checkout' });
    expect(step(job, 'load-report').env).toMatchObject({ ENVIRONMENT: 'kind-e2e' });
    expect(step(job, 'load-report').if).toBe("!cancelled() && steps.load-k6.outcome != 'skipped'");
    expect(step(job, 'load-regression').if).toBe("!cancelled() && steps.load-k6.outcome != 'skipped' && steps.load-baseline.outcome == 'success'");
    expect(step(job, 'load-regression').env.BASELINE_FOUND).toBe('${{ steps.load-baseline.outputs.found }}');
    expect(step(job, 'load-baseline').env.ARTIFACT).toBe('checkout-load-test-kind');
    expect(step(job, 'load-upload').with.name).toBe('checkout-load-test-kind');
    expect(job.permissions).toMatchObject({ actions: 'read' });
    // the E2E job's time grows by the scenario's (3.5 min + 30 s → 4 min, plus 5)
    expect(job['timeout-minutes']).toBe(45 + 4 + 5);
    expect(out.file('load/checkout/browse.js')).toBeDefined();

    // the kind cluster of another app's stage
    const other = makeApp({}, 'payments', project);
    expect(errorOf(() => new pp.LoadTestStage(other.app, 'Load', { scenarios: [BROWSE], target: pp.LoadTestTarget.kindCluster(e2e) })))
      .toContain("payments/Load: 'target' is the kind cluster of checkout/E2E, a stage of another app; give this app's KindE2EStage");
    expect(errorOf(() => pp.LoadTestTarget.kindCluster(undefined as any))).toContain('LoadTestTarget.kindCluster: give the KindE2EStage');
  });

  test('against a canary with a manual gate: after the promotion, not after the clean-up that runs only when it did not finish', () => {
    const { project, app } = makeApp();
    new pp.CanaryDeploy(app, 'Canary', {
      stepWeights: [10, 50],
      manualGates: [50],
      trafficRouting: pp.TrafficRouting.istio({ gateways: ['istio-ingress/public'] }),
      environments: [{ environment: 'staging', strategy: pp.DeliveryStrategy.blueGreen({ autoPromote: true }) }],
    });
    new pp.LoadTestStage(app, 'Load', { scenarios: [BROWSE], target: pp.LoadTestTarget.environment('production') });
    const jobs = workflowOf(pp.Testing.synth(project)).jobs;
    expect(jobs['checkout-abandon-production']).toBeDefined();
    expect(jobs['checkout-load-test-production'].needs).toEqual(['checkout-deploy-production', 'checkout-promote-production-50']);
  });

  describe('gatewayThroughput: the ingress gateway at a target rate', () => {
    test('defaults: 50 requests/s for 60 s on the smoke-test path, VUs from the latency SLO (Little\'s law), 1 % dropped at most', () => {
      const { out, stage } = synth({ gatewayThroughput: {} }, { smokeTestPath: '/healthz' });
      const text = out.file('load/checkout/gateway-throughput.js')!;
      expect(stage.scriptPaths).toEqual(['load/checkout/browse.js', 'load/checkout/gateway-throughput.js']);
      expect(stage.gatewayRate).toBe(50);
      // 50 req/s × 250 ms (the latency SLO's threshold) = 12.5 → 13 VUs allocated, twice that at most
      expect(text).toContain("\"gateway-throughput\": {\n      executor: 'constant-arrival-rate',\n      rate: 50,\n      timeUnit: '1s',\n      duration: '60s',\n      preAllocatedVUs: 13,\n      maxVUs: 26,\n    },");
      // 50 × 60 = 3000 planned iterations; 1 % → 30; the SLO thresholds hold at that rate too
      expect(text).toContain("dropped_iterations: ['count<=30'],");
      expect(text).toContain("http_req_duration: ['p(99)<=250'],");
      expect(text).toContain("http_req_failed: ['rate<=0.001'],");
      expect(text).toContain('http.request("GET", BASE_URL + "/healthz", null, {');
      expect(text).toMatch(/^\/\/ ~~ Generated by projen/);
    });

    test('options: rate, duration, path, VUs, dropped and error bounds; no latency SLO: one second per request', () => {
      const text = script({
        gatewayThroughput: { rate: 200, duration: Duration.minutes(2), path: '/api/products', preAllocatedVus: 40, maxVus: 100, maxDroppedPercent: 0.5, maxErrorPercent: 2 },
      }, {}, 'gateway-throughput');
      expect(text).toContain("rate: 200,\n      timeUnit: '1s',\n      duration: '120s',\n      preAllocatedVUs: 40,\n      maxVUs: 100,");
      // 200 × 120 = 24000; 0.5 % → 120
      expect(text).toContain("dropped_iterations: ['count<=120'],");
      expect(text).toContain("http_req_failed: ['rate<=0.001', 'rate<=0.02'],");
      expect(text).toContain('BASE_URL + "/api/products"');
      const noLatency = script({ gatewayThroughput: { rate: 30 } }, { slos: [pp.Slo.availability({ name: 'availability', objective: 99.9 })] }, 'gateway-throughput');
      expect(noLatency).toContain('preAllocatedVUs: 30,\n      maxVUs: 60,');
      expect(noLatency).not.toContain('http_req_duration: [');
      // no availability SLO: 1 % failed requests at most
      const noSlo = script({ gatewayThroughput: { rate: 10 } }, { slos: [] }, 'gateway-throughput');
      expect(noSlo).toContain("http_req_failed: ['rate<=0.01'],");
      expect(noSlo).toContain("dropped_iterations: ['count<=6'],");
    });

    test('the verify job runs it last, reports target/achieved/dropped and pushes the target and the dropped iterations', () => {
      const { jobs } = synth({ gatewayThroughput: { rate: 80 } }, { observability: { pushgatewayUrl: 'https://pushgateway.acme.dev' } });
      const job = jobs['checkout-load-test-staging'];
      const k6 = step(job, 'k6');
      expect(k6.name).toBe('k6: browse, gateway-throughput against staging');
      expect(k6.run).toMatch(/run_scenario browse \d+\nrun_scenario gateway-throughput 5 "the gateway did not sustain 80 requests\/s \(more than 48 dropped iterations/);
      const report = step(job, 'report').run;
      expect(report).toContain('#### Ingress gateway throughput: 80 requests/s');
      expect(report).toContain('if [ "${gateway_dropped}" -le 48 ]; then');
      expect(report).toContain('platform_pipeline_load_test_target_requests_per_second{scenario="gateway-throughput"} 80');
      expect(report).toContain('platform_pipeline_load_test_dropped_iterations{scenario="gateway-throughput"} ${gateway_dropped}');
      expect(report).toContain('platform_pipeline_load_test_requests_per_second{scenario="gateway-throughput"} ${rps_gateway_throughput}');
      // the job's time grows by the test's minute
      expect(job['timeout-minutes']).toBe(Math.ceil((210 + 30 + 60 + 30) / 60) + 15);
    });

    test('three scenarios and the gateway test, with pushes: the scripts pass shellcheck (every severity)', () => {
      const { out } = synth({
        scenarios: [BROWSE, { ...BROWSE, name: 'search' }, { ...BROWSE, name: 'cart' }],
        gatewayThroughput: {},
      }, { observability: { pushgatewayUrl: 'https://pushgateway.acme.dev' } });
      expect(shellcheckWorkflow(workflowOf(out))).toEqual([]);
    });

    const bad: Array<[string, Partial<pp.LoadTestStageProps>, RegExp]> = [
      ['a rate of 0', { gatewayThroughput: { rate: 0 } }, /Load: 'gatewayThroughput\.rate' must be a whole number of requests per second, at least 1, got 0; use the environment's expected peak/],
      ['a fractional rate', { gatewayThroughput: { rate: 2.5 } }, /'gatewayThroughput\.rate' must be a whole number of requests per second, at least 1, got 2\.5/],
      ['a 5 s duration', { gatewayThroughput: { duration: Duration.seconds(5) } }, /'gatewayThroughput\.duration' must be whole seconds and at least 10 seconds \(a rate needs time to be measured\), got '5 seconds'; use e\.g\. Duration\.minutes\(1\)/],
      ['a path without a slash', { gatewayThroughput: { path: 'healthz' } }, /'gatewayThroughput\.path' must be a path starting with '\/' without spaces or quotes, e\.g\. '\/healthz', got 'healthz'/],
      ['maxVus below preAllocatedVus', { gatewayThroughput: { preAllocatedVus: 10, maxVus: 5 } }, /'gatewayThroughput\.maxVus' must be a whole number of at least 'preAllocatedVus' \(10\), got 5/],
      ['0 preAllocatedVus', { gatewayThroughput: { preAllocatedVus: 0 } }, /'gatewayThroughput\.preAllocatedVus' must be a whole number of virtual users, at least 1, got 0/],
      ['a dropped share over 100 %', { gatewayThroughput: { maxDroppedPercent: 150 } }, /'gatewayThroughput\.maxDroppedPercent' must be a percentage between 0 and 100, got 150; use e\.g\. 1/],
      ['a negative error share', { gatewayThroughput: { maxErrorPercent: -1 } }, /'gatewayThroughput\.maxErrorPercent' must be a percentage between 0 and 100, got -1/],
      ['a scenario with its name', { scenarios: [{ ...BROWSE, name: 'gateway-throughput' }], gatewayThroughput: {} }, /a scenario is named 'gateway-throughput', the name of the gateway throughput test; rename the scenario/],
    ];
    test.each(bad)('bad input: %s', (_name, props, message) => {
      const { project, app } = makeApp();
      expect(errorOf(() => new pp.LoadTestStage(app, 'Load', { scenarios: [BROWSE], ...props }))).toMatch(message);
      expect(pp.Testing.synth(project).paths.filter((p) => p.startsWith('load/'))).toEqual([]);
    });

    test('in the kind cluster there is no gateway: an error that says to target an environment', () => {
      const { app } = makeApp();
      const e2e = new pp.KindE2EStage(app, 'E2E', {});
      expect(errorOf(() => new pp.LoadTestStage(app, 'Load', { scenarios: [BROWSE], target: pp.LoadTestTarget.kindCluster(e2e), gatewayThroughput: {} })))
        .toContain("checkout/Load: 'gatewayThroughput' measures the ingress gateway in front of an environment, but 'target' is the kind cluster, which k6 reaches through a port-forward of the app's service, not through a gateway; target an environment with a 'url' (LoadTestTarget.environment('staging')), or remove 'gatewayThroughput'");
    });
  });

  test('a second stage (another environment) with a scenario of the same name: the file clash is an error', () => {
    const { app } = makeApp();
    new pp.LoadTestStage(app, 'Load', { scenarios: [BROWSE] });
    expect(errorOf(() => new pp.LoadTestStage(app, 'ProdLoad', { scenarios: [BROWSE], target: pp.LoadTestTarget.environment('production') })))
      .toContain("checkout/ProdLoad: file 'load/checkout/browse.js' is already generated by checkout/Load");
  });

  describe('bad input: a clear error, and nothing written', () => {
    const cases: Array<[string, Partial<pp.LoadTestStageProps>, Partial<pp.PlatformAppProps>, RegExp]> = [
      ['zero duration', { scenarios: [{ ...BROWSE, duration: Duration.seconds(0) }] }, {}, /Load: 'scenarios\[0\]\.duration' must be whole seconds and at least 1 second, got '0 seconds'; use e\.g\. Duration\.minutes\(5\)/],
      ['a latency threshold below 1 ms', { scenarios: [{ ...BROWSE, maxP95: Duration.seconds(0.0005) }] }, {}, /Load: 'scenarios\[0\]\.maxP95' is a latency threshold of 0\.5 ms; a load test cannot check a latency below 1 ms: give at least Duration\.millis\(1\)/],
      ['an environment without a URL', {}, {
        environments: [{ name: 'staging', namespace: 'platform-staging', cluster: pp.ClusterAccess.kubeconfigSecret('STAGING_KUBECONFIG') }],
      }, /Load: a load test against environment 'staging' needs its URL, and the environment has none; set 'url' on environment 'staging'/],
      ['both vus and arrivalRate', { scenarios: [{ ...BROWSE, arrivalRate: 5 }] }, {}, /'scenarios\[0\]' must give exactly one of 'vus' \(virtual users\) or 'arrivalRate' \(iterations per second\), got both/],
      ['two scenarios with one name', { scenarios: [BROWSE, BROWSE] }, {}, /two scenarios are named 'browse'/],
      ['an unknown target', { target: pp.LoadTestTarget.environment('qa') }, {}, /'target' names environment 'qa', which the app does not declare; environments are \['staging', 'production'\]/],
      ['a path without a leading slash', { scenarios: [{ ...BROWSE, endpoints: [{ path: 'api' }] }] }, {}, /'scenarios\[0\]\.endpoints\[0\]\.path' must be a path starting with '\/'/],
      ['no scenarios', { scenarios: [] }, {}, /'scenarios' must list at least one scenario/],
    ];
    test.each(cases)('%s', (_name, props, appOverrides, message) => {
      const { project, app } = makeApp(appOverrides);
      expect(errorOf(() => new pp.LoadTestStage(app, 'Load', { scenarios: [BROWSE], ...props }))).toMatch(message);
      const out = pp.Testing.synth(project);
      expect(out.paths.filter((p) => p.startsWith('load/'))).toEqual([]);
      expect(Object.keys(workflowOf(out).jobs).filter((j) => j.includes('load-test'))).toEqual([]);
    });
  });
});
