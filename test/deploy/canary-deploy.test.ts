import { Duration } from 'cdk8s';
import { Project } from 'projen';
import * as pp from '../../src';
import { checkPromqlExprs, crdErrors, k8sDocErrors, sharedDir, shellcheckWorkflow } from '../conformance/validators';
import { appProps, errorOf, makeApp, minimalBuild, workflowOf } from '../util';

const SCHEMAS = `${sharedDir()}/schemas`;
/** Staging without canary (it has no reviewers for gates). */
const ROLLING_STAGING: pp.EnvironmentDeliveryOptions[] = [{ environment: 'staging', strategy: pp.DeliveryStrategy.rolling() }];

/**
 * The test app without the environments' `url`s: an environment reached from outside needs its Istio
 * Gateway named (tested on its own below); the manifests' tests need no ingress.
 */
function makeCanaryApp(overrides: Partial<pp.PlatformAppProps> = {}): { project: Project; app: pp.PlatformApp } {
  return makeApp({ environments: appProps().environments.map((e) => ({ ...e, url: undefined })), ...overrides });
}

function synth(props: pp.CanaryDeployProps = {}, overrides: Partial<pp.PlatformAppProps> = {}): pp.SynthOutput {
  const { project, app } = makeCanaryApp(overrides);
  new pp.CanaryDeploy(app, 'Canary', props);
  return pp.Testing.synth(project);
}

function docs(out: pp.SynthOutput, env = 'production'): any[] {
  return out.yamlDocuments(`deploy/checkout/${env}.k8s.yaml`)!;
}

function find(out: pp.SynthOutput, kind: string, env = 'production', name?: string): any {
  return docs(out, env).find((d) => d.kind === kind && (name === undefined || d.metadata.name === name));
}

/** Evaluates an Argo Rollouts (expr) condition over a Prometheus result vector. */
function holds(condition: string, result: number[]): boolean {
  const js = condition.replace(/len\(result\)/g, 'result.length');
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  return new Function('result', 'isNaN', `return ${js};`)(result, Number.isNaN);
}

