/**
 * The kind E2E job of the enterprise example, run by the script harness (DESIGN §2b) with stub kind, kubectl,
 * helm and docker: the release under test is this run's digest with the environment's values and manifests;
 * the tests pass on a healthy cluster and fail when mTLS is not enforced, an RBAC answer differs (or is no
 * answer), or the errors under chaos exceed the budget; on failure the diagnostics are collected and
 * uploaded; the cluster is deleted whatever happened. The cluster's answers are written here by hand.
 */
import { complianceFixtures, complianceKubectlCases, stigWorld, withHarnessSsg } from './compliance-world';
import { loadExample } from './examples';
import { cleanupHarness, JobResult, runJob, Scenario } from './job-runner';
import { buildOutputs, DIGEST, secretsOf } from './worlds';

afterAll(() => cleanupHarness());

const ex = loadExample('enterprise-platform');
const JOB = `${ex.app}-e2e`;
const job = ex.workflow.jobs[JOB];
/** The STIG step reads the data streams the stub apt-get writes. */
const workflow = withHarnessSsg(ex.workflow, JOB);

interface World {
  /** What the plaintext client outside the mesh gets: [status, curl exit]. @default ['000', 56] */
  readonly outside?: [string, number];
  /** `kubectl auth can-i list secrets` answer. @default 'no' */
  readonly listSecrets?: string;
  /** `kubectl auth can-i create pods/exec` answer. @default 'no' */
  readonly podsExec?: string;
  /** Status codes the traffic during the chaos test records. @default 58 × 200, 2 × 503 */
  readonly chaosCodes?: string[];
  /** The stable ReplicaSet after the abort. @default unchanged */
  readonly stableAfterAbort?: string;
  /**
   * What each network probe gets, [status, curl exit], by pod: e2e-probe-1 is the ingress gateway's client,
   * e2e-probe-2 the one in an undeclared namespace, e2e-probe-egress the app's pod calling api.stripe.com.
   * @default the gateway answered (200), the undeclared client timed out (28), Stripe connected (401)
   */
  readonly network?: Record<string, [string, number]>;
  /** NetworkPolicies of the manifests missing from the cluster. @default none */
  readonly missingPolicies?: string[];
  /** How long kubelet's Pulled events say each node took to pull the release's image. @default ['3.2s', '1m2.5s'] */
  readonly pulled?: string[];
}

/** A k6 `--summary-export` file (k6 1.x) of the short run in the kind cluster. Written by hand. */
const K6_SUMMARY = JSON.stringify({
  metrics: {
    http_req_duration: { 'avg': 20, 'min': 3, 'med': 18, 'max': 90, 'p(90)': 35, 'p(95)': 42.5, 'p(99)': 71 },
    http_req_failed: { passes: 0, fails: 1500, value: 0 },
    http_reqs: { count: 1500, rate: 25 },
  },
});

