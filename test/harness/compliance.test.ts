/**
 * The ComplianceStage's steps of the enterprise example's kind E2E job, run by the script harness (DESIGN §2b)
 * with a stub kubectl and helm whose answers are written here by hand (compliance-world.ts): every check
 * passes → the report says so; a Falco alert at the threshold, kube-bench FAILs over the bound, a privileged
 * pod admitted by the policy and a Secret literal → the job fails and the report names exactly those; a cluster
 * that answers nothing → every check fails closed. The whole job (the steps among the E2E tests) runs in
 * kind-e2e.test.ts; here only the stage's own steps run, in their order, to keep the scenarios cheap.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ComplianceWorld, complianceFixtures, complianceKubectl, falcoEvent, HARNESS_SSG_CONTENT, stigWorld } from './compliance-world';
import { loadExample } from './examples';
import { cleanupHarness, JobResult, runJob, Scenario } from './job-runner';
import { buildOutputs, DIGEST, secretsOf } from './worlds';

afterAll(() => cleanupHarness());

const ex = loadExample('enterprise-platform');
const JOB = `${ex.app}-e2e`;
const full = ex.workflow.jobs[JOB];
const OWN = ['install-falco', 'kube-bench', 'enforcement', 'check-secrets', 'falco-check', 'stig', 'compliance-report', 'upload-compliance-report'];
/** The E2E job with the stage's steps only, as generated and in their order. */
const workflow = {
  ...ex.workflow,
  jobs: {
    [JOB]: {
      ...full,
      steps: full.steps.filter((s: any) => OWN.includes(s.id))
        // the STIG scan reads the data streams from the runner's temp dir here (the real one is a system path)
        .map((s: any) => (s.id === 'stig' ? { ...s, env: { ...s.env, SSG_CONTENT: HARNESS_SSG_CONTENT } } : s)),
    },
  },
};

function scenario(w: ComplianceWorld, files: Record<string, string> = {}): Scenario {
  return {
    secrets: secretsOf(full),
    needs: { [`${ex.app}-build`]: { result: 'success', outputs: buildOutputs(ex.app, full) } },
    tools: { kubectl: complianceKubectl(w), ...stigWorld().tools },
    fixtures: { ...complianceFixtures(w), ...stigWorld().fixtures },
    files,
  };
}

const run = (w: ComplianceWorld, files?: Record<string, string>) => runJob(workflow, JOB, scenario(w, files), { repo: ex.repo });
const report = (r: JobResult) => fs.readFileSync(path.join(r.workspace, 'compliance-report', 'index.html'), 'utf8');
const result = (r: JobResult, check: string) => fs.readFileSync(path.join(r.workspace, 'compliance-results', `${check}.tsv`), 'utf8');
const kubectl = (r: JobResult) => r.callsOf('kubectl').map((a) => a.join(' '));

