import { ProblemList, show } from '../../core/errors';
import { dnsLabelProblem, HTTP_URL } from '../../core/names';
import { EnvironmentProps, PodSecurityLevel } from '../../model/environment';
import { MeshDataplane } from '../../model/mesh';
import { networkPropsProblems } from '../../model/network';
import { SloKind } from '../../model/slo';
import { SYSTEM_NAMESPACES } from '../../platform/base-manifests';
import type { IPlatformApp } from '../../platform/platform-app-contract';
import type { PlatformAppProps } from '../platform-app-props';

/**
 * The eager checks of a PlatformApp's props: every problem of the definition is collected, so the user
 * sees them all at once (each names the prop, the bad value and the fix).
 * @internal
 */
export function validateAppProps(app: IPlatformApp, props: PlatformAppProps, problems: ProblemList): void {
  // a JavaScript caller may pass anything: a non-list is reported like an empty one, not iterated
  const envs = Array.isArray(props.environments) ? props.environments : [];
  if (envs.length === 0) {
    problems.add("'environments' must list at least one environment, e.g. [{ name: 'staging', namespace: 'checkout-staging', cluster: ClusterAccess.kubeconfigSecret('STAGING_KUBECONFIG') }]");
  }
  const seen = new Set<string>();
  envs.forEach((e, i) => {
    const at = `environments[${i}]`;
    const np = dnsLabelProblem(`${at}.name`, e.name, 30);
    if (np) problems.add(np);
    if (seen.has(e.name)) problems.add(`'${at}.name' ${show(e.name)} is declared twice; environment names must be unique`);
    seen.add(e.name);
    const nsp = dnsLabelProblem(`${at}.namespace`, e.namespace);
    if (nsp) problems.add(nsp);
    else namespaceProblems(app, e, at).forEach((p) => problems.add(p));
    if (!e.cluster) {
      problems.add(`'${at}.cluster' is required: a deploy to ${show(e.name)} cannot run without cluster access; use ClusterAccess.kubeconfigSecret('${(e.name ?? 'env').toUpperCase().replace(/-/g, '_')}_KUBECONFIG') or ClusterAccess.eks/gke/aks(...)`);
    }
    if (e.url !== undefined && !HTTP_URL.test(e.url)) problems.add(`'${at}.url' must be an http(s) URL, got ${show(e.url)}`);
    if (e.replicas !== undefined && !(Number.isInteger(e.replicas) && e.replicas >= 1 && e.replicas <= 1000)) {
      problems.add(`'${at}.replicas' must be a whole number from 1 to 1000, got ${show(e.replicas)}`);
    }
  });
  networkPropsProblems(app.name, props.network).forEach((p) => problems.add(p));
  const promotion = app.promotion;
  if (!promotion.isSequential) {
    const byBranch = new Map<string, string[]>();
    for (const b of promotion.branches) {
      if (!envs.some((e) => e.name === b.environment)) {
        problems.add(`'promotion' maps branch ${show(b.branch)} to environment ${show(b.environment)}, which is not declared; environments are ${show(envs.map((e) => e.name))}`);
      }
      byBranch.set(b.branch, [...(byBranch.get(b.branch) ?? []), b.environment]);
    }
    for (const [branch, list] of byBranch) {
      if (list.length > 1) problems.add(`'promotion' deploys environments ${show(list)} from the same branch ${show(branch)}; with branchPerEnvironment each environment needs its own branch (use Promotion.sequential() to promote one build through several)`);
    }
    for (const e of envs) {
      const n = promotion.branches.filter((b) => b.environment === e.name).length;
      if (n === 0) problems.add(`'promotion' names no branch for environment ${show(e.name)}; add { environment: ${show(e.name)}, branch: '...' }`);
      if (n > 1) problems.add(`'promotion' names ${n} branches for environment ${show(e.name)}; give it one`);
    }
  }
  if (!(Number.isInteger(app.port) && app.port >= 1 && app.port <= 65535)) problems.add(`'port' must be a port number from 1 to 65535, got ${show(app.port)}`);
  for (const p of app.sourcePaths) {
    if (typeof p !== 'string' || p.length === 0 || p.startsWith('/') || p.split('/').includes('..')) problems.add(`'sourcePaths' entries must be globs relative to the repository root, got ${show(p)}`);
  }
  if (!app.smokeTestPath.startsWith('/')) problems.add(`'smokeTestPath' must start with '/', got ${show(app.smokeTestPath)}`);
  if (typeof app.deployReportPdf !== 'boolean') problems.add(`'deployReportPdf' must be true or false, got ${show(props.deployReportPdf)}`);
  if (app.repository !== undefined && !/^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/.test(app.repository)) {
    problems.add(`'repository' must be 'owner/name', got ${show(app.repository)}`);
  }
  if (app.team !== undefined) {
    const tp = dnsLabelProblem('team', app.team);
    if (tp) problems.add(tp);
  }
  for (const [k, v] of Object.entries({ 'runbookBaseUrl': app.runbookBaseUrl, 'observability.prometheusUrl': app.observability.prometheusUrl, 'observability.pushgatewayUrl': app.observability.pushgatewayUrl, 'observability.grafanaUrl': app.observability.grafanaUrl })) {
    if (v !== undefined && !HTTP_URL.test(v)) problems.add(`'${k}' must be an http(s) URL, got ${show(v)}`);
  }
  if (app.mesh.dataplane === MeshDataplane.AMBIENT) {
    const istioSlis = [...(app.sliSource?.kind === 'istio' && props.sliSource ? ["'sliSource'"] : []),
      ...app.slos.filter((slo) => slo.sli?.kind === 'istio').map((slo) => `SLO ${show(slo.name)}`)];
    for (const who of istioSlis) {
      problems.add(`${who} reads SliSource.istio(), the sidecars' metrics (reporter="destination"), but 'mesh' is ${app.mesh.toString()}: in ambient mode Istio's L7 metrics come from the waypoint (reporter="waypoint"); give a SliSource.custom({ ... }) that selects them`);
    }
  }
  const sloNames = new Set<string>();
  for (const slo of app.slos) {
    if (sloNames.has(slo.name)) problems.add(`SLO name ${show(slo.name)} is used twice; SLO names must be unique within the app`);
    sloNames.add(slo.name);
    const source = slo.sli ?? app.sliSource;
    if (!source) {
      const why = app.mesh.dataplane === MeshDataplane.AMBIENT ? 'in ambient mode (Istio\'s L7 metrics come from the waypoint)' : 'without a mesh';
      problems.add(`SLO ${show(slo.name)} has no SLI source: ${why}, pass 'sliSource: SliSource.custom({ requestsMetric: ... })' to the app or 'sli' to the SLO`);
      continue;
    }
    if (slo.kind === SloKind.LATENCY) {
      if (!source.latencyHistogram) {
        problems.add(`latency SLO ${show(slo.name)} needs a latency histogram; its SLI source (${source.kind}) has none: set 'latencyHistogram'`);
      } else if (!source.isBucketBound(slo.threshold!)) {
        problems.add(`latency SLO ${show(slo.name)}: 'threshold' ${slo.threshold!.toHumanString()} (${source.thresholdInUnit(slo.threshold!)}${source.latencyUnit}) is not a bucket bound of ${source.latencyHistogram}; pick one of ${show(source.buckets)} (${source.latencyUnit})`);
      }
    }
  }
}

