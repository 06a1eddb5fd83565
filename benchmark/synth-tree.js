// Synthesizes the benchmark project of synth-once.js (same apps, same options) into a directory that is
// kept, so two builds' output trees can be compared file for file (`diff -r`).
//   node benchmark/synth-tree.js <apps> <core|full> <outdir>
'use strict';
const fs = require('fs');
const path = require('path');

process.env.PROJEN_DISABLE_POST = 'true';
const apps = Number(process.argv[2] ?? '1');
const full = process.argv[3] === 'full';
const outdir = path.resolve(process.argv[4] ?? 'bench-tree');
const { javascript, typescript } = require('projen');
const pp = require(path.join(__dirname, '..', 'lib'));
const { Duration } = require('cdk8s');

fs.rmSync(outdir, { recursive: true, force: true });
fs.mkdirSync(outdir, { recursive: true });
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
    observability: { pushgatewayUrl: 'http://pushgateway.monitoring:9091', grafanaUrl: 'https://grafana.acme.dev' },
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
    new pp.CanaryDeploy(app, 'Delivery', { stepWeights: [10, 25, 50], trafficRouting: pp.TrafficRouting.istio() });
    new pp.PrometheusRules(app, 'Alerts');
    new pp.AlertRouting(app, 'Routing', { page: pp.AlertReceiver.pagerDuty({ secretName: 'pd' }), ticket: pp.AlertReceiver.slack({ secretName: 'slack', channel: '#alerts' }) });
    new pp.GrafanaDashboard(app, 'Dashboards');
  }
}
project.synth();
const files = JSON.parse(fs.readFileSync(path.join(outdir, '.projen', 'files.json'), 'utf8')).files.length;
process.stdout.write(JSON.stringify({ apps, outdir, files }) + '\n');
