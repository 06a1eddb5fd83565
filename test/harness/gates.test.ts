/**
 * Every gate job of every example, run by the script harness (DESIGN §2b): a finding at the threshold
 * fails the job, one below passes, output that is empty, cut off or not the tool's format fails, and a
 * missing tool fails. Tools whose verdict is their exit code (gitleaks, trufflehog, pip-audit, yamllint,
 * actionlint, kube-score, kubeconform, helm lint, promtool) are driven by exit codes; tools whose verdict
 * the generated script reads from a report (kubesec, osv-scanner, semgrep, coverage) by reports.
 */
import { exampleNames, ExamplePipeline, loadExample } from './examples';
import { cleanupHarness, JobResult, runJob, Scenario } from './job-runner';
import { record, writeVerdicts } from './verdicts';

afterAll(() => {
  writeVerdicts('gates');
  cleanupHarness();
});

type Verdict = 'success' | 'failure';
interface Case { readonly name: string; readonly expect: Verdict; readonly scenario: Scenario; readonly check?: (r: JobResult) => void }

// ---- fixtures (written by hand: the tools' report formats) -------------------------------------------------

/** A kubesec report: one scored Deployment and a Service kubesec does not score. */
function kubesec(score: number, critical: string[] = []): string {
  return JSON.stringify([
    { object: 'Deployment/checkout.platform', valid: true, score, scoring: { critical: critical.map((selector) => ({ selector, reason: 'x', points: -30 })) } },
    { object: 'Service/checkout.platform', valid: true, score: 0, message: 'This resource kind is not supported by kubesec', scoring: {} },
  ]);
}
/** An osv-scanner JSON report with one vulnerability group per max_severity given. */
function osv(...severities: string[]): string {
  return JSON.stringify({
    results: [{
      source: { path: 'services/checkout/requirements.txt', type: 'lockfile' },
      packages: severities.map((s, i) => ({
        package: { name: `pkg${i}`, version: '1.0.0', ecosystem: 'PyPI' }, groups: [{ ids: [s === '' ? `MAL-2025-${i}` : `GHSA-${i}`], max_severity: s }],
      })),
    }],
  });
}
/** An osv-scanner licence report. */
function licences(...violations: string[][]): string {
  return JSON.stringify({ results: [{ packages: violations.map((v, i) => ({ package: { name: `pkg${i}`, version: '1.0.0' }, license_violations: v })) }] });
}
/** A SARIF log with one result per level given. */
function sarif(...levels: string[]): string {
  return JSON.stringify({ version: '2.1.0', runs: [{ tool: { driver: { name: 'semgrep' } }, results: levels.map((level, i) => ({ ruleId: `r${i}`, level, message: { text: 'x' } })) }] });
}
/** A Cobertura coverage.xml with a line rate. */
function coverage(lineRate: string): string {
  return `<?xml version="1.0" ?>\n<coverage line-rate="${lineRate}" branch-rate="0" version="7.6" timestamp="0"><packages/></coverage>\n`;
}

/** The stub writes the fixture to the file its `--output` names, then exits. */
const writeOutput = (fixture: string, exit = 0) => `__o="$(opt --output "$@")"; cat "\${FIXTURES}/${fixture}" > "\${__o}"; exit ${exit}`;
const printFixture = (fixture: string, exit = 0) => `cat "\${FIXTURES}/${fixture}"; exit ${exit}`;
const exitWith = (code: number) => `exit ${code}`;
/** yq answers for the NetworkPolicy checks: the names of incomplete policies, and the count of default-deny ones. */
const yq = (incomplete: string, deny: string) => `case "$*" in *names:*) echo "names:${incomplete}" ;; *) echo "${deny}" ;; esac`;

// ---- cases per gate, by the job id after '<app>-' ----------------------------------------------------------

