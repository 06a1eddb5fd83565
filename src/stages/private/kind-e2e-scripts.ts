// The files of the kind E2E job under e2e/<app>/: the cluster config and the scripts the job's steps run.
// Every script reads its settings from the step's environment (set by the job), never from `${{ }}`.
import { shellWord } from '../../core/shell';
import { E2E_CHARTS, E2E_CLIENT_IMAGE, PinnedChart } from '../../core/versions';
import { stringifyYaml } from '../../core/yaml-writer';
import { PipelineMetrics, pushgatewayScript } from '../../platform/pipeline-metrics';

/** How the E2E scripts apply objects to the kind cluster: server-side, as one field manager. */
const KUBECTL_APPLY = 'kubectl apply --server-side --field-manager=platform-pipeline-e2e';

/** The labels of the E2E test clients, which their own NetworkPolicies let through: both must say the same. */
const E2E_CLIENT_LABELS = { 'app.kubernetes.io/name': 'e2e-client' };

/** Settings of the kind cluster, resolved. @internal */
export interface KindClusterPlan {
  readonly name: string;
  readonly nodes: number;
  readonly cilium: boolean;
  readonly kubeProxyReplacement: boolean;
  readonly podSubnet: string;
  readonly serviceSubnet: string;
}

/** `kind-config.yaml` (kind.x-k8s.io/v1alpha4). @internal */
export function kindConfig(c: KindClusterPlan): string {
  const networking: Record<string, unknown> = {
    ...(c.cilium ? { disableDefaultCNI: true } : {}),
    ...(c.cilium && c.kubeProxyReplacement ? { kubeProxyMode: 'none' } : {}),
    podSubnet: c.podSubnet,
    serviceSubnet: c.serviceSubnet,
  };
  const nodes = [{ role: 'control-plane' }, ...Array.from({ length: c.nodes - 1 }, () => ({ role: 'worker' }))];
  return stringifyYaml({ kind: 'Cluster', apiVersion: 'kind.x-k8s.io/v1alpha4', name: c.name, networking, nodes });
}

/** What the environment's manifests need installed in the cluster. @internal */
export interface PlatformNeeds {
  readonly cilium: boolean;
  readonly kubeProxyReplacement: boolean;
  /** `none`, `sidecar` or `ambient`. */
  readonly mesh: string;
  /** Istio's CNI agent (sidecar mode with `cni`, always with ambient). */
  readonly istioCni: boolean;
  readonly argoRollouts: boolean;
  readonly flagger: boolean;
  readonly kyverno: boolean;
  readonly prometheus: boolean;
  /** The Prometheus the app's analyses query, as `service.namespace` (from its URL), if it is one in the cluster. */
  readonly prometheusService?: { readonly name: string; readonly namespace: string; readonly port: number };
}

const HEADER = (what: string) => ['#!/usr/bin/env bash', `# ${what}`];

function chartInstall(release: string, c: PinnedChart, namespace: string, sets: string[], extra: string[] = []): string[] {
  return [
    `helm upgrade --install ${release} ${c.repoName}/${c.chart} --version ${c.version} \\`,
    `  --namespace ${namespace} --create-namespace \\`,
    ...sets.map((s) => `  --set ${s} \\`),
    ...extra.map((s) => `  ${s} \\`),
    '  --wait=watcher --timeout 10m',
  ];
}

/**
 * `install-platform.sh`: the kubelet of every node gets this job's registry login (the release under test is
 * pulled by digest, as production pulls it), then the CNI, the mesh and what the manifests need, each chart
 * pinned to a version. @internal
 */
