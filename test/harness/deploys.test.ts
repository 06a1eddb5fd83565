/**
 * Every deploy and promote job of every example, run by the script harness (DESIGN §2b): helm fails →
 * the job fails (helm's own --rollback-on-failure restores the release); the rollout degrades or its
 * analysis fails → abort, rollback, fail; the smoke test fails → rollback, fail; success → outputs, the
 * step summary and the HTML report artifact. The cluster is a kubectl/helm stub that answers as the
 * scenario says; nothing here is read from the generator's own tables.
 */
import { execFileSync } from 'child_process';
import { ArtifactStore } from './actions';
import { exampleNames, loadExample } from './examples';
import { cleanupHarness, JobResult, NeedResult, runJob, Scenario } from './job-runner';
import { record, writeVerdicts } from './verdicts';
import { buildOutputs, Cluster, deployScenario as scenario, DIGEST, OURS } from './worlds';

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
    // the approvals GitHub reports carry characters the HTML report must escape
    extra: () => ({ tools: { gh: 'printf \'%s\\n\' \'alice & "bob" <sre> (APPROVED)\'' } }),
    check: (r, job) => {
      // the exact digest: as `image.tag=<sha>@<digest>`, or in the chart's own digest key (HelmChart digestValue)
      expect(helmCalls(r, 'upgrade')[0]).toEqual(expect.arrayContaining(['--rollback-on-failure', '--set-string', expect.stringMatching(new RegExp(`[@=]${DIGEST}$`))]));
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
    cluster: { smokeExit: 22, history: [] },
    check: (r) => {
      expect(helmCalls(r, 'rollback')).toEqual([]);
      expect(r.log).toContain('has no previous revision to roll back to');
      expect(r.step('rollback').outputs['rolled-back']).toBe('false');
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
      // the first step that needs the digest: the image verification when the build signs, else helm
      const first = has(job, 'verify-image') ? 'verify-image' : 'helm-upgrade';
      expect(r.step(first).outcome).toBe('failure');
      expect(r.step(first).stdout).toContain('the build job produced no image digest');
    },
  },
];

/** Cases of the release record (Helm path): deploy order and a rollback of chart and manifests together. */
const RECORD: Case[] = [
  {
    name: 'a first deploy: the release records its commit and run',
    expect: 'success',
    cluster: { history: [] },
    check: (r) => {
      expect(r.step('deploy-order').stdout).toContain('first deploy');
      expect(helmCalls(r, 'upgrade')[0]).toEqual(expect.arrayContaining(['--description', `platform-pipeline commit=${headOf(r)} run=4242`]));
    },
  },
  {
    name: 'a re-run of an old run: the environment runs a newer commit; refused before anything changes',
    expect: 'failure',
    cluster: { history: [['superseded', 'platform-pipeline commit=@PARENT@ run=4000'], ['deployed', 'platform-pipeline commit=@NEWER@ run=5000']] },
    extra: () => ({ newerCommit: true }),
    check: (r) => {
      expect(r.step('deploy-order').outcome).toBe('failure');
      expect(r.step('deploy-order').stdout).toContain('this run is older than what the environment runs');
      expect(helmCalls(r, 'upgrade')).toEqual([]);
      expect(r.callsOf('kubectl').filter((a) => a[0] === 'apply')).toEqual([]);
      expect(r.step('rollback').outcome).toBe('skipped');
    },
  },
  {
    name: 'the environment runs a commit after a rollback: followed through "Rollback to", an ancestor, deploy',
    expect: 'success',
    cluster: { history: [['superseded', 'platform-pipeline commit=@PARENT@ run=4000'], ['superseded', 'platform-pipeline commit=@NEWER@ run=5000'], ['deployed', 'Rollback to 1']] },
    extra: () => ({ newerCommit: true }),
    check: (r) => expect(r.step('deploy-order').stdout).toMatch(/runs [0-9a-f]{40} \(revision 3, newest 3\), an ancestor of/),
  },
  {
    name: 'helm history prints nothing: the deploy stops before anything changes (fail closed)',
    expect: 'failure',
    cluster: { historyOutput: '' },
    check: (r) => {
      expect(r.step('deploy-order').outcome).toBe('failure');
      expect(r.step('deploy-order').stdout).toContain('printed no list of revisions');
      expect(helmCalls(r, 'upgrade')).toEqual([]);
    },
  },
  {
    name: 'helm history prints garbage: the deploy stops (fail closed)',
    expect: 'failure',
    cluster: { historyOutput: 'Error: something went wrong' },
    check: (r) => {
      expect(r.step('deploy-order').outcome).toBe('failure');
      expect(helmCalls(r, 'upgrade')).toEqual([]);
    },
  },
  {
    name: 'verification fails: the chart goes back to the previous revision and the manifests to that revision\'s commit',
    expect: 'failure',
    cluster: { smokeExit: 22 },
    check: (r) => {
      expect(helmCalls(r, 'rollback')).toEqual([expect.arrayContaining(['rollback', expect.any(String), '2'])]);
      const applies = r.callsOf('kubectl').filter((a) => a[0] === 'apply' && a.some((x) => x.endsWith('/previous.k8s.yaml')));
      expect(applies).toHaveLength(1);
      expect(r.callsOf('kubectl').filter((a) => a[0] === 'delete')).toEqual([expect.arrayContaining(['prometheusrule.monitoring.coreos.com/app-added'])]);
      expect(r.step('rollback').stdout).toMatch(/restored the environment manifests of [0-9a-f]{40}/);
      expect(r.step('rollback').outputs['rolled-back']).toBe('true');
    },
  },
];

