/**
 * The drift gate of examples/minimal, run by the script harness (DESIGN §2b): `npx` is a stub that plays
 * projen's synth (it rewrites the files the definition generates), so each scenario is cheap. A clean tree
 * passes; a hand-edited generated file fails and names the file and the fix; a definition changed without
 * synthesizing again fails and names what the synth changed and added. On a same-repository pull request the
 * diff is rendered into the summary and the comment job adds, then updates, the one comment.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ArtifactStore } from './actions';
import { loadExample } from './examples';
import { cleanupHarness, runJob, Scenario } from './job-runner';
import { record, writeVerdicts } from './verdicts';

afterAll(() => {
  writeVerdicts('synth-check');
  cleanupHarness();
});

const ex = loadExample('minimal');
const GATE = `${ex.app}-synth-check`;
const COMMENT = `${ex.app}-synth-diff-comment`;
const VALUES = 'helm/hello/values-staging.yaml';
const committed = (rel: string) => fs.readFileSync(path.join(ex.repo, rel), 'utf8');

/** `npx --no-install projen` runs `synth` (bash run in the workspace); other npx calls run `other`. */
const npx = (synth: string, other = 'exit 0') => `if [ "$*" = "--no-install projen" ]; then ${synth}; else ${other}; fi`;

/** Runs the gate; the verdict report records what the scenario expects beside what happened. */
function gate(name: string, expected: 'success' | 'failure', scenario: Scenario) {
  const r = runJob(ex.workflow, GATE, scenario, { repo: ex.repo });
  record('minimal', GATE, name, expected, r.conclusion);
  return r;
}

const PR_PAYLOAD = { number: 7, base: { sha: 'b'.repeat(40) }, head: { repo: { full_name: 'acme/platform' } } };
const PR = { name: 'pull_request', ref: 'refs/pull/7/merge', payload: { pull_request: PR_PAYLOAD } };

test('a clean tree: the synth changes nothing, the gate passes (push: no diff is rendered)', () => {
  const r = gate('clean tree', 'success', { tools: { npx: npx('true') } });
  expect({ verdict: r.conclusion, log: r.conclusion === 'success' ? '' : r.log }).toEqual({ verdict: 'success', log: '' });
  expect(r.callsOf('npm')).toEqual([['ci']]);
  expect(r.callsOf('npx')).toEqual([['--no-install', 'projen']]);
  expect(r.summary).toContain('The committed files are what the definition generates.');
  for (const id of ['checkout-base', 'synth-base', 'diff', 'upload-diff']) expect(r.step(id).outcome).toBe('skipped');
});

test('a hand-edited generated file: the synth restores it, the gate fails naming the file and the fix', () => {
  const original = committed(VALUES);
  const r = gate('hand-edited values file', 'failure', {
    files: { [VALUES]: original.replace(/replicaCount: \d+/, 'replicaCount: 9') },
    fixtures: { 'values.yaml': original },
    tools: { npx: npx(`cp "\${FIXTURES}/values.yaml" ${VALUES}`) },
  });
  expect(original).toMatch(/replicaCount: \d+/);
  expect(r.conclusion).toBe('failure');
  expect(r.step('drift').outcome).toBe('failure');
  expect(r.step('drift').stdout).toContain(`::error file=${VALUES}::${VALUES} is not what the definition generates (edited by hand, or the definition changed without synthesizing again): run 'npx projen' and commit the result`);
  expect(r.summary).toContain(`M ${VALUES}`);
  expect(r.summary).toContain('Run `npx projen` and commit the result.');
});

test('a definition changed without synthesizing again: the gate fails naming every changed and added file', () => {
  const r = gate('definition changed, not synthesized', 'failure', {
    files: { '.projenrc.ts': committed('.projenrc.ts').replace('replicas: 3', 'replicas: 5') },
    tools: { npx: npx('sed -i "s/replicaCount: 3/replicaCount: 5/" helm/hello/values-production.yaml && printf "kind: ConfigMap\\n" > deploy/hello/qa.k8s.yaml') },
  });
  expect(committed('.projenrc.ts')).toContain('replicas: 3');
  expect(committed('helm/hello/values-production.yaml')).toContain('replicaCount: 3');
  expect(r.conclusion).toBe('failure');
  const errors = r.step('drift').stdout.split('\n').filter((l) => l.startsWith('::error')).map((l) => /^::error file=([^:]+)::/.exec(l)?.[1]);
  expect(errors.sort()).toEqual(['deploy/hello/qa.k8s.yaml', 'helm/hello/values-production.yaml']);
  expect(r.summary).toContain('?? deploy/hello/qa.k8s.yaml');
});