describe('CanaryDeploy with Argo Rollouts', () => {
  test('production manifest: exact text', () => {
    const out = synth({ stepWeights: [20, 50], stepPause: Duration.minutes(1), analysis: { slos: ['availability'] } });
    expect(out.file('deploy/checkout/production.k8s.yaml')).toMatchSnapshot();
  });

  test('step weights, pauses and a manual gate reach the Rollout in order', () => {
    const out = synth({
      stepWeights: [5, 30, 60],
      stepPauses: [Duration.seconds(90), Duration.minutes(5), Duration.seconds(0)],
      manualGates: [30],
      analysis: { inlineBeforeLastWeight: false },
      environments: ROLLING_STAGING,
    });
    const canary = find(out, 'Rollout').spec.strategy.canary;
    expect(canary.steps).toEqual([
      { setWeight: 5 },
      { pause: { duration: '90s' } },
      { pause: {} },
      { setWeight: 30 },
      { pause: { duration: '5m' } },
      { setWeight: 60 },
    ]);
    // the background analysis starts once the first weight is set
    expect(canary.analysis.startingStep).toBe(1);
  });

  test('default steps: 10/25/50 with 2m pauses and an inline analysis before the last weight', () => {
    const canary = find(synth(), 'Rollout').spec.strategy.canary;
    const inline = { analysis: { templates: [{ templateName: 'checkout-slo' }], args: [{ name: 'service', value: 'checkout-canary.platform-prod.svc.cluster.local' }] } };
    expect(canary.steps).toEqual([
      { setWeight: 10 }, { pause: { duration: '2m' } },
      { setWeight: 25 }, { pause: { duration: '2m' } },
      inline,
      { setWeight: 50 }, { pause: { duration: '2m' } },
    ]);
  });

  test('background analysis measures until the rollout ends (no count); the inline step takes count measurements', () => {
    const out = synth({ analysis: { count: 4 } });
    const canary = find(out, 'Rollout').spec.strategy.canary;
    // with a count, Argo Rollouts completes a background run after that many measurements: the weights
    // after it would run unwatched
    expect(canary.analysis.templates).toEqual([{ templateName: 'checkout-slo-background' }]);
    const background = find(out, 'AnalysisTemplate', 'production', 'checkout-slo-background');
    expect(background.spec.metrics.length).toBeGreaterThan(0);
    for (const m of background.spec.metrics) {
      expect(m).not.toHaveProperty('count');
      expect(m.interval).toBe('1m');
    }
    const inline = find(out, 'AnalysisTemplate', 'production', 'checkout-slo');
    expect(inline.spec.metrics.map((m: any) => m.count)).toEqual(background.spec.metrics.map(() => 4));
    expect(inline.spec.metrics.map((m: any) => m.query)).toEqual(background.spec.metrics.map((m: any) => m.query));
  });

  test('without an inline analysis step only the background template is emitted', () => {
    const out = synth({ analysis: { inlineBeforeLastWeight: false } });
    expect(docs(out).filter((d) => d.kind === 'AnalysisTemplate').map((d) => d.metadata.name)).toEqual(['checkout-slo-background']);
  });

  test('a gate before the first weight delays the background analysis to after that weight', () => {
    const canary = find(synth({ stepWeights: [10, 50], manualGates: [10], environments: ROLLING_STAGING }), 'Rollout').spec.strategy.canary;
    expect(canary.steps[0]).toEqual({ pause: {} });
    expect(canary.steps[1]).toEqual({ setWeight: 10 });
    expect(canary.analysis.startingStep).toBe(2);
  });

  test('the Rollout takes over the chart Deployment and the values keep that Deployment at 0 replicas', () => {
    const out = synth();
    const rollout = find(out, 'Rollout');
    expect(rollout.spec.workloadRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'checkout', scaleDown: 'never' });
    expect(rollout.spec.template).toBeUndefined();
    expect(rollout.spec.replicas).toBe(4); // production's replicas move to the Rollout
    expect(rollout.spec.selector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'checkout', 'app.kubernetes.io/instance': 'checkout' });
    expect(rollout.metadata.namespace).toBe('platform-prod');
    const values = out.yaml('helm/checkout/values-production.yaml');
    expect(values.replicaCount).toBe(0);
    expect(values.autoscaling.enabled).toBe(false);
  });

  test('Istio routing: stable and canary Services select the chart pods; the VirtualService routes the chart Service host', () => {
    const out = synth({ trafficRouting: pp.TrafficRouting.istio({ gateways: ['istio-system/public'], hosts: ['shop.acme.dev'] }) });
    for (const name of ['checkout-stable', 'checkout-canary']) {
      const svc = find(out, 'Service', 'production', name);
      expect(svc.spec.selector).toEqual({ 'app.kubernetes.io/name': 'checkout', 'app.kubernetes.io/instance': 'checkout' });
      expect(svc.spec.ports).toEqual([{ name: 'http', port: 8080, targetPort: 8080, protocol: 'TCP' }]);
    }
    const vs = find(out, 'VirtualService');
    expect(vs.spec.hosts).toEqual(['checkout.platform-prod.svc.cluster.local', 'shop.acme.dev']);
    expect(vs.spec.gateways).toEqual(['istio-system/public', 'mesh']);
    expect(vs.spec.http).toEqual([{ name: 'primary', route: [{ destination: { host: 'checkout-stable' }, weight: 100 }, { destination: { host: 'checkout-canary' }, weight: 0 }] }]);
    const canary = find(out, 'Rollout').spec.strategy.canary;
    expect(canary).toMatchObject({
      canaryService: 'checkout-canary',
      stableService: 'checkout-stable',
      trafficRouting: { istio: { virtualService: { name: 'checkout', routes: ['primary'] } } },
    });
  });

  test('an environment reached at a URL: the route splits that host through the named Gateway too', () => {
    const { project, app } = makeApp();
    new pp.CanaryDeploy(app, 'Canary', { trafficRouting: pp.TrafficRouting.istio({ gateways: ['istio-ingress/public'] }) });
    const out = pp.Testing.synth(project);
    expect(find(out, 'VirtualService').spec).toMatchObject({
      hosts: ['checkout.platform-prod.svc.cluster.local', 'acme.dev'],
      gateways: ['istio-ingress/public', 'mesh'],
    });
    expect(find(out, 'VirtualService', 'staging').spec.hosts).toEqual(['checkout.platform-staging.svc.cluster.local', 'staging.acme.dev']);
  });

  test('an environment reached at a URL without a Gateway is refused: its traffic would bypass the weights', () => {
    const { app } = makeApp();
    const msg = errorOf(() => new pp.CanaryDeploy(app, 'Canary'));
    expect(msg).toContain("checkout/Canary: environment 'production' is reached at 'https://acme.dev', but its VirtualService would split mesh traffic only");
    expect(msg).toContain("TrafficRouting.istio({ gateways: ['<namespace>/<gateway>'] })");
    // an explicit empty list: external traffic enters through an in-mesh proxy
    const other = makeApp().app;
    new pp.CanaryDeploy(other, 'Canary', { trafficRouting: pp.TrafficRouting.istio({ gateways: [] }) });
    // replica routing has no gateway to bypass
    new pp.CanaryDeploy(makeApp().app, 'Canary', { trafficRouting: pp.TrafficRouting.replicas(), analysis: { canarySelector: 'rollouts_pod_template_hash="{{args.canary-hash}}"' } });
  });

  test('chart values that turn the ingress on need its hosts routed through a Gateway', () => {
    const { project, app } = makeCanaryApp();
    new pp.CanaryDeploy(app, 'Canary');
    app.valuesFor('production').set('ingress', { enabled: true, hosts: [{ host: 'shop.acme.dev', paths: [{ path: '/', pathType: 'Prefix' }] }] });
    expect(errorOf(() => pp.Testing.synth(project))).toContain("the values of 'production' turn the chart's ingress on (hosts ['shop.acme.dev']), but the canary's VirtualService does not route ['shop.acme.dev']");
    const ok = makeCanaryApp();
    new pp.CanaryDeploy(ok.app, 'Canary', { trafficRouting: pp.TrafficRouting.istio({ gateways: ['istio-ingress/public'], hosts: ['shop.acme.dev'] }) });
    ok.app.valuesFor('production').set('ingress', { enabled: true, hosts: [{ host: 'shop.acme.dev', paths: [{ path: '/', pathType: 'Prefix' }] }] });
    expect(() => pp.Testing.synth(ok.project)).not.toThrow();
  });

  test('every object validates against its schema (Rollout, AnalysisTemplate, VirtualService, Services)', () => {
    const out = synth({ manualGates: [50], autoscaling: { minReplicas: 4, maxReplicas: 12 }, environments: [{ environment: 'staging', strategy: pp.DeliveryStrategy.blueGreen({ autoPromote: true }) }] });
    for (const env of ['staging', 'production']) {
      expect(k8sDocErrors(docs(out, env), SCHEMAS)).toEqual([]);
    }
    for (const kind of ['Rollout', 'AnalysisTemplate', 'VirtualService']) {
      const obj = find(out, kind);
      expect(obj).toBeDefined();
      expect(crdErrors(obj, SCHEMAS)).toEqual([]);
    }
  });

  test('SLO objectives reach the guarded success and failure conditions', () => {
    const template = find(synth(), 'AnalysisTemplate');
    const byName = Object.fromEntries(template.spec.metrics.map((m: any) => [m.name, m]));
    // availability 99.9 % -> at most 0.1 % errors; latency 99 % under 250 ms -> at most 1 % slower
    expect(byName['availability-error-ratio'].successCondition).toBe('len(result) > 0 && !isNaN(result[0]) && result[0] <= 0.001');
    expect(byName['availability-error-ratio'].failureCondition).toBe('len(result) > 0 && !isNaN(result[0]) && result[0] > 0.001');
    expect(byName['latency-slow-ratio'].successCondition).toBe('len(result) > 0 && !isNaN(result[0]) && result[0] <= 0.01');
    expect(byName['latency-slow-ratio'].provider.prometheus.query).toContain('istio_request_duration_milliseconds_bucket{reporter="source", destination_service="{{args.service}}", le=~"250([.]0)?"}[2m]');
    for (const m of template.spec.metrics) {
      expect(m).toMatchObject({ interval: '1m', count: 5, failureLimit: 2, inconclusiveLimit: 2 });
      expect(m.provider.prometheus.address).toBe('http://prometheus-operated.monitoring.svc:9090');
    }
  });

  test('an empty or NaN result neither passes nor fails (inconclusive: the rollout pauses, never aborts)', () => {
    const m = find(synth(), 'AnalysisTemplate').spec.metrics[0];
    const outcome = (r: number[]) => [holds(m.successCondition, r), holds(m.failureCondition, r)];
    expect(outcome([])).toEqual([false, false]);
    expect(outcome([NaN])).toEqual([false, false]);
    expect(outcome([0])).toEqual([true, false]);
    expect(outcome([0.001])).toEqual([true, false]);
    expect(outcome([0.0011])).toEqual([false, true]);
  });

  test('analysis options: budget multiplier, interval, count, limits, Prometheus address', () => {
    const out = synth({
      analysis: {
        budgetMultiplier: 2, interval: Duration.seconds(30), count: 10, failureLimit: 3, inconclusiveLimit: 1, window: Duration.minutes(5),
      },
    }, { observability: { prometheusUrl: 'http://prometheus.istio-system:9090' } });
    const m = find(out, 'AnalysisTemplate', 'production', 'checkout-slo').spec.metrics.find((x: any) => x.name === 'availability-error-ratio');
    expect(m).toMatchObject({ interval: '30s', count: 10, failureLimit: 3, inconclusiveLimit: 1 });
    expect(m.successCondition).toBe('len(result) > 0 && !isNaN(result[0]) && result[0] <= 0.002');
    expect(m.provider.prometheus.address).toBe('http://prometheus.istio-system:9090');
    expect(m.provider.prometheus.query).toContain('[5m]');
  });

  test('each analysis query passes promtool when wrapped as a rule', () => {
    const out = synth({ analysis: { metrics: [{ name: 'p95', max: 0.4, query: 'histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{service="{{args.service}}"}[2m])))' }] } });
    const metrics = find(out, 'AnalysisTemplate').spec.metrics;
    expect(metrics.map((m: any) => m.name)).toEqual(['availability-error-ratio', 'latency-slow-ratio', 'p95']);
    expect(checkPromqlExprs(metrics.map((m: any) => ({ name: m.name, expr: m.provider.prometheus.query })))).toEqual([]);
  });

  test('without a mesh: replica weighting, the app\'s own metrics narrowed to the new pods by their hash', () => {
    const sli = pp.SliSource.custom({ requestsMetric: 'http_requests_total', latencyHistogram: 'http_request_duration_seconds' });
    const out = synth({}, {
      mesh: pp.Mesh.NONE,
      sliSource: sli,
      slos: [pp.Slo.availability({ name: 'availability', objective: 99.5 }), pp.Slo.latency({ name: 'latency', objective: 95, threshold: Duration.millis(250) })],
    });
    expect(find(out, 'VirtualService')).toBeUndefined();
    expect(find(out, 'Service', 'production', 'checkout-canary')).toBeUndefined();
    const rollout = find(out, 'Rollout');
    expect(rollout.spec.strategy.canary.trafficRouting).toBeUndefined();
    expect(rollout.spec.strategy.canary.analysis.args).toEqual([{ name: 'canary-hash', valueFrom: { podTemplateHashValue: 'Latest' } }]);
    const template = find(out, 'AnalysisTemplate');
    expect(template.spec.args).toEqual([{ name: 'canary-hash' }]);
    const q = template.spec.metrics.map((m: any) => m.provider.prometheus.query);
    expect(q[0]).toBe([
      '(sum(rate(http_requests_total{job="checkout", namespace="platform-prod", rollouts_pod_template_hash="{{args.canary-hash}}", code=~"5.."}[2m])) or vector(0))',
      '/',
      'sum(rate(http_requests_total{job="checkout", namespace="platform-prod", rollouts_pod_template_hash="{{args.canary-hash}}"}[2m]))',
    ].join('\n'));
    expect(q[1]).toContain('http_request_duration_seconds_bucket{job="checkout", namespace="platform-prod", rollouts_pod_template_hash="{{args.canary-hash}}", le="0.25"}');
    expect(template.spec.metrics[0].successCondition).toBe('len(result) > 0 && !isNaN(result[0]) && result[0] <= 0.005');
    expect(template.spec.metrics[1].successCondition).toBe('len(result) > 0 && !isNaN(result[0]) && result[0] <= 0.05');
    expect(checkPromqlExprs(template.spec.metrics.map((m: any) => ({ name: m.name, expr: m.provider.prometheus.query })))).toEqual([]);
    expect(k8sDocErrors(docs(out), SCHEMAS)).toEqual([]);
  });

  test('autoscaling targets the Rollout, which then leaves its replicas to the HPA', () => {
    const out = synth({ autoscaling: { minReplicas: 4, maxReplicas: 12, cpuUtilization: 70 } });
    const hpa = find(out, 'HorizontalPodAutoscaler');
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'checkout' });
    expect(hpa.spec).toMatchObject({ minReplicas: 4, maxReplicas: 12 });
    expect(hpa.spec.metrics[0].resource.target.averageUtilization).toBe(70);
    expect(find(out, 'Rollout').spec.replicas).toBeUndefined();
    // per environment: only production autoscales
    const perEnv = synth({ environments: [{ environment: 'production', autoscaling: { minReplicas: 4, maxReplicas: 8 } }] });
    expect(find(perEnv, 'HorizontalPodAutoscaler', 'staging')).toBeUndefined();
    expect(find(perEnv, 'Rollout', 'staging').spec.replicas).toBe(2);
    expect(find(perEnv, 'HorizontalPodAutoscaler').spec.maxReplicas).toBe(8);
  });

  test('per-environment strategies: no canary in staging, canary in production', () => {
    const { project, app } = makeCanaryApp();
    const canary = new pp.CanaryDeploy(app, 'Canary', { environments: [{ environment: 'staging', strategy: pp.DeliveryStrategy.rolling() }] });
    expect(canary.strategyFor('staging').kind).toBe(pp.DeliveryStrategyKind.ROLLING);
    expect(canary.strategyFor('production').kind).toBe(pp.DeliveryStrategyKind.CANARY);
    const out = pp.Testing.synth(project);
    expect(find(out, 'Rollout', 'staging')).toBeUndefined();
    expect(find(out, 'Rollout', 'production')).toBeDefined();
    expect(out.yaml('helm/checkout/values-staging.yaml').replicaCount).toBe(2);
    const jobs = workflowOf(out).jobs;
    expect(jobs['checkout-deploy-staging'].steps.map((s: any) => s.id)).not.toContain('rollout-status');
    expect(jobs['checkout-deploy-production'].steps.map((s: any) => s.id)).toContain('rollout-status');
  });
});