/** Cases of the image verification before a deploy (when the build signs). */
const VERIFY: Case[] = [
  {
    name: 'the image verifies: signature by the build identity, SBOM attestations on each attested digest, provenance',
    expect: 'success',
    cluster: {},
    check: (r, job) => {
      const env = job.steps.find((s: any) => s.id === 'verify-image').env;
      const verify = r.callsOf('cosign').filter((a) => a[0] === 'verify');
      expect(verify).toEqual([expect.arrayContaining([`${env.IMAGE_REPOSITORY}@${DIGEST}`])]);
      if (env.CERT_IDENTITY_REGEXP) {
        // keyless: bound to this repository's workflow and GitHub's issuer, never a wildcard identity
        const regexp = verify[0][verify[0].indexOf('--certificate-identity-regexp') + 1];
        expect(new RegExp(regexp).test(`https://github.com/acme/checkout-platform/${'.github/workflows/'}${job.env.APP}-pipeline.yml@refs/heads/main`)
          || new RegExp(regexp).test(`https://github.com/acme/platform/.github/workflows/${job.env.APP}-pipeline.yml@refs/heads/main`)).toBe(true);
        expect(new RegExp(regexp).test(`https://github.com/evil/fork/.github/workflows/${job.env.APP}-pipeline.yml@refs/heads/main`)).toBe(false);
        expect(verify[0]).toEqual(expect.arrayContaining(['--certificate-oidc-issuer', 'https://token.actions.githubusercontent.com']));
      }
      const attestations = r.callsOf('cosign').filter((a) => a[0] === 'verify-attestation');
      const digests: string[] = (env.ATTESTED_DIGESTS ?? '').match(/outputs\.[A-Za-z0-9_-]+/g) ?? [];
      const types = (env.ATTESTATION_TYPES ?? '').split(' ').filter((t: string) => t);
      if (types.length > 0) expect(digests.length).toBeGreaterThan(0);
      const outputs = buildOutputs(job.env.APP, job);
      for (const d of digests) {
        const digest = outputs[/outputs\.([A-Za-z0-9_-]+)/.exec(d)![1]];
        for (const t of types) expect(attestations).toContainEqual(expect.arrayContaining(['--type', t, `${env.IMAGE_REPOSITORY}@${digest}`]));
      }
      expect(attestations.length).toBe(digests.length * types.length + (env.PROVENANCE_IDENTITY_REGEXP ? 1 : 0));
    },
  },
  {
    name: 'the signature does not verify: the deploy stops before anything touches the cluster',
    expect: 'failure',
    cluster: {},
    extra: () => ({ tools: { cosign: 'if [ "$1" = verify ]; then echo "Error: no matching signatures" >&2; exit 10; fi' } }),
    check: (r) => {
      expect(r.step('verify-image').outcome).toBe('failure');
      expect(helmCalls(r, 'upgrade')).toEqual([]);
      expect(r.callsOf('kubectl')).toEqual([]);
      expect(r.step('rollback').outcome).toBe('skipped');
    },
  },
  {
    name: 'cosign verifies but prints nothing: fail closed',
    expect: 'failure',
    cluster: {},
    extra: () => ({ tools: { cosign: 'exit 0' } }),
    check: (r) => {
      expect(r.step('verify-image').stdout).toContain('cosign verified no signature');
      expect(helmCalls(r, 'upgrade')).toEqual([]);
    },
  },
  {
    name: 'an SBOM attestation is missing: the deploy stops',
    expect: 'failure',
    cluster: {},
    extra: () => ({ tools: { cosign: 'if [ "$1" = verify-attestation ] && [ "$(opt --type "$@")" = spdxjson ]; then echo "Error: none of the attestations matched the predicate type" >&2; exit 1; fi; . "${__kit}/defaults/cosign.sh"' } }),
    check: (r, job) => {
      const types = job.steps.find((s: any) => s.id === 'verify-image').env.ATTESTATION_TYPES ?? '';
      if (!types.includes('spdxjson')) return;
      expect(r.step('verify-image').outcome).toBe('failure');
      expect(helmCalls(r, 'upgrade')).toEqual([]);
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
      // a promotion that completes the rollout records the final outcome on the change request
      if (r.steps.some((st) => st.id === 'change-close')) expect(r.step('change-close').outputs.final).toBe(r.step('rollout-status').outputs.paused === 'true' ? undefined : 'true');
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
  {
    name: 'a newer run deployed since: its canary is not promoted on this approval, nor rolled back',
    expect: 'failure',
    cluster: { phase: 'Paused', history: [...OURS, ['deployed', 'platform-pipeline commit=@HEAD@ run=9999']] },
    check: (r) => {
      expect(rolloutCalls(r, 'promote')).toEqual([]);
      expect(rolloutCalls(r, 'abort')).toEqual([]);
      expect(helmCalls(r, 'rollback')).toEqual([]);
      expect(r.step('promote').stdout).toContain("is not this run's deploy");
    },
  },
  {
    name: 'the gate expired (approved after gateTimeout): not promoted on stale evidence, rollback, fail',
    expect: 'failure',
    cluster: { phase: 'Paused', pausedFor: 30 * 86400 },
    check: (r) => {
      expect(rolloutCalls(r, 'promote')).toEqual([]);
      expect(r.step('promote').stdout).toContain('not promoting on stale evidence');
      expect(rolloutCalls(r, 'abort')).toHaveLength(1);
      expect(helmCalls(r, 'rollback')).toHaveLength(1);
    },
  },
];

describe.each(exampleNames())('examples/%s: every deploy and promote job', (name) => {
  const ex = loadExample(name);
  const jobs = ex.jobs(/^(deploy|promote)-/);

  test('the example has deploy jobs', () => expect(ex.jobs(/^deploy-/).length).toBeGreaterThan(0));

  // Jobs whose scripts are the same (the same steps, conditions and scripts; only the values of their
  // env and inputs differ, e.g. staging and production of one strategy) behave the same: every case runs
  // on the first of them, the others run the success case with their own values.
  const seen = new Set<string>();
  const cases = jobs.flatMap((jobId) => {
    const job = ex.workflow.jobs[jobId];
    const isPromote = has(job, 'promote');
    const list = isPromote ? PROMOTE : [...DEPLOY, ...(has(job, 'deploy-order') ? RECORD : []), ...(has(job, 'verify-image') ? VERIFY : []), ...(has(job, 'rollout-status') ? ROLLOUT : []),
      ...(has(job, 'rollout-status') && /GATE_STEPS/.test(JSON.stringify(job)) ? GATED : [])];
    const key = shapeOf(job);
    const first = !seen.has(key);
    seen.add(key);
    return (first ? list : list.slice(0, 1)).map((c) => [jobId, c.name, c] as const);
  });

  test.each(cases)('%s: %s', (jobId, caseName, c) => {
    const artifacts: ArtifactStore = new Map();
    const base = scenario(ex, jobId, c.cluster);
    const extra = c.extra?.(ex, jobId) ?? {};
    // a case's tool behaviours add to the cluster's (kubectl, helm), replacing only the tools it names
    const r = runJob(ex.workflow, jobId, { ...base, artifacts, ...extra, tools: { ...base.tools, ...extra.tools } }, { repo: ex.repo });
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
    const html = report!.get(files[0])!.toString();
    expect(html).toContain(`<td>${r.conclusion}</td>`);
    if (extra.tools?.gh) {
      expect(html).toContain('<tr><th>approved by</th><td>alice &amp; &quot;bob&quot; &lt;sre&gt; (APPROVED)</td></tr>');
      expect(r.summary).toContain('| approved by | `alice & "bob" <sre> (APPROVED)` |');
    }
  });
});

/** The run's commit: the harness workspace's HEAD. */
function headOf(r: JobResult): string {
  return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: r.workspace, encoding: 'utf8' }).trim();
}