/** The cluster as kubectl answers it. */
function kubectl(w: World): string {
  const codes = (w.chaosCodes ?? [...Array(58).fill('200'), '503', '503']).join('\\n');
  const [outsideCode, outsideExit] = w.outside ?? ['000', 56];
  const network: Record<string, [string, number]> = { 'e2e-probe-1': ['200', 0], 'e2e-probe-2': ['000', 28], 'e2e-probe-egress': ['401', 0], ...w.network };
  return [
    'case "$*" in',
    // the ComplianceStage's checks in the same cluster, all passing (test/harness/compliance.test.ts varies them)
    ...complianceKubectlCases(),
    `  *"get events --field-selector reason=Pulled"*) printf '%s\\n' ${(w.pulled ?? ['3.2s', '1m2.5s']).map((d) => `'Successfully pulled image "ghcr.io/acme/checkout@${DIGEST}" in ${d} (${d} including waiting). Image size: 52428800 bytes.'`).join(' ')} 'Container image "curlimages/curl" already present on machine' ;;`,
    ...(w.missingPolicies ?? []).map((p) => `  *"get networkpolicies.networking.k8s.io/${p} "*) echo 'Error from server (NotFound): networkpolicies.networking.k8s.io "${p}" not found' >&2; exit 1 ;;`),
    ...Object.entries(network).map(([pod, [code, exit]]) => `  *"exec ${pod} --container probe"*) printf '${code}'; exit ${exit} ;;`),
    '  *"auth can-i get configmaps"*) echo yes ;;',
    `  *"auth can-i list secrets"*) echo "${w.listSecrets ?? 'no'}"; exit 1 ;;`,
    `  *"auth can-i create pods/exec"*) echo "${w.podsExec ?? 'no'}"; exit 1 ;;`,
    '  *"auth can-i"*) echo no; exit 1 ;;',
    `  *"exec e2e-client"*"sh -c"*) printf '${codes}\\n' ;;`,
    `  *"--namespace checkout-e2e-outside exec e2e-client"*) printf '${outsideCode}'; exit ${outsideExit} ;;`,
    '  *"exec e2e-client"*) printf 200 ;;',
    '  *"argo rollouts abort"*) touch "${HARNESS_DIR}/aborted" ;;',
    `  *.status.stableRS*) if [ -f "\${HARNESS_DIR}/aborted" ]; then echo "${w.stableAfterAbort ?? '5d8f7c9b4'}"; else echo 5d8f7c9b4; fi ;;`,
    '  *.status.currentPodHash*) echo 6c7d8e9f0 ;;',
    '  *.status.blueGreen.activeSelector*) echo 6c7d8e9f0 ;;',
    '  *.status.phase*) echo Paused ;;',
    '  *"get pods"*"conditions"*) printf "checkout-7f9-c3 True\\ncheckout-7f9-b2 True\\n" ;;',
    '  *"get pods"*) printf "checkout-7f9-a1\\ncheckout-7f9-b2\\n" ;;',
    'esac',
    'exit 0',
  ].join('\n');
}

function scenario(w: World = {}): Scenario {
  return {
    secrets: secretsOf(job),
    needs: { [`${ex.app}-build`]: { result: 'success', outputs: buildOutputs(ex.app, job) } },
    tools: {
      kubectl: kubectl(w),
      kind: 'if [ "$1 $2" = "get nodes" ]; then printf "checkout-e2e-control-plane\\ncheckout-e2e-worker\\n"; fi',
      python3: 'echo "E2E_BASE_URL=${E2E_BASE_URL:-unset}"',
      // k6 against the forwarded service writes the summary k6 1.x writes with --summary-export
      k6: '__o="$(opt --summary-export "$@")"; cp "${FIXTURES}/k6-summary.json" "${__o}"',
      ...stigWorld().tools,
    },
    fixtures: { ...complianceFixtures(), ...stigWorld().fixtures, 'k6-summary.json': K6_SUMMARY },
    http: [{ match: '^http://127\\.0\\.0\\.1:18080/', exit: 0 }, { match: '^https://pushgateway\\.acme\\.dev/', exit: 0 }],
  };
}

const run = (w: World = {}) => runJob(workflow, JOB, scenario(w), { repo: ex.repo });
const kubectlCalls = (r: JobResult, sub: string) => r.callsOf('kubectl').map((a) => a.join(' ')).filter((a) => a.includes(sub));

/** Whatever happened: the cluster is deleted; on failure, the diagnostics are collected and uploaded. */
function cleanedUp(r: JobResult, failed: boolean): void {
  expect(r.callsOf('kind')).toContainEqual(['delete', 'cluster', '--name', 'checkout-e2e']);
  expect(r.step('delete-cluster').outcome).toBe('success');
  expect(r.step('diagnostics').outcome).toBe(failed ? 'success' : 'skipped');
  expect(r.step('upload-diagnostics').outcome).toBe(failed ? 'success' : 'skipped');
  if (failed) expect(r.callsOf('kind')).toContainEqual(['export', 'logs', 'e2e-diagnostics/kind-logs', '--name', 'checkout-e2e']);
}