const CASES: Record<string, Case[]> = {
  'scan-kubesec': [
    { name: 'every workload scores the minimum (1)', expect: 'success', scenario: { tools: { kubesec: printFixture('k.json') }, fixtures: { 'k.json': kubesec(1) } } },
    { name: 'a workload scores below the minimum (0)', expect: 'failure', scenario: { tools: { kubesec: printFixture('k.json', 0) }, fixtures: { 'k.json': kubesec(0) } } },
    { name: 'a critical advisory (exit 2, as kubesec does)', expect: 'failure', scenario: { tools: { kubesec: printFixture('k.json', 2) }, fixtures: { 'k.json': kubesec(-30, ['containers[] .securityContext .privileged == true']) } } },
    { name: 'kubesec prints nothing', expect: 'failure', scenario: { tools: { kubesec: exitWith(0) } } },
    { name: 'kubesec prints an empty list', expect: 'failure', scenario: { tools: { kubesec: 'echo "[]"' } } },
    { name: 'report cut off', expect: 'failure', scenario: { tools: { kubesec: 'head -c 60 "${FIXTURES}/k.json"' }, fixtures: { 'k.json': kubesec(5) } } },
    { name: 'kubesec prints an error instead of JSON', expect: 'failure', scenario: { tools: { kubesec: 'echo "Error: scanning failed: connection refused"; exit 1' } } },
    { name: 'kubesec missing from its release', expect: 'failure', scenario: { missing: ['kubesec'] } },
    { name: 'kubesec asset tampered (checksum mismatch)', expect: 'failure', scenario: { tampered: ['kubesec_linux_amd64.tar.gz'], tools: { kubesec: printFixture('k.json') }, fixtures: { 'k.json': kubesec(5) } } },
  ],
  'scan-osv-scanner': [
    { name: 'a vulnerability at HIGH (CVSS 7.0)', expect: 'failure', scenario: { tools: { 'osv-scanner': writeOutput('o.json', 1) }, fixtures: { 'o.json': osv('7.0') } } },
    {
      name: 'a vulnerability below HIGH (CVSS 6.9)',
      expect: 'success',
      scenario: { tools: { 'osv-scanner': writeOutput('o.json', 1) }, fixtures: { 'o.json': osv('6.9', '3.1') } },
      check: (r) => expect([r.outputs['findings-high'], r.outputs['findings-medium'], r.outputs['findings-low']]).toEqual(['0', '1', '1']),
    },
    { name: 'a malicious package without a CVSS score (MAL-)', expect: 'failure', scenario: { tools: { 'osv-scanner': writeOutput('o.json', 1) }, fixtures: { 'o.json': osv('') } } },
    { name: 'no vulnerabilities', expect: 'success', scenario: { tools: { 'osv-scanner': writeOutput('o.json', 0) }, fixtures: { 'o.json': JSON.stringify({ results: [] }) } } },
    { name: 'osv-scanner writes no report', expect: 'failure', scenario: { tools: { 'osv-scanner': exitWith(0) } } },
    { name: 'report cut off', expect: 'failure', scenario: { tools: { 'osv-scanner': '__o="$(opt --output "$@")"; head -c 50 "${FIXTURES}/o.json" > "${__o}"' }, fixtures: { 'o.json': osv('9.8') } } },
    { name: 'osv-scanner fails (exit 127, an error)', expect: 'failure', scenario: { tools: { 'osv-scanner': exitWith(127) } } },
    { name: 'osv-scanner missing from its release', expect: 'failure', scenario: { missing: ['osv-scanner'] } },
  ],
  'scan-licenses': [
    { name: 'a package outside the allow-list', expect: 'failure', scenario: { tools: { 'osv-scanner': writeOutput('l.json', 1) }, fixtures: { 'l.json': licences(['GPL-3.0']) } } },
    { name: 'every licence allowed', expect: 'success', scenario: { tools: { 'osv-scanner': writeOutput('l.json', 0) }, fixtures: { 'l.json': licences([]) } } },
    { name: 'osv-scanner writes no report', expect: 'failure', scenario: { tools: { 'osv-scanner': exitWith(0) } } },
    { name: 'report is not JSON', expect: 'failure', scenario: { tools: { 'osv-scanner': '__o="$(opt --output "$@")"; echo "rate limited" > "${__o}"' } } },
    { name: 'osv-scanner missing', expect: 'failure', scenario: { missing: ['osv-scanner'] } },
  ],
  'scan-semgrep': [
    { name: 'an error-level finding (HIGH)', expect: 'failure', scenario: { tools: { docker: writeOutput('s.sarif') }, fixtures: { 's.sarif': sarif('error') } } },
    { name: 'warnings only (below HIGH)', expect: 'success', scenario: { tools: { docker: writeOutput('s.sarif') }, fixtures: { 's.sarif': sarif('warning', 'note') } } },
    { name: 'semgrep writes an empty SARIF file', expect: 'failure', scenario: { tools: { docker: '__o="$(opt --output "$@")"; : > "${__o}"' } } },
    { name: 'SARIF cut off', expect: 'failure', scenario: { tools: { docker: '__o="$(opt --output "$@")"; head -c 30 "${FIXTURES}/s.sarif" > "${__o}"' }, fixtures: { 's.sarif': sarif('error') } } },
    { name: 'docker missing', expect: 'failure', scenario: { missing: ['docker'] } },
  ],
  'scan-gitleaks': [
    { name: 'a secret found (exit 1)', expect: 'failure', scenario: { tools: { gitleaks: exitWith(1) } } },
    { name: 'no secret (exit 0)', expect: 'success', scenario: { tools: { gitleaks: exitWith(0) } } },
    { name: 'gitleaks missing from its release', expect: 'failure', scenario: { missing: ['gitleaks'] } },
  ],
  'scan-trufflehog': [
    { name: 'a verified secret (exit 183)', expect: 'failure', scenario: { tools: { trufflehog: exitWith(183) } } },
    { name: 'no verified secret', expect: 'success', scenario: { tools: { trufflehog: exitWith(0) } } },
    { name: 'trufflehog missing from its release', expect: 'failure', scenario: { missing: ['trufflehog'] } },
  ],
  'scan-pip-audit': [
    { name: 'a known vulnerability (exit 1)', expect: 'failure', scenario: { tools: { 'pip-audit': exitWith(1) } } },
    { name: 'no known vulnerability', expect: 'success', scenario: { tools: { 'pip-audit': exitWith(0) } } },
    { name: 'pip-audit missing (install did not provide it)', expect: 'failure', scenario: { missing: ['pip-audit'] } },
  ],
  'scan-lint': [
    { name: 'clean repository', expect: 'success', scenario: {} },
    { name: 'yamllint finds a problem', expect: 'failure', scenario: { tools: { yamllint: 'if [ "$1" = --version ]; then echo "yamllint 1.35"; exit 0; fi; echo "a.yml:1:1: [error] syntax error"; exit 1' } } },
    { name: 'a committed JSON file is not JSON', expect: 'failure', scenario: { files: { 'config/broken.json': '{"a": ' } } },
    { name: 'actionlint finds a problem', expect: 'failure', scenario: { tools: { actionlint: exitWith(1) } } },
    { name: 'yamllint missing on the runner', expect: 'failure', scenario: { missing: ['yamllint'] } },
    { name: 'actionlint missing from its release', expect: 'failure', scenario: { missing: ['actionlint'] } },
  ],
  'scan-checkov': [
    { name: 'failed checks in the chart', expect: 'failure', scenario: { actions: { 'checkov-chart': { outcome: 'failure' } } } },
    { name: 'failed checks in the manifests', expect: 'failure', scenario: { actions: { 'checkov-manifests': { outcome: 'failure' } } } },
    { name: 'every check passes', expect: 'success', scenario: {} },
  ],
  'scan-dependency-review': [
    { name: 'a pull request adds a vulnerable dependency', expect: 'failure', scenario: { event: { name: 'pull_request', ref: 'refs/pull/1/merge' }, actions: { 'dependency-review': { outcome: 'failure' } } } },
    { name: 'a pull request with safe dependencies', expect: 'success', scenario: { event: { name: 'pull_request', ref: 'refs/pull/1/merge' } } },
    { name: 'a push (nothing to review, the check still reports)', expect: 'success', scenario: {}, check: (r) => expect(r.step('dependency-review').outcome).toBe('skipped') },
  ],
  'scan-iac': [
    { name: 'the chart lints', expect: 'success', scenario: {} },
    { name: 'helm lint fails', expect: 'failure', scenario: { tools: { helm: exitWith(1) } } },
    { name: 'helm missing', expect: 'failure', scenario: { missing: ['helm'] } },
  ],
  'chart-tests': [
    { name: 'every check passes', expect: 'success', scenario: { tools: { yq: yq('', '0') } } },
    { name: 'kube-score finds a critical problem (exit 1)', expect: 'failure', scenario: { tools: { 'yq': yq('', '0'), 'kube-score': exitWith(1) } } },
    { name: 'kubeconform finds an invalid object (exit 1)', expect: 'failure', scenario: { tools: { yq: yq('', '0'), kubeconform: exitWith(1) } } },
    { name: 'a NetworkPolicy without policyTypes', expect: 'failure', scenario: { tools: { yq: yq('allow-web', '0') } } },
    { name: 'yq prints nothing', expect: 'failure', scenario: { tools: { yq: exitWith(0) } } },
    { name: 'yq missing on the runner', expect: 'failure', scenario: { missing: ['yq'] } },
    { name: 'kubeconform missing from its release', expect: 'failure', scenario: { tools: { yq: yq('', '0') }, missing: ['kubeconform'] } },
  ],
  'unit-python': [
    {
      name: 'coverage at the gate (80 %)',
      expect: 'success',
      scenario: { tools: { python: 'if [ "$1 $2" = "-m pytest" ]; then cp "${FIXTURES}/cov.xml" coverage.xml; fi; if [ "$1" = -c ]; then exec "${__kit}/real/python3" "$@"; fi' }, fixtures: { 'cov.xml': coverage('0.8') } },
      check: (r) => expect(r.outputs['coverage-percent']).toBe('80.0'),
    },
    { name: 'coverage below the gate (79.99 %)', expect: 'failure', scenario: { tools: { python: 'if [ "$1 $2" = "-m pytest" ]; then cp "${FIXTURES}/cov.xml" coverage.xml; fi; if [ "$1" = -c ]; then exec "${__kit}/real/python3" "$@"; fi' }, fixtures: { 'cov.xml': coverage('0.7999') } } },
    { name: 'a failing test (pytest exit 1)', expect: 'failure', scenario: { tools: { python: 'if [ "$1 $2" = "-m pytest" ]; then exit 1; fi' } } },
    { name: 'pytest writes no coverage report', expect: 'failure', scenario: { tools: { python: 'if [ "$1" = -c ]; then exec "${__kit}/real/python3" "$@"; fi' } } },
    { name: 'python missing', expect: 'failure', scenario: { missing: ['python'] } },
  ],
  'alert-rules': [
    { name: 'the generated rules and their tests (real promtool)', expect: 'success', scenario: {} },
    { name: 'promtool test rules fails', expect: 'failure', scenario: { tools: { promtool: 'if [ "$1" = test ]; then exit 1; fi; exec "${__kit}/real/promtool" "$@"' } } },
    { name: 'the prometheus tarball is tampered (checksum mismatch)', expect: 'failure', scenario: { tampered: ['prometheus-3.5.0.linux-amd64.tar.gz'] } },
    { name: 'promtool missing from the tarball', expect: 'failure', scenario: { missing: ['promtool'] } },
  ],
  // 7 validating rules x 2 environments x (a pass and a fail fixture) = 28 expected results
  'policy-tests': [
    {
      name: 'every expected result holds (28 of 28)',
      expect: 'success',
      scenario: { tools: { kyverno: 'echo "Test Summary: 28 tests passed and 0 tests failed"' } },
      check: (r) => expect(r.callsOf('kyverno')).toEqual([['test', 'policies/checkout', '--detailed-results']]),
    },
    { name: 'a fixture got the wrong result, kyverno exits 0 (want fail, got pass)', expect: 'failure', scenario: { tools: { kyverno: 'echo "Test Summary: 27 tests passed and 1 tests failed"' } } },
    { name: 'fewer results than the test file expects', expect: 'failure', scenario: { tools: { kyverno: 'echo "Test Summary: 26 tests passed and 0 tests failed"' } } },
    { name: 'kyverno fails with a passing summary', expect: 'failure', scenario: { tools: { kyverno: 'echo "Test Summary: 28 tests passed and 0 tests failed"; exit 1' } } },
    { name: 'kyverno prints nothing', expect: 'failure', scenario: { tools: { kyverno: exitWith(0) } } },
    { name: 'the Kyverno CLI is missing', expect: 'failure', scenario: { missing: ['kyverno'] } },
  ],
};

