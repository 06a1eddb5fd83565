import { ContainerResources } from 'cdk8s-plus-27';
import { Approval } from './approval';
import { ClusterAccess } from './cluster-access';
import { Runner } from '../pipeline/runner';

/** One deployment environment of the app. */
export interface EnvironmentProps {
  /** Environment name, a DNS-1123 label: the GitHub environment, file names and job ids use it. */
  readonly name: string;
  /** Kubernetes namespace the app is deployed to. */
  readonly namespace: string;
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
