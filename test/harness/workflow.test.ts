/**
 * Whole runs of the examples' workflows, job after job in `needs` order, with every output and artifact
 * passed on as GitHub passes them (DESIGN §2b "Data flows").
 */
import { exampleNames, loadExample } from './examples';
import { cleanupHarness, runJob, runWorkflow } from './job-runner';
import { record, writeVerdicts } from './verdicts';
import { deployScenario } from './worlds';

afterAll(() => {
  writeVerdicts('workflow');
  cleanupHarness();
});

const PR = { name: 'pull_request', ref: 'refs/pull/7/merge' };

describe.each(exampleNames())('examples/%s: whole runs', (name) => {
  const ex = loadExample(name);
  const changes = `${ex.app}-changes`;
  const summary = `${ex.app}-summary`;

  test('the pull_request trigger has no path filter: the required check reports on every pull request', () => {
    expect(ex.workflow.on.pull_request).toEqual({ branches: ['main'] });
    expect(ex.workflow.on.push.paths.length).toBeGreaterThan(0);
  });

  test('a pull request that changes none of the app\'s paths: every job skipped, the summary passes', () => {
    const runs = runWorkflow(ex.workflow, PR, (id) => (id === changes ? { actions: { filter: { outputs: { app: 'false' } } } } : {}), { repo: ex.repo });
    const ran = [...runs].filter(([, r]) => r.conclusion !== 'skipped').map(([id, r]) => `${id}: ${r.conclusion}`);
    record(name, 'every job', 'pull request touching no app path', 'only changes and summary run, both succeed', ran.join(', '));
    expect(ran).toEqual([`${changes}: success`, `${summary}: success`]);
    expect(runs.get(changes)!.outputs.changed).toBe('false');
    expect(runs.get(changes)!.summary).toContain('changes none of');
  });

  test('a pull request that changes the app: the pipeline runs', () => {
    const r = runJob(ex.workflow, changes, { event: PR, actions: { filter: { outputs: { app: 'true' } } } }, { repo: ex.repo });
    expect(r.outputs.changed).toBe('true');
  });

  test('paths-filter gives no answer: the changes job fails, nothing is skipped silently', () => {
    const r = runJob(ex.workflow, changes, { event: PR }, { repo: ex.repo });
    record(name, changes, 'paths-filter sets no output', 'failure', r.conclusion);
    expect(r.conclusion).toBe('failure');
  });

  test('a push always concerns the app (the trigger filtered the paths)', () => {
    const r = runJob(ex.workflow, changes, {}, { repo: ex.repo });
    expect(r.step('filter').outcome).toBe('skipped');
    expect(r.outputs.changed).toBe('true');
  });

  test('the summary fails when any job failed or was cancelled', () => {
    const needs = [ex.workflow.jobs[summary].needs].flat() as string[];
    const r = runJob(ex.workflow, summary, { needs: Object.fromEntries(needs.map((n, i) => [n, { result: i === 1 ? 'failure' : 'success' }])) }, { repo: ex.repo });
    expect(r.conclusion).toBe('failure');
    const skipped = runJob(ex.workflow, summary, { needs: Object.fromEntries(needs.map((n) => [n, { result: 'skipped' as const }])) }, { repo: ex.repo });
    expect(skipped.conclusion).toBe('success');
  });
});

test('examples/minimal: a push to main builds, publishes and deploys the same digest to staging, then production', () => {
  const ex = loadExample('minimal');
  const runs = runWorkflow(ex.workflow, { name: 'push', ref: 'refs/heads/main' },
    (id) => (/-deploy-/.test(id) ? { ...deployScenario(ex, id, {}), needs: undefined } : {}), { repo: ex.repo });
  const verdicts = Object.fromEntries([...runs].map(([id, r]) => [id, r.conclusion]));
  record('minimal', 'every job', 'push to main', 'every job succeeds', Object.entries(verdicts).map(([k, v]) => `${k}: ${v}`).join(', '));
  expect(verdicts).toEqual({
    'hello-changes': 'success',
    'hello-build': 'success',
    'hello-image-scan-report': 'success',
    'hello-provenance': 'success',
    'hello-publish': 'success',
    'hello-synth-check': 'success',
    'hello-deploy-staging': 'success',
    'hello-deploy-production': 'success',
    'hello-summary': 'success',
    // a push: no pull request to comment on
    'hello-synth-diff-comment': 'skipped',
  });
  const digest = runs.get('hello-build')!.outputs.digest;
  expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
  for (const env of ['staging', 'production']) {
    const upgrade = runs.get(`hello-deploy-${env}`)!.callsOf('helm').find((a) => a[0] === 'upgrade')!;
    expect(upgrade[upgrade.indexOf('--set-string') + 1]).toMatch(new RegExp(`@${digest}$`));
  }
});
