// One measurement, in its own process so peak memory is its own: construct a TypeScriptProject with
// <apps> PlatformApps of 3 environments each (0 = bare projen), synthesize it into a temp dir, print JSON.
//   node benchmark/synth-once.js <apps> [core|full]
// core: the app with its defaults (build with scan/SBOM/signing/provenance, deploys, summary);
// full: plus every stage of the enterprise example (scans, tests, canary, rules, routing, dashboards).
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { performance } = require('perf_hooks');

process.env.PROJEN_DISABLE_POST = 'true';
const apps = Number(process.argv[2] ?? '1');
const full = process.argv[3] === 'full';
const { javascript, typescript } = require('projen');
const pp = require(path.join(__dirname, '..', 'lib'));
const { Duration } = require('cdk8s');

const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-bench-'));
const start = performance.now();
const cpuStart = process.cpuUsage();
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
const ms = performance.now() - start;
const cpu = process.cpuUsage(cpuStart);
const cpuMs = (cpu.user + cpu.system) / 1000;
const files = JSON.parse(fs.readFileSync(path.join(outdir, '.projen', 'files.json'), 'utf8')).files.length;
fs.rmSync(outdir, { recursive: true, force: true });
process.stdout.write(JSON.stringify({ apps, ms, cpuMs, maxRssMiB: process.resourceUsage().maxRSS / 1024, files }) + '\n');