test('a healthy cluster: the real release is deployed and every declared test passes', () => {
  // with the registry login docker/login-action leaves (in DOCKER_CONFIG when set)
  const r = runJob(workflow, JOB, { ...scenario(), files: { '.docker-e2e/config.json': '{"auths":{"ghcr.io":{"auth":"eDp5"}}}' } },
    { repo: ex.repo, workflowEnv: { DOCKER_CONFIG: '.docker-e2e' } });
  expect(r.conclusion).toBe('success');
  // the ComplianceStage's checks ran in this cluster, among the tests, and its report passed
  expect(r.summary).toContain('All 8 compliance checks passed.');
  // the platform: Cilium replacing kube-proxy, Istio with its CNI, Argo Rollouts, Prometheus — charts by version
  const installs = r.callsOf('helm').filter((a) => a[0] === 'upgrade' && a[2] !== 'checkout').map((a) => `${a[3]}@${a[a.indexOf('--version') + 1]}`);
  expect(installs).toEqual(['cilium/cilium@1.19.0', 'istio/base@1.28.3', 'istio/cni@1.28.3', 'istio/istiod@1.28.3', 'argo/argo-rollouts@2.40.9', 'kyverno/kyverno@3.6.0', 'prometheus-community/kube-prometheus-stack@82.10.1', 'falcosecurity/falco@9.1.0']);
  expect(r.callsOf('helm').find((a) => a[3] === 'cilium/cilium')).toEqual(expect.arrayContaining(['kubeProxyReplacement=true', 'k8sServiceHost=checkout-e2e-control-plane']));
  // the release under test: this run's digest, staging's values and the E2E values, then staging's manifests
  const release = r.callsOf('helm').find((a) => a[0] === 'upgrade' && a[2] === 'checkout')!;
  expect(release.join(' ')).toContain(`--values helm/checkout/values-staging.yaml --values e2e/checkout/values.yaml --set-string image.digest=${DIGEST}`);
  const applies = kubectlCalls(r, 'apply --server-side --field-manager=platform-pipeline-e2e -f deploy/checkout/staging.k8s.yaml');
  expect(applies).toEqual([
    expect.stringContaining('--selector platform-pipeline.dev/apply-phase=before-helm'),
    'apply --server-side --field-manager=platform-pipeline-e2e -f deploy/checkout/staging.k8s.yaml',
  ]);
  expect(kubectlCalls(r, 'wait rollout.argoproj.io/checkout')[0]).toContain('--for=jsonpath={.status.phase}=Healthy');
  // every node's kubelet gets the job's registry login before anything is deployed
  expect(r.callsOf('docker')).toEqual([
    ['cp', '.docker-e2e/config.json', 'checkout-e2e-control-plane:/var/lib/kubelet/config.json'],
    ['exec', 'checkout-e2e-control-plane', 'systemctl', 'restart', 'kubelet.service'],
    ['cp', '.docker-e2e/config.json', 'checkout-e2e-worker:/var/lib/kubelet/config.json'],
    ['exec', 'checkout-e2e-worker', 'systemctl', 'restart', 'kubelet.service'],
    // then the STIG scan: this run's image by digest, its file system exported, the container removed
    ['pull', '--quiet', `ghcr.io/acme/checkout@${DIGEST}`],
    ['create', `ghcr.io/acme/checkout@${DIGEST}`, 'stig-scan'],
    ['export', '5f2a9c0e7d1b'],
    ['rm', '--force', '5f2a9c0e7d1b'],
  ]);
  // the user's command runs against the forwarded service
  expect(r.callsOf('python3')).toEqual([['-m', 'unittest', 'discover', '--start-directory', 'e2e', '--verbose']]);
  expect(r.log).toContain('E2E_BASE_URL=http://127.0.0.1:18080');
  expect(r.step('port-forward').outcome).toBe('success');
  // RBAC: one can-i per expectation, as the declared service account
  expect(kubectlCalls(r, 'auth can-i')).toEqual([
    'auth can-i get configmaps --namespace platform-staging --as system:serviceaccount:platform-staging:checkout',
    'auth can-i list secrets --namespace platform-staging --as system:serviceaccount:platform-staging:checkout',
    'auth can-i create pods/exec --namespace platform-staging --as system:serviceaccount:platform-staging:checkout',
  ]);
  expect(r.summary).toContain('| platform-staging/checkout | list secrets | no | no |');
  // mTLS: both clients probed, the outside one refused
  expect(r.summary).toContain('| outside the mesh (checkout-e2e-outside) | 000 | 56 | refused |');
  // network: staging's NetworkPolicies are in the cluster; the gateway's client (in the mesh, as its service
  // account) is answered, one in an undeclared namespace times out, the app's pods reach Stripe; the test
  // clients of mTLS and chaos are let through the isolation by policies of their own
  expect(kubectlCalls(r, 'get networkpolicies')).toEqual([
    '--namespace platform-staging get networkpolicies.networking.k8s.io/checkout-default-deny --output name',
    '--namespace platform-staging get networkpolicies.networking.k8s.io/checkout-allow --output name',
  ]);
  expect(kubectlCalls(r, 'label namespace istio-ingress')).toEqual(['label namespace istio-ingress --overwrite istio-injection=enabled']);
  expect(r.summary).toContain('| ingress gateway (istio-ingress) -> checkout:8080 | istio-ingress, service account istio-ingress | answer | 200 | 0 | ok |');
  expect(r.summary).toContain('| undeclared namespace -> checkout:8080 | checkout-e2e-denied | timeout | 000 | 28 | ok |');
  expect(r.summary).toContain('| checkout -> api.stripe.com:443 | the app\'s pods (platform-staging) | reachable | 401 | 0 | ok |');
  expect(kubectlCalls(r, 'exec e2e-probe')).toEqual([
    expect.stringMatching(/^--namespace istio-ingress exec e2e-probe-1 --container probe -- curl .*--connect-timeout 5 --max-time 10 .*http:\/\/checkout\.platform-staging\.svc\.cluster\.local:8080\/$/),
    expect.stringMatching(/^--namespace checkout-e2e-denied exec e2e-probe-2 /),
    expect.stringMatching(/^--namespace platform-staging exec e2e-probe-egress .* https:\/\/api\.stripe\.com\/$/),
  ]);
  // the probe with the app's labels is gone (waited for) before chaos counts the app's pods
  const calls = r.callsOf('kubectl').map((a) => a.join(' '));
  expect(calls.indexOf('--namespace platform-staging delete pod e2e-probe-egress --grace-period=1 --timeout=2m'))
    .toBeLessThan(calls.findIndex((c) => c.includes('get pods --selector app.kubernetes.io/name=checkout')));
  expect(r.step('network').outcome).toBe('success');
  // registry performance: the two pulls of the release's image kubelet reported, the slowest pushed
  expect(r.summary).toContain(`| ${DIGEST} | 2 | 62.500 s | 3.200 s |`);
  expect(r.callsOf('curl').map((a) => a[a.length - 1]).filter((u) => u.endsWith('/environment/kind-e2e'))).toHaveLength(2);
  // the load test in the kind cluster: k6 against the forwarded service, before chaos replaces the pods;
  // no earlier run, so no regression check yet; the figures pushed under environment kind-e2e
  expect(r.callsOf('k6')).toEqual([['run', '--env', 'BASE_URL=http://127.0.0.1:18080', '--summary-export', 'load-results/release-smoke.json', 'load/checkout/release-smoke.js']]);
  expect(r.summary).toContain('### checkout load test against the kind E2E cluster (staging\'s release)');
  expect(r.summary).toContain('| release-smoke | 1500 | 25.0 | 42.5 | 71.0 | 0.00 % |');
  expect(r.step('load-regression').outcome).toBe('success');
  expect(r.summary).toContain('no baseline: regression check skipped');
  expect(r.callsOf('curl').map((a) => a[a.length - 1])).toContain('https://pushgateway.acme.dev/metrics/job/platform_pipeline/app/checkout/environment/kind-e2e');
  const order = (id: string) => job.steps.findIndex((st: any) => st.id === id);
  expect(order('port-forward')).toBeLessThan(order('load-k6'));
  expect(order('load-k6')).toBeLessThan(order('chaos'));
  // chaos: one app pod and CoreDNS deleted, recovered, 2 of 60 requests failed (3.33 % within 5 %)
  expect(kubectlCalls(r, 'delete pod').filter((c) => !c.includes('e2e-probe'))).toEqual([
    '--namespace platform-staging delete pod checkout-7f9-a1 --wait=false',
    '--namespace kube-system delete pod --selector k8s-app=kube-dns --wait=false',
  ]);
  expect(r.summary).toMatch(/\| 1 \| \d+s \| 120s \| 60 \| 2 \| 3\.33 % \| 5 % \|/);
  // canary dry run (blue-green with a post-promotion analysis): revision 2 promoted, aborted, then back to Healthy
  expect(kubectlCalls(r, 'argo rollouts')).toEqual(['argo rollouts promote checkout --namespace platform-staging', 'argo rollouts abort checkout --namespace platform-staging']);
  expect(kubectlCalls(r, 'patch deployment/checkout')).toHaveLength(2);
  cleanedUp(r, false);
});

