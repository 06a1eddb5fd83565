import { Duration } from 'cdk8s';
import { javascript, typescript } from 'projen';
import * as pp from 'platform-pipeline';

// One repository, three services, one platform definition and one chart. Each app gets its own workflow
// (.github/workflows/<app>-pipeline.yml) triggered by its own paths, its own namespaces, values, manifests,
// rules, dashboards and docs: every path, job id and resource name carries the app name.
const project = new typescript.TypeScriptProject({
  name: 'shop-platform',
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

/** The platform definition the services share; only the service's name and replica counts differ. */
function shopService(name: string, productionReplicas: number): pp.PlatformAppProps {
  return {
    image: pp.ContainerImage.fromRegistry(`ghcr.io/acme/${name}`, { context: `services/${name}` }),
    // the one chart: a change to it triggers every service's pipeline
    chart: pp.HelmChart.fromPath('charts/platform', { digestValue: 'image.digest' }),
    repository: 'acme/shop-platform',
    sourcePaths: [`services/${name}/**`, 'charts/platform/**'],
    port: 8080,
    mesh: pp.Mesh.ISTIO,
    environments: [
      {
        name: 'staging',
        namespace: `${name}-staging`,
        url: `https://${name}.staging.shop.acme.dev`,
        cluster: pp.ClusterAccess.kubeconfigSecret('STAGING_KUBECONFIG'),
      },
      {
        name: 'production',
        namespace: `${name}-prod`,
        url: `https://${name}.shop.acme.dev`,
        replicas: productionReplicas,
        cluster: pp.ClusterAccess.eks({ roleArn: 'arn:aws:iam::123456789012:role/shop-deploy', clusterName: 'shop-prod', region: 'eu-west-1' }),
        approval: pp.Approval.requiredReviewers(['shop-sre']),
      },
    ],
    slos: [
      pp.Slo.availability({ name: 'availability', objective: 99.9 }),
      pp.Slo.latency({ name: 'latency', objective: 99, threshold: Duration.millis(250) }),
    ],
    observability: {
      prometheusUrl: 'http://prometheus.monitoring:9090',
      metricsPush: pp.MetricsPush.external({ url: 'https://pushgateway.shop.acme.dev', tokenSecret: 'PUSHGATEWAY_TOKEN' }),
    },
    team: 'shop',
    runbookBaseUrl: `https://runbooks.acme.dev/${name}`,
    network: { callers: [pp.NetworkPeer.ingressGateway({ namespace: 'istio-ingress' })] },
  };
}

// every stage of the reference pipeline, with its defaults, for each service
for (const [name, replicas] of [['catalog', 3], ['cart', 3], ['orders', 4]] as const) {
  const app = new pp.PlatformApp(project, name, shopService(name, replicas));
  new pp.EnterprisePipeline(app, 'Pipeline');
}

project.synth();