export function installPlatformScript(n: PlatformNeeds): string {
  const repos = new Map<string, string>();
  const charts: PinnedChart[] = [];
  if (n.cilium) charts.push(E2E_CHARTS.cilium);
  if (n.mesh !== 'none') charts.push(E2E_CHARTS.istioBase);
  if (n.argoRollouts) charts.push(E2E_CHARTS.argoRollouts);
  if (n.flagger) charts.push(E2E_CHARTS.flagger);
  if (n.kyverno) charts.push(E2E_CHARTS.kyverno);
  if (n.prometheus) charts.push(E2E_CHARTS.prometheus);
  for (const c of charts) repos.set(c.repoName, c.repoUrl);
  const lines = [
    ...HEADER('Installs the platform of the kind E2E cluster: what the app\'s definition declares, each chart pinned to a version.'),
    'set -euo pipefail',
    'cluster="${CLUSTER_NAME:?the job sets CLUSTER_NAME}"',
    '',
    '# the kubelets pull the release under test by digest with this job\'s registry login (kind docs: private registries)',
    'docker_config="${DOCKER_CONFIG:-${HOME}/.docker}/config.json"',
    'if [ -f "${docker_config}" ]; then',
    '  nodes="$(kind get nodes --name "${cluster}")"',
    '  if [ -z "${nodes}" ]; then',
    '    echo "::error::kind lists no node of cluster ${cluster}"',
    '    exit 1',
    '  fi',
    '  for node in ${nodes}; do',
    '    docker cp "${docker_config}" "${node}:/var/lib/kubelet/config.json"',
    '    docker exec "${node}" systemctl restart kubelet.service',
    '  done',
    'fi',
    '',
    ...[...repos.entries()].map(([name, url]) => `helm repo add ${name} ${url} --force-update`),
  ];
  if (n.cilium) {
    lines.push('', `# Cilium ${E2E_CHARTS.cilium.version}${n.kubeProxyReplacement ? ' replacing kube-proxy' : ''}; cni.exclusive=false lets Istio's CNI chain after it`);
    lines.push(...chartInstall('cilium', E2E_CHARTS.cilium, 'kube-system', [
      ...(n.kubeProxyReplacement ? ['kubeProxyReplacement=true', '"k8sServiceHost=${cluster}-control-plane"', 'k8sServicePort=6443'] : ['kubeProxyReplacement=false']),
      'socketLB.hostNamespaceOnly=true', 'cni.exclusive=false', 'ipam.mode=kubernetes', 'image.pullPolicy=IfNotPresent', 'operator.replicas=1',
    ]));
    lines.push('kubectl --namespace kube-system rollout status daemonset/cilium --timeout=5m');
  }
  lines.push('kubectl wait --for=condition=Ready nodes --all --timeout=5m');
  if (n.mesh !== 'none') {
    const ambient = n.mesh === 'ambient';
    lines.push('', `# Istio ${E2E_CHARTS.istiod.version} (${ambient ? 'ambient' : 'sidecar'} mode${n.istioCni ? ', with its CNI agent' : ''}), as the app declares its mesh`);
    lines.push(...chartInstall('istio-base', E2E_CHARTS.istioBase, 'istio-system', ['defaultRevision=default']));
    if (n.istioCni) lines.push(...chartInstall('istio-cni', E2E_CHARTS.istioCni, 'istio-system', ambient ? ['profile=ambient'] : []));
    lines.push(...chartInstall('istiod', E2E_CHARTS.istiod, 'istio-system', ambient ? ['profile=ambient'] : n.istioCni ? ['pilot.cni.enabled=true'] : []));
    if (ambient) lines.push(...chartInstall('ztunnel', E2E_CHARTS.ztunnel, 'istio-system', []));
  }
  if (n.argoRollouts) {
    lines.push('', `# Argo Rollouts ${E2E_CHARTS.argoRollouts.version} (chart): the manifests carry a Rollout`);
    lines.push(...chartInstall('argo-rollouts', E2E_CHARTS.argoRollouts, 'argo-rollouts', []));
  }
  if (n.flagger) {
    lines.push('', `# Flagger ${E2E_CHARTS.flagger.version}: the manifests carry a Flagger Canary`);
    const metrics = n.prometheusService ? [`metricsServer=http://${n.prometheusService.name}.${n.prometheusService.namespace}:${n.prometheusService.port}`] : [];
    lines.push(...chartInstall('flagger', E2E_CHARTS.flagger, 'flagger-system', [`meshProvider=${n.mesh === 'none' ? 'kubernetes' : 'istio'}`, ...metrics]));
  }
  if (n.kyverno) {
    lines.push('', `# Kyverno ${E2E_CHARTS.kyverno.version}: the manifests carry Kyverno policies`);
    lines.push(...chartInstall('kyverno', E2E_CHARTS.kyverno, 'kyverno', []));
  }
  if (n.prometheus) {
    const ns = n.prometheusService?.namespace ?? 'monitoring';
    lines.push('', `# Prometheus (kube-prometheus-stack ${E2E_CHARTS.prometheus.version}): the manifests carry analyses or rules; it selects every rule and monitor`);
    lines.push(...chartInstall('e2e-kps', E2E_CHARTS.prometheus, ns, [
      'fullnameOverride=e2e-kps', 'grafana.enabled=false', 'nodeExporter.enabled=false', 'kubeStateMetrics.enabled=false',
      'prometheus.prometheusSpec.ruleSelectorNilUsesHelmValues=false', 'prometheus.prometheusSpec.podMonitorSelectorNilUsesHelmValues=false',
      'prometheus.prometheusSpec.serviceMonitorSelectorNilUsesHelmValues=false',
    ]));
    if (n.prometheusService && n.prometheusService.name !== 'e2e-kps-prometheus') {
      const s = n.prometheusService;
      lines.push(
        `# the analyses query ${s.name}.${s.namespace}:${s.port} (the app's prometheusUrl): that name points at this Prometheus`,
        `${KUBECTL_APPLY} -f - <<EOF`,
        ...stringifyYaml({
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: s.name, namespace: s.namespace },
          spec: { type: 'ExternalName', externalName: `e2e-kps-prometheus.${s.namespace}.svc.cluster.local`, ports: [{ name: 'http', port: s.port }] },
        }).trimEnd().split('\n'),
        'EOF',
      );
    }
    if (n.mesh === 'sidecar') {
      lines.push(
        '# the sidecars\' metrics (istio_requests_total), which the SLO analyses read',
        `${KUBECTL_APPLY} -f - <<EOF`,
        ...stringifyYaml({
          apiVersion: 'monitoring.coreos.com/v1',
          kind: 'PodMonitor',
          metadata: { name: 'envoy-stats', namespace: ns },
          spec: {
            namespaceSelector: { any: true },
            selector: { matchExpressions: [{ key: 'security.istio.io/tlsMode', operator: 'Exists' }] },
            podMetricsEndpoints: [{ path: '/stats/prometheus', port: 'http-envoy-prom', interval: '15s' }],
          },
        }).trimEnd().split('\n'),
        'EOF',
      );
    }
  }
  lines.push('', 'echo "platform ready in ${cluster}"');
  return lines.join('\n');
}

/** How the release is deployed and waited for. @internal */
export interface ReleasePlan {
  /** The manifests hold objects to apply before Helm (namespace, a Rollout taking over the Deployment). */
  readonly beforeHelm: boolean;
  /** The environment has manifests (`deploy/<app>/<env>.k8s.yaml` exists). */
  readonly manifests: boolean;
  /** The manifests hold the Namespace object. */
  readonly namespaceInManifest: boolean;
  /** Labels the namespace needs when the manifests do not carry it (the mesh's). */
  readonly namespaceLabels: Record<string, string>;
  /** `--set-string` of the digest, as the deploy job does it. */
  readonly imageValue: string;
  /** `deployment`, `argo-rollout` or `flagger`. */
  readonly workload: string;
  /**
   * The manifests isolate the app's pods (NetworkPolicies, or a Kyverno policy generating them): the E2E
   * test clients (`app.kubernetes.io/name=e2e-client`) are let through by a NetworkPolicy of their own.
   */
  readonly isolated?: boolean;
  /** The manifests admit callers by an Istio ALLOW AuthorizationPolicy: the test clients' identity is admitted too. */
  readonly authorization?: boolean;
}

/**
 * The E2E test clients' own way in, for manifests that isolate the app: the mTLS, chaos and canary tests probe
 * from pods labelled `app.kubernetes.io/name=e2e-client`, which no declared path admits. NetworkPolicies add
 * up and ALLOW AuthorizationPolicies too, so these open exactly that client and nothing the declared paths
 * close (the network test's probes carry other labels).
 */
