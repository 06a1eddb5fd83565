import { ApiObject, Duration } from 'cdk8s';
import { javascript, typescript } from 'projen';
import * as pp from 'platform-pipeline';

const project = new typescript.TypeScriptProject({
  name: 'checkout-platform',
  defaultReleaseBranch: 'main',
  projenrcTs: true,
  packageManager: javascript.NodePackageManager.NPM,
  typescriptVersion: '~5.9.3',
  devDeps: ['platform-pipeline'],
  sampleCode: false,
  // projen's own workflows are not part of the platform pipeline
  buildWorkflow: false,
  release: false,
  depsUpgrade: false,
  githubOptions: { pullRequestLint: false, mergify: false },
  pullRequestTemplate: false,
});
// what the service's tests leave behind
project.gitignore.exclude('__pycache__/', '.coverage', 'coverage.xml');

const app = new pp.PlatformApp(project, 'checkout', {
  image: pp.ContainerImage.fromRegistry('ghcr.io/acme/checkout', { context: 'services/checkout' }),
  // the chart references the image by digest only (image.digest, set by the deploy job)
  chart: pp.HelmChart.fromPath('helm/platform', { digestValue: 'image.digest' }),
  repository: 'acme/checkout-platform',
  sourcePaths: ['services/checkout/**', 'helm/platform/**'],
  port: 8080,
  mesh: pp.Mesh.ISTIO, // SLIs default to Istio's standard metrics
  promotion: pp.Promotion.sequential({ branch: 'main' }), // build once, promote the same digest
  environments: [
    {
      name: 'staging',
      namespace: 'platform-staging',
      url: 'https://staging.acme.dev',
      cluster: pp.ClusterAccess.kubeconfigSecret('STAGING_KUBECONFIG'),
    },
    {
      name: 'production',
      namespace: 'platform-prod',
      url: 'https://acme.dev',
      replicas: 4,
      cluster: pp.ClusterAccess.eks({ roleArn: 'arn:aws:iam::123456789012:role/deploy', clusterName: 'prod', region: 'eu-west-1' }),
      approval: pp.Approval.requiredReviewers(['sre-leads']),
      // the production cluster's API is private: its deploy and promotion jobs run on runners in its VPC
      runner: pp.Runner.selfHosted(['linux', 'x64', 'prod-vpc']),
    },
  ],
  slos: [
    pp.Slo.availability({ name: 'availability', objective: 99.9 }),
    pp.Slo.latency({ name: 'latency', objective: 99, threshold: Duration.millis(250) }), // an Istio bucket bound
  ],
  observability: {
    prometheusUrl: 'http://prometheus.monitoring:9090',
    // GitHub-hosted runners cannot resolve a cluster-local name: the Pushgateway is exposed behind an
    // authenticating ingress (or use MetricsPush.inCluster with runners inside the cluster)
    metricsPush: pp.MetricsPush.external({ url: 'https://pushgateway.acme.dev', tokenSecret: 'PUSHGATEWAY_TOKEN' }),
    grafanaUrl: 'https://grafana.acme.dev',
    grafanaTokenSecret: 'GRAFANA_TOKEN',
  },
  team: 'payments',
  runbookBaseUrl: 'https://runbooks.acme.dev/checkout',
  // who calls checkout and what it calls: NetworkPolicies, the AuthorizationPolicy and the E2E network tests read it
  network: {
    callers: [pp.NetworkPeer.ingressGateway({ namespace: 'istio-ingress' })],
    dependencies: [pp.NetworkPeer.externalHost('api.stripe.com')],
  },
});
// pull on every start, so the registry re-checks the pull credentials (kube-score and Checkov require it)
for (const env of ['staging', 'production']) app.valuesFor(env).set('image.pullPolicy', 'Always');

// Stage 1: code quality and security, in parallel with the build
new pp.SecurityScanStage(app, 'Security', {
  threshold: pp.Severity.HIGH,
  scanners: [pp.Scanner.pipAudit({ requirements: ['services/checkout/requirements.txt'] })],
});

// Stage 2: build once (multi-arch), scan before the push, SBOMs, keyless signing, SLSA provenance, chart as OCI
new pp.BuildStage(app, 'Build', {
  platforms: ['linux/amd64', 'linux/arm64'],
  imageScan: { threshold: pp.Severity.HIGH },
});

