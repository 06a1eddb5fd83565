import { PlatformPipelineError, show } from '../core/errors';
import { dnsLabelProblem } from '../core/names';

/** What a declared network peer is. */
export enum NetworkPeerKind {
  /** Another PlatformApp of the same project, by name. */
  APP = 'app',
  /** The mesh's (or cluster's) ingress gateway. */
  INGRESS_GATEWAY = 'ingress-gateway',
  /** A host outside the cluster. */
  EXTERNAL_HOST = 'external-host',
}

/** Options of a dependency on, or a caller that is, another app of the project. */
export interface AppPeerOptions {
  /**
   * The port the callee listens on.
   * @default - the callee app's `port`
   */
  readonly port?: number;
}

/** Where the ingress gateway runs. */
export interface IngressGatewayOptions {
  /**
   * The gateway's namespace.
   * @default 'istio-ingress' (the namespace of Istio's `istio/gateway` Helm chart in Istio's docs)
   */
  readonly namespace?: string;
  /**
   * The gateway's service account (its mesh identity, `cluster.local/ns/<namespace>/sa/<serviceAccount>`,
   * which the Istio AuthorizationPolicy admits).
   * @default - the namespace's name (the `istio/gateway` chart names the service account after its release)
   */
  readonly serviceAccount?: string;
}

/** Options of an external host the app calls. */
export interface ExternalHostOptions {
  /**
   * The TCP port.
   * @default 443
   */
  readonly port?: number;
  /**
   * The host's address ranges. A NetworkPolicy cannot name a host, only addresses: without them egress on
   * `port` is open to every public address (the private ranges stay closed).
   * @default - every public IPv4 address on `port`
   */
  readonly cidrs?: string[];
}