function clientAccessLines(p: ReleasePlan): string[] {
  const docs: unknown[] = [];
  const appPods = { matchLabels: { 'app.kubernetes.io/name': '${APP}', 'app.kubernetes.io/instance': '${RELEASE}' } };
  const client = { matchLabels: E2E_CLIENT_LABELS };
  if (p.isolated) {
    docs.push({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: '${APP}-e2e-clients-in', namespace: '${NAMESPACE}' },
      spec: { podSelector: appPods, policyTypes: ['Ingress'], ingress: [{ from: [{ namespaceSelector: {}, podSelector: client }] }] },
    }, {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'e2e-clients-out', namespace: '${NAMESPACE}' },
      spec: { podSelector: client, policyTypes: ['Egress'], egress: [{}] },
    });
  }
  if (p.authorization) {
    docs.push({
      apiVersion: 'security.istio.io/v1',
      kind: 'AuthorizationPolicy',
      metadata: { name: '${APP}-e2e-clients', namespace: '${NAMESPACE}' },
      spec: { selector: appPods, action: 'ALLOW', rules: [{ from: [{ source: { principals: ['cluster.local/ns/${NAMESPACE}/sa/default'] } }] }] },
    });
  }
  if (docs.length === 0) return [];
  return [
    '# the E2E test clients (app.kubernetes.io/name=e2e-client) reach the app through its isolation; the declared paths are unchanged',
    `${KUBECTL_APPLY} -f - <<EOF`,
    ...docs.map((d) => stringifyYaml(d).trimEnd()).join('\n---\n').split('\n'),
    'EOF',
  ];
}

/**
 * `deploy-release.sh`: the release under test as the deploy job deploys it — the objects that go before Helm,
 * the app's chart with the environment's values plus the E2E values and the built digest, then the
 * environment's manifests — and waits for the workload to be healthy. @internal
 */
export function deployReleaseScript(p: ReleasePlan, applyPhaseSelector: string): string {
  const apply = KUBECTL_APPLY;
  const lines = [
    ...HEADER('Deploys the release under test to the kind cluster the way the deploy job deploys it: same chart, values, digest and manifests.'),
    'set -euo pipefail',
    'if ! [[ "${IMAGE_DIGEST:-}" =~ ^sha256:[0-9a-f]{64}$ ]]; then',
    '  echo "::error::the build job gave no image digest (got \'${IMAGE_DIGEST:-}\'); the E2E test runs the image this run built"',
    '  exit 1',
    'fi',
  ];
  if (!p.namespaceInManifest) {
    lines.push('kubectl create namespace "${NAMESPACE}" --dry-run=client --output yaml | kubectl apply -f -');
    const labels = Object.entries(p.namespaceLabels).map(([k, v]) => `${k}=${v}`);
    if (labels.length > 0) lines.push(`kubectl label namespace "\${NAMESPACE}" --overwrite ${labels.join(' ')}`);
  }
  if (p.beforeHelm) lines.push(`${apply} -f "\${MANIFEST}" --selector ${applyPhaseSelector}`);
  lines.push(
    'helm upgrade --install "${RELEASE}" "${CHART}" \\',
    '  --namespace "${NAMESPACE}" \\',
    '  --values "${VALUES_FILE}" \\',
    '  --values "${E2E_VALUES_FILE}" \\',
    `  ${p.imageValue} \\`,
    '  --wait=watcher --timeout 10m',
  );
  if (p.manifests) lines.push(`${apply} -f "\${MANIFEST}"`);
  lines.push(...clientAccessLines(p));
  if (p.workload === 'argo-rollout') {
    lines.push('kubectl --namespace "${NAMESPACE}" wait "rollout.argoproj.io/${APP}" --for=jsonpath=\'{.status.phase}\'=Healthy --timeout=10m');
  } else if (p.workload === 'flagger') {
    lines.push('kubectl --namespace "${NAMESPACE}" wait "canaries.flagger.app/${APP}" --for=jsonpath=\'{.status.phase}\'=Initialized --timeout=10m');
  } else {
    lines.push('kubectl --namespace "${NAMESPACE}" rollout status "deployment/${APP}" --timeout=10m');
  }
  lines.push('echo "release ${RELEASE} (${IMAGE_DIGEST}) is up in ${NAMESPACE}"');
  return lines.join('\n');
}

/** The `environment` of the figures the kind E2E job pushes (image pull time, load tests in kind). @internal */
export const E2E_ENVIRONMENT_LABEL = 'kind-e2e';

/** The local port `port-forward.sh` forwards the app's service to (unless `LOCAL_PORT` is set). @internal */
export const E2E_LOCAL_PORT = 18080;

/** `port-forward.sh`: the service on 127.0.0.1 for the user's E2E command (`E2E_BASE_URL`). @internal */
export function portForwardScript(): string {
  return [
    ...HEADER('Forwards the app\'s service to 127.0.0.1 for the E2E tests and exports E2E_BASE_URL (the forward lives until the job ends).'),
    'set -euo pipefail',
    `local_port="\${LOCAL_PORT:-${E2E_LOCAL_PORT}}"`,
    'kubectl --namespace "${NAMESPACE}" port-forward "service/${APP}" "${local_port}:${PORT}" > "${RUNNER_TEMP}/port-forward.log" 2>&1 &',
    'base="http://127.0.0.1:${local_port}"',
    'for _ in $(seq 1 30); do',
    '  if curl --silent --output /dev/null --max-time 5 "${base}${SMOKE_PATH}"; then',
    '    echo "E2E_BASE_URL=${base}" >> "${GITHUB_ENV}"',
    '    echo "the app answers at ${base}"',
    '    exit 0',
    '  fi',
    '  sleep 2',
    'done',
    'cat "${RUNNER_TEMP}/port-forward.log" || true',
    'echo "::error::the app did not answer on ${base}${SMOKE_PATH} through the port-forward"',
    'exit 1',
  ].join('\n');
}

/** The client pod (curl, pinned by digest) the in-cluster tests probe from, as bash lines of a function. */
function clientLines(): string[] {
  const pod = (ns: string) => stringifyYaml({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'e2e-client', namespace: ns, labels: E2E_CLIENT_LABELS },
    spec: {
      securityContext: { runAsNonRoot: true, runAsUser: 100, runAsGroup: 101, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [{
        name: 'client',
        image: E2E_CLIENT_IMAGE,
        command: ['sleep', '3600'],
        securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
        resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { memory: '64Mi' } },
      }],
    },
  }).trimEnd().split('\n');
  return [
    '# a curl client pod in namespace $1 (curl pinned by digest), Ready',
    'start_client() {',
    `  ${KUBECTL_APPLY} -f - <<EOF`,
    ...pod('$1'),
    'EOF',
    '  kubectl --namespace "$1" wait pod/e2e-client --for=condition=Ready --timeout=3m',
    '}',
    '',
    '# the HTTP status of one request from the client in namespace $1 ("000" without an answer); its exit code is curl\'s',
    'probe() {',
    '  kubectl --namespace "$1" exec e2e-client --container client -- curl --silent --output /dev/null --max-time 5 --write-out \'%{http_code}\' "${url}"',
    '}',
  ];
}

