/**
 * Every deploy and promote job of every example, run by the script harness (DESIGN §2b): helm fails →
 * the job fails (helm's own --rollback-on-failure restores the release); the rollout degrades or its
 * analysis fails → abort, rollback, fail; the smoke test fails → rollback, fail; success → outputs, the
 * step summary and the HTML report artifact. The cluster is a kubectl/helm stub that answers as the
 * scenario says; nothing here is read from the generator's own tables.
 */
import { ArtifactStore } from './actions';
import { exampleNames, loadExample } from './examples';
import { cleanupHarness, JobResult, runJob, Scenario } from './job-runner';
import { record, writeVerdicts } from './verdicts';
import { Cluster, deployScenario as scenario, DIGEST } from './worlds';

afterAll(() => {
  writeVerdicts('deploys');
  cleanupHarness();
});

interface Case {
  readonly name: string;
  readonly expect: 'success' | 'failure';
  readonly cluster: Cluster;
  readonly extra?: (ex: ReturnType<typeof loadExample>, jobId: string) => Partial<Scenario>;
  readonly check: (r: JobResult, job: any) => void;
}

const has = (job: any, id: string) => job.steps.some((s: any) => s.id === id);
const helmCalls = (r: JobResult, sub: string) => r.callsOf('helm').filter((a) => a[0] === sub);
const rolloutCalls = (r: JobResult, sub: string) => r.callsOf('kubectl').filter((a) => a[0] === 'argo' && a[2] === sub);

/** Cases for a deploy job (`deploy-<env>`). */
const DEPLOY: Case[] = [
  {
    name: 'success: deployed, verified, reported',
    expect: 'success',
    cluster: {},
    check: (r, job) => {
      expect(helmCalls(r, 'upgrade')[0]).toEqual(expect.arrayContaining(['--rollback-on-failure', '--set-string', expect.stringContaining(`@${DIGEST}`)]));
      expect(helmCalls(r, 'rollback')).toEqual([]);
      expect(r.step('rollback').outcome).toBe('skipped');
      expect(r.summary).toContain('| result | `success` |');
      if (has(job, 'rollout-status')) expect(r.step('rollout-status').outputs.paused).toBe('false');
    },
  },
  {
    name: 'helm upgrade fails: the job fails, nothing applied after it',
    expect: 'failure',
    cluster: { helmExit: 1 },
    check: (r) => {
      expect(helmCalls(r, 'upgrade')[0]).toContain('--rollback-on-failure'); // helm restores the release itself
      expect(r.step('apply-manifests').outcome).toBe('skipped');
      expect(r.step('smoke-test').outcome).toBe('skipped');
      expect(r.summary).toContain('| result | `failure` |');
    },
  },
  {
    name: 'the smoke test fails: rollback, fail',
    expect: 'failure',
    cluster: { smokeExit: 22 },
    check: (r) => {
      expect(r.step('smoke-test').outcome).toBe('failure');
      expect(r.step('rollback').outcome).toBe('failure');
      expect(helmCalls(r, 'rollback')).toHaveLength(1);
    },
  },
  {
    name: 'no previous revision to roll back to: fail loudly',
    expect: 'failure',
    cluster: { smokeExit: 22, revisions: 1 },
    check: (r) => {
      expect(helmCalls(r, 'rollback')).toEqual([]);
      expect(r.log).toContain('has no previous revision to roll back to');
    },
  },
  {
    name: 'the cluster secret is missing: fail before helm',
    expect: 'failure',
    cluster: {},
    extra: () => ({ secrets: {} }),
    check: (r) => {
      expect(helmCalls(r, 'upgrade')).toEqual([]);
    },
  },
  {
    name: 'the build produced no digest: fail before helm',
    expect: 'failure',
    cluster: {},
    extra: (ex) => ({ needs: { [`${ex.app}-build`]: { result: 'success', outputs: { digest: '' } } } }),
    check: (r, job) => {
      expect(helmCalls(r, 'upgrade')).toEqual([]);
      // a change request refuses to open a change for no digest, before helm does
      expect(r.step(has(job, 'change-request') ? 'change-request' : 'helm-upgrade').outcome).toBe('failure');
    },
  },
];