describe('CanaryDeploy bad input', () => {
  const canary = (props: pp.CanaryDeployProps, overrides: Partial<pp.PlatformAppProps> = {}) => () => {
    const { app } = makeCanaryApp(overrides);
    new pp.CanaryDeploy(app, 'Canary', props);
  };

  test('weights not strictly increasing', () => {
    expect(errorOf(canary({ stepWeights: [10, 5, 50] }))).toContain("Canary: 'stepWeights' must be strictly increasing, got [10, 5, 50]");
    expect(() => pp.DeliveryStrategy.canary({ stepWeights: [10, 10] })).toThrow(/'stepWeights' must be strictly increasing, got \[10, 10\]/);
  });

  test('weights above 100 or not whole', () => {
    expect(errorOf(canary({ stepWeights: [10, 50, 120] }))).toContain("'stepWeights' must be whole percentages from 1 to 100, got [10, 50, 120]; [120] is out of range");
    expect(errorOf(canary({ stepWeights: [0.5, 50] }))).toContain('[0.5] is out of range');
    expect(errorOf(canary({ stepWeights: [] }))).toContain("'stepWeights' must list at least one weight");
  });

  test('a canary without any SLO or explicit metric', () => {
    expect(errorOf(canary({}, { slos: [] }))).toContain("environment 'staging': a canary needs something to analyse, but the app declares no SLOs and 'analysis.metrics' is empty");
    // explicit metrics are enough
    expect(() => canary({ analysis: { metrics: [{ name: 'errors', query: 'sum(rate(x[1m]))', max: 1 }] } }, { slos: [] })()).not.toThrow();
  });

  test('blue-green and canary both set', () => {
    expect(errorOf(canary({ strategy: pp.DeliveryStrategy.blueGreen(), stepWeights: [10, 50] })))
      .toContain("blue-green and canary are both set: 'strategy' is DeliveryStrategy.blueGreen() and the canary options ['stepWeights'] are given too");
  });

  test('Istio routing without a mesh declared', () => {
    const sli = pp.SliSource.custom({ requestsMetric: 'http_requests_total', latencyHistogram: 'http_request_duration_seconds' });
    expect(errorOf(canary({ trafficRouting: pp.TrafficRouting.istio() }, { mesh: pp.Mesh.NONE, sliSource: sli })))
      .toContain("TrafficRouting.istio() needs Istio sidecars ('mesh: Mesh.istio()') (it declares 'none')");
  });

  test('gates: must be step weights, and need reviewers on the environment', () => {
    expect(errorOf(canary({ stepWeights: [10, 50], manualGates: [25] }))).toContain("'manualGates' entry 25 is not one of the step weights [10, 50]");
    expect(errorOf(canary({ manualGates: [50] }, { environments: [appProps().environments[0]] })))
      .toContain("environment 'staging': 'manualGates' [50] needs reviewers to approve the promotion job; set 'approval: Approval.requiredReviewers([...])' on the environment");
  });

  test('analysis: unknown SLO names, limits, unknown query args, istio SLIs with replica routing', () => {
    expect(errorOf(canary({ analysis: { slos: ['availabilty'] } }))).toContain("'analysis.slos' names ['availabilty'], which the app does not declare; its SLOs are ['availability', 'latency']");
    expect(errorOf(canary({ analysis: { count: 2, failureLimit: 2 } }))).toContain("'analysis.failureLimit' (2) must be below 'analysis.count' (2)");
    expect(errorOf(canary({ analysis: { metrics: [{ name: 'x', query: 'up{pod="{{args.pod}}"}', max: 1 }] } }))).toContain("metric 'x': the query uses {{args.pod}}");
    expect(errorOf(canary({ analysis: { metrics: [{ name: 'x', query: 'up', max: 1, min: 0 }] } }))).toContain("metric 'x': set exactly one of 'max' or 'min', got both");
    expect(errorOf(canary({ trafficRouting: pp.TrafficRouting.replicas() })))
      .toContain("with TrafficRouting.replicas() Istio's metrics cannot tell canary from stable requests (SLOs ['availability', 'latency'])");
  });

  test('environments: unknown names; one CanaryDeploy per app', () => {
    expect(errorOf(canary({ environments: [{ environment: 'prod', strategy: pp.DeliveryStrategy.rolling() }] })))
      .toContain("'environments' names 'prod', which the app does not declare; environments are ['staging', 'production']");
    const { app } = makeCanaryApp();
    new pp.CanaryDeploy(app, 'Canary');
    expect(errorOf(() => new pp.CanaryDeploy(app, 'Canary2'))).toContain('the app already has a CanaryDeploy (Canary)');
  });

  test('values that would make the Deployment serve beside the Rollout fail the synth', () => {
    const { project, app } = makeCanaryApp();
    new pp.CanaryDeploy(app, 'Canary');
    app.valuesFor('production').set('autoscaling', { enabled: true, minReplicas: 4, maxReplicas: 12 });
    app.valuesFor('production').set('replicaCount', 3);
    const msg = errorOf(() => pp.Testing.synth(project));
    expect(msg).toContain("the values of 'production' set 'replicaCount' to 3, but the Rollout takes over the chart's Deployment, which must stay at 0 replicas");
    expect(msg).toContain("the values of 'production' turn the chart's autoscaling on");
  });

  test('autoscaling and timeouts are checked', () => {
    expect(errorOf(canary({ autoscaling: { minReplicas: 5, maxReplicas: 2 } }))).toContain("'autoscaling' needs whole numbers with 1 <= minReplicas <= maxReplicas");
    expect(errorOf(canary({ verifyTimeout: Duration.seconds(10) }))).toContain("'verifyTimeout' must be at least 1 minute");
  });
});

