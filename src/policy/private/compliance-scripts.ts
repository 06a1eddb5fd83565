// The scripts of the ComplianceStage. Each check records `<status>\t<detail>` in compliance-results/<check>.tsv
// and exits 0; the report step reads every result, writes the job summary and the HTML report, and fails the
// job when a check failed, errored or did not run. A check that cannot decide (a tool printed nothing, a pod
// never got ready) records ERROR: fail closed.
import { ComplianceCheck } from './compliance-controls';
import { HTML_ESCAPE_FN } from '../../core/html-escape';
import { stringifyYaml } from '../../core/yaml-writer';

const HEADER = (what: string) => ['#!/usr/bin/env bash', `# ${what}`, 'set -euo pipefail', 'mkdir -p compliance-results compliance-report'];

const RECORD = [
  '# record <check> <PASS|FAIL|ERROR> <detail>: the result the report reads',
  'record() {',
  '  printf \'%s\\t%s\\n\' "$2" "$3" > "compliance-results/$1.tsv"',
  '  echo "$1: $2 - $3"',
  '}',
];

/** Falco's priorities, most severe first (their rank is the index). @internal */
export const FALCO_PRIORITIES = ['emergency', 'alert', 'critical', 'error', 'warning', 'notice', 'informational', 'debug'];

/** `falco-rules.yaml`: rules for the app's containers in its namespace, on top of Falco's default rules. @internal */
export function falcoRules(p: { app: string; namespace: string; imageRepository: string }): string {
  const macro = `${p.app.replace(/-/g, '_')}_containers`;
  const output = '(user=%user.name command=%proc.cmdline pod=%k8s.pod.name k8s_ns=%k8s.ns.name container=%container.name image=%container.image.repository)';
  return stringifyYaml([
    { macro, condition: `container and k8s.ns.name = "${p.namespace}" and container.image.repository = "${p.imageRepository}"` },
    {
      rule: `Shell in a ${p.app} container`,
      desc: `A shell started in a container of ${p.app}: its image runs no shell at runtime.`,
      condition: `spawned_process and ${macro} and proc.name in (shell_binaries)`,
      output: `Shell in a ${p.app} container ${output}`,
      priority: 'WARNING',
      tags: ['platform-pipeline', 'mitre_execution'],
    },
    {
      rule: `Package manager in a ${p.app} container`,
      desc: `A package manager ran in a container of ${p.app}: images are immutable.`,
      condition: `spawned_process and ${macro} and proc.name in (package_mgmt_binaries)`,
      output: `Package manager in a ${p.app} container ${output}`,
      priority: 'ERROR',
      tags: ['platform-pipeline', 'mitre_persistence'],
    },
    {
      rule: `Write below a binary directory in a ${p.app} container`,
      desc: `A file was opened for writing below a binary directory in a container of ${p.app}.`,
      condition: `open_write and ${macro} and bin_dir`,
      output: `Write below a binary directory in a ${p.app} container (file=%fd.name ${output.slice(1)}`,
      priority: 'ERROR',
      tags: ['platform-pipeline', 'mitre_persistence'],
    },
  ]);
}

/** `install-falco.sh`: Falco (chart pinned to a version, modern eBPF, JSON output) with the app's rules. @internal */
export function installFalcoScript(p: { repoName: string; repoUrl: string; chart: string; version: string; rulesFile: string }): string {
  return [
    ...HEADER(`Installs Falco (chart ${p.version}) before the release is deployed, so it watches the whole run.`),
    `helm repo add ${p.repoName} ${p.repoUrl} --force-update`,
    `helm upgrade --install falco ${p.repoName}/${p.chart} --version ${p.version} \\`,
    '  --namespace falco --create-namespace \\',
    '  --set driver.kind=modern_ebpf \\',
    '  --set tty=true \\',
    '  --set falco.json_output=true \\',
    '  --set falco.json_include_output_property=true \\',
    `  --set-file "customRules.\${APP}-rules\\.yaml=${p.rulesFile}" \\`,
    '  --wait=watcher --timeout 10m',
    'kubectl --namespace falco rollout status daemonset/falco --timeout=5m',
    '',
  ].join('\n');
}