const HOST = /^(?=.{1,253}$)([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const CIDR4 = /^((25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(25[0-5]|2[0-4]\d|1?\d?\d)\/(3[0-2]|[12]?\d)$/;
const CIDR6 = /^[0-9a-fA-F:]+:[0-9a-fA-F:]*\/(12[0-8]|1[01]\d|[1-9]?\d)$/;

function portProblem(what: string, port: number | undefined): string | undefined {
  if (port === undefined || (Number.isInteger(port) && port >= 1 && port <= 65535)) return undefined;
  return `${what}: 'port' must be a whole number from 1 to 65535, got ${show(port)}`;
}

/**
 * A network peer of the app: who calls it (`NetworkProps.callers`) or what it calls
 * (`NetworkProps.dependencies`). NetworkPolicies, the Istio AuthorizationPolicy and the E2E network tests
 * all read the same declarations.
 */
export class NetworkPeer {
  /**
   * Another PlatformApp of the same project, by its name. As a dependency it opens both sides from one
   * declaration: this app's egress and the callee's ingress (in each environment both apps declare).
   */
  public static app(name: string, options: AppPeerOptions = {}): NetworkPeer {
    const p = dnsLabelProblem('name', name) ?? portProblem(`NetworkPeer.app(${show(name)})`, options.port);
    if (p) throw new PlatformPipelineError(`NetworkPeer.app: ${p}`);
    return new NetworkPeer(NetworkPeerKind.APP, name, options.port, undefined, undefined, []);
  }

  /** The ingress gateway (a caller only): traffic from its pods to the app's port. */
  public static ingressGateway(options: IngressGatewayOptions = {}): NetworkPeer {
    const namespace = options.namespace ?? 'istio-ingress';
    const serviceAccount = options.serviceAccount ?? namespace;
    const p = dnsLabelProblem('namespace', namespace) ?? dnsLabelProblem('serviceAccount', serviceAccount);
    if (p) throw new PlatformPipelineError(`NetworkPeer.ingressGateway: ${p}`);
    return new NetworkPeer(NetworkPeerKind.INGRESS_GATEWAY, namespace, undefined, namespace, serviceAccount, []);
  }

  /** A host outside the cluster (a dependency only), e.g. `NetworkPeer.externalHost('api.stripe.com')`. */
  public static externalHost(host: string, options: ExternalHostOptions = {}): NetworkPeer {
    const problems: string[] = [];
    if (typeof host !== 'string' || !HOST.test(host)) problems.push(`'host' must be a lowercase DNS name such as 'api.stripe.com', got ${show(host)}`);
    const pp = portProblem(`NetworkPeer.externalHost(${show(host)})`, options.port);
    if (pp) problems.push(pp);
    for (const c of options.cidrs ?? []) {
      if (!CIDR4.test(c) && !CIDR6.test(c)) problems.push(`'cidrs' must list address ranges such as '203.0.113.0/24', got ${show(c)}`);
    }
    if (problems.length) throw new PlatformPipelineError(`NetworkPeer.externalHost: ${problems.join('; ')}`);
    return new NetworkPeer(NetworkPeerKind.EXTERNAL_HOST, host, options.port ?? 443, undefined, undefined, [...(options.cidrs ?? [])]);
  }

  /** What the peer is. */
  public readonly kind: NetworkPeerKind;
  /** The app name, the gateway's namespace, or the host name. */
  public readonly name: string;
  /** The port, when declared (an app dependency without one uses the callee's port). */
  public readonly port?: number;
  /** The gateway's namespace (ingress gateways only). */
  public readonly namespace?: string;
  /** The gateway's service account (ingress gateways only). */
  public readonly serviceAccount?: string;
  /** Address ranges of an external host (empty: every public address). */
  public readonly cidrs: string[];

  private constructor(kind: NetworkPeerKind, name: string, port: number | undefined, namespace: string | undefined,
    serviceAccount: string | undefined, cidrs: string[]) {
    this.kind = kind;
    this.name = name;
    this.port = port;
    this.namespace = namespace;
    this.serviceAccount = serviceAccount;
    this.cidrs = cidrs;
  }

  /** How the peer is declared, for messages. */
  public toString(): string {
    switch (this.kind) {
      case NetworkPeerKind.APP: return `NetworkPeer.app('${this.name}')`;
      case NetworkPeerKind.INGRESS_GATEWAY: return `NetworkPeer.ingressGateway({ namespace: '${this.namespace}' })`;
      default: return `NetworkPeer.externalHost('${this.name}')`;
    }
  }
}

/** Who calls the app and what it calls. */
export interface NetworkProps {
  /**
   * Who calls the app: `NetworkPeer.ingressGateway()` and other apps of the project (`NetworkPeer.app`).
   * An app that declares this one as a dependency is a caller too, without being listed here.
   * @default - none besides the apps that declare this one as a dependency
   */
  readonly callers?: NetworkPeer[];
  /**
   * What the app calls: other apps of the project (`NetworkPeer.app`) and external hosts
   * (`NetworkPeer.externalHost`). DNS is always allowed.
   * @default - nothing but DNS
   */
  readonly dependencies?: NetworkPeer[];
}

/** The problems of a network declaration (wrong kind of peer in a list, duplicates, self-references). @internal */
export function networkPropsProblems(appName: string, props: NetworkProps | undefined): string[] {
  const problems: string[] = [];
  const check = (list: NetworkPeer[] | undefined, prop: string, refused: NetworkPeerKind, why: string) => {
    const seen = new Set<string>();
    (list ?? []).forEach((peer, i) => {
      const at = `'network.${prop}[${i}]'`;
      if (!(peer instanceof Object) || !Object.values(NetworkPeerKind).includes(peer.kind)) {
        problems.push(`${at} must be a NetworkPeer (NetworkPeer.app, .ingressGateway or .externalHost), got ${show(peer)}`);
        return;
      }
      if (peer.kind === refused) problems.push(`${at} is ${peer.toString()}, ${why}`);
      if (peer.kind === NetworkPeerKind.APP && peer.name === appName) problems.push(`${at} names the app itself (${show(appName)}); traffic within the app needs no declaration`);
      const key = `${peer.kind}/${peer.name}`;
      if (seen.has(key)) problems.push(`${at} declares ${peer.toString()} twice`);
      seen.add(key);
    });
  };
  check(props?.callers, 'callers', NetworkPeerKind.EXTERNAL_HOST, 'which cannot be a caller (external traffic enters through the ingress gateway): declare NetworkPeer.ingressGateway()');
  check(props?.dependencies, 'dependencies', NetworkPeerKind.INGRESS_GATEWAY, 'which cannot be a dependency; declare it under callers');
  return problems;
}
