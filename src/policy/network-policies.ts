import { ApiObject, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { fail } from '../core/errors';
import { dnsLabelProblem } from '../core/names';
import { MeshDataplane } from '../model/mesh';
import { NetworkPeerKind } from '../model/network';
import { commonLabels, selectorLabels } from '../platform/base-manifests';
import { AppNetwork, NetworkPath, networkOf } from '../platform/network-paths';
import { appOf, IPlatformApp } from '../platform/platform-app-contract';

/** Properties of NetworkPolicies. */
export interface NetworkPoliciesProps {
  /**
   * The namespace Prometheus scrapes from: it may reach the app's port (and, with sidecars, the proxy's
   * metrics ports 15020 and 15090).
   * @default 'monitoring'
   */
  readonly monitoringNamespace?: string;
  /**
   * Emit an Istio AuthorizationPolicy that admits, at L7, exactly the callers the NetworkPolicy admits (by
   * namespace, and the gateway by its service account).
   * @default - true when the app runs in the mesh
   */
  readonly authorizationPolicy?: boolean;
  /**
   * Also emit a CiliumNetworkPolicy (clusters whose CNI is Cilium): the same paths at L3/L4, external hosts
   * by name (`toFQDNs`, through Cilium's DNS proxy) instead of address ranges. L3/L4 only: Cilium's L7 HTTP
   * rules do not work with Istio's mTLS.
   * @default false
   */
  readonly cilium?: boolean;
}

/** Private address ranges: an external host without declared addresses may not reach them. */
const PRIVATE_RANGES = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16', '100.64.0.0/10'];
const DNS_PORTS = [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }];

/**
 * The app's network, from its declared callers and dependencies (and the other apps' declarations about it):
 * per environment a default-deny NetworkPolicy for the app's pods, DNS egress, ingress from the ingress
 * gateway and calling apps on the app's port, egress to the apps and external hosts it calls; with the mesh,
 * istiod egress, the proxies' scrape ports and an Istio AuthorizationPolicy mirroring the callers at L7.
 * A dependency on another app of the project opens both sides: this app's egress here, the callee's
 * ingress in the callee's NetworkPolicies.
 */
export class NetworkPolicies extends Construct {
  /** The monitoring namespace. */
  public readonly monitoringNamespace: string;
  /** Whether an AuthorizationPolicy is emitted. */
  public readonly authorizationPolicy: boolean;
  /** Whether a CiliumNetworkPolicy is emitted. */
  public readonly cilium: boolean;

  private readonly app: IPlatformApp;

  constructor(scope: Construct, id: string, props: NetworkPoliciesProps = {}) {
    super(scope, id);
    const app = appOf(scope);
    this.app = app;
    this.monitoringNamespace = props.monitoringNamespace ?? 'monitoring';
    const mesh = app.mesh.dataplane !== MeshDataplane.NONE;
    this.authorizationPolicy = props.authorizationPolicy ?? mesh;
    this.cilium = props.cilium ?? false;
    const problems: string[] = [];
    const np = dnsLabelProblem('monitoringNamespace', this.monitoringNamespace);
    if (np) problems.push(np);
    if (this.authorizationPolicy && !mesh) problems.push(`'authorizationPolicy' needs the mesh, but the app declares ${app.mesh.toString()}; remove it or declare Mesh.istio()`);
    if (problems.length > 0) fail(this, problems.join('; '));

    for (const env of app.environments) {
      const chart = app.chartFor(env.name);
      const network = () => networkOf(app, env.name);
      const meta = (name: string) => ({ name: `${app.name}-${name}`, namespace: env.namespace, labels: commonLabels(app.name) });
      const podSelector = { matchLabels: selectorLabels(app.name, app.releaseName) };
      new ApiObject(chart, `${this.node.id}-default-deny`, {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: meta('default-deny'),
        spec: { podSelector, policyTypes: ['Ingress', 'Egress'] },
      });
      new ApiObject(chart, `${this.node.id}-allow`, {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: meta('allow'),
        spec: Lazy.any({ produce: () => this.allowSpec(podSelector, network()) }),
      });
      if (this.cilium) {
        new ApiObject(chart, `${this.node.id}-cilium`, {
          apiVersion: 'cilium.io/v2',
          kind: 'CiliumNetworkPolicy',
          metadata: meta('cilium'),
          spec: Lazy.any({ produce: () => this.ciliumSpec(podSelector, network()) }),
        });
      }
      if (this.authorizationPolicy) {
        new ApiObject(chart, `${this.node.id}-authz`, {
          apiVersion: 'security.istio.io/v1',
          kind: 'AuthorizationPolicy',
          metadata: meta('callers'),
          spec: Lazy.any({ produce: () => this.authorizationSpec(podSelector, network()) }),
        });
      }
    }
  }