/** `falco-check.sh`: Falco's alerts for the app's namespace at or above the threshold fail the check. @internal */
export function falcoCheckScript(minimumPriority: string): string {
  const rank = FALCO_PRIORITIES.indexOf(minimumPriority.toLowerCase());
  const ranks = JSON.stringify(Object.fromEntries([...FALCO_PRIORITIES.map((p, i) => [p, i]), ['info', 6]]));
  return [
    ...HEADER(`Falco: an alert of priority ${minimumPriority} or higher in the app's namespace fails the check.`),
    ...RECORD,
    `threshold="${minimumPriority}"`,
    'ready="$(kubectl --namespace falco get daemonset falco --output jsonpath=\'{.status.numberReady}\' || true)"',
    'if ! [ "${ready:-0}" -ge 1 ] 2>/dev/null; then',
    '  record falco ERROR "Falco is not running (ready pods: ${ready:-none}): nothing watched the run"',
    '  exit 0',
    'fi',
    'if ! kubectl --namespace falco logs --selector app.kubernetes.io/name=falco --container falco --tail=-1 > compliance-report/falco.log; then',
    '  record falco ERROR "Falco\'s logs could not be read"',
    '  exit 0',
    'fi',
    // Falco writes one JSON object per event; other lines are its own messages
    `jq -R -c --arg ns "\${NAMESPACE}" --argjson ranks '${ranks}' --argjson max ${rank} '`,
    '  fromjson? | select(type == "object" and has("rule") and has("priority"))',
    '  | select(((.output_fields["k8s.ns.name"] // "") == $ns) or ((.output // "") | test("(^|[ (])(k8s_ns|ns)=" + $ns + "([ )]|$)")))',
    '  | select(($ranks[.priority | ascii_downcase] // 7) <= $max)',
    '  | {time, priority, rule, output}\' compliance-report/falco.log > compliance-report/falco-alerts.json',
    'events="$(jq -R \'fromjson? | select(type == "object" and has("rule"))\' compliance-report/falco.log | jq -s length)"',
    'count="$(jq -s length compliance-report/falco-alerts.json)"',
    '{',
    '  echo "### Falco: ${count} alert(s) of priority ${threshold} or higher in ${NAMESPACE}"',
    '  if [ "${count}" -gt 0 ]; then',
    '    echo "| time | priority | rule | output |"',
    '    echo "| --- | --- | --- | --- |"',
    '    jq -r \'[.time, .priority, .rule, .output] | map(tostring | gsub("[|]"; "\\\\|") | gsub("\\n"; " ")) | "| " + join(" | ") + " |"\' compliance-report/falco-alerts.json',
    '  fi',
    '} >> "${GITHUB_STEP_SUMMARY}"',
    'if [ "${count}" -gt 0 ]; then',
    '  rules="$(jq -r -s \'map(.rule) | unique | join(", ")\' compliance-report/falco-alerts.json)"',
    '  record falco FAIL "${count} alert(s) of priority ${threshold} or higher in ${NAMESPACE}: ${rules}"',
    'else',
    '  record falco PASS "no alert of priority ${threshold} or higher in ${NAMESPACE} (${events} Falco event(s) read)"',
    'fi',
    '',
  ].join('\n');
}

