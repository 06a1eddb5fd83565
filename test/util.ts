import { Duration } from 'cdk8s';
import { Project } from 'projen';
import * as pp from '../src';

/** A complete, valid definition (the app of DESIGN §1), with overrides. */
export function appProps(overrides: Partial<pp.PlatformAppProps> = {}): pp.PlatformAppProps {
  return {
    image: pp.ContainerImage.fromRegistry('ghcr.io/acme/checkout', { context: 'services/checkout' }),
    chart: pp.HelmChart.fromPath('helm/platform'),
    sourcePaths: ['services/checkout/**', 'helm/platform/**'],
    port: 8080,
    environments: [
      { name: 'staging', namespace: 'platform-staging', url: 'https://staging.acme.dev', cluster: pp.ClusterAccess.kubeconfigSecret('STAGING_KUBECONFIG') },
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
      pp.Slo.latency({ name: 'latency', objective: 99, threshold: Duration.millis(250) }),
    ],
    ...overrides,
  };
}

/** A temp project with one app; returns both. */
export function makeApp(overrides: Partial<pp.PlatformAppProps> = {}, name = 'checkout', project?: Project): { project: Project; app: pp.PlatformApp } {
  const p = project ?? pp.Testing.project();
  const app = new pp.PlatformApp(p, name, appProps(overrides));
  return { project: p, app };
}

/** Synthesizes and returns the parsed workflow of app `name`. */
export function workflowOf(out: pp.SynthOutput, name = 'checkout'): any {
  return out.yaml(`.github/workflows/${name}-pipeline.yml`);
}

/** The error message a function throws (fails the test when it does not throw). */
export function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e: any) {
    return String(e.message);
  }
  throw new Error('expected an error, none was thrown');
}

/**
 * Declares the app's build with the supply-chain jobs off (no image scan, SBOM, signing, provenance, chart
 * publishing, release tags), for tests about pipeline mechanics (needs, promotion, slots) that should not
 * change when the build's defaults do. The build's own tests live in test/stages/build-stage.test.ts.
 */
export function minimalBuild(app: pp.PlatformApp): pp.BuildStage {
  return new pp.BuildStage(app, 'Build', {
    imageScanning: false,
    sbom: false,
    publishChart: false,
    semverTags: false,
    signing: pp.Signing.none(),
    provenance: pp.Provenance.none(),
  });
}