function run(ex: ExamplePipeline, jobSuffix: string, c: Case): JobResult {
  return runJob(ex.workflow, `${ex.app}-${jobSuffix}`, c.scenario, { repo: ex.repo });
}

describe.each(exampleNames())('examples/%s: every gate bites', (name) => {
  const ex = loadExample(name);
  // the kind E2E gate has its own scenarios (a cluster world): test/harness/kind-e2e.test.ts
  const gates = Object.keys(ex.workflow.jobs).map((id) => id.slice(ex.app.length + 1))
    .filter((s) => !/^(build|publish|provenance|image-scan-report|changes|summary|report-metrics|e2e)$/.test(s) && !/^(deploy|promote|abandon|load-test)-/.test(s))
    // the drift gate and its comment job have their own scenarios (test/harness/synth-check.test.ts)
    .filter((s) => !/^synth-(check|diff-comment)$/.test(s))
    // the ComplianceStage's secrets gate too (test/harness/compliance.test.ts: a clean repository, a literal)
    .filter((s) => s !== 'secrets-check')
    // and its ZAP baseline, a verify job after a deploy (test/harness/compliance-dast.test.ts)
    .filter((s) => !/^zap-/.test(s));

  test('every gate job of the example has scenarios', () => {
    expect(gates.filter((g) => !CASES[g])).toEqual([]);
  });

  const cases = gates.flatMap((g) => (CASES[g] ?? []).map((c) => [g, c.name, c] as const));
  if (cases.length === 0) {
    test('has no gate jobs besides the build', () => expect(gates).toEqual([]));
    return;
  }
  test.each(cases)('%s: %s', (gate, scenarioName, c) => {
    const r = run(ex, gate, c);
    record(name, `${ex.app}-${gate}`, scenarioName, c.expect, r.conclusion);
    expect({ verdict: r.conclusion, log: r.conclusion === c.expect ? '' : r.log }).toEqual({ verdict: c.expect, log: '' });
    c.check?.(r);
  });
});