/** The kube-bench Job (on the control-plane node, the host's configuration mounted read-only). @internal */
export function kubeBenchJob(p: { image: string; benchmark?: string; labels: Record<string, string> }): string {
  const mounts: Array<[string, string]> = [
    ['var-lib-etcd', '/var/lib/etcd'], ['var-lib-kubelet', '/var/lib/kubelet'], ['var-lib-kube-scheduler', '/var/lib/kube-scheduler'],
    ['var-lib-kube-controller-manager', '/var/lib/kube-controller-manager'], ['etc-systemd', '/etc/systemd'], ['lib-systemd', '/lib/systemd'],
    ['etc-kubernetes', '/etc/kubernetes'], ['etc-cni-netd', '/etc/cni/net.d'], ['opt-cni-bin', '/opt/cni/bin'],
  ];
  return stringifyYaml({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'kube-bench', namespace: 'kube-bench', labels: p.labels },
    spec: {
      backoffLimit: 0,
      template: {
        metadata: { labels: { 'app.kubernetes.io/name': 'kube-bench' } },
        spec: {
          hostPID: true,
          restartPolicy: 'Never',
          nodeSelector: { 'node-role.kubernetes.io/control-plane': '' },
          tolerations: [{ key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' }],
          containers: [{
            name: 'kube-bench',
            image: p.image,
            command: ['kube-bench', 'run', '--targets', 'master,node,etcd,policies', ...(p.benchmark ? ['--benchmark', p.benchmark] : []), '--json'],
            volumeMounts: [
              ...mounts.map(([name, mountPath]) => ({ name, mountPath, readOnly: true })),
              { name: 'usr-bin', mountPath: '/usr/local/mount-from-host/bin', readOnly: true },
            ],
          }],
          volumes: [...mounts.map(([name, path]) => ({ name, hostPath: { path } })), { name: 'usr-bin', hostPath: { path: '/usr/bin' } }],
        },
      },
    },
  });
}

/** `kube-bench.sh`: the CIS benchmark on the cluster; more FAILs than the bound fail the check. @internal */
export function kubeBenchScript(p: { jobFile: string; maxFailures: number }): string {
  return [
    ...HEADER(`CIS Kubernetes Benchmark (kube-bench): more than ${p.maxFailures} FAIL fails the check.`),
    ...RECORD,
    `max_failures=${p.maxFailures}`,
    'kubectl create namespace kube-bench --dry-run=client --output yaml | kubectl apply -f -',
    'kubectl --namespace kube-bench delete job kube-bench --ignore-not-found',
    `kubectl apply -f ${p.jobFile}`,
    'if ! kubectl --namespace kube-bench wait job/kube-bench --for=condition=complete --timeout=5m; then',
    '  kubectl --namespace kube-bench logs job/kube-bench > compliance-report/kube-bench.log 2>&1 || true',
    '  record kube-bench ERROR "the kube-bench Job did not complete within 5 minutes (its log is in the report artifact)"',
    '  exit 0',
    'fi',
    'kubectl --namespace kube-bench logs job/kube-bench > compliance-report/kube-bench.json',
    'fails="$(jq \'.Totals.total_fail | numbers\' compliance-report/kube-bench.json 2>/dev/null || true)"',
    'if ! [[ "${fails}" =~ ^[0-9]+$ ]]; then',
    '  record kube-bench ERROR "kube-bench printed no result totals"',
    '  exit 0',
    'fi',
    'passes="$(jq \'.Totals.total_pass // 0\' compliance-report/kube-bench.json)"',
    'warns="$(jq \'.Totals.total_warn // 0\' compliance-report/kube-bench.json)"',
    'jq -r \'.Controls[]?.tests[]?.results[]? | select(.status == "FAIL") | "\\(.test_number) \\(.test_desc)"\' compliance-report/kube-bench.json > compliance-report/kube-bench-failures.txt',
    '{',
    '  echo "### CIS Kubernetes Benchmark (kube-bench): ${fails} FAIL (bound ${max_failures}), ${passes} PASS, ${warns} WARN"',
    '  sed \'s/^/- /\' compliance-report/kube-bench-failures.txt',
    '} >> "${GITHUB_STEP_SUMMARY}"',
    'if [ "${fails}" -gt "${max_failures}" ]; then',
    '  first="$(head -n 5 compliance-report/kube-bench-failures.txt | paste -sd \';\' -)"',
    '  record kube-bench FAIL "${fails} FAIL, more than the bound ${max_failures} (${passes} PASS, ${warns} WARN): ${first}"',
    'else',
    '  record kube-bench PASS "${fails} FAIL within the bound ${max_failures} (${passes} PASS, ${warns} WARN)"',
    'fi',
    '',
  ].join('\n');
}

/** What the enforcement checks check, resolved at synth. @internal */
export interface EnforcementPlan {
  readonly network: boolean;
  readonly podSecurity: boolean;
  /** The Kyverno policy that must refuse a privileged pod (ValidatingPolicy name), if checked. */
  readonly baselinePolicy?: string;
  /** The Kyverno signature policy (ImageValidatingPolicy name), if checked. */
  readonly signaturePolicy?: string;
  readonly probeImage: string;
  readonly imageRepository: string;
}

/** A digest no build signed. */
const UNSIGNED_DIGEST = `sha256:${'0'.repeat(64)}`;

/** `enforcement.sh`: a denied path is denied, a privileged pod and an unsigned image are refused. @internal */
export function enforcementScript(p: EnforcementPlan): string {
  const lines = [
    ...HEADER('Enforcement in the cluster: a denied network path is denied; a privileged pod is refused by Pod Security and by the enforced policy; an unsigned image is refused by the signature policy.'),
    ...RECORD,
    '',
    '# try_admission <manifest-function>: server-side dry runs (admission runs, nothing is created) until one is',
    '# refused (returns 1, the refusal in $out) or 12 were admitted (a policy switched to Deny takes a moment to reach the webhook)',
    'try_admission() {',
    '  local i',
    '  for i in $(seq 1 12); do',
    '    if ! out="$("$1" | kubectl apply --dry-run=server -f - 2>&1)"; then return 1; fi',
    '    [ "${i}" -lt 12 ] && sleep 5',
    '  done',
    '  return 0',
    '}',
    '',
    '# enforce <kind> <name>: switches an audited policy to Deny for the check (the enforcing environment runs it so)',
    'restore_kinds=()',
    'restore_names=()',
    'restore_patches=()',
    'enforce() {',
    '  local actions failure',
    '  if ! actions="$(kubectl get "$1" "$2" --output jsonpath=\'{.spec.validationActions}\')"; then return 1; fi',
    '  note=""',
    '  case "${actions}" in',
    '    *Deny*) ;;',
    '    *)',
    '      failure="$(kubectl get "$1" "$2" --output jsonpath=\'{.spec.failurePolicy}\')"',
    '      kubectl patch "$1" "$2" --type merge --patch \'{"spec":{"validationActions":["Deny"],"failurePolicy":"Fail"}}\'',
    '      restore_kinds+=("$1")',
    '      restore_names+=("$2")',
    '      restore_patches+=("{\\"spec\\":{\\"validationActions\\":${actions:-[\\"Audit\\"]},\\"failurePolicy\\":\\"${failure:-Ignore}\\"}}")',
    '      note=" (audited in this environment: switched to Deny for the check, as the enforcing environment runs it)"',
    '      ;;',
    '  esac',
    '}',
    'psa_original=""',
    'psa_relaxed=false',
    'restore() {',
    '  local i',
    '  for i in "${!restore_kinds[@]}"; do',
    '    kubectl patch "${restore_kinds[${i}]}" "${restore_names[${i}]}" --type merge --patch "${restore_patches[${i}]}" || true',
    '  done',
    '  if [ "${psa_relaxed}" = true ]; then',
    '    if [ -n "${psa_original}" ]; then',
    '      kubectl label namespace "${NAMESPACE}" "pod-security.kubernetes.io/enforce=${psa_original}" --overwrite || true',
    '    else',
    '      kubectl label namespace "${NAMESPACE}" pod-security.kubernetes.io/enforce- || true',
    '    fi',
    '  fi',
    '}',
    'trap restore EXIT',
    '',
    'privileged_pod() {',
    '  cat <<EOF',
    'apiVersion: v1',
    'kind: Pod',
    'metadata:',
    '  name: compliance-privileged',
    '  namespace: ${NAMESPACE}',
    'spec:',
    '  containers:',
    '    - name: privileged',
    `      image: ${p.probeImage}`,
    '      command: ["sleep", "60"]',
    '      securityContext:',
    '        privileged: true',
    'EOF',
    '}',
    '',
  ];
  if (p.network) {
    lines.push(
      '# --- a denied network path: a client in a namespace that is no declared caller',
      'probe_ns="${APP}-compliance-probe"',
      'url="http://${RELEASE}.${NAMESPACE}.svc.cluster.local:${PORT}${SMOKE_PATH}"',
      'ready="$(kubectl --namespace "${NAMESPACE}" get endpointslices --selector "kubernetes.io/service-name=${RELEASE}" --output jsonpath=\'{.items[*].endpoints[?(@.conditions.ready==true)].addresses[0]}\' || true)"',
      'if [ -z "${ready}" ]; then',
      '  record network-deny ERROR "service ${RELEASE} has no ready endpoint in ${NAMESPACE}: a refused probe would prove nothing"',
      'else',
      '  kubectl create namespace "${probe_ns}" --dry-run=client --output yaml | kubectl apply -f -',
      `  kubectl --namespace "\${probe_ns}" run compliance-probe --image=${p.probeImage} --restart=Never --command -- sleep 600`,
      '  if ! kubectl --namespace "${probe_ns}" wait pod/compliance-probe --for=condition=Ready --timeout=3m; then',
      '    record network-deny ERROR "the probe pod in ${probe_ns} never got ready"',
      '  else',
      '    set +e',
      '    code="$(kubectl --namespace "${probe_ns}" exec compliance-probe -- curl --silent --output /dev/null --max-time 5 --write-out \'%{http_code}\' "${url}")"',
      '    rc=$?',
      '    set -e',
      '    # 7: refused, 28: no answer (dropped). Anything else means a connection was made.',
      '    if { [ "${rc}" -eq 7 ] || [ "${rc}" -eq 28 ]; } && [ "${code:-000}" = "000" ]; then',
      '      record network-deny PASS "a client in ${probe_ns} (no declared caller) got no connection to ${url} (curl exit ${rc})"',
      '    else',
      '      record network-deny FAIL "a client in ${probe_ns} (no declared caller) connected to ${url}: HTTP ${code:-000}, curl exit ${rc}; the NetworkPolicies do not deny undeclared callers"',
      '    fi',
      '  fi',
      'fi',
      '',
    );
  }
  if (p.signaturePolicy) {
    lines.push(
      '# --- an unsigned image of the app\'s repository: compliant with every other rule, refused by the signature policy',
      `signature_policy=${p.signaturePolicy}`,
      'unsigned_pod() {',
      '  cat <<EOF',
      'apiVersion: v1',
      'kind: Pod',
      'metadata:',
      '  name: compliance-unsigned',
      '  namespace: ${NAMESPACE}',
      'spec:',
      '  securityContext:',
      '    runAsNonRoot: true',
      '    runAsUser: 65532',
      '    seccompProfile:',
      '      type: RuntimeDefault',
      '  containers:',
      '    - name: unsigned',
      `      image: ${p.imageRepository}@${UNSIGNED_DIGEST}`,
      '      securityContext:',
      '        allowPrivilegeEscalation: false',
      '        capabilities:',
      '          drop: ["ALL"]',
      '      resources:',
      '        requests: { cpu: 10m, memory: 16Mi }',
      '        limits: { memory: 16Mi }',
      '      readinessProbe:',
      '        exec:',
      '          command: ["true"]',
      'EOF',
      '}',
      'if ! enforce imagevalidatingpolicies.policies.kyverno.io "${signature_policy}"; then',
      '  record unsigned-image ERROR "the signature policy ${signature_policy} is not in the cluster"',
      'elif try_admission unsigned_pod; then',
      '  record unsigned-image FAIL "an image of ${IMAGE_REPOSITORY} without the build\'s signature was admitted in ${NAMESPACE}${note}"',
      'elif grep -q -- "${signature_policy}" <<<"${out}"; then',
      '  record unsigned-image PASS "an image of ${IMAGE_REPOSITORY} without the build\'s signature was refused by ${signature_policy}${note}"',
      'else',
      '  record unsigned-image FAIL "the unsigned image was refused, but not by ${signature_policy}: $(head -n 1 <<<"${out}")"',
      'fi',
      '',
    );
  }
  if (p.podSecurity) {
    lines.push(
      '# --- a privileged pod against Pod Security admission',
      'if try_admission privileged_pod; then',
      '  record pod-security FAIL "a privileged pod was admitted in ${NAMESPACE}: Pod Security does not enforce there"',
      'elif grep -q "violates PodSecurity" <<<"${out}"; then',
      '  record pod-security PASS "a privileged pod was refused by Pod Security in ${NAMESPACE}"',
      'else',
      '  record pod-security FAIL "the privileged pod was refused, but not by Pod Security: $(head -n 1 <<<"${out}")"',
      'fi',
      '',
    );
  }
  if (p.baselinePolicy) {
    lines.push(
      '# --- a privileged pod against the policy: Pod Security relaxed for the check, so the policy decides',
      `baseline_policy=${p.baselinePolicy}`,
      'psa_original="$(kubectl get namespace "${NAMESPACE}" --output jsonpath=\'{.metadata.labels.pod-security\\.kubernetes\\.io/enforce}\')"',
      'psa_relaxed=true',
      'kubectl label namespace "${NAMESPACE}" pod-security.kubernetes.io/enforce=privileged --overwrite',
      'if ! enforce validatingpolicies.policies.kyverno.io "${baseline_policy}"; then',
      '  record policy-privileged ERROR "the policy ${baseline_policy} is not in the cluster"',
      'elif try_admission privileged_pod; then',
      '  record policy-privileged FAIL "a privileged pod was admitted in ${NAMESPACE} by ${baseline_policy}${note}"',
      'elif grep -q -- "${baseline_policy}" <<<"${out}"; then',
      '  record policy-privileged PASS "a privileged pod was refused by ${baseline_policy}${note}"',
      'else',
      '  record policy-privileged FAIL "the privileged pod was refused, but not by ${baseline_policy}: $(head -n 1 <<<"${out}")"',
      'fi',
      '',
    );
  }
  return lines.join('\n');
}

/** `check-secrets.sh`: no Secret literals in the manifests and values under the given paths. @internal */
export function secretsCheckScript(scanPaths: string[]): string {
  return [
    ...HEADER('Secrets: no Secret with literal data and no literal password, token or key in the manifests and values.'),
    ...RECORD,
    `paths=(${scanPaths.map((s) => `'${s}'`).join(' ')})`,
    'mapfile -t files < <(for p in "${paths[@]}"; do if [ -e "${p}" ]; then find "${p}" -type f \\( -name \'*.yaml\' -o -name \'*.yml\' \\); fi; done | sort -u)',
    'if [ "${#files[@]}" -eq 0 ]; then',
    '  record secrets ERROR "no manifest or values file under ${paths[*]}: nothing was checked"',
    '  exit 0',
    'fi',
    'awk \'',
    '  function flush() { if (secret && literal) print file ":" start ": a Secret with literal " what; secret = 0; literal = 0; pending = "" }',
    '  FNR == 1 { flush(); file = FILENAME; start = 1 }',
    '  /^---/ { flush(); start = FNR + 1; next }',
    '  /^kind:[ \\t]*Secret[ \\t]*$/ { secret = 1 }',
    '  pending != "" { if ($0 ~ /^[ \\t]+[^ \\t#]/) { literal = 1; what = pending }; pending = "" }',
    '  /^(data|stringData):[ \\t]*$/ { pending = substr($1, 1, length($1) - 1); next }',
    '  /^(data|stringData):[ \\t]*[^ \\t{#]/ || /^(data|stringData):[ \\t]*\\{[ \\t]*[^ \\t}]/ { literal = 1; what = $1; sub(/:.*/, "", what) }',
    '  {',
    '    line = $0; sub(/^[ \\t]*(-[ \\t]+)?/, "", line)',
    '    if (match(line, /^[A-Za-z0-9_.-]+[ \\t]*:[ \\t]*/)) {',
    '      key = tolower(substr(line, 1, RLENGTH)); value = substr(line, RLENGTH + 1); sub(/[ \\t]*:[ \\t]*$/, "", key); sub(/[ \\t]+#.*$/, "", value)',
    '      if (key ~ /(password|passwd|secret|token|api[_-]?key|private[_-]?key|credentials?)$/ && key !~ /^existing/ \\',
    '          && value !~ /^(""|null|~|\\{\\}|\\[\\]|true|false|yes|no|[|>][-+]?)?$/ && value != sprintf("%c%c", 39, 39) && value !~ /(\\{\\{|\\$\\{)/) {',
    '        print FILENAME ":" FNR ": a literal value for " key',
    '      }',
    '    }',
    '  }',
    '  END { flush() }',
    '\' "${files[@]}" > compliance-report/secret-literals.txt',
    'count="$(wc -l < compliance-report/secret-literals.txt | tr -d \' \')"',
    '{',
    '  echo "### Secrets: ${count} literal(s) in ${#files[@]} manifest and values file(s)"',
    '  sed \'s/^/- /\' compliance-report/secret-literals.txt',
    '} >> "${GITHUB_STEP_SUMMARY}"',
    'if [ "${count}" -gt 0 ]; then',
    '  record secrets FAIL "${count} literal(s): $(head -n 3 compliance-report/secret-literals.txt | paste -sd \';\' -); reference the value (SecretReference) instead"',
    'else',
    '  record secrets PASS "no Secret literal in ${#files[@]} manifest and values file(s)"',
    'fi',
    '',
  ].join('\n');
}

/** `report.sh`: the job summary and `compliance-report/index.html`; fails unless every check passed. @internal */
export function reportScript(app: string, checks: ComplianceCheck[], later: string[] = []): string {
  const clean = (s: string) => s.replace(/[\t\n]/g, ' ');
  return [
    ...HEADER('The compliance report: each control, the check that covers it, its result and its NIST SP 800-53 controls.'),
    ...HTML_ESCAPE_FN,
    'esc_md() { sed -e \'s/|/\\\\|/g\'; }',
    'rows=""',
    'md=""',
    'failed=()',
    'total=0',
    'not_applicable=0',
    'while IFS=$\'\\t\' read -r id control check nist; do',
    '  total=$((total + 1))',
    '  status="NOT RUN"',
    '  detail="the check did not run (an earlier step failed or was skipped)"',
    '  if [ -s "compliance-results/${id}.tsv" ]; then',
    '    IFS=$\'\\t\' read -r status detail < "compliance-results/${id}.tsv" || true',
    '  fi',
    '  case "${status}" in PASS|FAIL|ERROR|N/A) ;; *) status="NOT RUN" ;; esac',
    '  # N/A: the check has nothing to evaluate (a STIG scan of an image whose OS has no STIG content)',
    '  case "${status}" in PASS) ;; N/A) not_applicable=$((not_applicable + 1)) ;; *) failed+=("${id}") ;; esac',
    '  md+="| ${control} | ${check} | ${status} | $(printf \'%s\' "${detail}" | esc_md) | ${nist} |"$\'\\n\'',
    '  rows+="<tr class=\\"${status//[ \\/]/-}\\">"',
    '  for cell in "${control}" "${check}" "${status}" "${detail}" "${nist}"; do esc "${cell}"; rows+="<td>${escaped}</td>"; done',
    '  rows+="</tr>"$\'\\n\'',
    "done <<'CHECKS'",
    ...checks.map((c) => [c.id, clean(c.control), clean(c.check), clean(c.nist.join('; '))].join('\t')),
    'CHECKS',
    'if [ "${#failed[@]}" -eq 0 ]; then',
    '  verdict="All ${total} compliance checks passed."',
    '  [ "${not_applicable}" -eq 0 ] || verdict="All ${total} compliance checks passed (${not_applicable} not applicable)."',
    'else',
    '  verdict="${#failed[@]} of ${total} compliance checks did not pass: ${failed[*]}."',
    'fi',
    '{',
    `  echo "## ${app}: compliance report"`,
    '  echo',
    '  echo "${verdict}"',
    '  echo',
    '  echo "| control | check | result | detail | NIST SP 800-53 |"',
    '  echo "| --- | --- | --- | --- | --- |"',
    '  printf \'%s\' "${md}"',
    ...(later.length > 0 ? ['  echo'] : []),
    ...later.map((l) => `  echo ${JSON.stringify(`- Later in the pipeline: ${clean(l)}`).replace(/\$/g, '\\$').replace(/`/g, '\\`')}`),
    '} >> "${GITHUB_STEP_SUMMARY}"',
    '{',
    '  echo \'<!DOCTYPE html>\'',
    `  echo '<html lang="en"><head><meta charset="utf-8"><title>${app}: compliance report</title>'`,
    '  echo \'<style>body{font-family:sans-serif}table{border-collapse:collapse}td,th{border:1px solid #999;padding:4px 8px;text-align:left}.PASS{background:#e6ffe6}.N-A{background:#f0f0f0}.FAIL,.ERROR,.NOT-RUN{background:#ffe6e6}</style></head><body>\'',
    `  echo '<h1>${app}: compliance report</h1>'`,
    '  esc "${verdict}"',
    '  echo "<p>${escaped}</p>"',
    '  esc "Commit ${GITHUB_SHA:-unknown}, run ${GITHUB_RUN_ID:-unknown}."',
    '  echo "<p>${escaped}</p>"',
    '  echo \'<table><thead><tr><th>control</th><th>check</th><th>result</th><th>detail</th><th>NIST SP 800-53</th></tr></thead><tbody>\'',
    '  printf \'%s\' "${rows}"',
    '  echo \'</tbody></table>\'',
    ...later.map((l) => `  esc ${JSON.stringify(`Later in the pipeline: ${clean(l)}`).replace(/\$/g, '\\$').replace(/`/g, '\\`')}; echo "<p>\${escaped}</p>"`),
    '  echo \'</body></html>\'',
    '} > compliance-report/index.html',
    'echo "${verdict}"',
    'if [ "${#failed[@]}" -gt 0 ]; then',
    '  echo "::error::${verdict}"',
    '  exit 1',
    'fi',
    '',
  ].join('\n');
}
