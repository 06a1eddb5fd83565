/**
 * The problems a definition has, one line each without the `checkout: ` prefix, in the order they are
 * reported; [] when the app is valid. Every case below compares the whole list with text written by hand,
 * so a check that fires too often fails as surely as one that never fires.
 */
import { Duration } from 'cdk8s';
import * as pp from '../../../src';
import { makeApp } from '../../util';

function problemsOf(overrides: Partial<pp.PlatformAppProps>): string[] {
  try {
    makeApp(overrides);
  } catch (e: any) {
    expect(e.name).toBe('PlatformPipelineError');
    const [header, ...lines] = String(e.message).split('\n');
    expect(header).toBe(`invalid platform-pipeline definition (${lines.length} problem${lines.length === 1 ? '' : 's'}):`);
    return lines.map((l) => {
      expect(l.startsWith('  - checkout: ')).toBe(true);
      return l.slice('  - checkout: '.length);
    });
  }
  return [];
}

const K = pp.ClusterAccess.kubeconfigSecret('K');
const env = (name: string, extra: Partial<pp.EnvironmentProps> = {}): pp.EnvironmentProps => ({ name, namespace: `shop-${name}`, cluster: K, ...extra });
const bpe = (...pairs: Array<[string, string]>) =>
  pp.Promotion.branchPerEnvironment({ branches: pairs.map(([environment, branch]) => ({ environment, branch })) });

describe('validateAppProps: environments', () => {
  test('the definition of DESIGN §1 has no problem', () => {
    expect(problemsOf({})).toEqual([]);
  });

  test('no environments, or none at all from a JavaScript caller', () => {
    const msg = "'environments' must list at least one environment, e.g. [{ name: 'staging', namespace: 'checkout-staging', cluster: ClusterAccess.kubeconfigSecret('STAGING_KUBECONFIG') }]";
    expect(problemsOf({ environments: [] })).toEqual([msg]);
    expect(problemsOf({ environments: undefined as any })).toEqual([msg]);
    expect(problemsOf({ environments: { name: 'staging' } as any })).toEqual([msg]);
  });

  test('an environment without a URL is valid; a URL must be http(s) with a host', () => {
    expect(problemsOf({ environments: [env('staging')] })).toEqual([]);
    for (const url of ['http://staging.acme.dev', 'https://staging.acme.dev:8443/app?x=1#top', 'https://x']) {
      expect(problemsOf({ environments: [env('staging', { url })] })).toEqual([]);
    }
    for (const url of ['staging.acme.dev', 'ftp://staging.acme.dev', 'http://', 'https:///path', 'https://.acme.dev', 'https://staging.acme.dev trailing', 'see https://staging.acme.dev', 'https:/staging.acme.dev', '']) {
      expect(problemsOf({ environments: [env('staging', { url })] })).toEqual([`'environments[0].url' must be an http(s) URL, got '${url}'`]);
    }
  });

  test('replicas: whole numbers from 1 to 1000', () => {
    for (const replicas of [1, 3, 1000]) expect(problemsOf({ environments: [env('staging', { replicas })] })).toEqual([]);
    for (const replicas of [0, -1, 2.5, 1001, NaN]) {
      expect(problemsOf({ environments: [env('staging', { replicas })] })).toEqual([`'environments[0].replicas' must be a whole number from 1 to 1000, got ${replicas}`]);
    }
  });

  test('environment names: DNS-1123 labels of at most 30 characters, unique; namespaces: DNS-1123 labels', () => {
    expect(problemsOf({ environments: [env('e'.repeat(30))] })).toEqual([]);
    expect(problemsOf({ environments: [env('e'.repeat(31))] })).toEqual([`'environments[0].name' must be at most 30 characters, got '${'e'.repeat(31)}' (31); shorten it`]);
    expect(problemsOf({ environments: [env('staging'), { ...env('qa'), namespace: 'a'.repeat(64) }] })).toEqual([
      `'environments[1].namespace' must be at most 63 characters, got '${'a'.repeat(64)}' (64); shorten it`,
    ]);
    expect(problemsOf({ environments: [env('staging'), env('qa'), env('staging')] })).toEqual([
      "'environments[2].name' 'staging' is declared twice; environment names must be unique",
    ]);
  });

  test('a missing cluster names the secret to create after the environment', () => {
    expect(problemsOf({ environments: [{ name: 'eu-west-prod', namespace: 'shop' }] })).toEqual([
      "'environments[0].cluster' is required: a deploy to 'eu-west-prod' cannot run without cluster access; use ClusterAccess.kubeconfigSecret('EU_WEST_PROD_KUBECONFIG') or ClusterAccess.eks/gke/aks(...)",
    ]);
    expect(problemsOf({ environments: [{ namespace: 'shop' } as any] })).toEqual([
      "'environments[0].name' is required: give a lowercase DNS-1123 name such as 'checkout'",
      "'environments[0].cluster' is required: a deploy to nothing cannot run without cluster access; use ClusterAccess.kubeconfigSecret('ENV_KUBECONFIG') or ClusterAccess.eks/gke/aks(...)",
    ]);
  });
});