// Stage 3: unit tests with a coverage gate (of the service's package, not of its tests), chart and
// manifest validation. kube-score does not know Argo Rollouts, so it reads the production HPA, which
// scales the Rollout, as targeting nothing: that test is skipped.
new pp.TestStage(app, 'Test', {
  unitTests: [pp.UnitTests.python({ workingDirectory: 'services/checkout', coverageSource: 'checkout' })],
  coverageThreshold: 80,
  kubeScore: { ignoreTests: ['horizontalpodautoscaler-has-target'] },
});

// Stage 5: k6 load tests against staging after its deploy (production waits for them): thresholds from the
// SLOs, pod samples under load, a regression check of p95, p99 and the error rate against the last
// successful run, and the ingress gateway's throughput at staging's expected peak (100 requests/s for a
// minute: it fails when k6 drops more than 1 % of the iterations or the SLOs break at that rate)
new pp.LoadTestStage(app, 'Load', {
  scenarios: [
    {
      name: 'browse',
      endpoints: [{ path: '/api/products' }, { path: '/api/cart' }],
      vus: 20,
      rampUp: Duration.seconds(30),
      duration: Duration.minutes(3),
      maxP95: Duration.millis(200), // besides the SLO thresholds
    },
    {
      name: 'checkout',
      endpoints: [{ path: '/api/orders', method: pp.HttpMethod.POST, body: '{"sku":"load-test","quantity":1}', expectedStatus: 201 }],
      arrivalRate: 10,
      duration: Duration.minutes(2),
    },
  ],
  gatewayThroughput: { rate: 100, path: '/api/products' },
  regression: { latencyTolerancePercent: 15 },
});

// Stage 3/6: admission policies (CEL): Pod Security, images by digest from acme's registry path and signed
// by this pipeline, requests/limits, probes, a default-deny namespace; audited in staging, enforced in
// production, with their own kyverno test gate. And the app's network: default deny, DNS, the gateway in,
// Stripe out, mirrored at L7 by an Istio AuthorizationPolicy.
new pp.KyvernoPolicies(app, 'Policies');
new pp.NetworkPolicies(app, 'Network');

// The service's identity in staging: it reads its ConfigMaps and nothing else (the E2E stage checks both).
const staging = app.chartFor('staging');
new ApiObject(staging, 'checkout-service-account', {
  apiVersion: 'v1', kind: 'ServiceAccount',
  metadata: { name: 'checkout', namespace: 'platform-staging' },
  automountServiceAccountToken: false,
});
new ApiObject(staging, 'checkout-config-reader', {
  apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role',
  metadata: { name: 'checkout-config-reader', namespace: 'platform-staging' },
  rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'watch'] }],
});
new ApiObject(staging, 'checkout-config-reader-binding', {
  apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding',
  metadata: { name: 'checkout-config-reader', namespace: 'platform-staging' },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'checkout-config-reader' },
  subjects: [{ kind: 'ServiceAccount', name: 'checkout', namespace: 'platform-staging' }],
});

// Stage 4: the release itself (this run's digest, the chart with staging's values, staging's manifests) in an
// ephemeral kind cluster with Cilium, Istio, Argo Rollouts and Prometheus: the E2E tests, mTLS, RBAC, chaos
// under traffic and a canary dry run, before any real environment
const e2e = new pp.KindE2EStage(app, 'E2E', {
  environment: 'staging',
  cluster: { nodes: 3, kubernetesVersion: '1.35.0', cni: pp.KindCni.cilium() },
  testCommand: 'python3 -m unittest discover --start-directory e2e --verbose',
  testWorkingDirectory: 'services/checkout',
  rbac: [
    { serviceAccount: 'checkout', verb: 'get', resource: 'configmaps', allowed: true },
    { serviceAccount: 'checkout', verb: 'list', resource: 'secrets', allowed: false },
    { serviceAccount: 'checkout', verb: 'create', resource: 'pods/exec', allowed: false },
  ],
  chaos: { podsToDelete: 1, recoveryTimeout: Duration.minutes(2), maxErrorRate: 5, platformComponents: [pp.ChaosPlatformComponent.COREDNS] },
});
// Stage 4/5: a short k6 run against the release in the kind cluster (before the chaos test), compared run over run:
// a regression signal before any environment, beside the full load test against staging
new pp.LoadTestStage(app, 'LoadInKind', {
  target: pp.LoadTestTarget.kindCluster(e2e),
  scenarios: [{ name: 'release-smoke', endpoints: [{ path: '/api/products' }], vus: 5, duration: Duration.minutes(1) }],
  regression: { latencyTolerancePercent: 25 },
});