  /** Ingress from the callers, egress to DNS and the dependencies (and the mesh's control plane). */
  private allowSpec(podSelector: unknown, network: AppNetwork): any {
    const app = this.app;
    const sidecar = app.mesh.dataplane === MeshDataplane.SIDECAR;
    const tcp = (port: number) => ({ protocol: 'TCP', port });
    const ns = (name: string) => ({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': name } } });
    const peer = (p: NetworkPath) => (p.podLabels ? { ...ns(p.namespace!), podSelector: { matchLabels: { ...p.podLabels } } } : ns(p.namespace!));
    const ingress: any[] = network.ingress.map((p) => ({ from: [peer(p)], ports: [tcp(p.port)] }));
    ingress.push({ from: [ns(this.monitoringNamespace)], ports: [tcp(app.port), ...(sidecar ? [tcp(15020), tcp(15090)] : [])] });
    const egress: any[] = [{
      to: [{ ...ns('kube-system'), podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
      ports: DNS_PORTS,
    }];
    if (app.mesh.dataplane !== MeshDataplane.NONE) egress.push({ to: [ns('istio-system')], ports: [tcp(15012)] });
    for (const p of network.egress) {
      if (p.kind === NetworkPeerKind.EXTERNAL_HOST) {
        const to = p.cidrs.length > 0 ? p.cidrs.map((cidr) => ({ ipBlock: { cidr } })) : [{ ipBlock: { cidr: '0.0.0.0/0', except: PRIVATE_RANGES } }];
        egress.push({ to, ports: [tcp(p.port)] });
      } else {
        egress.push({ to: [peer(p)], ports: [tcp(p.port)] });
      }
    }
    return { podSelector, policyTypes: ['Ingress', 'Egress'], ingress, egress };
  }

  /** The same paths for Cilium: selecting the app's endpoints makes both directions default-deny. */
  private ciliumSpec(podSelector: { matchLabels: Record<string, string> }, network: AppNetwork): any {
    const sidecar = this.app.mesh.dataplane === MeshDataplane.SIDECAR;
    const ports = (...ps: number[]) => [{ ports: ps.map((port) => ({ port: String(port), protocol: 'TCP' })) }];
    const NS = 'k8s:io.kubernetes.pod.namespace';
    const endpoint = (p: NetworkPath) => ({ matchLabels: { [NS]: p.namespace!, ...(p.podLabels ?? {}) } });
    const ingress: any[] = network.ingress.map((p) => ({ fromEndpoints: [endpoint(p)], toPorts: ports(p.port) }));
    const scrapePorts = [this.app.port, ...(sidecar ? [15020, 15090] : [])];
    ingress.push({ fromEndpoints: [{ matchLabels: { [NS]: this.monitoringNamespace } }], toPorts: ports(...scrapePorts) });
    const egress: any[] = [{
      toEndpoints: [{ matchLabels: { [NS]: 'kube-system', 'k8s:k8s-app': 'kube-dns' } }],
      // through Cilium's DNS proxy: what toFQDNs learns addresses from
      toPorts: [{ ports: [{ port: '53', protocol: 'ANY' }], rules: { dns: [{ matchPattern: '*' }] } }],
    }];
    if (this.app.mesh.dataplane !== MeshDataplane.NONE) egress.push({ toEndpoints: [{ matchLabels: { [NS]: 'istio-system' } }], toPorts: ports(15012) });
    for (const p of network.egress) {
      if (p.kind === NetworkPeerKind.EXTERNAL_HOST) egress.push({ toFQDNs: [{ matchName: p.peer }], toPorts: ports(p.port) });
      else egress.push({ toEndpoints: [endpoint(p)], toPorts: ports(p.port) });
    }
    return { endpointSelector: { matchLabels: podSelector.matchLabels }, ingress, egress };
  }

  /** ALLOW rules for exactly the declared callers (an ALLOW policy denies every other source). */
  private authorizationSpec(podSelector: { matchLabels: Record<string, string> }, network: AppNetwork): any {
    const rules = network.ingress.map((p) => ({
      from: [{ source: p.principal ? { principals: [p.principal] } : { namespaces: [p.namespace!] } }],
      to: [{ operation: { ports: [String(p.port)] } }],
    }));
    // Prometheus scrapes the app's port in plain text through the proxy
    rules.push({ from: [{ source: { namespaces: [this.monitoringNamespace] } }], to: [{ operation: { ports: [String(this.app.port)] } }] });
    return { selector: { matchLabels: podSelector.matchLabels }, action: 'ALLOW', rules };
  }

  /** The paths this app's policies open in `environment` (for tests and the E2E network checks). */
  public pathsFor(environment: string): AppNetwork {
    this.app.environment(environment);
    return networkOf(this.app, environment);
  }
}