test('fails closed: projen fails, or npm is missing', () => {
  const failing = gate('projen fails', 'failure', { tools: { npx: npx('exit 1') } });
  expect(failing.conclusion).toBe('failure');
  expect(failing.step('drift').outcome).toBe('skipped');
  const noNpm = gate('npm missing', 'failure', { missing: ['npm'] });
  expect(noNpm.conclusion).toBe('failure');
  expect(noNpm.step('synth').outcome).toBe('skipped');
});

test('a same-repository pull request: the base is synthesized, the diff rendered and commented once (added, then updated); never for a fork', () => {
  const artifacts: ArtifactStore = new Map();
  const diff = '<!-- platform-pipeline:synth-diff -->\n## What this pull request changes\n| helm values | `helm/hello/values-production.yaml` | changed | replicaCount |\n';
  const r = runJob(ex.workflow, GATE, {
    event: PR,
    artifacts,
    // the base checkout (simulated: it writes nothing) is where the base branch's synth runs
    files: { '.platform-pipeline/base/.projenrc.ts': committed('.projenrc.ts') },
    fixtures: { 'diff.md': diff },
    tools: { npx: npx('true', 'cp "${FIXTURES}/diff.md" "$(opt --output "$@")"') },
  }, { repo: ex.repo });
  expect({ verdict: r.conclusion, log: r.conclusion === 'success' ? '' : r.log }).toEqual({ verdict: 'success', log: '' });
  expect(r.callsOf('npm')).toEqual([['ci'], ['ci']]);
  expect(r.callsOf('npx')).toEqual([
    ['--no-install', 'projen'],
    ['--no-install', 'projen'],
    ['--no-install', 'platform-pipeline-diff', '.platform-pipeline/base', '.', '--output', expect.stringMatching(/synth-diff\.md$/)],
  ]);
  expect(r.summary).toContain('| helm values | `helm/hello/values-production.yaml` | changed | replicaCount |');
  expect(r.outputs['diff-rendered']).toBe('true');
  expect([...artifacts.keys()]).toEqual([`${ex.app}-synth-diff`]);

  const needs = [ex.workflow.jobs[COMMENT].needs].flat() as string[];
  const needsOk = Object.fromEntries(needs.map((n) => [n, n === GATE ? { result: 'success' as const, outputs: { 'diff-rendered': 'true' } } : { result: 'skipped' as const }]));
  const list = (ids: string) => `if [ "$1" = api ] && has --paginate "$@"; then printf '${ids}'; fi`;
  const added = runJob(ex.workflow, COMMENT, { event: PR, artifacts, needs: needsOk, tools: { gh: list('') } }, { repo: ex.repo });
  expect(added.conclusion).toBe('success');
  const posts = added.callsOf('gh').filter((a) => a.includes('--method'));
  expect(posts.map((a) => a.slice(0, 4))).toEqual([['api', '--method', 'POST', 'repos/acme/platform/issues/7/comments']]);
  // (the call log writes a newline inside an argument as \n)
  expect(posts[0][5]).toBe(`body=${diff.replace(/\n$/, '').replace(/\n/g, '\\n')}`);
  const updated = runJob(ex.workflow, COMMENT, { event: PR, artifacts, needs: needsOk, tools: { gh: list('4711\\n') } }, { repo: ex.repo });
  expect(updated.callsOf('gh').filter((a) => a.includes('--method')).map((a) => a.slice(0, 4))).toEqual([['api', '--method', 'PATCH', 'repos/acme/platform/issues/comments/4711']]);
  const garbage = runJob(ex.workflow, COMMENT, { event: PR, artifacts, needs: needsOk, tools: { gh: list('rate limited\\n') } }, { repo: ex.repo });
  expect(garbage.conclusion).toBe('failure');

  const fork = { ...PR, payload: { pull_request: { ...PR_PAYLOAD, head: { repo: { full_name: 'mallory/platform' } } } } };
  expect(runJob(ex.workflow, COMMENT, { event: fork, artifacts, needs: needsOk }, { repo: ex.repo }).conclusion).toBe('skipped');
  expect(runJob(ex.workflow, COMMENT, { artifacts, needs: needsOk }, { repo: ex.repo }).conclusion).toBe('skipped');
});
