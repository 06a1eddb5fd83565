import { ContainerResources } from 'cdk8s-plus-27';
import { Approval } from './approval';
import { ClusterAccess } from './cluster-access';
import { Runner } from './runner';

/**
 * The Pod Security Standards level a managed namespace enforces (`pod-security.kubernetes.io/enforce`).
 * Whatever it enforces, the namespace also warns and audits at `restricted`, so what a weaker level lets
 * through shows up in `kubectl` warnings and the audit log.
 */
export enum PodSecurityLevel {
  /** The hardened profile: non-root, no privilege escalation, all capabilities dropped, a seccomp profile. */
  RESTRICTED = 'restricted',
  /** Prevents known privilege escalations; allows the default capabilities (not NET_ADMIN or NET_RAW). */
  BASELINE = 'baseline',
  /** No restriction. Only for a mesh whose injected init container needs NET_ADMIN and NET_RAW. */
  PRIVILEGED = 'privileged',
}

/** One deployment environment of the app. */
export interface EnvironmentProps {
  /** Environment name, a DNS-1123 label: the GitHub environment, file names and job ids use it. */
  readonly name: string;
  /**
   * Kubernetes namespace the app is deployed to. Not a system namespace (`kube-system`, `kube-public`,
   * `kube-node-lease`, the mesh's `istio-system`), and not `default` while the app manages namespaces.
   * Several apps (or environments) may share one: the first to declare it owns its Namespace object.
   */
  readonly namespace: string;
  /**
   * Pod Security level the namespace enforces, when the app manages namespaces (`manageNamespaces`).
   * @default PodSecurityLevel.RESTRICTED
   */
  readonly podSecurity?: PodSecurityLevel;
  /**
   * How the deploy job reaches the cluster. Required: a deploy without cluster access cannot run.
   */
  readonly cluster?: ClusterAccess;
  /**
   * Public URL: shown on the GitHub environment and used by the smoke test.
   * @default - no URL; the smoke test waits for the rollout instead
   */
  readonly url?: string;
  /**
   * Replica count (`replicaCount` in the values).
   * @default 2
   */
  readonly replicas?: number;
  /**
   * Container resources (`resources` in the values).
   * @default - requests 100m CPU / 128Mi memory, limit 256Mi memory (no CPU limit, to avoid throttling)
   */
  readonly resources?: ContainerResources;
  /**
   * Who must approve deploys to this environment.
   * @default Approval.none()
   */
  readonly approval?: Approval;
  /**
   * Where this environment's deploy and promotion jobs run: a private cluster is usually reachable only from
   * runners inside its network, e.g. `Runner.selfHosted(['linux', 'x64', 'prod-vpc'])`.
   * @default - the app's runner
   */
  readonly runner?: Runner;
}

/** One environment of an app, with defaults resolved. */
export class Environment {
  /** @internal */
  public static _create(props: EnvironmentProps, branch: string): Environment {
    return new Environment(props, branch);
  }

  /** Name. */
  public readonly name: string;
  /** Namespace. */
  public readonly namespace: string;
  /** Pod Security level the namespace enforces (when the app manages it). */
  public readonly podSecurity: PodSecurityLevel;
  /** Cluster access. */
  public readonly cluster: ClusterAccess;
  /** Public URL, if any. */
  public readonly url?: string;
  /** Replica count. */
  public readonly replicas: number;
  /** Container resources, if set. */
  public readonly resources?: ContainerResources;
  /** Approval. */
  public readonly approval: Approval;
  /** The branch (pattern) that deploys it. */
  public readonly branch: string;
  /** Where its deploy and promotion jobs run, if not on the app's runner. */
  public readonly runner?: Runner;

  private constructor(props: EnvironmentProps, branch: string) {
    this.name = props.name;
    this.namespace = props.namespace;
    this.podSecurity = props.podSecurity ?? PodSecurityLevel.RESTRICTED;
    this.cluster = props.cluster!;
    this.url = props.url;
    this.replicas = props.replicas ?? 2;
    this.resources = props.resources;
    this.approval = props.approval ?? Approval.none();
    this.branch = branch;
    this.runner = props.runner;
  }
}
