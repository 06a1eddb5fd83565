import { Duration } from 'cdk8s';
import * as pp from '../../src';
import { crdErrors, sharedDir, shellcheckWorkflow } from '../conformance/validators';
import { errorOf, makeApp, workflowOf } from '../util';

const SCHEMAS = `${sharedDir()}/schemas`;
const FLAGGER = pp.Backend.flagger({ chartServiceToggle: 'service.enabled' });

function synth(props: pp.CanaryDeployProps = {}, overrides: Partial<pp.PlatformAppProps> = {}): { out: pp.SynthOutput; app: pp.PlatformApp } {
  const { project, app } = makeApp(overrides);
  new pp.CanaryDeploy(app, 'Canary', { backend: FLAGGER, ...props });
  return { out: pp.Testing.synth(project), app };
}

function canaryOf(out: pp.SynthOutput, env = 'production'): any {
  return out.yamlDocuments(`deploy/checkout/${env}.k8s.yaml`)!.find((d) => d.kind === 'Canary');
}

describe('CanaryDeploy with Flagger', () => {
  test('a Canary with the Istio provider targeting the chart Deployment; nothing Flagger creates is emitted', () => {
    const { out } = synth();
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
    const { out } = synth({ stepWeights: [5, 20, 40], analysis: { interval: Duration.seconds(30), failureLimit: 4, count: 6 } });
    const a = canaryOf(out).spec.analysis;
    expect(a).toMatchObject({ interval: '30s', threshold: 5, stepWeights: [5, 20, 40] });
    // availability 99.9 % -> at least 99.9 % non-5xx; latency 99 % under 250 ms -> P99 at most 250 ms
    expect(a.metrics).toEqual([
      { name: 'request-success-rate', thresholdRange: { min: 99.9 }, interval: '2m' },
      { name: 'request-duration', thresholdRange: { max: 250 }, interval: '2m' },
    ]);
  });

  test('the budget multiplier loosens the success-rate bound', () => {
    const { out } = synth({ analysis: { budgetMultiplier: 2 } });
    expect(canaryOf(out).spec.analysis.metrics[0].thresholdRange).toEqual({ min: 99.8 });
  });

  test('load-test webhook drives traffic to the canary Service', () => {
    const { out } = synth();
    expect(canaryOf(out).spec.analysis.webhooks).toEqual([{
      name: 'load-test',
      type: 'rollout',
      url: 'http://flagger-loadtester.platform-prod/',
      timeout: '5s',
      metadata: { type: 'cmd', cmd: 'hey -z 1m -q 10 -c 2 http://checkout-canary.platform-prod:8080/' },
    }]);
    const quiet = synth({ backend: pp.Backend.flagger({ chartServiceToggle: 'service.enabled', loadTest: false }) }).out;
    expect(canaryOf(quiet).spec.analysis.webhooks).toBeUndefined();
  });

  test('the chart Service is turned off (Flagger owns the Services); autoscaling adopts the chart HPA', () => {
    const { project, app } = makeApp();
    new pp.CanaryDeploy(app, 'Canary', { backend: FLAGGER });
    app.valuesFor('production').set('autoscaling', { enabled: true, minReplicas: 4, maxReplicas: 12 });
    const out = pp.Testing.synth(project);
    expect(out.yaml('helm/checkout/values-production.yaml').service).toEqual({ type: 'ClusterIP', port: 8080, enabled: false });
    expect(canaryOf(out).spec.autoscalerRef).toEqual({ apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', name: 'checkout' });
    expect(canaryOf(out, 'staging').spec.autoscalerRef).toBeUndefined();
  });

  test('blue-green with Flagger: iterations instead of step weights', () => {
    const { out } = synth({ strategy: pp.DeliveryStrategy.blueGreen({ autoPromote: true }), analysis: { count: 8 } });
    const a = canaryOf(out).spec.analysis;
    expect(a.iterations).toBe(8);
    expect(a.stepWeights).toBeUndefined();
    expect(crdErrors(canaryOf(out), SCHEMAS)).toEqual([]);
  });

  test('the deploy job waits for Flagger\'s verdict against the state recorded before Helm', () => {
    const { out } = synth();
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
    expect(errorOf(() => synth({}, { mesh: pp.Mesh.NONE, sliSource: sli }))).toContain("Backend.flagger() uses Flagger's Istio provider and built-in Istio metrics; declare 'mesh: Mesh.ISTIO'");
    expect(errorOf(() => synth({ manualGates: [50] }))).toContain('manual gates and manual blue-green promotion need Backend.ARGO_ROLLOUTS');
    expect(errorOf(() => synth({ stepPause: Duration.minutes(1) }))).toContain('Flagger advances one step per analysis interval');
    expect(errorOf(() => synth({ analysis: { metrics: [{ name: 'x', query: 'up', max: 1 }] } }))).toContain("explicit 'analysis.metrics' need Backend.ARGO_ROLLOUTS");
    expect(errorOf(() => synth({ autoscaling: { minReplicas: 1, maxReplicas: 3 } }))).toContain('with Flagger, autoscale through the chart');
  });
});