test.each([
  ['mTLS not enforced (a plaintext client is answered)', { outside: ['200', 0] } as World, 'mtls', 'a client outside the mesh was not refused by mTLS'],
  ['an RBAC answer differs from the expectation, another is no answer (fails closed)', { listSecrets: 'yes', podsExec: 'error: the server has asked for the client to provide credentials' } as World, 'rbac',
    'platform-staging/checkout can list secrets: expected no, got yes', 'create pods/exec as platform-staging/checkout gave no answer'],
  ['errors under chaos beyond the budget', { chaosCodes: [...Array(50).fill('200'), ...Array(10).fill('000')] } as World, 'chaos', '10 of 60 requests failed during the chaos test (16.67 %, budget 5 %)'],
  ['the abort promoted revision 2', { stableAfterAbort: '6c7d8e9f0' } as World, 'canary-dry-run', 'revision 2 was promoted'],
  ['the network is not as declared: the undeclared client connects, the gateway\'s times out, Stripe is unreachable', {
    network: { 'e2e-probe-1': ['000', 28], 'e2e-probe-2': ['200', 0], 'e2e-probe-egress': ['000', 28] },
  } as World, 'network',
  'network path undeclared namespace -> checkout:8080: the denied client (checkout-e2e-denied) was not stopped (status 200, curl exit 0); expected a timeout (curl exit 28)',
  'network path ingress gateway (istio-ingress) -> checkout:8080: the allowed client (istio-ingress, service account istio-ingress) got no answer (status 000, curl exit 28); expected an HTTP answer',
  'network path checkout -> api.stripe.com:443: the app\'s pods cannot reach it (curl exit 28); expected a connection'],
  ['the egress probe prints nothing (kubectl exec ran no curl): not counted as reachable', { network: { 'e2e-probe-egress': ['', 0] } } as World, 'network',
    'network path checkout -> api.stripe.com:443: the app\'s pods cannot reach it (curl exit 0); expected a connection'],
  // (and no pull event: the registry figure is missing, with a warning, and nothing fails for it)
  ['a NetworkPolicy of the manifests is not in the cluster', { missingPolicies: ['checkout-allow'], pulled: [] } as World, 'network',
    'networkpolicies.networking.k8s.io/checkout-allow of the manifests is not in platform-staging: the declared network is not enforced',
    `::warning::no kubelet event reports a pull of ${DIGEST} in platform-staging: no registry figure this time`],
] as Array<[string, World, string, ...string[]]>)('%s: the job fails at that test, with diagnostics, and the cluster is deleted', (_, world, stepId, ...messages) => {
  const r = run(world);
  expect(r.conclusion).toBe('failure');
  expect(r.step(stepId).outcome).toBe('failure');
  for (const m of messages) expect(r.log).toContain(m);
  cleanedUp(r, true);
});
