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

/**
 * The image and OpenSCAP as the STIG scan sees them (written by hand): docker exports a file system with the
 * given os-release, apt-get "installs" two SCAP Security Guide data streams (RHEL 9 with the STIG profile,
 * Debian 12 without), and oscap-chroot writes XCCDF results with the given rule results.
 */
export interface StigWorld {
  /** The image's `/usr/lib/os-release`; null: none (a scratch image). @default Red Hat UBI 9.4 */
  readonly osRelease?: string | null;
  /** The rule results oscap writes, [result, rule]. @default 4 pass, 2 notapplicable */
  readonly results?: Array<[string, string]>;
  /** oscap-chroot prints nothing, writes no results and exits 1. @default false */
  readonly oscapSilent?: boolean;
  /** docker create prints no container id. @default false */
  readonly noContainer?: boolean;
}

const UBI9 = 'NAME="Red Hat Enterprise Linux"\nVERSION_ID="9.4"\nID="rhel"\nPRETTY_NAME="Red Hat Enterprise Linux 9.4 (Plow)"\n';
const PASSING: Array<[string, string]> = [
  ['pass', 'accounts_tmout'], ['pass', 'no_empty_passwords'], ['pass', 'file_permissions_etc_shadow'], ['pass', 'package_telnet_removed'],
  ['notapplicable', 'grub2_audit_argument'], ['notapplicable', 'service_auditd_enabled'],
];
const RULE = 'xccdf_org.ssgproject.content_rule_';

/** The data streams' directory the STIG step reads in the harness (the real one is a system path). */
export const HARNESS_SSG_CONTENT = '${{ runner.temp }}/ssg';

/** XCCDF results as oscap writes them (one rule-result per rule, its result on a line of its own). */
export function xccdfResults(results: Array<[string, string]>): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<TestResult xmlns="http://checklists.nist.gov/xccdf/1.2" id="xccdf_org.open-scap_testresult_xccdf_org.ssgproject.content_profile_stig">',
    ...results.flatMap(([r, id]) => [
      `  <rule-result idref="${RULE}${id}" role="full" time="2026-12-02T06:00:00+00:00" severity="medium" weight="1.000000">`,
      `    <result>${r}</result>`,
      '  </rule-result>',
    ]),
    '</TestResult>',
    '',
  ].join('\n');
}

/** The fixtures and stub behaviours of the STIG scan. */
export function stigWorld(w: StigWorld = {}): { fixtures: Record<string, string>; tools: Record<string, string> } {
  const results = w.results ?? PASSING;
  const failing = results.some(([r]) => r !== 'pass' && r !== 'notapplicable');
  return {
    fixtures: {
      'os-release': w.osRelease === null ? '' : (w.osRelease ?? UBI9),
      'stig-results.xml': xccdfResults(results),
    },
    tools: {
      'apt-get': [
        'if has install "$@"; then',
        '  mkdir -p "${SSG_CONTENT}"',
        '  echo \'<ds:data-stream-collection><Benchmark><Profile id="xccdf_org.ssgproject.content_profile_stig"></Profile></Benchmark></ds:data-stream-collection>\' > "${SSG_CONTENT}/ssg-rhel9-ds.xml"',
        '  echo \'<ds:data-stream-collection><Benchmark><Profile id="xccdf_org.ssgproject.content_profile_anssi_np_nt28_minimal"></Profile></Benchmark></ds:data-stream-collection>\' > "${SSG_CONTENT}/ssg-debian12-ds.xml"',
        'fi',
      ].join('\n'),
      'docker': [
        'case "${1:-}" in',
        '  pull) ;;',
        `  create) ${w.noContainer ? ':' : 'echo 5f2a9c0e7d1b'} ;;`,
        '  export)',
        '    __fs="$(mktemp -d)"',
        '    mkdir -p "${__fs}/usr/lib" "${__fs}/etc" "${__fs}/bin"',
        '    echo "#!/bin/sh" > "${__fs}/bin/sh"',
        '    if [ -s "${FIXTURES}/os-release" ]; then cp "${FIXTURES}/os-release" "${__fs}/usr/lib/os-release"; ln -s ../usr/lib/os-release "${__fs}/etc/os-release"; fi',
        '    tar -c -C "${__fs}" -f - . ;;',
        '  rm) ;;',
        '  *) . "${__kit}/defaults/docker.sh" ;;',
        'esac',
      ].join('\n'),
      'oscap-chroot': w.oscapSilent ? 'exit 1' : [
        '__results="$(opt --results "$@")"',
        '__report="$(opt --report "$@")"',
        '[ -d "$1" ] || { echo "oscap-chroot: no such directory: $1" >&2; exit 1; }',
        'cp "${FIXTURES}/stig-results.xml" "${__results}"',
        'echo "<html>STIG report</html>" > "${__report}"',
        'echo "Title   Set Account Expiration Following Inactivity"',
        `exit ${failing ? 2 : 0}`,
      ].join('\n'),
    },
  };
}

/** The workflow with the E2E job's STIG step reading the data streams from HARNESS_SSG_CONTENT. */
export function withHarnessSsg(workflow: any, jobId: string): any {
  const job = workflow.jobs[jobId];
  const steps = job.steps.map((s: any) => (s.id === 'stig' ? { ...s, env: { ...s.env, SSG_CONTENT: HARNESS_SSG_CONTENT } } : s));
  return { ...workflow, jobs: { ...workflow.jobs, [jobId]: { ...job, steps } } };
}
