import type { Runner } from './runner';
import { PlatformPipelineError, show } from '../core/errors';

/** An authenticated Pushgateway that the runners reach over the network (e.g. behind an ingress). */
export interface ExternalMetricsPushProps {
  /** `https://` URL of the Pushgateway (or of the proxy in front of it), e.g. `https://pushgateway.acme.dev`. */
  readonly url: string;
  /**
   * GitHub secret holding the bearer token the endpoint requires; sent as `Authorization: Bearer <token>`
   * from a header file, never on a command line.
   */
  readonly tokenSecret: string;
}

/** A Pushgateway inside the cluster network, pushed to by jobs on runners inside that network. */
export interface InClusterMetricsPushProps {
  /** URL of the Pushgateway, usually cluster-local, e.g. `http://pushgateway.monitoring.svc:9091`. */
  readonly url: string;
  /**
   * The runner inside the cluster network (e.g. an Actions Runner Controller scale set) the pipeline's
   * metrics report job runs on. The deploy jobs push their DORA events too: each environment whose deploy
   * jobs push must also run on a runner inside the network (the environment's `runner`).
   * @default - the app's runner
   */
  readonly runner?: Runner;
}

const SECRET = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Where the pipeline pushes its DORA events and run figures. A cluster-local Pushgateway
 * (`http://pushgateway.monitoring:9091`) cannot be resolved from GitHub-hosted runners: either expose it
 * with authentication (`external`) or push from runners inside the cluster network (`inCluster`).
 */
export class MetricsPush {
  /** An authenticated endpoint reachable from the runners, e.g. GitHub-hosted ones. */
  public static external(props: ExternalMetricsPushProps): MetricsPush {
    const problems: string[] = [];
    let host: string | undefined;
    try {
      const u = new URL(props?.url);
      if (u.protocol !== 'https:') problems.push(`'url' must be an https:// URL (the token must not travel in clear text), got ${show(props.url)}`);
      host = u.hostname;
    } catch {
      problems.push(`'url' must be an https:// URL, got ${show(props?.url)}`);
    }
    const local = host !== undefined ? clusterLocalReason(host, []) : undefined;
    if (local) problems.push(`'url' ${show(props.url)} is ${local}, which runners outside the cluster cannot resolve; give the endpoint's public name, or use MetricsPush.inCluster({ url, runner })`);
    if (!SECRET.test(props?.tokenSecret ?? '') || /^GITHUB_/i.test(props.tokenSecret)) {
      problems.push(`'tokenSecret' must name a GitHub secret (letters, digits, '_', not starting with GITHUB_), got ${show(props?.tokenSecret)}`);
    }
    if (problems.length > 0) throw new PlatformPipelineError(`MetricsPush.external: ${problems.join('; ')}`);
    return new MetricsPush('external', props.url, props.tokenSecret, undefined);
  }

  /** A Pushgateway inside the cluster, pushed to from runners inside the cluster network. */
  public static inCluster(props: InClusterMetricsPushProps): MetricsPush {
    const problems: string[] = [];
    try {
      const u = new URL(props?.url);
      if (!/^https?:$/.test(u.protocol)) problems.push(`'url' must be an http(s) URL, got ${show(props.url)}`);
    } catch {
      problems.push(`'url' must be an http(s) URL, got ${show(props?.url)}`);
    }
    if (props?.runner && isGitHubHosted(props.runner)) {
      problems.push(`'runner' ${show(props.runner.labels)} is a GitHub-hosted runner, which is outside the cluster network; give Runner.selfHosted([...]) or Runner.group(...) of runners inside it`);
    }
    if (problems.length > 0) throw new PlatformPipelineError(`MetricsPush.inCluster: ${problems.join('; ')}`);
    return new MetricsPush('in-cluster', props.url, undefined, props.runner);
  }

  /** `external` or `in-cluster`. */
  public readonly kind: string;
  /** The Pushgateway URL. */
  public readonly url: string;
  /** GitHub secret holding the bearer token, if any. */
  public readonly tokenSecret?: string;
  /** Runner of the metrics report job, if given. */
  public readonly runner?: Runner;

  private constructor(kind: string, url: string, tokenSecret: string | undefined, runner: Runner | undefined) {
    this.kind = kind;
    this.url = url;
    this.tokenSecret = tokenSecret;
    this.runner = runner;
  }
}

/** Whether a runner is one of GitHub's own machines (standard or larger), which sit outside any cluster. @internal */
export function isGitHubHosted(runner: Runner): boolean {
  return !runner.groupName && runner.labels[0] !== 'self-hosted';
}

/** Namespaces a Pushgateway commonly lives in, for the `<service>.<namespace>` form of a cluster-local name. */
const MONITORING_NAMESPACES = ['monitoring', 'observability', 'prometheus', 'pushgateway', 'kube-system', 'default', 'cattle-monitoring-system', 'openshift-monitoring'];

/**
 * Why `host` is a name only the cluster's DNS resolves, or undefined: a single label (`pushgateway`),
 * `*.svc`, `*.svc.<cluster domain>`, `*.cluster.local`, or `<service>.<namespace>` with a namespace of the
 * app or a usual monitoring namespace (`pushgateway.monitoring`). @internal
 */
export function clusterLocalReason(host: string, namespaces: readonly string[]): string | undefined {
  const h = host.toLowerCase().replace(/\.$/, '');
  if (/^\d+\.\d+\.\d+\.\d+$/.test(h) || h.startsWith('[')) return undefined;
  const labels = h.split('.');
  if (labels.length === 1) return `a single-label host (${show(h)})`;
  if (h.endsWith('.cluster.local')) return `a cluster-local name (${show(h)}, *.cluster.local)`;
  if (labels.slice(1).includes('svc')) return `a cluster-local Service name (${show(h)}, *.svc)`;
  if (labels.length === 2 && [...namespaces, ...MONITORING_NAMESPACES].includes(labels[1])) {
    return `a cluster-local Service name (${show(h)}, <service>.<namespace>)`;
  }
  return undefined;
}
