import { Project } from 'projen';
import { selectorLabels } from './base-manifests';
import { appsOf, IPlatformApp } from './platform-app-contract';
import { show } from '../core/errors';
import { NetworkPeer, NetworkPeerKind } from '../model/network';

/**
 * One allowed network path of an app in one environment, resolved from the declarations of every app of
 * the project: the peer's namespace and pod labels (apps, the gateway), its mesh identity, the port.
 * NetworkPolicies and the Istio AuthorizationPolicy render it; the E2E network tests probe it.
 */
export interface NetworkPath {
  /** What the peer is. */
  readonly kind: NetworkPeerKind;
  /** The peer app's name, the gateway's namespace, or the external host. */
  readonly peer: string;
  /** The peer's namespace (apps and the gateway). */
  readonly namespace?: string;
  /** The peer's pod labels (apps only; the gateway is matched by namespace). */
  readonly podLabels?: Record<string, string>;
  /** The peer's mesh identity, when it has a declared one (the gateway's service account). */
  readonly principal?: string;
  /** The TCP port the callee listens on. */
  readonly port: number;
  /** Address ranges of an external host (empty: every public address). */
  readonly cidrs: string[];
}

/** What an app may receive and send in one environment (besides DNS, which is always open). */
export interface AppNetwork {
  /** Who may call the app, on the app's port. */
  readonly ingress: NetworkPath[];
  /** What the app may call. */
  readonly egress: NetworkPath[];
}

function peerApp(project: Project, name: string): IPlatformApp | undefined {
  return appsOf(project).find((a) => a.name === name);
}

function appPath(other: IPlatformApp, environment: string, port: number): NetworkPath | undefined {
  const env = other.environments.find((e) => e.name === environment);
  if (!env) return undefined;
  return {
    kind: NetworkPeerKind.APP,
    peer: other.name,
    namespace: env.namespace,
    podLabels: selectorLabels(other.name, other.releaseName),
    port,
    cidrs: [],
  };
}

/**
 * The network of `app` in `environment`: ingress from its declared callers and from every app of the
 * project that declares it as a dependency; egress to its declared dependencies and to every app that
 * declares it as a caller. One declaration opens both sides; each path appears once.
 */
export function networkOf(app: IPlatformApp, environment: string): AppNetwork {
  const project = app.project;
  const ingress = new Map<string, NetworkPath>();
  const egress = new Map<string, NetworkPath>();
  const key = (p: NetworkPath) => `${p.kind}/${p.peer}/${p.port}`;
  const add = (m: Map<string, NetworkPath>, p: NetworkPath | undefined) => {
    if (p && !m.has(key(p))) m.set(key(p), p);
  };
  for (const peer of app.network.callers ?? []) {
    if (peer.kind === NetworkPeerKind.INGRESS_GATEWAY) {
      add(ingress, {
        kind: peer.kind,
        peer: peer.name,
        namespace: peer.namespace,
        principal: `cluster.local/ns/${peer.namespace}/sa/${peer.serviceAccount}`,
        port: app.port,
        cidrs: [],
      });
    } else if (peer.kind === NetworkPeerKind.APP) {
      const caller = peerApp(project, peer.name);
      if (caller) add(ingress, appPath(caller, environment, app.port));
    }
  }
  for (const peer of app.network.dependencies ?? []) {
    if (peer.kind === NetworkPeerKind.EXTERNAL_HOST) {
      add(egress, { kind: peer.kind, peer: peer.name, port: peer.port!, cidrs: [...peer.cidrs] });
    } else if (peer.kind === NetworkPeerKind.APP) {
      const callee = peerApp(project, peer.name);
      if (callee) add(egress, appPath(callee, environment, peer.port ?? callee.port));
    }
  }
  // the other side of the other apps' declarations
  for (const other of appsOf(project)) {
    if (other === app) continue;
    for (const dep of other.network.dependencies ?? []) {
      if (dep.kind === NetworkPeerKind.APP && dep.name === app.name) add(ingress, appPath(other, environment, dep.port ?? app.port));
    }
    for (const caller of other.network.callers ?? []) {
      if (caller.kind === NetworkPeerKind.APP && caller.name === app.name) add(egress, appPath(other, environment, other.port));
    }
  }
  return { ingress: [...ingress.values()], egress: [...egress.values()] };
}

/**
 * The problems of the network declarations of every app of `project`: a peer app the project does not
 * declare, or one without an environment of the same name (its namespace there is unknown).
 */
export function networkProblems(project: Project): string[] {
  const problems: string[] = [];
  const apps = appsOf(project);
  for (const app of apps) {
    const check = (list: NetworkPeer[] | undefined, prop: string) => (list ?? []).forEach((peer, i) => {
      if (peer.kind !== NetworkPeerKind.APP) return;
      const at = `'network.${prop}[${i}]' ${peer.toString()}`;
      const other = peerApp(project, peer.name);
      if (!other) {
        problems.push(`${app.name}: ${at} names no app of this project (apps: ${show(apps.map((a) => a.name))}); declare that app, or use NetworkPeer.externalHost for a service outside the project`);
        return;
      }
      const missing = app.environments.filter((e) => !other.environments.some((o) => o.name === e.name)).map((e) => e.name);
      if (missing.length > 0) {
        problems.push(`${app.name}: ${at}: app ${other.name} has no environment ${show(missing)}, so its namespace there is unknown; give both apps the same environment names`);
      }
    });
    check(app.network.callers, 'callers');
    check(app.network.dependencies, 'dependencies');
  }
  return problems;
}