// Stage 6: hardening and compliance, in the same kind cluster: Falco watches the whole E2E run (a Warning
// or worse from checkout's namespace fails the job), kube-bench runs the CIS benchmark, and the enforcement
// checks prove that an undeclared caller is denied, a privileged pod refused (Pod Security, then the
// Kyverno baseline policy) and an unsigned image refused. Stripe's key comes from AWS Secrets Manager through
// the External Secrets Operator: the repository only names it. The report (summary + HTML) maps each check
// to NIST SP 800-53. OpenSCAP evaluates the DISA STIG profile of the image's OS on the image this run built
// (python:3.12-slim is Debian, which has no STIG content: reported N/A, not passed). After the staging
// deploy, the OWASP ZAP baseline scans https://staging.acme.dev; production waits for it.
new pp.ComplianceStage(app, 'Compliance', {
  falco: { minimumPriority: pp.FalcoPriority.WARNING },
  // a kind cluster is a test cluster: its kubelet and etcd fail some CIS checks by design
  kubeBench: { maxFailures: 12 },
  stig: { maxFailures: 0 },
  zap: {
    environment: 'staging',
    rules: [{ id: 10096, action: pp.ZapRuleAction.IGNORE, note: 'the API returns dates as Unix timestamps by design' }],
  },
  secrets: [
    pp.SecretReference.externalSecret({
      name: 'checkout-stripe',
      store: 'aws-secrets-manager',
      keys: [{ secretKey: 'STRIPE_API_KEY', remoteKey: 'checkout/stripe', property: 'api_key' }],
    }),
  ],
});

// Stage 7: production ships as a canary routed by Istio and analysed against the SLOs (a production
// reviewer approves the step to 50 %); staging ships blue-green. The production Rollout autoscales.
new pp.CanaryDeploy(app, 'Delivery', {
  stepWeights: [10, 25, 50],
  stepPause: Duration.minutes(2),
  manualGates: [50],
  // the public host enters through the shared ingress gateway: its traffic follows the canary weights too
  trafficRouting: pp.TrafficRouting.istio({ gateways: ['istio-ingress/public'] }),
  analysis: { interval: Duration.minutes(1), count: 5, failureLimit: 2 },
  environments: [
    { environment: 'staging', strategy: pp.DeliveryStrategy.blueGreen({ autoPromote: true }) },
    { environment: 'production', autoscaling: { minReplicas: 4, maxReplicas: 12 } },
  ],
});
// every production deploy opens a ServiceNow change first (one per run: a re-run reuses it), waits up to
// 10 minutes for its approval, and records the outcome on it whatever happens
new pp.ChangeRequest(app, 'Change', {
  system: pp.ChangeSystem.serviceNow({ instanceUrlSecret: 'SERVICENOW_URL', tokenSecret: 'SERVICENOW_TOKEN', assignmentGroup: 'Platform CAB' }),
  environments: ['production'],
  approval: pp.ChangeApproval.waitFor({ timeout: Duration.minutes(10) }),
});

// Stage 8: SLO burn-rate alerts with promtool tests, pipeline and DORA alerts, routing, dashboards
// the pipeline's own critical path is about 75 minutes of running time (docs/checkout-pipeline.md): its
// duration target leaves room above that; approval waits are measured apart and never count
new pp.PrometheusRules(app, 'Alerts', { minRequestRate: 0.1, pipelineDurationTarget: Duration.minutes(90) });
new pp.AlertRouting(app, 'AlertRouting', {
  page: pp.AlertReceiver.pagerDuty({ secretName: 'checkout-pagerduty' }),
  ticket: pp.AlertReceiver.slack({ secretName: 'checkout-slack', channel: '#checkout-alerts' }),
});
new pp.GrafanaDashboard(app, 'Dashboards', {
  provisioning: pp.DashboardProvisioning.sidecar({ folder: 'Checkout' }),
  loki: true,
  tempo: true,
});

project.synth();