describe('validateAppProps: branch-per-environment promotion', () => {
  test('one branch per environment is valid, also with prefix patterns', () => {
    expect(problemsOf({ promotion: bpe(['staging', 'develop'], ['production', 'main']) })).toEqual([]);
    expect(problemsOf({ promotion: bpe(['production', 'release/*'], ['staging', 'develop']) })).toEqual([]);
  });

  test('an environment without a branch, a branch for an undeclared environment', () => {
    expect(problemsOf({ promotion: bpe(['staging', 'develop']) })).toEqual([
      "'promotion' names no branch for environment 'production'; add { environment: 'production', branch: '...' }",
    ]);
    expect(problemsOf({ promotion: bpe(['staging', 'develop'], ['production', 'main'], ['qa', 'qa']) })).toEqual([
      "'promotion' maps branch 'qa' to environment 'qa', which is not declared; environments are ['staging', 'production']",
    ]);
  });

  test('two environments on one branch, two branches for one environment', () => {
    expect(problemsOf({ promotion: bpe(['staging', 'main'], ['production', 'main']) })).toEqual([
      "'promotion' deploys environments ['staging', 'production'] from the same branch 'main'; with branchPerEnvironment each environment needs its own branch (use Promotion.sequential() to promote one build through several)",
    ]);
    expect(problemsOf({ promotion: bpe(['staging', 'develop'], ['staging', 'next'], ['production', 'main']) })).toEqual([
      "'promotion' names 2 branches for environment 'staging'; give it one",
    ]);
  });
});

describe('validateAppProps: app props', () => {
  test('port: whole numbers from 1 to 65535', () => {
    for (const port of [1, 80, 65535]) expect(problemsOf({ port })).toEqual([]);
    for (const port of [0, -1, 80.5, 65536, 70000, NaN]) {
      expect(problemsOf({ port })).toEqual([`'port' must be a port number from 1 to 65535, got ${port}`]);
    }
  });

  test('source paths: globs relative to the repository root', () => {
    expect(problemsOf({ sourcePaths: ['services/checkout/**', 'a..b/**', '..x', 'helm/*.yaml'] })).toEqual([]);
    for (const p of ['/services/**', '../outside/**', 'a/../../b', 'a/..', '']) {
      expect(problemsOf({ sourcePaths: ['ok/**', p] })).toEqual([`'sourcePaths' entries must be globs relative to the repository root, got '${p}'`]);
    }
    expect(problemsOf({ sourcePaths: [5 as any] })).toEqual(["'sourcePaths' entries must be globs relative to the repository root, got 5"]);
  });

  test('smoke test path: absolute', () => {
    expect(problemsOf({ smokeTestPath: '/healthz' })).toEqual([]);
    expect(problemsOf({ smokeTestPath: 'healthz' })).toEqual(["'smokeTestPath' must start with '/', got 'healthz'"]);
  });

  test("repository: 'owner/name'", () => {
    for (const repository of ['acme/checkout', 'my-org-2/my.repo_1-x']) expect(problemsOf({ repository })).toEqual([]);
    for (const repository of ['acme', 'acme/', '/checkout', 'acme/checkout/x', 'ac me/checkout', 'acme/check out', 'acme/checkout ', ' acme/checkout', 'acme.io/checkout']) {
      expect(problemsOf({ repository })).toEqual([`'repository' must be 'owner/name', got '${repository}'`]);
    }
  });

  test('team: a DNS-1123 label', () => {
    expect(problemsOf({ team: 'payments' })).toEqual([]);
    expect(problemsOf({ team: 'Payments' })).toEqual(["'team' must be a DNS-1123 label (lowercase letters, digits and '-', starting and ending with a letter or digit), got 'Payments'; try 'payments'"]);
  });

  test('runbook and observability URLs: http(s) with a host', () => {
    const ok = { runbookBaseUrl: 'https://runbooks.acme.dev/checkout', observability: { prometheusUrl: 'http://prometheus.monitoring:9090', pushgatewayUrl: 'http://pushgateway.monitoring:9091', grafanaUrl: 'https://grafana.acme.dev' } };
    expect(problemsOf(ok)).toEqual([]);
    expect(problemsOf({
      runbookBaseUrl: 'runbooks.acme.dev',
      observability: { prometheusUrl: 'prometheus:9090', pushgatewayUrl: 'ftp://pushgateway', grafanaUrl: 'https://grafana .acme.dev' },
    })).toEqual([
      "'runbookBaseUrl' must be an http(s) URL, got 'runbooks.acme.dev'",
      "'observability.prometheusUrl' must be an http(s) URL, got 'prometheus:9090'",
      "'observability.pushgatewayUrl' must be an http(s) URL, got 'ftp://pushgateway'",
      "'observability.grafanaUrl' must be an http(s) URL, got 'https://grafana .acme.dev'",
    ]);
    expect(problemsOf({ runbookBaseUrl: 'see https://runbooks.acme.dev', observability: { prometheusUrl: 'http://' } })).toEqual([
      "'runbookBaseUrl' must be an http(s) URL, got 'see https://runbooks.acme.dev'",
      "'observability.prometheusUrl' must be an http(s) URL, got 'http://'",
    ]);
  });
});

