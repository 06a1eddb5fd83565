/**
 * The ComplianceStage's STIG scan (a step of the enterprise example's kind E2E job) and ZAP baseline (a verify
 * job after the staging deploy), run by the script harness (DESIGN §2b) with stub docker, apt-get, sudo and
 * oscap-chroot whose answers are written here by hand (compliance-world.ts): failed rules over the bound fail
 * the compliance report and name the count; oscap printing nothing, writing no results or results without a
 * rule fail closed; an image without STIG content is N/A (or fails when STIG content is required); ZAP's job
 * waits for the staging deploy, and a scan that wrote no report fails.
 */
import * as fs from 'fs';
import * as path from 'path';
import { complianceFixtures, complianceKubectl, stigWorld, StigWorld, withHarnessSsg, xccdfResults } from './compliance-world';
import { loadExample } from './examples';
import { cleanupHarness, JobResult, runJob, Scenario } from './job-runner';
import { buildOutputs, DIGEST, secretsOf } from './worlds';

afterAll(() => cleanupHarness());

const ex = loadExample('enterprise-platform');
const JOB = `${ex.app}-e2e`;
const full = ex.workflow.jobs[JOB];
const OWN = ['install-falco', 'kube-bench', 'enforcement', 'check-secrets', 'falco-check', 'stig', 'compliance-report', 'upload-compliance-report'];
/** The E2E job with the ComplianceStage's steps only, as generated and in their order. */
const e2e = withHarnessSsg({ ...ex.workflow, jobs: { [JOB]: { ...full, steps: full.steps.filter((s: any) => OWN.includes(s.id)) } } }, JOB);

function scenario(w: StigWorld, extra: Partial<Scenario> = {}): Scenario {
  const stig = stigWorld(w);
  return {
    secrets: secretsOf(full),
    needs: { [`${ex.app}-build`]: { result: 'success', outputs: buildOutputs(ex.app, full) } },
    tools: { kubectl: complianceKubectl({}), ...stig.tools },
    fixtures: { ...complianceFixtures({}), ...stig.fixtures },
    ...extra,
  };
}

const run = (w: StigWorld, extra?: Partial<Scenario>) => runJob(e2e, JOB, scenario(w, extra), { repo: ex.repo });
const stigResult = (r: JobResult) => fs.readFileSync(path.join(r.workspace, 'compliance-results', 'stig.tsv'), 'utf8');
const IMAGE = `ghcr.io/acme/checkout@${DIGEST}`;

