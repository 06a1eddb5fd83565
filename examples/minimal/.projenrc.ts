import { javascript, typescript } from 'projen';
import * as pp from 'platform-pipeline';

const project = new typescript.TypeScriptProject({
  name: 'hello-platform',
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

new pp.PlatformApp(project, 'hello', {
  image: pp.ContainerImage.fromRegistry('ghcr.io/acme/hello', { context: 'app' }),
  chart: pp.HelmChart.fromPath('charts/hello'),
  mesh: pp.Mesh.NONE,
  environments: [
    {
      name: 'staging',
      namespace: 'hello-staging',
      url: 'https://hello.staging.acme.dev',
      cluster: pp.ClusterAccess.kubeconfigSecret('STAGING_KUBECONFIG'),
    },
    {
      name: 'production',
      namespace: 'hello',
      url: 'https://hello.acme.dev',
      replicas: 3,
      cluster: pp.ClusterAccess.kubeconfigSecret('PRODUCTION_KUBECONFIG'),
      approval: pp.Approval.requiredReviewers(['platform-team']),
    },
  ],
});

project.synth();