describe('CanaryDeploy with a blue-green strategy', () => {

  function synthBlueGreen(strategy: pp.DeliveryStrategy, overrides: Partial<pp.PlatformAppProps> = {}): pp.SynthOutput {
    const { project, app } = makeApp(overrides);
    minimalBuild(app);
    new pp.CanaryDeploy(app, 'Delivery', {
      strategy: pp.DeliveryStrategy.canary({ stepWeights: [10, 50], trafficRouting: pp.TrafficRouting.istio({ gateways: ['istio-ingress/public'] }) }),
      environments: [{ environment: 'production', strategy }],
    });
    return pp.Testing.synth(project);
  }

  function rolloutOf(out: pp.SynthOutput, env = 'production'): any {
    return out.yamlDocuments(`deploy/checkout/${env}.k8s.yaml`)!.find((d) => d.kind === 'Rollout');
  }

  describe('blue-green delivery', () => {
    test('active is the chart Service, preview is ours; post-promotion analysis on the active host by default', () => {
      const out = synthBlueGreen(pp.DeliveryStrategy.blueGreen());
      const rollout = rolloutOf(out);
      expect(rollout.spec.strategy).toEqual({
        blueGreen: {
          activeService: 'checkout',
          previewService: 'checkout-preview',
          autoPromotionEnabled: false,
          scaleDownDelaySeconds: 30,
          abortScaleDownDelaySeconds: 30,
          postPromotionAnalysis: {
            templates: [{ templateName: 'checkout-slo' }],
            args: [{ name: 'service', value: 'checkout.platform-prod.svc.cluster.local' }],
          },
        },
      });
      expect(rollout.spec.workloadRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'checkout', scaleDown: 'never' });
      const preview = out.yamlDocuments('deploy/checkout/production.k8s.yaml')!.find((d) => d.kind === 'Service' && d.metadata.name === 'checkout-preview');
      expect(preview.spec.selector).toEqual({ 'app.kubernetes.io/name': 'checkout', 'app.kubernetes.io/instance': 'checkout' });
      expect(crdErrors(rollout, SCHEMAS)).toEqual([]);
      expect(k8sDocErrors(out.yamlDocuments('deploy/checkout/production.k8s.yaml')!, SCHEMAS)).toEqual([]);
      // staging keeps its canary
      expect(rolloutOf(out, 'staging').spec.strategy.canary).toBeDefined();
    });

    test('pre-promotion analysis on the preview, automatic promotion after a delay, preview replicas', () => {
      const rollout = rolloutOf(synthBlueGreen(pp.DeliveryStrategy.blueGreen({
        autoPromote: true,
        autoPromotionDelay: Duration.minutes(10),
        previewReplicas: 1,
        scaleDownDelay: Duration.minutes(1),
        prePromotionAnalysis: true,
        postPromotionAnalysis: false,
      })));
      expect(rollout.spec.strategy.blueGreen).toEqual({
        activeService: 'checkout',
        previewService: 'checkout-preview',
        autoPromotionEnabled: true,
        autoPromotionSeconds: 600,
        previewReplicaCount: 1,
        scaleDownDelaySeconds: 60,
        abortScaleDownDelaySeconds: 30,
        prePromotionAnalysis: {
          templates: [{ templateName: 'checkout-slo' }],
          args: [{ name: 'service', value: 'checkout-preview.platform-prod.svc.cluster.local' }],
        },
      });
    });

    test('manual promotion: the deploy job stops at the pause, a promotion job held for the reviewers promotes', () => {
      const out = synthBlueGreen(pp.DeliveryStrategy.blueGreen());
      const wf = workflowOf(out);
      const deploy = wf.jobs['checkout-deploy-production'];
      const wait = deploy.steps.find((s: any) => s.id === 'rollout-status');
      expect(wait.run).toContain('*BlueGreenPause*');
      expect(wait.env.GATE_STEPS).toBe('');
      const promote = wf.jobs['checkout-promote-production'];
      expect(promote.environment).toEqual({ name: 'production', url: 'https://acme.dev' });
      expect(promote.needs).toEqual(['checkout-build', 'checkout-synth-check', 'checkout-deploy-staging', 'checkout-deploy-production']);
      expect(promote.if).toBe("github.event_name != 'pull_request' && github.ref == 'refs/heads/main'");
      expect(promote.steps.map((s: any) => s.id)).toEqual([
        'checkout', 'aws-credentials', 'cluster-credentials', 'setup-helm', 'setup-kubectl', 'setup-argo-rollouts',
        'promote', 'rollout-status', 'smoke-test', 'rollback', 'deploy-summary', 'deploy-report-pdf', 'deploy-report',
      ]);
      expect(promote.steps.find((s: any) => s.id === 'promote').run).toContain('kubectl argo rollouts promote "${ROLLOUT}" --namespace "${NAMESPACE}"');
      expect(promote.steps.find((s: any) => s.id === 'rollout-status').run).toContain('kubectl argo rollouts status "${ROLLOUT}"');
      expect(promote.steps.find((s: any) => s.id === 'rollback').if).toBe('failure()');
      expect(shellcheckWorkflow(wf)).toEqual([]);
    });

    test('automatic promotion adds no promotion job', () => {
      const jobs = Object.keys(workflowOf(synthBlueGreen(pp.DeliveryStrategy.blueGreen({ autoPromote: true }))).jobs);
      expect(jobs.filter((j) => j.includes('promote'))).toEqual([]);
    });

    test('bad input', () => {
      expect(() => pp.DeliveryStrategy.blueGreen({ autoPromotionDelay: Duration.minutes(5) })).toThrow("'autoPromotionDelay' needs 'autoPromote: true'");
      expect(() => pp.DeliveryStrategy.blueGreen({ previewReplicas: 0 })).toThrow("'previewReplicas' must be a whole number of at least 1, got 0");
      const { app } = makeCanaryApp({ environments: [appProps().environments[0]] });
      expect(errorOf(() => new pp.CanaryDeploy(app, 'D', { strategy: pp.DeliveryStrategy.blueGreen() })))
        .toContain("environment 'staging': manual blue-green promotion needs reviewers to approve the promotion job; set 'approval: Approval.requiredReviewers([...])' on the environment, or 'autoPromote: true'");
    });
  });
});