describe('STIG scan', () => {
  test('the image this run built, by digest, evaluated with oscap-chroot on its exported file system; results and report in the artifact', () => {
    const r = run({});
    expect(r.conclusion).toBe('success');
    expect(r.callsOf('sudo').map((a) => a[0])).toEqual(['apt-get', 'env', 'tar', 'ls', 'oscap-chroot', 'chown', 'rm']);
    expect(r.callsOf('apt-get')).toContainEqual(['install', '-y', '-qq', '--no-install-recommends', 'openscap-scanner', 'openscap-utils', 'ssg-base', 'ssg-debderived', 'ssg-debian', 'ssg-nondebian']);
    const oscap = r.callsOf('oscap-chroot')[0];
    // the RHEL 9 data stream, chosen from the image's os-release
    expect(oscap.slice(1)).toEqual(['xccdf', 'eval', '--profile', 'xccdf_org.ssgproject.content_profile_stig',
      '--results', 'compliance-report/stig-results.xml', '--report', 'compliance-report/stig-report.html', expect.stringMatching(/\/ssg\/ssg-rhel9-ds\.xml$/)]);
    expect(r.callsOf('docker')).toEqual([['pull', '--quiet', IMAGE], ['create', IMAGE, 'stig-scan'], ['export', '5f2a9c0e7d1b'], ['rm', '--force', '5f2a9c0e7d1b']]);
    // the exported file system is removed afterwards
    expect(fs.existsSync(oscap[0])).toBe(false);
    expect(stigResult(r)).toMatch(/^PASS\t0 failed \(bound 0\), 4 passed/);
    expect(fs.readFileSync(path.join(r.workspace, 'compliance-report', 'stig-report.html'), 'utf8')).toContain('STIG report');
    expect(r.summary).toContain('### DISA STIG (OpenSCAP): PASS - 0 failed (bound 0), 4 passed, 2 not applicable or not checked, of 6 rules');
    expect(r.summary).toContain('| OpenSCAP / DISA STIG |');
    expect(r.summary).toContain('| CM-6 Configuration Settings; CM-7 Least Functionality; SI-2 Flaw Remediation |');
  });

  test('failed rules over the bound (an undecided rule counts): the report fails and names the count and the rules', () => {
    const r = run({
      results: [['pass', 'accounts_tmout'], ['fail', 'package_aide_installed'], ['fail', 'sshd_disable_root_login'], ['error', 'audit_rules_immutable'], ['notapplicable', 'grub2_audit_argument']],
    });
    expect(r.conclusion).toBe('failure');
    expect(r.step('stig').outcome).toBe('success');
    expect(r.step('compliance-report').outcome).toBe('failure');
    expect(stigResult(r)).toBe(`FAIL\t3 rule(s) failed, more than the bound 0 (1 passed, of 5; ${IMAGE}): package_aide_installed (fail);sshd_disable_root_login (fail);audit_rules_immutable (error)\n`);
    expect(r.summary).toContain('- sshd_disable_root_login (fail)');
    expect(r.summary).toContain('1 of 8 compliance checks did not pass: stig.');
    expect(r.step('upload-compliance-report').outcome).toBe('success');
  });

  test('oscap prints nothing and exits 1, writes no results, results without a rule or where no rule applied: the check fails closed', () => {
    const silent = run({ oscapSilent: true });
    expect(stigResult(silent)).toBe('ERROR\toscap exited 1: \n');
    expect(silent.conclusion).toBe('failure');
    // "some rules failed" (exit 2) but no results file
    const noFile = run({}, { tools: { 'kubectl': complianceKubectl({}), ...stigWorld({}).tools, 'oscap-chroot': 'exit 2' } });
    expect(stigResult(noFile)).toBe('ERROR\toscap wrote no results (compliance-report/stig-results.xml): nothing was evaluated\n');
    expect(noFile.conclusion).toBe('failure');
    const empty = run({ results: [] });
    expect(stigResult(empty)).toBe('ERROR\tthe results of xccdf_org.ssgproject.content_profile_stig hold no rule result: nothing was evaluated\n');
    expect(empty.summary).toContain('1 of 8 compliance checks did not pass: stig.');
    // results in which no rule applied (as OpenSCAP writes when the data stream's platform does not match)
    const none = run({ results: [['notapplicable', 'package_aide_installed'], ['notselected', 'prefer_64bit_os'], ['notchecked', 'sssd_offline_cred_expiration']] });
    expect(stigResult(none)).toBe('ERROR\tno rule of xccdf_org.ssgproject.content_profile_stig applied to Red Hat Enterprise Linux 9.4 (Plow) (3 not applicable or not checked, of 3): nothing was checked\n');
    // no digest from the build: nothing is pulled
    const noDigest = run({}, { needs: { [`${ex.app}-build`]: { result: 'success', outputs: { digest: '' } } } });
    expect(stigResult(noDigest)).toMatch(/^ERROR\tthe build job gave no image digest \(got ''\)/);
    expect(noDigest.callsOf('docker')).toEqual([]);
  });

  test('an image without STIG content is N/A (the report passes and says so), unless STIG content is required', () => {
    const debian = run({ osRelease: 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n' });
    expect(stigResult(debian)).toBe('N/A\tDebian GNU/Linux 12 (bookworm): the SCAP Security Guide\'s ssg-debian12-ds.xml has no profile xccdf_org.ssgproject.content_profile_stig (no DISA STIG content for this OS)\n');
    expect(debian.callsOf('oscap-chroot')).toEqual([]);
    expect(debian.conclusion).toBe('success');
    expect(debian.summary).toContain('All 8 compliance checks passed (1 not applicable).');
    expect(fs.readFileSync(path.join(debian.workspace, 'compliance-report', 'index.html'), 'utf8')).toContain('<tr class="N-A">');
    const alpine = run({ osRelease: 'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.20.3\n' });
    expect(stigResult(alpine)).toBe('N/A\tAlpine Linux 3.20.3 (ID=alpine, VERSION_ID=3.20.3): the SCAP Security Guide has no data stream for it\n');
    const scratch = run({ osRelease: null });
    expect(stigResult(scratch)).toBe(`N/A\t${IMAGE} has no os-release file: no operating system to scan (a scratch or static image)\n`);
    // 'stig.requireContent: true' (the generated script with that setting)
    const script = fs.readFileSync(path.join(ex.repo, 'compliance/checkout/stig.sh'), 'utf8');
    expect(script).toContain('require_content=false\n');
    const required = run({ osRelease: null }, { files: { 'compliance/checkout/stig.sh': script.replace('require_content=false\n', 'require_content=true\n') } });
    expect(stigResult(required)).toMatch(/^FAIL\t.* has no os-release file: no operating system to scan \(a scratch or static image\); use a base image with DISA STIG content/);
    expect(required.conclusion).toBe('failure');
  });
});

describe('ZAP baseline', () => {
  const ZAP = `${ex.app}-zap-staging`;
  const zapJob = ex.workflow.jobs[ZAP];
  const REPORT = JSON.stringify({
    '@programName': 'ZAP',
    'site': [{
      '@name': 'https://staging.acme.dev',
      'alerts': [
        { pluginid: '10038', alert: 'Content Security Policy (CSP) Header Not Set', riskcode: '2', riskdesc: 'Medium (High)', count: '3' },
        { pluginid: '10021', alert: 'X-Content-Type-Options Header | Missing', riskcode: '1', riskdesc: 'Low (Medium)', count: '5' },
      ],
    }],
  });

  test('after the staging deploy, before production\'s; skipped when the staging deploy failed', () => {
    expect(zapJob.needs).toBe(`${ex.app}-deploy-staging`);
    expect(zapJob.permissions).toEqual({ contents: 'read' });
    expect(ex.workflow.jobs[`${ex.app}-deploy-production`].needs).toContain(ZAP);
    const skipped = runJob(ex.workflow, ZAP, { needs: { [`${ex.app}-deploy-staging`]: { result: 'failure' } } }, { repo: ex.repo });
    expect(skipped.conclusion).toBe('skipped');
  });

  test('ZAP wrote a report: its alerts in the job summary; ZAP\'s own verdict (fail_action) decides', () => {
    const r = runJob(ex.workflow, ZAP, { files: { 'report_json.json': REPORT } }, { repo: ex.repo });
    expect(r.conclusion).toBe('success');
    expect(r.summary).toContain('### OWASP ZAP baseline against https://staging.acme.dev: 2 alert type(s): 0 high, 1 medium, 1 low, 0 informational');
    expect(r.summary).toContain('| 10038 | Content Security Policy (CSP) Header Not Set | Medium (High) | 3 |');
    expect(r.summary).toContain('| 10021 | X-Content-Type-Options Header \\| Missing | Low (Medium) | 5 |');
    expect(r.summary).toContain('CA-8 Penetration Testing (a baseline, not a penetration test)');
    // ZAP found a WARN (fail_action): the job fails, and the summary still shows the alerts
    const warned = runJob(ex.workflow, ZAP, { files: { 'report_json.json': REPORT }, actions: { zap: { outcome: 'failure' } } }, { repo: ex.repo });
    expect(warned.conclusion).toBe('failure');
    expect(warned.step('zap-summary').outcome).toBe('success');
    expect(warned.summary).toContain('2 alert type(s)');
  });

  test('ZAP wrote no report, or one without a site: the job fails (nothing was checked)', () => {
    const none = runJob(ex.workflow, ZAP, {}, { repo: ex.repo });
    expect(none.conclusion).toBe('failure');
    expect(none.step('zap-summary').outcome).toBe('failure');
    expect(none.log).toContain('ZAP wrote no report_json.json: the baseline scan of https://staging.acme.dev checked nothing');
    const empty = runJob(ex.workflow, ZAP, { files: { 'report_json.json': '{"site":[]}' } }, { repo: ex.repo });
    expect(empty.conclusion).toBe('failure');
    expect(empty.summary).toContain('the report names no site');
  });
});

test('the XCCDF results fixture holds what the scan counts', () => {
  expect(xccdfResults([['fail', 'x']])).toContain('<rule-result idref="xccdf_org.ssgproject.content_rule_x"');
});
