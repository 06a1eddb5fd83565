/**
 * EnterprisePipeline: every stage of the reference pipeline on one app, each reachable, each removable.
 * The conformance validators and the audit run on examples/platform-monorepo, whose three apps declare
 * nothing but `new EnterprisePipeline(app, 'Pipeline')` (test/conformance/examples.test.ts); its jobs run
 * in the harness in test/harness/enterprise-pipeline.test.ts.
 */
import * as pp from '../../src';
import { errorOf, makeApp, workflowOf } from '../util';

describe('EnterprisePipeline with no props', () => {
  const { project, app } = makeApp({ repository: 'acme/checkout' });
  const pipeline = new pp.EnterprisePipeline(app, 'Pipeline');
  const out = pp.Testing.synth(project);
  const jobs = Object.keys(workflowOf(out).jobs);

  test('every stage is a public property', () => {
    expect(pipeline.security).toBeInstanceOf(pp.SecurityScanStage);
    expect(pipeline.buildStage).toBeInstanceOf(pp.BuildStage);
    expect(pipeline.test).toBeInstanceOf(pp.TestStage);
    expect(pipeline.policies).toBeInstanceOf(pp.KyvernoPolicies);
    expect(pipeline.networkPolicies).toBeInstanceOf(pp.NetworkPolicies);
    expect(pipeline.e2e).toBeInstanceOf(pp.KindE2EStage);
    expect(pipeline.load).toBeInstanceOf(pp.LoadTestStage);
    expect(pipeline.compliance).toBeInstanceOf(pp.ComplianceStage);
    expect(pipeline.canary).toBeInstanceOf(pp.CanaryDeploy);
    expect(pipeline.rules).toBeInstanceOf(pp.PrometheusRules);
    expect(pipeline.dashboard).toBeInstanceOf(pp.GrafanaDashboard);
    // the opt-ins that need the user's secrets stay off
    expect([pipeline.changeRequest, pipeline.gitOps, pipeline.alertRouting]).toEqual([undefined, undefined, undefined]);
  });

  // written by hand from the reference's stages: each stage's job in the workflow, or its file
  test('the jobs and files of stages 1-8', () => {
    expect(jobs).toEqual(expect.arrayContaining([
      'checkout-scan-gitleaks', 'checkout-scan-trufflehog', 'checkout-scan-checkov', 'checkout-scan-kubesec', // 1
      'checkout-scan-osv-scanner', 'checkout-scan-dependency-review', 'checkout-scan-licenses', 'checkout-scan-lint', 'checkout-scan-iac', 'checkout-scan-semgrep',
      'checkout-build', 'checkout-image-scan-report', 'checkout-publish', 'checkout-provenance', // 2
      'checkout-chart-tests', 'checkout-policy-tests', // 3
      'checkout-e2e', // 4
      'checkout-load-test-staging', // 5
      'checkout-secrets-check', // 6 (Falco, kube-bench and the enforcement checks are steps of checkout-e2e)
      'checkout-deploy-staging', 'checkout-deploy-production', // 7
      'checkout-alert-rules', // 8 (report-metrics needs 'observability.metricsPush')
    ]));
    for (const f of ['load/checkout/smoke-load.js', 'load/checkout/gateway-throughput.js', 'e2e/checkout/kind-config.yaml', 'policies/checkout/kyverno-test.yaml',
      'monitoring/checkout/production.rules.yml', 'monitoring/checkout/production.rules.test.yml', 'monitoring/checkout/dashboards/checkout-service.json']) {
      expect([f, out.file(f) !== undefined]).toEqual([f, true]);
    }
  });

  // stage 5 "API gateway performance" and stage 7 "Report generation (HTML, PDF)": on without any option
  test('the ingress gateway at 50 requests/s after the smoke load, and the deploy reports printed to PDF', () => {
    expect(pipeline.load!.gatewayRate).toBe(50);
    expect(pipeline.load!.scriptPaths).toEqual(['load/checkout/smoke-load.js', 'load/checkout/gateway-throughput.js']);
    expect(out.file('load/checkout/gateway-throughput.js')).toContain("executor: 'constant-arrival-rate',\n      rate: 50,\n      timeUnit: '1s',\n      duration: '60s',");
    for (const env of ['staging', 'production']) {
      const ids = workflowOf(out).jobs[`checkout-deploy-${env}`].steps.map((st: any) => st.id);
      expect(ids.slice(ids.indexOf('deploy-summary'), ids.indexOf('deploy-report') + 1)).toEqual(['deploy-summary', 'deploy-report-pdf', 'deploy-report']);
    }
  });

  test('safe delivery without knowing the ingress gateway: environments reached at a URL ship blue-green, analysed', () => {
    const prod = out.yamlDocuments('deploy/checkout/production.k8s.yaml')!;
    const rollout = prod.find((d: any) => d.kind === 'Rollout');
    expect(Object.keys(rollout.spec.strategy)).toEqual(['blueGreen']);
    expect(rollout.spec.strategy.blueGreen.autoPromotionEnabled).toBe(true);
    expect(rollout.spec.strategy.blueGreen.postPromotionAnalysis).toBeDefined();
  });
});

