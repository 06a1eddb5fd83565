// The ComplianceStage's scans of the image and of the running app: the OpenSCAP / DISA STIG scan of the image
// this run built (a step of the kind E2E job, whose result the compliance report reads), and the OWASP ZAP
// baseline against an environment's URL (a verify job after that environment's deploy).
import { ACTION_FILES } from '../../core/action-artifacts';

/** What the STIG scan does, resolved at synth. @internal */
export interface StigPlan {
  /** XCCDF profile id. */
  readonly profile: string;
  /** A data stream file name in the SCAP Security Guide's content directory; empty: chosen from the image's OS. */
  readonly datastream?: string;
  readonly maxFailures: number;
  /** Whether an image without STIG content fails (true) or is reported N/A (false). */
  readonly requireContent: boolean;
  /** apt packages to install on the runner. */
  readonly packages: string[];
}

/**
 * `stig.sh`: exports the file system of the image this run built (by digest) and evaluates the STIG profile on
 * it with `oscap-chroot`; more failed rules than the bound fail the check. A rule OpenSCAP could not decide
 * (`error`, `unknown`) counts as failed. An image whose OS has no STIG content (or no OS: scratch,
 * static) is N/A unless `requireContent`. @internal
 */
export function stigScript(p: StigPlan): string {
  return [
    '#!/usr/bin/env bash',
    `# DISA STIG (OpenSCAP): the image this run built, by digest; more than ${p.maxFailures} failed rule(s) fail the check.`,
    'set -euo pipefail',
    'mkdir -p compliance-results compliance-report',
    'record() {',
    '  printf \'%s\\t%s\\n\' "$2" "$3" > "compliance-results/$1.tsv"',
    '  echo "$1: $2 - $3"',
    '  echo "### DISA STIG (OpenSCAP): $2 - $3" >> "${GITHUB_STEP_SUMMARY}"',
    '}',
    `profile='${p.profile}'`,
    `datastream='${p.datastream ?? ''}'`,
    `max_failures=${p.maxFailures}`,
    `require_content=${p.requireContent}`,
    'content="${SSG_CONTENT:?the step sets SSG_CONTENT}"',
    '# no_content <reason>: the image has nothing this profile can evaluate',
    'no_content() {',
    '  if [ "${require_content}" = true ]; then',
    '    record stig FAIL "$1; use a base image with DISA STIG content (e.g. Red Hat UBI, Ubuntu) or set \'stig.requireContent: false\'"',
    '  else',
    '    record stig N/A "$1"',
    '  fi',
    '  exit 0',
    '}',
    '',
    'if ! [[ "${IMAGE_DIGEST:-}" =~ ^sha256:[0-9a-f]{64}$ ]]; then',
    '  record stig ERROR "the build job gave no image digest (got \'${IMAGE_DIGEST:-}\'): the scan covers the image this run built"',
    '  exit 0',
    'fi',
    'image="${IMAGE_REPOSITORY}@${IMAGE_DIGEST}"',
    '# Ubuntu\'s packages: apt verifies each against the archive\'s signed Release file',
    `if ! sudo apt-get update -qq || ! sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ${p.packages.join(' ')}; then`,
    '  record stig ERROR "the OpenSCAP packages could not be installed"',
    '  exit 0',
    'fi',
    'if ! docker pull --quiet "${image}"; then',
    '  record stig ERROR "${image} could not be pulled"',
    '  exit 0',
    'fi',
    '# the image\'s file system, as a directory (a command is given: the image may have none; the container never starts)',
    'cid="$(docker create "${image}" stig-scan || true)"',
    'if [ -z "${cid}" ]; then',
    '  record stig ERROR "docker create printed no container id for ${image}"',
    '  exit 0',
    'fi',
    'rootfs="$(mktemp -d)"',
    'cleanup() { docker rm --force "${cid}" > /dev/null 2>&1 || true; sudo rm -rf "${rootfs}" || true; }',
    'trap cleanup EXIT',
    '# as root, so the files keep their owners and modes (the profile checks them)',
    'if ! docker export "${cid}" | sudo tar -x -C "${rootfs}" -f -; then',
    '  record stig ERROR "the file system of ${image} could not be exported"',
    '  exit 0',
    'fi',
    'if [ -z "$(sudo ls -A "${rootfs}")" ]; then',
    '  record stig ERROR "the exported file system of ${image} is empty"',
    '  exit 0',
    'fi',
    '',
    '# the OS, from os-release inside the image (read, never sourced; a link is not followed: it may be absolute)',
    'os_release=""',
    'for f in usr/lib/os-release etc/os-release; do',
    '  if [ -f "${rootfs}/${f}" ] && [ ! -L "${rootfs}/${f}" ]; then os_release="${rootfs}/${f}"; break; fi',
    'done',
    'field() { if [ -n "${os_release}" ]; then sed -n "s/^$1=//p" "${os_release}" | head -n 1 | tr -d "\\"\'"; fi; }',
    'os_id="$(field ID)"',
    'os_version="$(field VERSION_ID)"',
    'os_name="$(field PRETTY_NAME)"',
    'if [ -z "${os_name}" ]; then',
    '  os_name="$(field NAME)"',
    '  os_name="${os_name:-${os_id:-unknown}} ${os_version}"',
    'fi',
    'if [ -n "${datastream}" ]; then',
    '  ds="${content}/${datastream}"',
    '  if [ ! -f "${ds}" ]; then',
    '    record stig ERROR "the data stream ${datastream} (\'stig.datastream\') is not in ${content}: the runner\'s SCAP Security Guide has no such file"',
    '    exit 0',
    '  fi',
    'else',
    '  if [ -z "${os_release}" ]; then',
    '    no_content "${image} has no os-release file: no operating system to scan (a scratch or static image)"',
    '  fi',
    '  major="${os_version%%.*}"',
    '  case "${os_id}" in',
    '    ubuntu) product="ubuntu${os_version//./}" ;;',
    '    centos) if [ "${major}" -ge 9 ] 2>/dev/null; then product="cs${major}"; else product="centos${major}"; fi ;;',
    '    debian|rhel|ol|almalinux|rocky|alinux|anolis) product="${os_id}${major}" ;;',
    '    sles|sled|sle) product="sle${major}" ;;',
    '    *) product="" ;;',
    '  esac',
    '  ds="${content}/ssg-${product}-ds.xml"',
    '  if [ -z "${product}" ] || [ ! -f "${ds}" ]; then',
    '    no_content "${os_name} (ID=${os_id:-none}, VERSION_ID=${os_version:-none}): the SCAP Security Guide has no data stream for it"',
    '  fi',
    'fi',
    'if ! grep -q "Profile id=\\"${profile}\\"" "${ds}"; then',
    '  if [ -n "${datastream}" ]; then',
    '    record stig ERROR "the data stream ${datastream} has no profile ${profile} (\'stig.profile\'); list its profiles with: oscap info ${ds}"',
    '    exit 0',
    '  fi',
    '  no_content "${os_name}: the SCAP Security Guide\'s $(basename "${ds}") has no profile ${profile} (no DISA STIG content for this OS)"',
    'fi',
    '',
    'set +e',
    'sudo oscap-chroot "${rootfs}" xccdf eval --profile "${profile}" \\',
    '  --results compliance-report/stig-results.xml --report compliance-report/stig-report.html "${ds}" 2>&1 | cat > compliance-report/stig-oscap.log',
    'rc="${PIPESTATUS[0]}"',
    'set -e',
    'sudo chown "$(id -u):$(id -g)" compliance-report/stig-results.xml compliance-report/stig-report.html 2>/dev/null || true',
    '# 0: every rule passed, 2: at least one failed; anything else is an error of the evaluation',
    'if [ "${rc}" -ne 0 ] && [ "${rc}" -ne 2 ]; then',
    '  record stig ERROR "oscap exited ${rc}: $(tail -n 1 compliance-report/stig-oscap.log)"',
    '  exit 0',
    'fi',
    'if [ ! -s compliance-report/stig-results.xml ]; then',
    '  record stig ERROR "oscap wrote no results (compliance-report/stig-results.xml): nothing was evaluated"',
    '  exit 0',
    'fi',
    '# <result>\\t<rule> for each rule-result of the XCCDF results',
    'awk \'',
    '  match($0, /<([A-Za-z0-9_-]+:)?rule-result[ \\t][^>]*idref="[^"]*"/) { s = substr($0, RSTART, RLENGTH); sub(/.*idref="/, "", s); sub(/"$/, "", s); rule = s }',
    '  match($0, /<([A-Za-z0-9_-]+:)?result>[a-z]+</) { r = substr($0, RSTART, RLENGTH); sub(/.*result>/, "", r); sub(/<$/, "", r); if (rule != "") { print r "\\t" rule; rule = "" } }',
    '\' compliance-report/stig-results.xml > compliance-report/stig-rule-results.tsv',
    'count() { awk -F \'\\t\' -v want="$1" \'$1 ~ ("^(" want ")$") { n++ } END { print n + 0 }\' compliance-report/stig-rule-results.tsv; }',
    'total="$(wc -l < compliance-report/stig-rule-results.tsv | tr -d \' \')"',
    'if [ "${total}" -eq 0 ]; then',
    '  record stig ERROR "the results of ${profile} hold no rule result: nothing was evaluated"',
    '  exit 0',
    'fi',
    'fails="$(count \'fail|error|unknown\')"',
    'passes="$(count pass)"',
    'na="$(count \'notapplicable|notchecked|notselected|informational|fixed\')"',
    '# no rule applied (each not applicable, not checked or not selected): the content does not fit the image',
    'if [ "$((passes + fails))" -eq 0 ]; then',
    '  record stig ERROR "no rule of ${profile} applied to ${os_name:-the image} (${na} not applicable or not checked, of ${total}): nothing was checked"',
    '  exit 0',
    'fi',
    'awk -F \'\\t\' \'$1 ~ /^(fail|error|unknown)$/ { sub(/^xccdf_org\\.ssgproject\\.content_rule_/, "", $2); print $2 " (" $1 ")" }\' compliance-report/stig-rule-results.tsv > compliance-report/stig-failures.txt',
    'result="${fails} failed (bound ${max_failures}), ${passes} passed, ${na} not applicable or not checked, of ${total} rules; ${os_name:-the image}, ${profile}"',
    'if [ "${fails}" -gt "${max_failures}" ]; then',
    '  record stig FAIL "${fails} rule(s) failed, more than the bound ${max_failures} (${passes} passed, of ${total}; ${image}): $(head -n 5 compliance-report/stig-failures.txt | paste -sd \';\' -)"',
    'else',
    '  record stig PASS "${result}"',
    'fi',
    'head -n 50 compliance-report/stig-failures.txt | sed \'s/^/- /\' >> "${GITHUB_STEP_SUMMARY}"',
    '',
  ].join('\n');
}

