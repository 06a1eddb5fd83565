import { Chart } from 'cdk8s';
import * as k8s from 'cdk8s-plus-27/lib/imports/k8s';

/** Label on objects the deploy job applies before `helm upgrade` (the namespace the release goes into). @internal */
export const APPLY_PHASE_LABEL = 'platform-pipeline.dev/apply-phase';
/** Value of `APPLY_PHASE_LABEL` for objects applied before Helm. @internal */
export const BEFORE_HELM = 'before-helm';

/** What the base manifests of one environment need to know. @internal */
export interface BaseManifestProps {
  readonly appName: string;
  readonly releaseName: string;
  readonly namespace: string;
  readonly istio: boolean;
  readonly manageNamespace: boolean;
  readonly podDisruptionBudget: boolean;
}

/** Labels the user's chart puts on its pods, given `nameOverride` and the release name. @internal */
export function selectorLabels(appName: string, releaseName: string): Record<string, string> {
  return { 'app.kubernetes.io/name': appName, 'app.kubernetes.io/instance': releaseName };
}

/** Labels of every object the library emits for an app. @internal */
export function commonLabels(appName: string): Record<string, string> {
  return { 'app.kubernetes.io/part-of': appName, 'app.kubernetes.io/managed-by': 'platform-pipeline' };
}

/**
 * The namespace (restricted Pod Security, sidecar injection with Istio) and a PodDisruptionBudget for the
 * chart's pods. @internal
 */
export function addBaseManifests(chart: Chart, p: BaseManifestProps): void {
  if (p.manageNamespace) {
    new k8s.KubeNamespace(chart, 'namespace', {
      metadata: {
        name: p.namespace,
        labels: {
          [APPLY_PHASE_LABEL]: BEFORE_HELM,
          'pod-security.kubernetes.io/enforce': 'restricted',
          'pod-security.kubernetes.io/enforce-version': 'latest',
          'pod-security.kubernetes.io/warn': 'restricted',
          'pod-security.kubernetes.io/audit': 'restricted',
          ...(p.istio ? { 'istio-injection': 'enabled' } : {}),
        },
      },
    });
  }
  if (p.podDisruptionBudget) {
    new k8s.KubePodDisruptionBudget(chart, 'pdb', {
      metadata: { name: p.appName, namespace: p.namespace, labels: commonLabels(p.appName) },
      spec: {
        maxUnavailable: k8s.IntOrString.fromNumber(1),
        selector: { matchLabels: selectorLabels(p.appName, p.releaseName) },
      },
    });
  }
}