describe.each(exampleNames())('examples/%s: the clean-up after an unfinished promotion', (name) => {
  const ex = loadExample(name);
  const jobs = ex.jobs(/^abandon-/);
  if (jobs.length === 0) {
    test('no manual gate: no clean-up job', () => expect(ex.jobs(/^promote-/)).toEqual([]));
    return;
  }
  const deployOf = (jobId: string) => `${ex.app}-deploy-${ex.workflow.jobs[jobId].env.ENVIRONMENT}`;
  const promotionsOf = (jobId: string) => ex.workflow.jobs[jobId].needs.filter((n: string) => n.startsWith(`${ex.app}-promote-`));
  const needs = (jobId: string, paused: string, last: 'success' | 'failure' | 'cancelled' | 'skipped'): Record<string, NeedResult> => {
    const promotions: string[] = promotionsOf(jobId);
    return {
      [`${ex.app}-build`]: { result: 'success' as const, outputs: { digest: DIGEST } },
      [deployOf(jobId)]: { result: 'success' as const, outputs: { paused } },
      ...Object.fromEntries(promotions.map((p, i) => [p, { result: i === promotions.length - 1 ? last : 'success' as const }])),
    };
  };
  const run = (jobId: string, cluster: Cluster, paused: string, last: 'success' | 'failure' | 'cancelled' | 'skipped') => {
    const base = scenario(ex, jobId, cluster);
    return runJob(ex.workflow, jobId, { ...base, needs: { ...needs(jobId, paused, last) } }, { repo: ex.repo });
  };

  test.each(jobs)('%s runs when the last promotion was rejected, expired, cancelled or skipped, and only then', (jobId) => {
    expect(promotionsOf(jobId).length).toBeGreaterThan(0);
    for (const last of ['failure', 'cancelled', 'skipped'] as const) {
      const r = run(jobId, { phase: 'Paused' }, 'true', last);
      record(name, jobId, `the last promotion ended ${last}: abort, roll back`, 'success', r.conclusion);
      expect({ last, verdict: r.conclusion, log: r.conclusion === 'success' ? '' : r.log }).toEqual({ last, verdict: 'success', log: '' });
      expect(rolloutCalls(r, 'abort')).toHaveLength(1);
      expect(helmCalls(r, 'rollback')).toEqual([expect.arrayContaining(['rollback', expect.any(String), '2'])]);
    }
    // promoted to the end, or never paused (the deploy job finished or failed on its own): nothing to do
    expect(run(jobId, { phase: 'Paused' }, 'true', 'success').conclusion).toBe('skipped');
    expect(run(jobId, { phase: 'Paused' }, 'false', 'skipped').conclusion).toBe('skipped');
  });

  test.each(jobs)('%s leaves a newer run\'s release and an earlier rollback alone', (jobId) => {
    const newer = run(jobId, {}, 'true', 'failure');
    expect(newer.conclusion).toBe('success');
    const taken = run(jobId, { history: [...OURS_AND('platform-pipeline commit=@HEAD@ run=9999')] }, 'true', 'failure');
    record(name, jobId, 'a newer run owns the release: nothing done', 'success', taken.conclusion);
    expect(taken.conclusion).toBe('success');
    expect(rolloutCalls(taken, 'abort')).toEqual([]);
    expect(helmCalls(taken, 'rollback')).toEqual([]);
    const rolledBack = run(jobId, { history: [...OURS_AND('Rollback to 2')] }, 'true', 'failure');
    record(name, jobId, 'the promotion job already rolled back: not rolled back twice', 'success', rolledBack.conclusion);
    expect(helmCalls(rolledBack, 'rollback')).toEqual([]);
  });

  test.each(jobs.filter((j) => has(ex.workflow.jobs[j], 'change-close')))('%s records the unfinished promotion on the change, unless a promotion job recorded an outcome', (jobId) => {
    const withChange = (final: string) => {
      const n = needs(jobId, 'true', 'failure');
      const deploy = deployOf(jobId);
      n[deploy] = { ...n[deploy], outputs: { ...n[deploy].outputs, 'change-ref': 'a1b2c3', 'change-id': 'CHG0042' } };
      for (const p of promotionsOf(jobId)) n[p] = { ...n[p], outputs: { 'change-final': final } };
      return runJob(ex.workflow, jobId, { ...scenario(ex, jobId, { phase: 'Paused' }), needs: n }, { repo: ex.repo });
    };
    const patches = (r: JobResult) => r.callsOf('curl').filter((a) => a.includes('PATCH'));
    const open = withChange('');
    record(name, jobId, 'unfinished promotion: the change is closed unsuccessful, naming the rollback', 'success', open.conclusion);
    expect(open.conclusion).toBe('success');
    expect(open.step('change-close').outcome).toBe('success');
    expect(patches(open)).toHaveLength(1);
    expect(patches(open)[0].join(' ')).toMatch(/unsuccessful.*did not complete.*it was rolled back to the previous release/);
    // the promotion job already recorded its failure: not recorded twice
    const recorded = withChange('true');
    expect(recorded.step('change-close').outcome).toBe('skipped');
    expect(patches(recorded)).toEqual([]);
  });

  test.each(jobs)('%s fails when helm history prints nothing: no clean-up decided on nothing', (jobId) => {
    const r = run(jobId, { phase: 'Paused', historyOutput: '' }, 'true', 'failure');
    record(name, jobId, 'helm history prints nothing: fail closed', 'failure', r.conclusion);
    expect(r.conclusion).toBe('failure');
    expect(r.log).toContain('printed no list of revisions');
    expect(rolloutCalls(r, 'abort')).toEqual([]);
  });

  test.each(jobs)('%s fails loudly when there is nothing to roll back to', (jobId) => {
    const r = run(jobId, { history: [['deployed', 'platform-pipeline commit=@HEAD@ run=@RUN@']] }, 'true', 'failure');
    record(name, jobId, 'no previous revision: fail loudly', 'failure', r.conclusion);
    expect(r.conclusion).toBe('failure');
    expect(r.log).toContain('has no previous revision to roll back to');
  });
});

function OURS_AND(description: string): Array<[string, string]> {
  return [...OURS.map(([, d]) => ['superseded', d] as [string, string]), ['deployed', description]];
}

/**
 * What a job's behaviour depends on besides its values: its steps' ids, conditions, scripts and actions, and
 * which env and inputs it sets.
 */
function shapeOf(job: any): string {
  const env = String(job.env?.ENVIRONMENT ?? '');
  // the environment's name in a message (e.g. the name of its kubeconfig secret) is a value
  const script = (run: unknown) => (typeof run === 'string' && env ? run.split(env.toUpperCase()).join('<ENV>').split(env).join('<env>') : run);
  const steps = (job.steps ?? []).map((st: any) => [
    st.id, st.if, script(st.run), st.uses, st.shell, Object.keys(st.env ?? {}), Object.keys(st.with ?? {}),
  ]);
  return JSON.stringify(steps)
    + JSON.stringify([job.if, Object.keys(job.env ?? {}), job.outputs]);
}