/** One line of the ZAP rules file. @internal */
export interface ZapRuleLine {
  readonly id: number;
  readonly action: string;
  readonly note: string;
}

/**
 * The ZAP baseline rules file (`zap-baseline.py -c`): `<id>\t<IGNORE|INFO|WARN|FAIL>\t<note>`, `#` comments.
 * @internal
 */
export function zapRulesFile(app: string, rules: ZapRuleLine[]): string {
  return [
    `# ZAP baseline rules of ${app}: <alert id>, tab, IGNORE|INFO|WARN|FAIL, tab, note. An alert not listed is a WARN.`,
    ...rules.map((r) => `${r.id}\t${r.action}\t${r.note}`),
    '',
  ].join('\n');
}

/**
 * `zap-summary.sh`: the alerts of ZAP's JSON report in the job summary. The verdict is the action's (ZAP's
 * exit code); this step fails when ZAP wrote no report or scanned no site: a scan that checked nothing. @internal
 */
export function zapSummaryScript(nist: string[]): string {
  return [
    '#!/usr/bin/env bash',
    '# The ZAP baseline\'s alerts in the job summary; no report, or a report of no site, fails: nothing was checked.',
    'set -euo pipefail',
    `report=${ACTION_FILES.zapBaseline.jsonReport}`,
    'if [ ! -s "${report}" ]; then',
    '  echo "### OWASP ZAP baseline against ${TARGET}: no report (ZAP did not run or reached nothing)" >> "${GITHUB_STEP_SUMMARY}"',
    '  echo "::error::ZAP wrote no ${report}: the baseline scan of ${TARGET} checked nothing"',
    '  exit 1',
    'fi',
    'sites="$(jq \'.site | length\' "${report}" 2>/dev/null || true)"',
    'if ! [[ "${sites}" =~ ^[0-9]+$ ]] || [ "${sites}" -eq 0 ]; then',
    '  echo "### OWASP ZAP baseline against ${TARGET}: the report names no site" >> "${GITHUB_STEP_SUMMARY}"',
    '  echo "::error::ZAP\'s ${report} names no scanned site: the baseline scan of ${TARGET} checked nothing"',
    '  exit 1',
    'fi',
    'alerts="$(jq -c \'[.site[].alerts[]?]\' "${report}")"',
    'risk() { jq --arg c "$1" \'map(select((.riskcode | tostring) == $c)) | length\' <<<"${alerts}"; }',
    '{',
    '  echo "### OWASP ZAP baseline against ${TARGET}: $(jq length <<<"${alerts}") alert type(s): $(risk 3) high, $(risk 2) medium, $(risk 1) low, $(risk 0) informational"',
    `  echo "A DAST baseline (ZAP's spider and passive scan; no attack), evidence for NIST SP 800-53 ${nist.join('; ')}. The rules file and fail_action decide the job's result."`,
    '  if [ "$(jq length <<<"${alerts}")" -gt 0 ]; then',
    '    echo',
    '    echo "| alert id | alert | risk | instances |"',
    '    echo "| --- | --- | --- | --- |"',
    '    jq -r \'sort_by(-(.riskcode | tonumber? // 0)) | .[] | [.pluginid, (.alert // .name), .riskdesc, .count] | map(tostring | gsub("[|]"; "\\\\|") | gsub("\\n"; " ")) | "| " + join(" | ") + " |"\' <<<"${alerts}"',
    '  fi',
    '} >> "${GITHUB_STEP_SUMMARY}"',
    '',
  ].join('\n');
}
