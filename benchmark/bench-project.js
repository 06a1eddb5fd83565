// The benchmark project, shared by synth-once.js (timed) and synth-tree.js (kept for diffs): a projen
// TypeScriptProject with <apps> PlatformApps of 3 environments each (0 = bare projen).
// core: the app with its defaults (build with scan/SBOM/signing/provenance, deploys, summary);
// full: plus every stage of the enterprise example (scans, tests, load test, policies, network policies, kind E2E,
// compliance, canary, rules, routing, dashboards).
'use strict';
const path = require('path');
const { javascript, typescript } = require('projen');
const pp = require(path.join(__dirname, '..', 'lib'));
const { Duration } = require('cdk8s');

/** Constructs the benchmark project in `outdir` (not yet synthesized). */
function benchProject(outdir, apps, full) {
  const project = new typescript.TypeScriptProject({
    name: 'bench', outdir, defaultReleaseBranch: 'main', projenrcTs: true, sampleCode: false,
    packageManager: javascript.NodePackageManager.NPM, typescriptVersion: '~5.9.3',
    buildWorkflow: false, release: false, depsUpgrade: false,
    githubOptions: { pullRequestLint: false, mergify: false }, pullRequestTemplate: false,
  });
  for (let i = 0; i < apps; i++) {
    const name = `svc${i}`;
    const app = new pp.PlatformApp(project, name, {
      repository: 'acme/platform',
      observability: { metricsPush: pp.MetricsPush.external({ url: 'https://pushgateway.acme.dev', tokenSecret: 'PUSHGATEWAY_TOKEN' }), grafanaUrl: 'https://grafana.acme.dev' },
      image: pp.ContainerImage.fromRegistry(`ghcr.io/acme/${name}`, { context: `services/${name}` }),
      chart: pp.HelmChart.fromPath('helm/platform'),
      environments: ['dev', 'staging', 'production'].map((env, j) => ({
        name: env, namespace: `${name}-${env}`, url: `https://${name}.${env}.acme.dev`, replicas: j + 1,
        cluster: pp.ClusterAccess.kubeconfigSecret(`${env.toUpperCase()}_KUBECONFIG`),
        approval: env === 'production' ? pp.Approval.requiredReviewers(['sre-leads']) : undefined,
      })),
      slos: [
        pp.Slo.availability({ name: 'availability', objective: 99.9 }),
        pp.Slo.latency({ name: 'latency', objective: 99, threshold: Duration.millis(250) }),
      ],
    });
    if (full) {
      new pp.SecurityScanStage(app, 'Security');
      new pp.TestStage(app, 'Test', { unitTests: [pp.UnitTests.python()] });
      new pp.LoadTestStage(app, 'Load', { scenarios: [{ name: 'browse', endpoints: [{ path: '/api/products' }], vus: 20, duration: Duration.minutes(3) }] });
      new pp.KyvernoPolicies(app, 'Policies');
      new pp.NetworkPolicies(app, 'Network');
      new pp.KindE2EStage(app, 'E2E', { environment: 'staging' });
      new pp.ComplianceStage(app, 'Compliance');
      new pp.CanaryDeploy(app, 'Delivery', { stepWeights: [10, 25, 50], trafficRouting: pp.TrafficRouting.istio({ gateways: ['istio-ingress/public'] }) });
      new pp.PrometheusRules(app, 'Alerts');
      new pp.AlertRouting(app, 'Routing', { page: pp.AlertReceiver.pagerDuty({ secretName: 'pd' }), ticket: pp.AlertReceiver.slack({ secretName: 'slack', channel: '#alerts' }) });
      new pp.GrafanaDashboard(app, 'Dashboards');
    }
  }
  return project;
}

module.exports = { benchProject };