describe('validateAppProps: SLOs', () => {
  const custom = pp.SliSource.custom({ requestsMetric: 'http_requests_total', latencyHistogram: 'http_request_duration_seconds' });
  const noHistogram = pp.SliSource.custom({ requestsMetric: 'http_requests_total' });

  test("an SLO's own SLI source serves when the app has none", () => {
    expect(problemsOf({ mesh: pp.Mesh.NONE, slos: [pp.Slo.latency({ name: 'fast', objective: 99, threshold: Duration.millis(250), sli: custom })] })).toEqual([]);
  });

  test('without any SLI source, each SLO is reported once and checked no further', () => {
    expect(problemsOf({ mesh: pp.Mesh.NONE, slos: [pp.Slo.latency({ name: 'fast', objective: 99, threshold: Duration.millis(250) })] })).toEqual([
      "SLO 'fast' has no SLI source: without a mesh, pass 'sliSource: SliSource.custom({ requestsMetric: ... })' to the app or 'sli' to the SLO",
    ]);
  });

  test('a latency SLO on a source without a histogram; an availability SLO needs none', () => {
    expect(problemsOf({ mesh: pp.Mesh.NONE, sliSource: noHistogram, slos: [pp.Slo.availability({ name: 'up', objective: 99 })] })).toEqual([]);
    expect(problemsOf({ mesh: pp.Mesh.NONE, sliSource: noHistogram, slos: [pp.Slo.latency({ name: 'fast', objective: 99, threshold: Duration.millis(250) })] })).toEqual([
      "latency SLO 'fast' needs a latency histogram; its SLI source (custom) has none: set 'latencyHistogram'",
    ]);
  });

  test('SLO names are unique', () => {
    expect(problemsOf({ slos: [pp.Slo.availability({ name: 'a', objective: 99 }), pp.Slo.availability({ name: 'b', objective: 99 }), pp.Slo.availability({ name: 'a', objective: 98 })] })).toEqual([
      "SLO name 'a' is used twice; SLO names must be unique within the app",
    ]);
  });

  test('a latency threshold that is not a bucket bound (in the source unit)', () => {
    expect(problemsOf({ mesh: pp.Mesh.NONE, sliSource: custom, slos: [pp.Slo.latency({ name: 'fast', objective: 99, threshold: Duration.millis(300) })] })).toEqual([
      "latency SLO 'fast': 'threshold' 300 millis (0.3s) is not a bucket bound of http_request_duration_seconds; pick one of [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] (s)",
    ]);
  });
});