const URL_LINE = 'url="http://${APP}.${NAMESPACE}.svc.cluster.local:${PORT}${SMOKE_PATH}"';

/**
 * `test-mtls.sh`: STRICT mTLS for the app's pods; a client outside the mesh gets no answer (the connection is
 * reset), a client inside the mesh (the app's namespace) gets one. @internal
 */
export function mtlsScript(): string {
  return [
    ...HEADER('mTLS: with STRICT PeerAuthentication a client outside the mesh is refused, one inside the mesh is answered.'),
    'set -euo pipefail',
    URL_LINE,
    'outside="${APP}-e2e-outside"',
    ...clientLines(),
    '',
    `${KUBECTL_APPLY} -f - <<EOF`,
    ...stringifyYaml({
      apiVersion: 'security.istio.io/v1',
      kind: 'PeerAuthentication',
      metadata: { name: '${APP}-e2e-strict', namespace: '${NAMESPACE}' },
      spec: { selector: { matchLabels: { 'app.kubernetes.io/name': '${APP}' } }, mtls: { mode: 'STRICT' } },
    }).trimEnd().split('\n'),
    'EOF',
    'kubectl create namespace "${outside}" --dry-run=client --output yaml | kubectl apply -f -',
    'start_client "${NAMESPACE}"',
    'start_client "${outside}"',
    'sleep 5 # the policy reaches the proxies',
    '',
    'inside_rc=0',
    'inside="$(probe "${NAMESPACE}")" || inside_rc=$?',
    'outside_rc=0',
    'outside_code="$(probe "${outside}")" || outside_rc=$?',
    '{',
    '  echo "### mTLS (STRICT)"',
    '  echo ""',
    '  echo "| client | HTTP status | curl exit | expected |"',
    '  echo "|---|---|---|---|"',
    '  echo "| in the mesh (${NAMESPACE}) | ${inside} | ${inside_rc} | answered |"',
    '  echo "| outside the mesh (${outside}) | ${outside_code} | ${outside_rc} | refused |"',
    '} >> "${GITHUB_STEP_SUMMARY}"',
    'failed=0',
    'if ! [[ "${inside}" =~ ^[1-4][0-9][0-9]$ ]]; then',
    '  echo "::error::a client inside the mesh got no answer from ${url} (status \'${inside}\', curl exit ${inside_rc})"',
    '  failed=1',
    'fi',
    '# a plaintext client is reset by the server\'s proxy: no HTTP status, curl exit 52 (empty reply) or 56 (reset)',
    'if [ "${outside_code}" != "000" ] || { [ "${outside_rc}" != 52 ] && [ "${outside_rc}" != 56 ]; }; then',
    '  echo "::error::a client outside the mesh was not refused by mTLS (status \'${outside_code}\', curl exit ${outside_rc}; expected no answer, exit 52 or 56)"',
    '  failed=1',
    'fi',
    'kubectl delete namespace "${outside}" --wait=false || true',
    'exit "${failed}"',
  ].join('\n');
}

/** One `kubectl auth can-i` expectation. @internal */
export interface RbacCheck {
  readonly serviceAccount: string;
  readonly namespace: string;
  readonly verb: string;
  readonly resource: string;
  readonly allowed: boolean;
}

/** `test-rbac.sh`: `kubectl auth can-i` for each expectation, yes and no. @internal */
export function rbacScript(checks: readonly RbacCheck[]): string {
  return [
    ...HEADER('RBAC: what each declared service account may and may not do (kubectl auth can-i).'),
    'set -euo pipefail',
    'failed=0',
    '{',
    '  echo "### RBAC"',
    '  echo ""',
    '  echo "| service account | can | expected | answer |"',
    '  echo "|---|---|---|---|"',
    '} >> "${GITHUB_STEP_SUMMARY}"',
    '# check <yes|no> <verb> <resource> <namespace> <service account>; fails closed on an answer that is neither yes nor no',
    'check() {',
    '  local want="$1" verb="$2" resource="$3" ns="$4" sa="$5" answer got',
    '  answer="$(kubectl auth can-i "${verb}" "${resource}" --namespace "${ns}" --as "system:serviceaccount:${ns}:${sa}" 2>&1)" || true',
    '  case "${answer%%$\'\\n\'*}" in',
    '    yes*) got=yes ;;',
    '    no*) got=no ;;',
    '    *)',
    '      echo "::error::kubectl auth can-i ${verb} ${resource} as ${ns}/${sa} gave no answer: ${answer}"',
    '      failed=1',
    '      return',
    '      ;;',
    '  esac',
    '  echo "| ${ns}/${sa} | ${verb} ${resource} | ${want} | ${got} |" >> "${GITHUB_STEP_SUMMARY}"',
    '  if [ "${got}" != "${want}" ]; then',
    '    echo "::error::${ns}/${sa} can ${verb} ${resource}: expected ${want}, got ${got}"',
    '    failed=1',
    '  fi',
    '}',
    ...checks.map((c) => `check ${c.allowed ? 'yes' : 'no'} ${c.verb} ${c.resource} ${c.namespace} ${c.serviceAccount}`),
    'exit "${failed}"',
  ].join('\n');
}

/** A platform component the chaos test deletes, with how to wait for it. @internal */
export interface ChaosComponent {
  readonly namespace: string;
  readonly selector: string;
  /** `deployment/x` or `daemonset/x` to wait for. */
  readonly workload: string;
}

/** Resolved chaos settings. @internal */
export interface ChaosPlan {
  readonly pods: number;
  readonly recoverySeconds: number;
  readonly maxErrorPercent: number;
  readonly components: readonly ChaosComponent[];
}

/**
 * `test-chaos.sh`: while a client in the cluster sends a request every half second, deletes the app's pods (and
 * the chosen platform components'), requires new pods Ready within the bound and the failed requests within the
 * error budget. @internal
 */
