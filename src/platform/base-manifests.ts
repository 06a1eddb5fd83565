import { Chart } from 'cdk8s';
import * as k8s from 'cdk8s-plus-27/lib/imports/k8s';
import { IConstruct } from 'constructs';
import { claimNamespace, NamespaceClaim, namespaceClaimConflicts } from './registry';
import { show } from '../core/errors';
import { PodSecurityLevel } from '../model/environment';
import { Mesh } from '../model/mesh';

/** Label on objects the deploy job applies before `helm upgrade` (the namespace the release goes into). @internal */
export const APPLY_PHASE_LABEL = 'platform-pipeline.dev/apply-phase';
/** Value of `APPLY_PHASE_LABEL` for objects applied before Helm. @internal */
export const BEFORE_HELM = 'before-helm';

/**
 * Namespaces the library never manages, relabels or deploys into: Kubernetes' own and the mesh's control
 * plane (Istio's `istio-system`). @internal
 */
export const SYSTEM_NAMESPACES: readonly string[] = ['kube-system', 'kube-public', 'kube-node-lease', 'istio-system'];

/** What the base manifests of one environment need to know. @internal */
export interface BaseManifestProps {
  readonly appName: string;
  readonly releaseName: string;
  /** The environment the chart is for. */
  readonly environment: string;
  readonly namespace: string;
  readonly mesh: Mesh;
  /** The Pod Security level the namespace enforces. */
  readonly podSecurity: PodSecurityLevel;
  readonly manageNamespace: boolean;
  readonly podDisruptionBudget: boolean;
  /** The project the app belongs to: where apps sharing a namespace find its owner. */
  readonly project: IConstruct;
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
 * The labels of a managed namespace: Pod Security (enforced at `podSecurity`, warned and audited at
 * `restricted`) and the mesh's data-plane labels. @internal
 */
export function namespaceLabels(mesh: Mesh, podSecurity: PodSecurityLevel): Record<string, string> {
  return {
    'pod-security.kubernetes.io/enforce': podSecurity,
    'pod-security.kubernetes.io/enforce-version': 'latest',
    'pod-security.kubernetes.io/warn': PodSecurityLevel.RESTRICTED,
    'pod-security.kubernetes.io/audit': PodSecurityLevel.RESTRICTED,
    ...mesh._namespaceLabels(),
  };
}

/**
 * The namespace and a PodDisruptionBudget for the chart's pods. The Namespace object (Pod Security labels,
 * the mesh's data-plane labels) is emitted by one owner: the first app of the project, and its first
 * environment, that declares the namespace; other apps deploying there rely on it and must need the same
 * labels ({@link sharedNamespaceProblems}). @internal
 */
export function addBaseManifests(chart: Chart, p: BaseManifestProps): void {
  if (p.manageNamespace) {
    const labels = namespaceLabels(p.mesh, p.podSecurity);
    const claim: NamespaceClaim = {
      app: p.appName,
      environment: p.environment,
      namespace: p.namespace,
      labels,
      because: `mesh ${p.mesh.toString()}, podSecurity ${show(p.podSecurity)}`,
    };
    const owner = claimNamespace(p.project, claim);
    if (owner === claim) {
      new k8s.KubeNamespace(chart, 'namespace', {
        metadata: { name: p.namespace, labels: { [APPLY_PHASE_LABEL]: BEFORE_HELM, ...labels } },
      });
    }
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

/**
 * One problem per app environment that shares a managed namespace with an earlier app but needs other
 * labels on it (another mesh mode or Pod Security level): a namespace has one set of labels. @internal
 */
export function sharedNamespaceProblems(project: IConstruct): string[] {
  return namespaceClaimConflicts(project).map(({ claim, owner }) => {
    const keys = [...new Set([...Object.keys(owner.labels), ...Object.keys(claim.labels)])].sort();
    const value = (v: string | undefined) => (v === undefined ? 'unset' : show(v));
    const diff = keys.filter((k) => owner.labels[k] !== claim.labels[k]).map((k) => `${k}: ${value(owner.labels[k])} vs ${value(claim.labels[k])}`);
    return `${claim.app}: namespace ${show(claim.namespace)} of environment ${show(claim.environment)} is shared with app ${owner.app}, `
      + `which owns the Namespace object with other labels (${diff.join(', ')}; ${owner.app}: ${owner.because}, ${claim.app}: ${claim.because}). `
      + 'A namespace has one set of labels: declare the same mesh and podSecurity in both apps, use another namespace, or set manageNamespaces: false on one app';
  });
}
