import { Duration } from 'cdk8s';
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

const app = new pp.PlatformApp(project, 'checkout', {
  image: pp.ContainerImage.fromRegistry('ghcr.io/acme/checkout', { context: 'services/checkout' }),
  chart: pp.HelmChart.fromPath('helm/platform'),
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
    },
  ],
  slos: [
    pp.Slo.availability({ name: 'availability', objective: 99.9 }),
    pp.Slo.latency({ name: 'latency', objective: 99, threshold: Duration.millis(250) }), // an Istio bucket bound
  ],
  observability: {
    prometheusUrl: 'http://prometheus.monitoring:9090',
    pushgatewayUrl: 'http://pushgateway.monitoring:9091',
  },
  team: 'payments',
  runbookBaseUrl: 'https://runbooks.acme.dev/checkout',
});

app.valuesFor('production').set('autoscaling', { enabled: true, minReplicas: 4, maxReplicas: 12 });

project.synth();