export function chaosScript(c: ChaosPlan): string {
  return [
    ...HEADER('Chaos: delete the app\'s pods under traffic; they must recover within the bound, the errors stay within the budget.'),
    'set -euo pipefail',
    URL_LINE,
    'selector="app.kubernetes.io/name=${APP},app.kubernetes.io/instance=${RELEASE}"',
    `recovery=${c.recoverySeconds}`,
    `max_error_percent=${c.maxErrorPercent}`,
    ...clientLines(),
    '',
    'start_client "${NAMESPACE}"',
    'before="$(kubectl --namespace "${NAMESPACE}" get pods --selector "${selector}" --output jsonpath=\'{range .items[*]}{.metadata.name}{"\\n"}{end}\')"',
    'expected="$(grep -c . <<< "${before}" || true)"',
    'if [ "${expected}" -eq 0 ]; then',
    '  echo "::error::no pod of ${APP} runs in ${NAMESPACE} (selector ${selector}); nothing to recover"',
    '  exit 1',
    'fi',
    '',
    '# traffic from inside the cluster for the whole window: one request every 0.5 s, one status per line',
    'codes="${RUNNER_TEMP}/chaos-codes.txt"',
    'requests=$(( (recovery + 30) * 2 ))',
    '# shellcheck disable=SC2016 # the loop runs in the client pod, with its own $1 and $2',
    'kubectl --namespace "${NAMESPACE}" exec e2e-client --container client -- sh -c \\',
    '  \'i=0; while [ "$i" -lt "$1" ]; do curl --silent --output /dev/null --max-time 2 --write-out "%{http_code}\\n" "$2" || true; i=$((i + 1)); sleep 0.5; done\' \\',
    '  traffic "${requests}" "${url}" > "${codes}" &',
    'traffic=$!',
    'sleep 5',
    '',
    'start=${SECONDS}',
    `victims="$(head -n ${c.pods} <<< "\${before}")"`,
    '# shellcheck disable=SC2086 # one pod name per word',
    'kubectl --namespace "${NAMESPACE}" delete pod ${victims} --wait=false',
    ...c.components.flatMap((p) => [
      `kubectl --namespace ${p.namespace} delete pod --selector ${p.selector} --wait=false`,
    ]),
    '',
    '# recovery: as many Ready pods as before, none of them a deleted one, within the bound',
    'while :; do',
    '  ready="$(kubectl --namespace "${NAMESPACE}" get pods --selector "${selector}" --output jsonpath=\'{range .items[*]}{.metadata.name}{" "}{.status.conditions[?(@.type=="Ready")].status}{"\\n"}{end}\')"',
    '  fresh="$(awk -v gone="${victims//$\'\\n\'/ }" \'BEGIN { n = split(gone, g, " "); for (i = 1; i <= n; i++) dead[g[i]] = 1 } $2 == "True" && !($1 in dead) { c++ } END { print c + 0 }\' <<< "${ready}")"',
    '  if [ "${fresh}" -ge "${expected}" ]; then',
    '    break',
    '  fi',
    '  if [ $(( SECONDS - start )) -ge "${recovery}" ]; then',
    '    echo "::error::${APP} did not recover within ${recovery}s: ${fresh} of ${expected} pods Ready"',
    '    kill "${traffic}" 2> /dev/null || true',
    '    exit 1',
    '  fi',
    '  sleep 5',
    'done',
    'recovered=$(( SECONDS - start ))',
    ...c.components.map((p) => `kubectl --namespace ${p.namespace} rollout status ${p.workload} --timeout="\${recovery}s"`),
    'wait "${traffic}" || true',
    '',
    'total="$(grep -c . "${codes}" || true)"',
    'errors="$(grep -cv \'^[23][0-9][0-9]$\' "${codes}" || true)"',
    'if [ "${total}" -eq 0 ]; then',
    '  echo "::error::the traffic during the chaos test recorded no request; failing closed"',
    '  exit 1',
    'fi',
    'rate="$(awk -v e="${errors}" -v t="${total}" \'BEGIN { printf "%.2f", 100 * e / t }\')"',
    '{',
    '  echo "### Chaos"',
    '  echo ""',
    '  echo "| pods deleted | recovered in | bound | requests | failed | error rate | budget |"',
    '  echo "|---|---|---|---|---|---|---|"',
    '  echo "| $(grep -c . <<< "${victims}") | ${recovered}s | ${recovery}s | ${total} | ${errors} | ${rate} % | ${max_error_percent} % |"',
    '} >> "${GITHUB_STEP_SUMMARY}"',
    'if awk -v r="${rate}" -v b="${max_error_percent}" \'BEGIN { exit !(r > b) }\'; then',
    '  echo "::error::${errors} of ${total} requests failed during the chaos test (${rate} %, budget ${max_error_percent} %)"',
    '  exit 1',
    'fi',
    'echo "${APP} recovered in ${recovered}s; ${errors} of ${total} requests failed (${rate} %)"',
  ].join('\n');
}

/** The Rollout the canary dry run drives. @internal */
export interface CanaryDryRunPlan {
  /** The Rollout takes its pod template from the Deployment (`workloadRef`). */
  readonly workloadRef: boolean;
  /** `canary` or `blueGreen`. */
  readonly strategy: string;
  /** A blue-green Rollout with a post-promotion analysis (the first revision stays stable until it passes). */
  readonly postPromotionAnalysis: boolean;
}

/** Lines that poll until the bash condition `cond` holds, failing after `seconds`. */
function waitUntil(cond: string, what: string, seconds = 300): string[] {
  return [
    `deadline=$(( SECONDS + ${seconds} ))`,
    `until ${cond}; do`,
    '  if [ "${SECONDS}" -ge "${deadline}" ]; then',
    `    echo "::error::${what} within ${seconds}s (phase $(field .status.phase))"`,
    '    exit 1',
    '  fi',
    '  sleep 5',
    'done',
  ];
}

/**
 * `canary-dry-run.sh`: a second revision (the same image, a changed pod template) goes through the Rollout — a
 * canary takes its first step (a paused one is promoted), a blue-green revision with a post-promotion analysis
 * is promoted — and is aborted: the stable ReplicaSet must stay the first revision; reverting the template
 * brings the Rollout back to Healthy. @internal
 */
