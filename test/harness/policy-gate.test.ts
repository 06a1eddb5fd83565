/**
 * The KyvernoPolicies gate job, run by the script harness with an app's exceptions: an exception past its
 * last day fails the job before any policy test runs; one within it passes (the kyverno test verdicts
 * themselves are exercised on the example in gates.test.ts).
 */
import * as pp from '../../src';
import { makeApp } from '../util';
import { cleanupHarness, runJob } from './job-runner';

afterAll(() => cleanupHarness());

const PASSING = { kyverno: 'echo "Test Summary: 28 tests passed and 0 tests failed"' };

function gate(expires: string[]): ReturnType<typeof runJob> {
  const { project, app } = makeApp({ repository: 'acme/checkout' });
  new pp.KyvernoPolicies(app, 'Policies', {
    exceptions: expires.map((e, i) => ({ name: `legacy-${i}`, rules: [pp.KyvernoRule.REQUIRE_PROBES], matchCondition: 'true', reason: 'migration', expires: e })),
  });
  const out = pp.Testing.synth(project);
  return runJob(out.yaml('.github/workflows/checkout-pipeline.yml'), 'checkout-policy-tests', { tools: PASSING }, { repo: out.outdir });
}

test('exceptions within their expiry pass; one past its last day fails the job, naming it, before kyverno runs', () => {
  const today = new Date().toISOString().slice(0, 10);
  const ok = gate(['2999-12-31', today]);
  expect(ok.conclusion).toBe('success');
  expect(ok.step('check-exceptions').stdout).toContain('policy exception checkout-legacy-1: applies until');

  const expired = gate(['2999-12-31', '2000-01-31']);
  expect(expired.conclusion).toBe('failure');
  expect(expired.step('check-exceptions').outcome).toBe('failure');
  expect(expired.log).toContain('::error::policy exception checkout-legacy-1 expired on 2000-01-31');
  expect(expired.callsOf('kyverno')).toEqual([]);
});
