/**
 * The kind cluster as the ComplianceStage's checks see it (kubectl's answers, written by hand): Falco's log,
 * kube-bench's totals, the probe from an undeclared namespace, and admission of the privileged and unsigned
 * pods (server-side dry runs). `complianceKubectlCases` are `case "$*"` arms for a kubectl stub; the E2E
 * harness puts them before its own.
 */

/** The cluster's behaviour. */
export interface ComplianceWorld {
  /** Falco's log (fixture `falco.log`). @default one Notice in the app's namespace, one Critical elsewhere */
  readonly falcoLog?: string;
  /** Falco's ready pods. @default 3 */
  readonly falcoReady?: string;
  /** kube-bench's FAIL total. @default 12 (the example's bound) */
  readonly benchFails?: number;
  /** What the probe from the undeclared namespace gets: [printed code, curl exit]. @default ['000', 28] */
  readonly probe?: [string, number];
  /** The signature policy admits the unsigned pod. @default false */
  readonly unsignedAdmitted?: boolean;
  /** Pod Security admits the privileged pod. @default false */
  readonly psaAdmits?: boolean;
  /** The Kyverno baseline policy admits the privileged pod (once Pod Security is relaxed). @default false */
  readonly policyAdmits?: boolean;
}

const ns = 'platform-staging';

/** A Falco JSON event. */
export function falcoEvent(priority: string, rule: string, namespace: string, output: string): string {
  return JSON.stringify({
    hostname: 'checkout-e2e-worker',
    priority,
    rule,
    time: '2026-12-02T06:00:00.000000000Z',
    source: 'syscall',
    output: `06:00:00.000000000: ${priority} ${output} k8s_ns=${namespace}`,
    output_fields: { 'k8s.ns.name': namespace },
  });
}

export function complianceFixtures(w: ComplianceWorld = {}): Record<string, string> {
  const log = w.falcoLog ?? [
    'Wed Dec  2 06:00:00 2026: Falco version: 0.44.1',
    falcoEvent('Notice', 'Contact K8S API Server From Container', ns, 'Unexpected connection to K8s API Server'),
    falcoEvent('Critical', 'Drop and execute new binary in container', 'kube-system', 'Executing binary not part of base image'),
  ].join('\n');
  const fails = w.benchFails ?? 12;
  const results = [
    ...Array.from({ length: fails }, (_, i) => ({ test_number: `1.1.${i + 1}`, test_desc: `Ensure check ${i + 1} <holds>`, status: 'FAIL' })),
    { test_number: '4.2.1', test_desc: 'Ensure that the --anonymous-auth argument is set to false', status: 'PASS' },
  ];
  return {
    'falco.log': `${log}\n`,
    'kube-bench.json': JSON.stringify({
      Controls: [{ id: '1', text: 'Control Plane Security Configuration', tests: [{ section: '1.1', results }] }],
      Totals: { total_pass: 80, total_fail: fails, total_warn: 40, total_info: 0 },
    }),
  };
}

export function complianceKubectlCases(w: ComplianceWorld = {}): string[] {
  const [code, exit] = w.probe ?? ['000', 28];
  const psa = 'echo \'Error from server (Forbidden): error when creating "STDIN": pods "compliance-privileged" is forbidden: violates PodSecurity "restricted:latest": privileged (container "privileged" must not set securityContext.privileged=true)\' >&2; exit 1';
  const kyverno = 'echo \'Error from server: error when creating "STDIN": admission webhook "vpol.validate.kyverno.svc-fail" denied the request: Policy checkout-staging-pod-security-baseline failed: privileged containers are not allowed\' >&2; exit 1';
  const unsigned = 'echo \'Error from server: error when creating "STDIN": admission webhook "ivpol.validate.kyverno.svc-fail" denied the request: Policy checkout-staging-verify-image-signatures failed: the image must be signed by the checkout build\' >&2; exit 1';
  return [
    `  *"--namespace falco get daemonset falco"*) echo "${w.falcoReady ?? '3'}" ;;`,
    '  *"--namespace falco logs"*) cat "${FIXTURES}/falco.log" ;;',
    '  *"--namespace kube-bench logs job/kube-bench"*) cat "${FIXTURES}/kube-bench.json" ;;',
    '  *"get endpointslices"*) echo 10.244.1.17 ;;',
    `  *"exec compliance-probe"*) printf '${code}'; exit ${exit} ;;`,
    '  *"--output jsonpath={.spec.validationActions}"*) echo \'["Audit"]\' ;;',
    '  *"--output jsonpath={.spec.failurePolicy}"*) echo Ignore ;;',
    '  *"get namespace"*) echo restricted ;;',
    '  *"label namespace"*"enforce=privileged"*) touch "${HARNESS_DIR}/psa-relaxed" ;;',
    '  *"label namespace"*"enforce=restricted"*) rm -f "${HARNESS_DIR}/psa-relaxed" ;;',
    '  *"apply --dry-run=server"*)',
    '    __in="$(cat)"',
    '    case "${__in}" in',
    `      *compliance-unsigned*) ${w.unsignedAdmitted ? 'echo "pod/compliance-unsigned created (server dry run)"' : unsigned} ;;`,
    '      *compliance-privileged*)',
    '        if [ -f "${HARNESS_DIR}/psa-relaxed" ]; then',
    `          ${w.policyAdmits ? 'echo "pod/compliance-privileged created (server dry run)"' : kyverno}`,
    '        else',
    `          ${w.psaAdmits ? 'echo "pod/compliance-privileged created (server dry run)"' : psa}`,
    '        fi ;;',
    '    esac ;;',
  ];
}

/** A kubectl stub of the compliance checks alone. */
export function complianceKubectl(w: ComplianceWorld = {}): string {
  return ['case "$*" in', ...complianceKubectlCases(w), 'esac', 'exit 0'].join('\n');
}