export function canaryDryRunScript(p: CanaryDryRunPlan): string {
  const target = p.workloadRef ? '"deployment/${APP}"' : '"rollout.argoproj.io/${APP}"';
  const key = 'platform-pipeline.dev~1e2e-revision';
  const promote = 'kubectl argo rollouts promote "${APP}" --namespace "${NAMESPACE}"';
  const paused = '[ "$(field .status.phase)" = Paused ]';
  const progress: string[] = [];
  if (p.strategy === 'canary') {
    progress.push(
      '# revision 2 takes its first step (a weight), or waits at a pause, which is promoted one step',
      ...waitUntil(`${paused} || [ "$(field .status.currentStepIndex)" -ge 1 ] 2> /dev/null`, 'revision 2 took no step'),
      `if ${paused}; then`,
      `  ${promote}`,
      'fi',
    );
  } else if (p.postPromotionAnalysis) {
    progress.push(
      '# revision 2 is promoted (by the Rollout, or here when it waits); the post-promotion analysis keeps revision 1 stable',
      ...waitUntil(`[ "$(field .status.blueGreen.activeSelector)" = "\${next}" ] || ${paused}`, 'revision 2 was neither promoted nor waiting'),
      `if ${paused}; then`,
      `  ${promote}`,
      'fi',
      ...waitUntil('[ "$(field .status.blueGreen.activeSelector)" = "${next}" ]', 'revision 2 was not promoted'),
    );
  } else {
    progress.push('# without a post-promotion analysis a promoted blue-green revision is stable at once: it is aborted as the preview');
  }
  return [
    ...HEADER('Canary dry run: a second revision goes through the Rollout and is aborted; the stable revision keeps serving.'),
    'set -euo pipefail',
    'rollout="rollout.argoproj.io/${APP}"',
    'field() { kubectl --namespace "${NAMESPACE}" get "${rollout}" --output jsonpath="{$1}"; }',
    'stable="$(field .status.stableRS)"',
    'if [ -z "${stable}" ]; then',
    '  echo "::error::the Rollout ${APP} reports no stable ReplicaSet; it is not Healthy"',
    '  exit 1',
    'fi',
    '',
    '# revision 2: the same image, a changed pod template',
    `kubectl --namespace "\${NAMESPACE}" patch ${target} --type merge \\`,
    '  --patch "{\\"spec\\":{\\"template\\":{\\"metadata\\":{\\"annotations\\":{\\"platform-pipeline.dev/e2e-revision\\":\\"${GITHUB_RUN_ID:-2}\\"}}}}}"',
    ...waitUntil('[ -n "$(field .status.currentPodHash)" ] && [ "$(field .status.currentPodHash)" != "${stable}" ]', 'the Rollout did not start revision 2'),
    'next="$(field .status.currentPodHash)"',
    ...progress,
    'kubectl argo rollouts abort "${APP}" --namespace "${NAMESPACE}"',
    '',
    '# aborted: the Rollout is Degraded and the first revision is still the stable one',
    'kubectl --namespace "${NAMESPACE}" wait "${rollout}" --for=jsonpath=\'{.status.phase}\'=Degraded --timeout=5m',
    'after="$(field .status.stableRS)"',
    'if [ "${after}" != "${stable}" ]; then',
    '  echo "::error::after the abort the stable ReplicaSet is ${after}, not ${stable}: revision 2 was promoted"',
    '  exit 1',
    'fi',
    '',
    '# back to revision 1: the Rollout is Healthy again on the stable ReplicaSet',
    `kubectl --namespace "\${NAMESPACE}" patch ${target} --type json \\`,
    `  --patch '[{"op":"remove","path":"/spec/template/metadata/annotations/${key}"}]'`,
    'kubectl --namespace "${NAMESPACE}" wait "${rollout}" --for=jsonpath=\'{.status.phase}\'=Healthy --timeout=5m',
    '{',
    '  echo "### Canary dry run"',
    '  echo ""',
    '  echo "revision 2 (${next}) started, was aborted, and ${stable} stayed stable; the Rollout is Healthy again"',
    '} >> "${GITHUB_STEP_SUMMARY}"',
  ].join('\n');
}

/** `diagnostics.sh`: the cluster's state, events and logs into `e2e-diagnostics/` (never fails). @internal */
export function diagnosticsScript(): string {
  return [
    ...HEADER('Diagnostics after a failed E2E run: cluster state, events and logs into e2e-diagnostics/ (uploaded as an artifact).'),
    'set -uo pipefail',
    'out="${DIAGNOSTICS_DIR:-e2e-diagnostics}"',
    'mkdir -p "${out}"',
    'kubectl get nodes --output wide > "${out}/nodes.txt" 2>&1',
    'kubectl get all,ingresses,networkpolicies,poddisruptionbudgets --all-namespaces --output wide > "${out}/resources.txt" 2>&1',
    'kubectl get events --all-namespaces --sort-by=.lastTimestamp > "${out}/events.txt" 2>&1',
    'kubectl get rollouts.argoproj.io,analysisruns.argoproj.io,canaries.flagger.app,policyreports.wgpolicyk8s.io --all-namespaces --output yaml > "${out}/custom-resources.yaml" 2>&1',
    'kubectl --namespace "${NAMESPACE}" describe pods > "${out}/pods-describe.txt" 2>&1',
    'kubectl --namespace "${NAMESPACE}" logs --selector "app.kubernetes.io/name=${APP}" --all-containers --prefix --tail=2000 > "${out}/app-logs.txt" 2>&1',
    'kubectl --namespace "${NAMESPACE}" logs --selector "app.kubernetes.io/name=${APP}" --all-containers --prefix --previous --tail=2000 > "${out}/app-logs-previous.txt" 2>&1',
    'helm list --all-namespaces --all > "${out}/helm-releases.txt" 2>&1',
    'kind export logs "${out}/kind-logs" --name "${CLUSTER_NAME}" > /dev/null 2>&1',
    'echo "diagnostics written to ${out}/"',
    'exit 0',
  ].join('\n');
}

/** One client of the network test: where it runs, as whom, and what it must see. @internal */
export interface NetworkProbe {
  /** The declared path it probes, for the table and the messages, e.g. `ingress gateway (istio-ingress) → checkout:8080`. */
  readonly path: string;
  /** Who the client is, for the table, e.g. `istio-ingress/sa istio-ingress`. */
  readonly client: string;
  readonly namespace: string;
  /** Pod labels besides the probe marker. */
  readonly labels: Record<string, string>;
  /** Service account (its mesh identity). */
  readonly serviceAccount?: string;
  /** The namespace gets the mesh's labels and the pod joins the mesh. */
  readonly meshed: boolean;
  /** `answer`: an HTTP answer (2xx/3xx); `timeout`: curl times out (exit 28). */
  readonly expect: 'answer' | 'timeout';
}

/** One declared egress the app's pods must reach. @internal */
export interface EgressProbe {
  readonly path: string;
  readonly url: string;
}