test('every check passes: the report says so, maps each check to NIST SP 800-53, and the job succeeds', () => {
  // the steps run here are the generated ones, in the generated order
  const positions = OWN.map((id) => full.steps.findIndex((s: any) => s.id === id));
  expect(positions.every((i: number, k: number) => i >= 0 && (k === 0 || i > positions[k - 1]))).toBe(true);
  const r = run({});
  expect(r.conclusion).toBe('success');
  // Falco: the pinned chart, with the app's rules file
  const falco = r.callsOf('helm').find((a) => a[0] === 'upgrade' && a[2] === 'falco')!;
  expect(falco.join(' ')).toContain('falcosecurity/falco --version 9.1.0');
  expect(falco).toContain('customRules.checkout-rules\\.yaml=compliance/checkout/falco-rules.yaml');
  // a Notice in the namespace is below the threshold (Warning); a Critical elsewhere is not the app's
  expect(result(r, 'falco')).toBe('PASS\tno alert of priority Warning or higher in platform-staging (2 Falco event(s) read)\n');
  // kube-bench: 12 FAIL is the bound itself
  expect(result(r, 'kube-bench')).toMatch(/^PASS\t12 FAIL within the bound 12 \(80 PASS, 40 WARN\)/);
  expect(kubectl(r)).toContain('apply -f compliance/checkout/kube-bench-job.yaml');
  expect(result(r, 'network-deny')).toMatch(/^PASS\ta client in checkout-compliance-probe \(no declared caller\) got no connection to http:\/\/checkout\.platform-staging\.svc\.cluster\.local:8080\/ \(curl exit 28\)/);
  expect(result(r, 'pod-security')).toMatch(/^PASS\ta privileged pod was refused by Pod Security in platform-staging/);
  expect(result(r, 'policy-privileged')).toMatch(/^PASS\ta privileged pod was refused by checkout-staging-pod-security-baseline \(audited in this environment: switched to Deny/);
  expect(result(r, 'unsigned-image')).toMatch(/^PASS\tan image of ghcr\.io\/acme\/checkout without the build's signature was refused by checkout-staging-verify-image-signatures/);
  expect(result(r, 'secrets')).toMatch(/^PASS\tno Secret literal in \d+ manifest and values file\(s\)/);
  expect(result(r, 'stig')).toBe('PASS\t0 failed (bound 0), 4 passed, 2 not applicable or not checked, of 6 rules; Red Hat Enterprise Linux 9.4 (Plow), xccdf_org.ssgproject.content_profile_stig\n');
  // audited policies are switched to Deny for the check and back afterwards; Pod Security is restored
  const patches = kubectl(r).filter((c) => c.startsWith('patch '));
  expect(patches).toEqual([
    'patch imagevalidatingpolicies.policies.kyverno.io checkout-staging-verify-image-signatures --type merge --patch {"spec":{"validationActions":["Deny"],"failurePolicy":"Fail"}}',
    'patch validatingpolicies.policies.kyverno.io checkout-staging-pod-security-baseline --type merge --patch {"spec":{"validationActions":["Deny"],"failurePolicy":"Fail"}}',
    'patch imagevalidatingpolicies.policies.kyverno.io checkout-staging-verify-image-signatures --type merge --patch {"spec":{"validationActions":["Audit"],"failurePolicy":"Ignore"}}',
    'patch validatingpolicies.policies.kyverno.io checkout-staging-pod-security-baseline --type merge --patch {"spec":{"validationActions":["Audit"],"failurePolicy":"Ignore"}}',
  ]);
  expect(kubectl(r).filter((c) => c.startsWith('label namespace'))).toEqual([
    'label namespace platform-staging pod-security.kubernetes.io/enforce=privileged --overwrite',
    'label namespace platform-staging pod-security.kubernetes.io/enforce=restricted --overwrite',
  ]);
  // the report: summary and HTML, every control with its check, result and NIST controls
  expect(r.summary).toContain('All 8 compliance checks passed.');
  expect(r.summary).toContain('| Runtime security | Falco in the kind cluster during E2E: no alert at or above the threshold in the app\'s namespace | PASS |');
  expect(r.summary).toContain('| SI-7 Software, Firmware, and Information Integrity; CM-14 Signed Components |');
  const html = report(r);
  expect(html).toContain('<p>All 8 compliance checks passed.</p>');
  expect(html.match(/<tr class="PASS">/g)).toHaveLength(8);
  expect(html).toContain('<td>SC-7 Boundary Protection; AC-4 Information Flow Enforcement</td>');
  expect(r.step('upload-compliance-report').outcome).toBe('success');
});

test('a Falco alert at the threshold, kube-bench over its bound, a privileged pod admitted, a Secret literal: the job fails and the report says which', () => {
  const r = run({
    falcoLog: falcoEvent('Warning', 'Shell in a checkout container', 'platform-staging', 'Shell in a checkout container (command=sh -c <script>alert(1)</script>)'),
    benchFails: 13,
    policyAdmits: true,
  }, {
    'deploy/checkout/extra.yaml': 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: stripe\nstringData:\n  key: sk_live_0000\n',
  });
  expect(r.conclusion).toBe('failure');
  expect(r.step('compliance-report').outcome).toBe('failure');
  expect(r.step('upload-compliance-report').outcome).toBe('success');
  expect(result(r, 'falco')).toBe('FAIL\t1 alert(s) of priority Warning or higher in platform-staging: Shell in a checkout container\n');
  expect(r.summary).toContain('| 2026-12-02T06:00:00.000000000Z | Warning | Shell in a checkout container |');
  expect(result(r, 'kube-bench')).toMatch(/^FAIL\t13 FAIL, more than the bound 12 \(80 PASS, 40 WARN\): 1\.1\.1 Ensure check 1 <holds>;/);
  expect(result(r, 'policy-privileged')).toMatch(/^FAIL\ta privileged pod was admitted in platform-staging by checkout-staging-pod-security-baseline/);
  expect(result(r, 'secrets')).toMatch(/^FAIL\t1 literal\(s\): deploy\/checkout\/extra\.yaml:1: a Secret with literal stringData/);
  // the others still pass: the report names exactly the four
  expect(result(r, 'pod-security')).toMatch(/^PASS/);
  expect(result(r, 'unsigned-image')).toMatch(/^PASS/);
  expect(r.summary).toContain('4 of 8 compliance checks did not pass: falco kube-bench policy-privileged secrets.');
  const html = report(r);
  expect(html.match(/<tr class="FAIL">/g)).toHaveLength(4);
  // what the cluster printed is escaped in the HTML
  expect(html).toContain('Ensure check 1 &lt;holds&gt;');
  expect(html).not.toContain('<holds>');
  // Pod Security is restored even though the check failed
  expect(kubectl(r)).toContain('label namespace platform-staging pod-security.kubernetes.io/enforce=restricted --overwrite');
});

test('a cluster that answers nothing: every cluster check fails closed, and the secrets gate job fails on a literal', () => {
  const r = runJob(workflow, JOB, { ...scenario({}), tools: { kubectl: 'exit 0' } }, { repo: ex.repo });
  expect(r.conclusion).toBe('failure');
  expect(result(r, 'falco')).toMatch(/^ERROR\tFalco is not running/);
  expect(result(r, 'kube-bench')).toMatch(/^ERROR\tkube-bench printed no result totals/);
  expect(result(r, 'network-deny')).toMatch(/^ERROR\tservice checkout has no ready endpoint/);
  // admitted: nothing refused the dry runs
  expect(result(r, 'unsigned-image')).toMatch(/^FAIL/);
  expect(result(r, 'pod-security')).toMatch(/^FAIL/);
  expect(result(r, 'policy-privileged')).toMatch(/^FAIL/);
  // and docker, with its default stub, creates no container from the image: the STIG scan fails closed too
  expect(result(r, 'stig')).toBe(`ERROR\tdocker create printed no container id for ghcr.io/acme/checkout@${DIGEST}\n`);
  expect(r.summary).toContain('7 of 8 compliance checks did not pass: falco kube-bench stig network-deny unsigned-image pod-security policy-privileged.');

  const gate = `${ex.app}-secrets-check`;
  const clean = runJob(ex.workflow, gate, { secrets: secretsOf(ex.workflow.jobs[gate]) }, { repo: ex.repo });
  expect(clean.conclusion).toBe('success');
  const dirty = runJob(ex.workflow, gate, {
    secrets: secretsOf(ex.workflow.jobs[gate]),
    files: { 'helm/checkout/values-local.yaml': 'stripe:\n  apiKey: "sk_live_0000"\n  existingSecret: checkout-stripe\n' },
  }, { repo: ex.repo });
  expect(dirty.conclusion).toBe('failure');
  expect(dirty.step('verdict').outcome).toBe('failure');
  expect(dirty.summary).toContain('- helm/checkout/values-local.yaml:2: a literal value for apikey');
  expect(dirty.summary).not.toContain('existingsecret');
});