test('tuning a stage, and leaving stages out', () => {
  const { project, app } = makeApp({ repository: 'acme/checkout' });
  const pipeline = new pp.EnterprisePipeline(app, 'Pipeline', {
    without: [pp.EnterpriseStage.E2E, pp.EnterpriseStage.COMPLIANCE, pp.EnterpriseStage.LOAD, pp.EnterpriseStage.DASHBOARD],
    canary: { stepWeights: [10, 50], trafficRouting: pp.TrafficRouting.istio({ gateways: ['istio-ingress/public'] }) },
  });
  expect([pipeline.e2e, pipeline.compliance, pipeline.load, pipeline.dashboard]).toEqual([undefined, undefined, undefined, undefined]);
  const out = pp.Testing.synth(project);
  const jobs = Object.keys(workflowOf(out).jobs);
  expect(jobs).not.toContain('checkout-e2e');
  expect(jobs).not.toContain('checkout-load-test-staging');
  expect(out.file('monitoring/checkout/dashboards/checkout-service.json')).toBeUndefined();
  const rollout = out.yamlDocuments('deploy/checkout/production.k8s.yaml')!.find((d: any) => d.kind === 'Rollout');
  expect(rollout.spec.strategy.canary.steps.filter((s: any) => s.setWeight !== undefined).map((s: any) => s.setWeight)).toEqual([10, 50]);
});

test('an app without SLOs: the stages that read them are named with the fix', () => {
  const { app } = makeApp({ slos: [] });
  expect(errorOf(() => new pp.EnterprisePipeline(app, 'Pipeline'))).toBe(
    "checkout/Pipeline: the app declares no 'slos', and ['LOAD', 'CANARY', 'RULES', 'DASHBOARD'] read them (canary analysis, load thresholds, alerts, dashboards); add them to the app, e.g. slos: [Slo.availability({ name: 'availability', objective: 99.9 })], or list those stages in 'without'",
  );
});

test('leaving out the E2E stage but not compliance, whose checks run in its cluster: named with the fix', () => {
  const { app } = makeApp();
  expect(errorOf(() => new pp.EnterprisePipeline(app, 'Pipeline', { without: [pp.EnterpriseStage.E2E] }))).toBe(
    "checkout/Pipeline: 'without' leaves out 'E2E' but not 'COMPLIANCE', whose Falco, kube-bench and enforcement checks run in the E2E cluster; list 'COMPLIANCE' in 'without' too, or keep the E2E stage",
  );
});

test('\'without\' naming something that is not a stage', () => {
  const { app } = makeApp();
  expect(errorOf(() => new pp.EnterprisePipeline(app, 'Pipeline', { without: ['LOADTEST' as pp.EnterpriseStage] })))
    .toMatch(/^checkout\/Pipeline: 'without' names 'LOADTEST', which is not a stage; stages are \['SECURITY', /);
});