/** What the network test checks. @internal */
export interface NetworkTestPlan {
  /** `kind/name` of the NetworkPolicies the manifests carry in the namespace: they must be in the cluster. */
  readonly policies: readonly string[];
  /** Labels a meshed namespace gets (the mesh's injection labels). */
  readonly meshLabels: Record<string, string>;
  /** The app's pod labels (the egress probe carries them, so the app's policies select it). */
  readonly appLabels: Record<string, string>;
  /** The app is in the mesh (the egress probe gets a sidecar or ztunnel as the app's pods do). */
  readonly meshed: boolean;
  readonly ingress: readonly NetworkProbe[];
  readonly egress: readonly EgressProbe[];
  /** Declared paths the kind cluster cannot probe (the peer app is not deployed there), with why. */
  readonly notProbed: readonly string[];
}

const PROBE_LABEL = 'platform-pipeline.dev/e2e-probe';
/** `s` as one single-quoted shell word. */
/** The namespace no path declares, as the script names it. @internal */
export const DENIED_NS = '${denied_ns}';

/** A probe pod (curl pinned by digest), outside the mesh unless `meshed`; `ready: false` keeps it out of every Service. */
function probePod(name: string, namespace: string, labels: Record<string, string>,
  o: { serviceAccount?: string; meshed: boolean; ready: boolean }): string[] {
  return stringifyYaml({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace,
      labels: { ...labels, [PROBE_LABEL]: 'true', ...(o.meshed ? {} : { 'istio.io/dataplane-mode': 'none' }) },
      ...(o.meshed ? {} : { annotations: { 'sidecar.istio.io/inject': 'false' } }),
    },
    spec: {
      ...(o.serviceAccount ? { serviceAccountName: o.serviceAccount } : {}),
      securityContext: { runAsNonRoot: true, runAsUser: 100, runAsGroup: 101, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [{
        name: 'probe',
        image: E2E_CLIENT_IMAGE,
        command: ['sleep', '3600'],
        ...(o.ready ? {} : { readinessProbe: { exec: { command: ['false'] }, periodSeconds: 3600 } }),
        securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
        resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { memory: '64Mi' } },
      }],
    },
  }).trimEnd().split('\n');
}

/**
 * `test-network.sh`: the app's declared network in the cluster. The NetworkPolicies of the manifests must be
 * there; a client as each declared caller (its namespace, pod labels and mesh identity) gets an answer from the
 * service; a client in an undeclared namespace, and one in a caller's namespace without its labels, time out;
 * a client with the app's pod labels (selected by the app's policies, kept out of the Service) reaches each
 * declared external host. Every probe is bounded (5 s to connect, 10 s in all); the table goes to the job
 * summary; any path that does not behave as declared fails the step, named. @internal
 */
export function networkTestScript(p: NetworkTestPlan): string {
  const apply = `${KUBECTL_APPLY} -f -`;
  const namespaces = [...new Set(p.ingress.map((i) => i.namespace))].filter((ns) => ns !== DENIED_NS);
  const lines = [
    ...HEADER('Network: the declared callers reach the service, undeclared clients time out, the declared egress is reachable.'),
    'set -euo pipefail',
    URL_LINE,
    'denied_ns="${APP}-e2e-denied"',
    'failed=0',
    '',
    '# the NetworkPolicies of the manifests are in the cluster: without them every probe below tests nothing',
    `for policy in ${p.policies.join(' ')}; do`,
    '  if ! kubectl --namespace "${NAMESPACE}" get "${policy}" --output name; then',
    '    echo "::error::${policy} of the manifests is not in ${NAMESPACE}: the declared network is not enforced"',
    '    exit 1',
    '  fi',
    'done',
    '',
    '{',
    '  echo "### Network (declared callers and dependencies)"',
    '  echo ""',
    '  echo "| path | client | expected | HTTP status | curl exit | result |"',
    '  echo "|---|---|---|---|---|---|"',
    '} >> "${GITHUB_STEP_SUMMARY}"',
    '',
    '# verdict <path> <client> <expected: answer|timeout|reachable> <status> <curl exit>',
    'verdict() {',
    '  local ok=no',
    '  case "$3" in',
    '    answer) [[ "$4" =~ ^[23][0-9][0-9]$ ]] && ok=yes ;;',
    '    timeout) [ "$5" = 28 ] && ok=yes ;;',
    // a connection: curl got through (any status, or a TLS/HTTP-level error after connecting); curl exits 0
    // only with a status, so status 000 with exit 0 means the probe printed nothing (kubectl exec did not run it)
    '    reachable) [ "$5" != 6 ] && [ "$5" != 7 ] && [ "$5" != 28 ] && ! { [ "$4" = 000 ] && [ "$5" = 0 ]; } && ok=yes ;;',
    '  esac',
    '  echo "| $1 | $2 | $3 | $4 | $5 | $([ "${ok}" = yes ] && echo ok || echo FAILED) |" >> "${GITHUB_STEP_SUMMARY}"',
    '  if [ "${ok}" = yes ]; then',
    '    return 0',
    '  fi',
    '  case "$3" in',
    '    answer) echo "::error::network path $1: the allowed client ($2) got no answer (status $4, curl exit $5); expected an HTTP answer" ;;',
    '    timeout) echo "::error::network path $1: the denied client ($2) was not stopped (status $4, curl exit $5); expected a timeout (curl exit 28)" ;;',
    '    reachable) echo "::error::network path $1: the app\'s pods cannot reach it (curl exit $5); expected a connection" ;;',
    '  esac',
    '  failed=1',
    '}',
    '',
    '# probe <namespace> <pod> <url>: "<status> <curl exit>", bounded: 5 s to connect, 10 s in all',
    'probe() {',
    '  local code rc=0',
    '  code="$(kubectl --namespace "$1" exec "$2" --container probe -- curl --silent --output /dev/null --connect-timeout 5 --max-time 10 --write-out \'%{http_code}\' "$3")" || rc=$?',
    '  echo "${code:-000} ${rc}"',
    '}',
    '',
    '# the clients\' namespaces: a caller\'s as the mesh has it, the undeclared one outside the mesh',
    ...namespaces.flatMap((ns) => {
      const meshed = p.ingress.some((i) => i.namespace === ns && i.meshed);
      const labels = Object.entries(p.meshLabels).map(([k, v]) => `${k}=${v}`);
      return [
        `kubectl create namespace ${ns} --dry-run=client --output yaml | kubectl apply -f -`,
        ...(meshed && labels.length > 0 ? [`kubectl label namespace ${ns} --overwrite ${labels.join(' ')}`] : []),
      ];
    }),
    'kubectl create namespace "${denied_ns}" --dry-run=client --output yaml | kubectl apply -f -',
    ...[...new Set(p.ingress.filter((i) => i.serviceAccount).map((i) => `${i.namespace} ${i.serviceAccount}`))].map((x) => {
      const [ns, sa] = x.split(' ');
      return `kubectl create serviceaccount ${sa} --namespace ${ns} --dry-run=client --output yaml | kubectl apply -f -`;
    }),
  ];
  p.ingress.forEach((i, n) => {
    const ns = i.namespace === DENIED_NS ? `"${DENIED_NS}"` : i.namespace;
    lines.push(
      '',
      `# ${i.path}: ${i.client}, expected ${i.expect === 'answer' ? 'an answer' : 'a timeout'}`,
      `${apply} <<EOF`,
      ...probePod(`e2e-probe-${n + 1}`, i.namespace, i.labels, { serviceAccount: i.serviceAccount, meshed: i.meshed, ready: true }),
      'EOF',
      `kubectl --namespace ${ns} wait pod/e2e-probe-${n + 1} --for=condition=Ready --timeout=3m`,
      `read -r code rc <<< "$(probe ${ns} e2e-probe-${n + 1} "\${url}")"`,
      `verdict ${shellWord(i.path)} ${shellWord(i.client)} ${i.expect} "\${code}" "\${rc}"`,
    );
  });
  if (p.egress.length > 0) {
    lines.push(
      '',
      '# the declared egress, from a pod the app\'s policies select (its labels); never Ready, so no Service sends it traffic',
      `${apply} <<EOF`,
      ...probePod('e2e-probe-egress', '${NAMESPACE}', p.appLabels, { meshed: p.meshed, ready: false }),
      'EOF',
      'kubectl --namespace "${NAMESPACE}" wait pod/e2e-probe-egress --for=jsonpath=\'{.status.phase}\'=Running --timeout=3m',
    );
    for (const e of p.egress) {
      lines.push(
        `read -r code rc <<< "$(probe "\${NAMESPACE}" e2e-probe-egress ${shellWord(e.url)})"`,
        `verdict ${shellWord(e.path)} "the app's pods (\${NAMESPACE})" reachable "\${code}" "\${rc}"`,
      );
    }
  }
  for (const why of p.notProbed) lines.push(`echo ${shellWord(`| ${why} | | not probed | | | |`)} >> "\${GITHUB_STEP_SUMMARY}"`);
  lines.push(
    '',
    '# the probes leave; the one with the app\'s labels is gone before the next test counts the app\'s pods',
    ...p.ingress.map((i, n) => `kubectl --namespace ${i.namespace === DENIED_NS ? `"${DENIED_NS}"` : i.namespace} delete pod e2e-probe-${n + 1} --grace-period=1 --wait=false || true`),
    ...(p.egress.length > 0 ? ['kubectl --namespace "${NAMESPACE}" delete pod e2e-probe-egress --grace-period=1 --timeout=2m'] : []),
    'kubectl delete namespace "${denied_ns}" --wait=false || true',
    'exit "${failed}"',
  );
  return lines.join('\n');
}


