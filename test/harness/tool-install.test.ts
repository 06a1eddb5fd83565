/**
 * The installers of downloaded tools, run for real against the harness's fake releases (DESIGN §2b): each
 * asset is checked against the sha256 the library pins, not against a checksum file of the same release.
 * By default the harness swaps each pinned sum for the sum of its own fake asset (the generator is told
 * nothing); `genuinePins` runs the scripts exactly as generated.
 */
import { exampleNames, loadExample } from './examples';
import { cleanupHarness, JobResult, runJob, Scenario } from './job-runner';

afterAll(() => cleanupHarness());

const ex = loadExample(exampleNames().includes('enterprise-platform') ? 'enterprise-platform' : exampleNames()[0]);

/** Runs one generated step alone, as a job of its own. */
function runStep(jobId: string, stepId: string, scenario: Scenario): JobResult {
  const step = ex.workflow.jobs[jobId].steps.find((s: any) => s.id === stepId);
  if (!step) throw new Error(`no step ${stepId} in ${jobId}`);
  const workflow = { name: 'tool-install', jobs: { t: { 'runs-on': 'ubuntu-24.04', 'steps': [step] } } };
  return runJob(workflow, 't', scenario, { repo: ex.repo });
}

const INSTALLS: Array<[string, string, string, string]> = [
  // job suffix, step, tool, asset on an amd64 runner
  ['alert-rules', 'install-promtool', 'promtool', 'prometheus-3.5.0.linux-amd64.tar.gz'],
  ['deploy-production', 'setup-argo-rollouts', 'kubectl-argo-rollouts', 'kubectl-argo-rollouts-linux-amd64'],
  ['scan-kubesec', 'install-tools', 'kubesec', 'kubesec_linux_amd64.tar.gz'],
];

describe.each(INSTALLS)(`examples/${ex.name}: %s / %s`, (suffix, stepId, tool, asset) => {
  const jobId = `${ex.app}-${suffix}`;
  const present = ex.workflow.jobs[jobId] !== undefined;
  (present ? test : test.skip)(`installs ${tool} from its pinned asset, fetching no checksum file`, () => {
    const r = runStep(jobId, stepId, {});
    expect({ conclusion: r.conclusion, log: r.conclusion === 'success' ? '' : r.log }).toEqual({ conclusion: 'success', log: '' });
    const urls = r.callsOf('curl').map((a) => a[a.length - 1]);
    expect(urls).toHaveLength(1);
    expect(urls[0]).toMatch(new RegExp(`/${asset.replace(/[.]/g, '\\.')}$`));
  });

  (present ? test : test.skip)('a tampered asset is refused before it is installed', () => {
    const r = runStep(jobId, stepId, { tampered: [asset] });
    expect(r.conclusion).toBe('failure');
    expect(r.step(stepId).stderr).toMatch(/FAILED|did NOT match/);
  });

  (present ? test : test.skip)('a compromised release (asset and its checksum file replaced together) is refused', () => {
    const r = runStep(jobId, stepId, { compromised: [asset] });
    expect(r.conclusion).toBe('failure');
    expect(r.step(stepId).stderr).toMatch(/FAILED|did NOT match/);
  });

  (present ? test : test.skip)('the sum checked is the one the library pins: run as generated, the fake asset fails it', () => {
    const r = runStep(jobId, stepId, { genuinePins: true });
    expect(r.conclusion).toBe('failure');
    expect(r.step(stepId).stderr).toMatch(/FAILED|did NOT match/);
  });
});
