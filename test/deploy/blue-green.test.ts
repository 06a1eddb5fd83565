import { Duration } from 'cdk8s';
import * as pp from '../../src';
import { crdErrors, k8sDocErrors, sharedDir, shellcheckWorkflow } from '../conformance/validators';
import { appProps, errorOf, makeApp, minimalBuild, workflowOf } from '../util';

const SCHEMAS = `${sharedDir()}/schemas`;

function synth(strategy: pp.DeliveryStrategy, overrides: Partial<pp.PlatformAppProps> = {}): pp.SynthOutput {
  const { project, app } = makeApp(overrides);
  minimalBuild(app);
  new pp.CanaryDeploy(app, 'Delivery', {
    strategy: pp.DeliveryStrategy.canary({ stepWeights: [10, 50] }),
    environments: [{ environment: 'production', strategy }],
  });
  return pp.Testing.synth(project);
}

function rolloutOf(out: pp.SynthOutput, env = 'production'): any {
  return out.yamlDocuments(`deploy/checkout/${env}.k8s.yaml`)!.find((d) => d.kind === 'Rollout');
}

describe('blue-green delivery', () => {
  test('active is the chart Service, preview is ours; post-promotion analysis on the active host by default', () => {
    const out = synth(pp.DeliveryStrategy.blueGreen());
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
    const rollout = rolloutOf(synth(pp.DeliveryStrategy.blueGreen({
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
    const out = synth(pp.DeliveryStrategy.blueGreen());
    const wf = workflowOf(out);
    const deploy = wf.jobs['checkout-deploy-production'];
    const wait = deploy.steps.find((s: any) => s.id === 'rollout-status');
    expect(wait.run).toContain('*BlueGreenPause*');
    expect(wait.env.GATE_STEPS).toBe('');
    const promote = wf.jobs['checkout-promote-production'];
    expect(promote.environment).toEqual({ name: 'production', url: 'https://acme.dev' });
    expect(promote.needs).toEqual(['checkout-build', 'checkout-deploy-staging', 'checkout-deploy-production']);
    expect(promote.if).toBe("github.event_name != 'pull_request' && github.ref == 'refs/heads/main'");
    expect(promote.steps.map((s: any) => s.id)).toEqual([
      'checkout', 'aws-credentials', 'cluster-credentials', 'setup-helm', 'setup-kubectl', 'setup-argo-rollouts',
      'promote', 'rollout-status', 'smoke-test', 'rollback', 'deploy-summary', 'deploy-report',
    ]);
    expect(promote.steps.find((s: any) => s.id === 'promote').run).toContain('kubectl argo rollouts promote "${ROLLOUT}" --namespace "${NAMESPACE}"');
    expect(promote.steps.find((s: any) => s.id === 'rollout-status').run).toContain('kubectl argo rollouts status "${ROLLOUT}"');
    expect(promote.steps.find((s: any) => s.id === 'rollback').if).toBe('failure()');
    expect(shellcheckWorkflow(wf)).toEqual([]);
  });

  test('automatic promotion adds no promotion job', () => {
    const jobs = Object.keys(workflowOf(synth(pp.DeliveryStrategy.blueGreen({ autoPromote: true }))).jobs);
    expect(jobs.filter((j) => j.includes('promote'))).toEqual([]);
  });

  test('bad input', () => {
    expect(() => pp.DeliveryStrategy.blueGreen({ autoPromotionDelay: Duration.minutes(5) })).toThrow("'autoPromotionDelay' needs 'autoPromote: true'");
    expect(() => pp.DeliveryStrategy.blueGreen({ previewReplicas: 0 })).toThrow("'previewReplicas' must be a whole number of at least 1, got 0");
    const { app } = makeApp({ environments: [appProps().environments[0]] });
    expect(errorOf(() => new pp.CanaryDeploy(app, 'D', { strategy: pp.DeliveryStrategy.blueGreen() })))
      .toContain("environment 'staging': manual blue-green promotion needs reviewers to approve the promotion job; set 'approval: Approval.requiredReviewers([...])' on the environment, or 'autoPromote: true'");
  });
});