describe('validateAppProps: namespaces, Pod Security and the mesh (issue 11 items 7 and 8)', () => {
  const custom = pp.SliSource.custom({ requestsMetric: 'http_requests_total', latencyHistogram: 'http_request_duration_seconds' });
  const sidecarWithoutCni = pp.Mesh.istio({ cni: false });
  const cniMessage = (level: string, defaulted: boolean) =>
    `'environments[0].podSecurity' is '${level}'${defaulted ? ' (the default)' : ''}, but 'mesh' is Mesh.istio({ cni: false }): without Istio's CNI plugin every injected pod has an istio-init container that needs NET_ADMIN and NET_RAW, which Pod Security '${level}' rejects, so no pod would start in namespace 'shop-staging'. Install Istio's CNI plugin and declare Mesh.istio(), use Mesh.istioAmbient(), or set 'podSecurity: PodSecurityLevel.PRIVILEGED' on the environment`;

  test('system namespaces are refused whatever manageNamespaces says, naming the prop and the value', () => {
    for (const namespace of ['kube-system', 'kube-public', 'kube-node-lease', 'istio-system']) {
      const expected = [`'environments[1].namespace' is '${namespace}', a system namespace: the app is never deployed into, and never relabels, kube-system, kube-public, kube-node-lease, istio-system (Kubernetes' own and the mesh's control plane); use a namespace of the app's own, e.g. 'checkout-prod'`];
      expect(problemsOf({ environments: [env('staging'), env('prod', { namespace })] })).toEqual(expected);
      expect(problemsOf({ manageNamespaces: false, environments: [env('staging'), env('prod', { namespace })] })).toEqual(expected);
    }
    // names that only look alike are ordinary namespaces
    for (const namespace of ['kube-systems', 'my-kube-system', 'istio-system-2', 'istio']) {
      expect(problemsOf({ environments: [env('prod', { namespace })] })).toEqual([]);
    }
  });

  test("'default' is refused while the app manages namespaces, allowed when it does not", () => {
    expect(problemsOf({ environments: [env('prod', { namespace: 'default' })] })).toEqual([
      "'environments[0].namespace' is 'default': managing it would label the cluster's default namespace (Pod Security, the mesh's injection) for every workload there; use a namespace of the app's own, e.g. 'checkout-prod', or set 'manageNamespaces: false' to deploy there without managing it",
    ]);
    expect(problemsOf({ manageNamespaces: false, environments: [env('prod', { namespace: 'default' })] })).toEqual([]);
  });

  test('sidecars without the CNI plugin: refused under restricted (the default) and baseline, accepted when privileged or unmanaged', () => {
    expect(problemsOf({ mesh: sidecarWithoutCni, environments: [env('staging')] })).toEqual([cniMessage('restricted', true)]);
    expect(problemsOf({ mesh: sidecarWithoutCni, environments: [env('staging', { podSecurity: pp.PodSecurityLevel.RESTRICTED })] })).toEqual([cniMessage('restricted', false)]);
    expect(problemsOf({ mesh: sidecarWithoutCni, environments: [env('staging', { podSecurity: pp.PodSecurityLevel.BASELINE })] })).toEqual([cniMessage('baseline', false)]);
    expect(problemsOf({ mesh: sidecarWithoutCni, environments: [env('staging', { podSecurity: pp.PodSecurityLevel.PRIVILEGED })] })).toEqual([]);
    expect(problemsOf({ mesh: sidecarWithoutCni, manageNamespaces: false, environments: [env('staging')] })).toEqual([]);
  });

  test('sidecars with the CNI plugin, ambient mode and no mesh start under every Pod Security level', () => {
    for (const podSecurity of [pp.PodSecurityLevel.RESTRICTED, pp.PodSecurityLevel.BASELINE, pp.PodSecurityLevel.PRIVILEGED]) {
      expect(problemsOf({ mesh: pp.Mesh.istio(), environments: [env('staging', { podSecurity })] })).toEqual([]);
      expect(problemsOf({ mesh: pp.Mesh.istioAmbient(), sliSource: custom, environments: [env('staging', { podSecurity })] })).toEqual([]);
      expect(problemsOf({ mesh: pp.Mesh.none(), sliSource: custom, environments: [env('staging', { podSecurity })] })).toEqual([]);
    }
  });

  test('an unknown Pod Security level from a JavaScript caller', () => {
    expect(problemsOf({ environments: [env('staging', { podSecurity: 'strict' as any })] })).toEqual([
      "'environments[0].podSecurity' must be one of ['restricted', 'baseline', 'privileged'] (PodSecurityLevel), got 'strict'",
    ]);
  });

  test("ambient mode: no default SLI source, and the sidecars' Istio source is refused", () => {
    const ambient = pp.Mesh.istioAmbient({ waypoint: 'waypoint' });
    expect(problemsOf({ mesh: ambient, slos: [pp.Slo.availability({ name: 'up', objective: 99 })] })).toEqual([
      "SLO 'up' has no SLI source: in ambient mode (Istio's L7 metrics come from the waypoint), pass 'sliSource: SliSource.custom({ requestsMetric: ... })' to the app or 'sli' to the SLO",
    ]);
    expect(problemsOf({ mesh: ambient, sliSource: pp.SliSource.istio(), slos: [] })).toEqual([
      "'sliSource' reads SliSource.istio(), the sidecars' metrics (reporter=\"destination\"), but 'mesh' is Mesh.istioAmbient({ waypoint: 'waypoint' }): in ambient mode Istio's L7 metrics come from the waypoint (reporter=\"waypoint\"); give a SliSource.custom({ ... }) that selects them",
    ]);
    expect(problemsOf({ mesh: ambient, sliSource: custom, slos: [pp.Slo.availability({ name: 'up', objective: 99, sli: pp.SliSource.istio() })] })).toEqual([
      "SLO 'up' reads SliSource.istio(), the sidecars' metrics (reporter=\"destination\"), but 'mesh' is Mesh.istioAmbient({ waypoint: 'waypoint' }): in ambient mode Istio's L7 metrics come from the waypoint (reporter=\"waypoint\"); give a SliSource.custom({ ... }) that selects them",
    ]);
    expect(problemsOf({ mesh: ambient, sliSource: custom, slos: [pp.Slo.availability({ name: 'up', objective: 99 })] })).toEqual([]);
  });
});