const POD_SECURITY_LEVELS: readonly string[] = Object.values(PodSecurityLevel);

/**
 * The problems of an environment's namespace: a system namespace (never deployed into or relabelled),
 * `default` while namespaces are managed, an unknown Pod Security level, and a mesh whose pods the
 * namespace's Pod Security would reject.
 */
function namespaceProblems(app: IPlatformApp, e: EnvironmentProps, at: string): string[] {
  const out: string[] = [];
  const own = `a namespace of the app's own, e.g. ${show(`${app.name}-${typeof e.name === 'string' ? e.name : 'env'}`)}`;
  if (SYSTEM_NAMESPACES.includes(e.namespace)) {
    out.push(`'${at}.namespace' is ${show(e.namespace)}, a system namespace: the app is never deployed into, and never relabels, ${SYSTEM_NAMESPACES.join(', ')} (Kubernetes' own and the mesh's control plane); use ${own}`);
    return out;
  }
  if (e.namespace === 'default' && app.manageNamespaces) {
    out.push(`'${at}.namespace' is 'default': managing it would label the cluster's default namespace (Pod Security, the mesh's injection) for every workload there; use ${own}, or set 'manageNamespaces: false' to deploy there without managing it`);
  }
  if (e.podSecurity !== undefined && !POD_SECURITY_LEVELS.includes(e.podSecurity)) {
    out.push(`'${at}.podSecurity' must be one of ${show([...POD_SECURITY_LEVELS])} (PodSecurityLevel), got ${show(e.podSecurity)}`);
    return out;
  }
  const level = e.podSecurity ?? PodSecurityLevel.RESTRICTED;
  if (app.manageNamespaces && app.mesh.needsPrivilegedInit && level !== PodSecurityLevel.PRIVILEGED) {
    out.push(`'${at}.podSecurity' is ${show(level)}${e.podSecurity === undefined ? ' (the default)' : ''}, but 'mesh' is ${app.mesh.toString()}: without Istio's CNI plugin every injected pod has an istio-init container that needs NET_ADMIN and NET_RAW, which Pod Security ${show(level)} rejects, so no pod would start in namespace ${show(e.namespace)}. Install Istio's CNI plugin and declare Mesh.istio(), use Mesh.istioAmbient(), or set 'podSecurity: PodSecurityLevel.PRIVILEGED' on the environment`);
  }
  return out;
}