/** Extra cases for a deploy job with a progressive rollout (Argo Rollouts canary or blue-green). */
const ROLLOUT: Case[] = [
  {
    name: 'the rollout degrades (analysis failed): abort, rollback, fail',
    expect: 'failure',
    cluster: { phase: 'Degraded', statusExit: 1 },
    check: (r) => {
      expect(r.step('rollout-status').outcome).toBe('failure');
      expect(rolloutCalls(r, 'abort')).toHaveLength(1);
      expect(helmCalls(r, 'rollback')).toHaveLength(1);
      expect(r.step('smoke-test').outcome).toBe('skipped');
    },
  },
];

/** Extra cases for a deploy job that stops at a manual promotion gate. */
const GATED: Case[] = [
  {
    name: 'the canary reaches its manual gate: success, paused=true, no DORA event yet',
    expect: 'success',
    cluster: { phase: 'Paused', stepIndex: '5', pauseReasons: 'CanaryPauseStep' },
    check: (r) => {
      expect(r.step('rollout-status').outputs.paused).toBe('true');
      expect(r.step('rollback').outcome).toBe('skipped');
      expect(r.step('dora-events').stdout).toContain('its promotion job records the deploy');
      expect(r.summary).toContain('waiting at a promotion gate');
    },
  },
];

/** Cases for a promotion job (`promote-<env>-<weight>`). */
const PROMOTE: Case[] = [
  {
    name: 'paused at the gate: promote, healthy, success',
    expect: 'success',
    cluster: { phase: 'Paused' },
    check: (r) => {
      expect(rolloutCalls(r, 'promote')).toHaveLength(1);
      expect(r.step('rollback').outcome).toBe('skipped');
    },
  },
  {
    name: 'the analysis fails after the promotion: abort, rollback, fail',
    expect: 'failure',
    cluster: { phase: 'Paused', statusExit: 1 },
    check: (r) => {
      expect(rolloutCalls(r, 'abort')).toHaveLength(1);
      expect(helmCalls(r, 'rollback')).toHaveLength(1);
    },
  },
  {
    name: 'the rollout is degraded, not at a gate: nothing to promote, rollback, fail',
    expect: 'failure',
    cluster: { phase: 'Degraded' },
    check: (r) => {
      expect(rolloutCalls(r, 'promote')).toEqual([]);
      expect(r.step('promote').outcome).toBe('failure');
      expect(helmCalls(r, 'rollback')).toHaveLength(1);
    },
  },
  {
    name: 'the smoke test fails after the promotion: rollback, fail',
    expect: 'failure',
    cluster: { phase: 'Paused', smokeExit: 7 },
    check: (r) => expect(helmCalls(r, 'rollback')).toHaveLength(1),
  },
];

describe.each(exampleNames())('examples/%s: every deploy and promote job', (name) => {
  const ex = loadExample(name);
  const jobs = ex.jobs(/^(deploy|promote)-/);

  test('the example has deploy jobs', () => expect(ex.jobs(/^deploy-/).length).toBeGreaterThan(0));

  const cases = jobs.flatMap((jobId) => {
    const job = ex.workflow.jobs[jobId];
    const isPromote = has(job, 'promote');
    const list = isPromote ? PROMOTE : [...DEPLOY, ...(has(job, 'rollout-status') ? ROLLOUT : []),
      ...(has(job, 'rollout-status') && /GATE_STEPS/.test(JSON.stringify(job)) ? GATED : [])];
    return list.map((c) => [jobId, c.name, c] as const);
  });

  test.each(cases)('%s: %s', (jobId, caseName, c) => {
    const artifacts: ArtifactStore = new Map();
    const r = runJob(ex.workflow, jobId, { ...scenario(ex, jobId, c.cluster), artifacts, ...(c.extra?.(ex, jobId) ?? {}) }, { repo: ex.repo });
    record(name, jobId, caseName, c.expect, r.conclusion);
    expect({ verdict: r.conclusion, log: r.conclusion === c.expect ? '' : r.log }).toEqual({ verdict: c.expect, log: '' });
    c.check(r, ex.workflow.jobs[jobId]);
    // whatever happened, the deployment report is kept
    const job = ex.workflow.jobs[jobId];
    const upload = job.steps.find((s: any) => s.id === 'deploy-report');
    const report = artifacts.get(upload.with.name);
    const files = [...(report?.keys() ?? [])];
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(new RegExp(`^${ex.app}-${job.env.ENVIRONMENT}(-promote-\\d+)?\\.html$`));
    expect(report!.get(files[0])!.toString()).toContain(`<td>${r.conclusion}</td>`);
  });
});