describe('CanaryDeploy with Flagger (backend)', () => {
  const FLAGGER = pp.Backend.flagger({ chartServiceToggle: 'service.enabled' });

  function synthFlagger(
    props: pp.CanaryDeployProps = {},
    overrides: Partial<pp.PlatformAppProps> = {},
  ): { out: pp.SynthOutput; app: pp.PlatformApp } {
    const { project, app } = makeCanaryApp(overrides);
    new pp.CanaryDeploy(app, 'Canary', { backend: FLAGGER, ...props });
    return { out: pp.Testing.synth(project), app };
  }

  function canaryOf(out: pp.SynthOutput, env = 'production'): any {
    return out.yamlDocuments(`deploy/checkout/${env}.k8s.yaml`)!.find((d) => d.kind === 'Canary');
  }

  describe('CanaryDeploy with Flagger', () => {
    test('a Canary with the Istio provider targeting the chart Deployment; nothing Flagger creates is emitted', () => {
      const { out } = synthFlagger();
      const canary = canaryOf(out);
      expect(canary.apiVersion).toBe('flagger.app/v1beta1');
      expect(canary.metadata).toMatchObject({ name: 'checkout', namespace: 'platform-prod' });
      expect(canary.spec).toMatchObject({
        provider: 'istio',
        targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'checkout' },
        progressDeadlineSeconds: 600,
        service: { port: 8080, targetPort: 8080, portName: 'http' },
      });
      expect(canary.spec.autoscalerRef).toBeUndefined();
      const kinds = out.yamlDocuments('deploy/checkout/production.k8s.yaml')!.map((d) => d.kind);
      expect(kinds).not.toContain('Rollout');
      expect(kinds).not.toContain('VirtualService');
      expect(kinds).not.toContain('Service');
      expect(crdErrors(canary, SCHEMAS)).toEqual([]);
    });

    test('built-in metrics bound to the SLO objectives, steps and limits from the options', () => {
      const { out } = synthFlagger({ stepWeights: [5, 20, 40], analysis: { interval: Duration.seconds(30), failureLimit: 4, count: 6 } });
      const a = canaryOf(out).spec.analysis;
      expect(a).toMatchObject({ interval: '30s', threshold: 5, stepWeights: [5, 20, 40] });
      // availability 99.9 % -> at least 99.9 % non-5xx; latency 99 % under 250 ms -> P99 at most 250 ms
      expect(a.metrics).toEqual([
        { name: 'request-success-rate', thresholdRange: { min: 99.9 }, interval: '2m' },
        { name: 'request-duration', thresholdRange: { max: 250 }, interval: '2m' },
      ]);
    });

    test('the budget multiplier loosens the success-rate bound', () => {
      const { out } = synthFlagger({ analysis: { budgetMultiplier: 2 } });
      expect(canaryOf(out).spec.analysis.metrics[0].thresholdRange).toEqual({ min: 99.8 });
    });

    test('load-test webhook drives traffic to the canary Service', () => {
      const { out } = synthFlagger();
      expect(canaryOf(out).spec.analysis.webhooks).toEqual([{
        name: 'load-test',
        type: 'rollout',
        url: 'http://flagger-loadtester.platform-prod/',
        timeout: '5s',
        metadata: { type: 'cmd', cmd: 'hey -z 1m -q 10 -c 2 http://checkout-canary.platform-prod:8080/' },
      }]);
      const quiet = synthFlagger({ backend: pp.Backend.flagger({ chartServiceToggle: 'service.enabled', loadTest: false }) }).out;
      expect(canaryOf(quiet).spec.analysis.webhooks).toBeUndefined();
    });

    test('the chart Service is turned off (Flagger owns the Services); autoscaling adopts the chart HPA', () => {
      const { project, app } = makeCanaryApp();
      new pp.CanaryDeploy(app, 'Canary', { backend: FLAGGER });
      app.valuesFor('production').set('autoscaling', { enabled: true, minReplicas: 4, maxReplicas: 12 });
      const out = pp.Testing.synth(project);
      expect(out.yaml('helm/checkout/values-production.yaml').service).toEqual({ type: 'ClusterIP', port: 8080, enabled: false });
      expect(canaryOf(out).spec.autoscalerRef).toEqual({ apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', name: 'checkout' });
      expect(canaryOf(out, 'staging').spec.autoscalerRef).toBeUndefined();
    });

    test('blue-green with Flagger: iterations instead of step weights', () => {
      const { out } = synthFlagger({ strategy: pp.DeliveryStrategy.blueGreen({ autoPromote: true }), analysis: { count: 8 } });
      const a = canaryOf(out).spec.analysis;
      expect(a.iterations).toBe(8);
      expect(a.stepWeights).toBeUndefined();
      expect(crdErrors(canaryOf(out), SCHEMAS)).toEqual([]);
    });

    test('the deploy job waits for Flagger\'s verdict against the state recorded before Helm', () => {
      const { out } = synthFlagger();
      const job = workflowOf(out).jobs['checkout-deploy-production'];
      const ids = job.steps.map((s: any) => s.id);
      expect(ids.indexOf('flagger-baseline')).toBeLessThan(ids.indexOf('helm-upgrade'));
      expect(ids.indexOf('rollout-status')).toBeGreaterThan(ids.indexOf('apply-manifests'));
      expect(ids).not.toContain('setup-argo-rollouts');
      const wait = job.steps.find((s: any) => s.id === 'rollout-status');
      expect(wait.env).toMatchObject({ SPEC_BEFORE: '${{ steps.flagger-baseline.outputs.spec }}', TEMPLATE_BEFORE: '${{ steps.flagger-baseline.outputs.template }}' });
      expect(wait.run).toContain('Failed)');
      expect(shellcheckWorkflow(workflowOf(out))).toEqual([]);
    });

    test('bad input', () => {
      expect(() => pp.Backend.flagger({ chartServiceToggle: '' })).toThrow("Backend.flagger: 'chartServiceToggle' must name the chart value that turns its Service off");
      const sli = pp.SliSource.custom({ requestsMetric: 'http_requests_total', latencyHistogram: 'http_request_duration_seconds' });
      expect(errorOf(() => synthFlagger({}, { mesh: pp.Mesh.NONE, sliSource: sli }))).toContain("Backend.flagger() uses Flagger's Istio provider and built-in Istio metrics; declare 'mesh: Mesh.istio()'");
      expect(errorOf(() => synthFlagger({ manualGates: [50] }))).toContain('manual gates and manual blue-green promotion need Backend.ARGO_ROLLOUTS');
      expect(errorOf(() => synthFlagger({ stepPause: Duration.minutes(1) }))).toContain('Flagger advances one step per analysis interval');
      expect(errorOf(() => synthFlagger({ analysis: { metrics: [{ name: 'x', query: 'up', max: 1 }] } }))).toContain("explicit 'analysis.metrics' need Backend.ARGO_ROLLOUTS");
      expect(errorOf(() => synthFlagger({ autoscaling: { minReplicas: 1, maxReplicas: 3 } }))).toContain('with Flagger, autoscale through the chart');
    });
  });
});