/**
 * `image-pull-time.sh`: a registry-performance figure. The nodes pulled the release's image by digest when
 * the release was deployed; kubelet's `Pulled` events say how long each pull took ("Successfully pulled image
 * "<ref>" in 1m2.5s (…)"). The slowest and fastest pull go to the job summary and, with `push`, the slowest
 * to the Pushgateway. A figure, not a test: without events it warns and passes. @internal
 */
export function imagePullTimeScript(push: boolean): string {
  return [
    ...HEADER('Registry performance: how long the nodes took to pull the release\'s image (kubelet\'s Pulled events).'),
    'set -euo pipefail',
    '# seconds of a Go duration such as 1m2.5s, 2.345s or 512ms',
    'seconds() {',
    '  awk -v d="$1" \'BEGIN { t = 0; while (match(d, /^[0-9.]+(ms|h|m|s)/)) { v = substr(d, 1, RLENGTH); d = substr(d, RLENGTH + 1); u = v; sub(/^[0-9.]+/, "", u); n = substr(v, 1, length(v) - length(u)) + 0; t += (u == "h" ? n * 3600 : u == "m" ? n * 60 : u == "ms" ? n / 1000 : n) } printf "%.3f", t }\'',
    '}',
    'events="$(kubectl --namespace "${NAMESPACE}" get events --field-selector reason=Pulled --output jsonpath=\'{range .items[*]}{.message}{"\\n"}{end}\')"',
    'times=()',
    'while IFS= read -r message; do',
    '  if [[ "${message}" == *"Successfully pulled image"*"@${IMAGE_DIGEST}"*" in "* ]]; then',
    '    duration="${message#* in }"',
    '    times+=("$(seconds "${duration%% *}")")',
    '  fi',
    'done <<< "${events}"',
    'if [ "${#times[@]}" -eq 0 ]; then',
    '  echo "::warning::no kubelet event reports a pull of ${IMAGE_DIGEST} in ${NAMESPACE}: no registry figure this time"',
    '  echo "registry performance: no pull of the release\'s image reported (events expired, or the image was present)" >> "${GITHUB_STEP_SUMMARY}"',
    '  exit 0',
    'fi',
    'read -r slowest fastest <<< "$(printf \'%s\\n\' "${times[@]}" | sort -g | awk \'NR == 1 { min = $1 } { max = $1 } END { print max, min }\')"',
    '{',
    '  echo "### Registry performance"',
    '  echo ""',
    '  echo "| image | pulls | slowest pull | fastest pull |"',
    '  echo "|---|---|---|---|"',
    '  echo "| ${IMAGE_DIGEST} | ${#times[@]} | ${slowest} s | ${fastest} s |"',
    '} >> "${GITHUB_STEP_SUMMARY}"',
    'echo "the nodes pulled the release\'s image ${#times[@]} time(s): slowest ${slowest} s, fastest ${fastest} s"',
    ...(push ? [pushgatewayScript([['app', '${APP}'], ['environment', E2E_ENVIRONMENT_LABEL]], [{ metric: PipelineMetrics.IMAGE_PULL_SECONDS, value: '${slowest}' }])] : []),
  ].join('\n');
}
