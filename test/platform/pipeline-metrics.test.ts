/**
 * Where the pipeline's figures go (MetricsPush), checked at synth against the runners of the jobs that push,
 * and what the pushing scripts do, run by the script harness (DESIGN §2b): a failed push is written to the
 * job summary and does not fail the job; the run's duration leaves out the time no job ran (approvals);
 * a deploy pushes the changes it ships and their lead times, read from the commit of the previous deploy.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as pp from '../../src';
import { cleanupHarness, runJob } from '../harness/job-runner';
import { errorOf, makeApp, workflowOf } from '../util';

afterAll(() => cleanupHarness());

const EXTERNAL = () => pp.MetricsPush.external({ url: 'https://pushgateway.acme.dev', tokenSecret: 'PUSHGATEWAY_TOKEN' });
const REPO = path.join(__dirname, '..', '..', 'examples', 'minimal');

function synth(observability: pp.ObservabilityProps, overrides: Partial<pp.PlatformAppProps> = {}): pp.SynthOutput {
  const { project, app } = makeApp({ observability, ...overrides });
  new pp.PrometheusRules(app, 'Alerts');
  return pp.Testing.synth(project);
}

describe('MetricsPush', () => {
  test('a cluster-local Pushgateway with GitHub-hosted pushing jobs is refused at synth, naming the jobs and both fixes', () => {
    const msg = errorOf(() => synth({ pushgatewayUrl: 'http://pushgateway.monitoring:9091' }));
    expect(msg).toContain("checkout: 'observability.pushgatewayUrl' 'http://pushgateway.monitoring:9091' is a cluster-local Service name ('pushgateway.monitoring', <service>.<namespace>)");
    expect(msg).toContain("job 'checkout-deploy-staging' runs on the GitHub-hosted runner 'ubuntu-24.04'");
    expect(msg).toContain("job 'checkout-report-metrics' runs on the GitHub-hosted runner 'ubuntu-24.04'");
    expect(msg).toContain('MetricsPush.external({ url: "https://pushgateway.example.com", tokenSecret: "PUSHGATEWAY_TOKEN" })');
    expect(msg).toContain('MetricsPush.inCluster({ url, runner: Runner.selfHosted([...]) })');
    for (const url of ['http://pushgateway:9091', 'http://pushgateway.monitoring.svc:9091', 'http://pushgateway.monitoring.svc.cluster.local:9091', 'http://pg.platform-prod:9091']) {
      expect(errorOf(() => synth({ metricsPush: pp.MetricsPush.inCluster({ url }) }))).toMatch(/'observability.metricsPush' .* is (a single-label host|a cluster-local)/);
    }
    // a larger runner is GitHub-hosted too
    expect(errorOf(() => synth({ pushgatewayUrl: 'http://pushgateway.monitoring:9091' }, { runner: pp.Runner.larger('ubuntu-24.04-8core') })))
      .toMatch(/runs on the GitHub-hosted runner 'ubuntu-24.04-8core'/);
  });

  test('accepted: a public endpoint, or a cluster-local one with every pushing job on runners inside the cluster', () => {
    const wf = workflowOf(synth({ metricsPush: EXTERNAL() }));
    expect(wf.jobs['checkout-report-metrics'].env).toEqual({ APP: 'checkout', PUSHGATEWAY_URL: 'https://pushgateway.acme.dev', PUSHGATEWAY_TOKEN: '${{ secrets.PUSHGATEWAY_TOKEN }}' });
    const inside = pp.Runner.selfHosted(['linux', 'arc-in-cluster']);
    const wf2 = workflowOf(synth({ metricsPush: pp.MetricsPush.inCluster({ url: 'http://pushgateway.monitoring.svc:9091', runner: inside }) }, { runner: inside }));
    expect(wf2.jobs['checkout-report-metrics']['runs-on']).toEqual(['self-hosted', 'linux', 'arc-in-cluster']);
    expect(wf2.jobs['checkout-report-metrics'].env.PUSHGATEWAY_TOKEN).toBeUndefined();
    // the report job on the in-cluster runner, but the deploy jobs still on GitHub's runners: refused
    expect(errorOf(() => synth({ metricsPush: pp.MetricsPush.inCluster({ url: 'http://pushgateway.monitoring.svc:9091', runner: inside }) })))
      .toMatch(/job 'checkout-deploy-staging' runs on the GitHub-hosted runner 'ubuntu-24.04', job 'checkout-deploy-production' runs on the GitHub-hosted runner 'ubuntu-24.04', which cannot resolve it/);
  });

  test('bad input names the factory, the prop, the value and the fix', () => {
    expect(errorOf(() => pp.MetricsPush.external({ url: 'http://pushgateway.acme.dev', tokenSecret: 'T' })))
      .toMatch(/MetricsPush.external: 'url' must be an https:\/\/ URL \(the token must not travel in clear text\), got 'http:\/\/pushgateway.acme.dev'/);
    expect(errorOf(() => pp.MetricsPush.external({ url: 'https://pushgateway.monitoring.svc', tokenSecret: 'T' })))
      .toMatch(/'url' 'https:\/\/pushgateway.monitoring.svc' is a cluster-local Service name .* use MetricsPush.inCluster/);
    expect(errorOf(() => pp.MetricsPush.external({ url: 'https://pushgateway.acme.dev', tokenSecret: 'GITHUB_TOKEN' }))).toMatch(/'tokenSecret' must name a GitHub secret/);
    expect(errorOf(() => pp.MetricsPush.inCluster({ url: 'http://pushgateway.monitoring.svc:9091', runner: pp.Runner.UBUNTU_24_04 })))
      .toMatch(/MetricsPush.inCluster: 'runner' \['ubuntu-24.04'\] is a GitHub-hosted runner/);
    expect(errorOf(() => makeApp({ observability: { pushgatewayUrl: 'https://a.acme.dev', metricsPush: EXTERNAL() } })))
      .toMatch(/'observability.pushgatewayUrl' \('https:\/\/a.acme.dev'\) and 'observability.metricsPush' \('https:\/\/pushgateway.acme.dev'\) are both given; keep only 'metricsPush'/);
  });
});

describe('the pushing scripts, run by the harness', () => {
  const wf = workflowOf(synth({ metricsPush: EXTERNAL() }));
  const iso = (t: number) => new Date(t * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

  test('report job: run time without the approval wait, the wait apart; a failed push is in the job summary and the job succeeds', () => {
    const start = Math.floor(Date.now() / 1000) - 10800;
    // build 0-10 min and a gate 5-20 min (overlapping: 20 min), then 100 minutes waiting for an approval,
    // then the production deploy 120-150 min: 50 minutes of running time in a run of about 3 hours
    const jobs = {
      jobs: [[0, 600], [300, 1200], [7200, 9000], [null, null]].map(([a, b], i) => ({
        name: `job${i}`, started_at: a === null ? null : iso(start + a), completed_at: b === null ? null : iso(start + b),
      })),
    };
    const r = runJob(wf, 'checkout-report-metrics', {
      secrets: { PUSHGATEWAY_TOKEN: 'pgw-s3cret' },
      fixtures: { 'run.json': JSON.stringify({ run_started_at: iso(start) }), 'jobs.json': JSON.stringify(jobs) },
      tools: {
        curl: [
          'u="${!#}"',
          'case "${u}" in',
          '  */metrics/job/*) { echo "--- ${u}"; cat; } >> "${GITHUB_WORKSPACE}/pushed.txt"; echo "curl: (6) Could not resolve host: pushgateway.acme.dev" >&2; exit 6 ;;',
          '  */jobs\\?per_page=100) cat "${FIXTURES}/jobs.json" ;;',
          '  */attempts/1) cat "${FIXTURES}/run.json" ;;',
          'esac',
        ].join('\n'),
      },
    }, { repo: REPO });
    expect(r.conclusion).toBe('success');
    const pushed = fs.readFileSync(path.join(r.workspace, 'pushed.txt'), 'utf8');
    expect(pushed).toContain('--- https://pushgateway.acme.dev/metrics/job/platform_pipeline/app/checkout/result/success\n');
    expect(pushed).toContain('platform_pipeline_run_duration_seconds 3000\n');
    const wait = Number(/platform_pipeline_run_wait_seconds (\d+)/.exec(pushed)![1]);
    expect(wait).toBeGreaterThanOrEqual(7800);
    expect(wait).toBeLessThan(7860);
    expect(r.summary).toContain('- :warning: pipeline metrics not recorded: the push of platform_pipeline_run_timestamp_seconds, platform_pipeline_run_duration_seconds, platform_pipeline_run_wait_seconds to https://pushgateway.acme.dev/metrics/job/platform_pipeline/app/checkout/result/success failed (curl: (6) Could not resolve host: pushgateway.acme.dev ); the DORA and delivery figures miss it');
    expect(r.log).toContain('::warning::could not push pipeline metrics to https://pushgateway.acme.dev: curl: (6) Could not resolve host');
    // the token goes in a header file, never on curl's command line
    const pushes = r.callsOf('curl').filter((a) => a.some((x) => x.includes('/metrics/job/')));
    expect(pushes.length).toBeGreaterThan(0);
    for (const a of pushes) expect(a[a.indexOf('--header') + 1]).toMatch(/^@.*\.auth$/);
    expect(JSON.stringify(r.calls)).not.toContain('pgw-s3cret');
  });

  test('deploy: the changes since the previous deploy\'s commit (read back from the Pushgateway) and their lead time, in one push with the event', () => {
    const deploy = wf.jobs['checkout-deploy-production'];
    const step = deploy.steps.find((s: any) => s.id === 'dora-events');
    const mini = { jobs: { dora: { 'runs-on': 'ubuntu-24.04', 'env': deploy.env, 'steps': [{ ...step, if: undefined, env: { ...step.env, JOB_STATUS: 'success', PAUSED: 'false' } }] } } };
    const r = runJob(mini, 'dora', {
      secrets: { PUSHGATEWAY_TOKEN: 'pgw-s3cret' },
      tools: {
        curl: [
          'u="${!#}"',
          'case "${u}" in',
          // the Pushgateway's /api/v1/metrics: the previous successful deploy shipped the repository's first commit
          '  */api/v1/metrics) printf \'{"status":"success","data":[{"labels":{"job":"platform_pipeline","app":"checkout","environment":"production","result":"success"},"platform_pipeline_deploy_info":{"type":"GAUGE","metrics":[{"labels":{"commit":"%s"},"value":"1"}]}}]}\' "$(git -C "${GITHUB_WORKSPACE}" rev-list --max-parents=0 HEAD)" ;;',
          '  */metrics/job/*) { echo "--- ${u}"; cat; } >> "${GITHUB_WORKSPACE}/pushed.txt" ;;',
          'esac',
        ].join('\n'),
      },
    }, { repo: REPO });
    expect(r.conclusion).toBe('success');
    expect(r.step('dora-events').stdout).toMatch(/this deploy ships 1 change\(s\) since [0-9a-f]{40}/);
    const pushed = fs.readFileSync(path.join(r.workspace, 'pushed.txt'), 'utf8');
    const sha = /commit="([0-9a-f]{40})"/.exec(pushed)![1];
    expect(pushed).toMatch(new RegExp(`^--- https://pushgateway.acme.dev/metrics/job/platform_pipeline/app/checkout/environment/production/result/success\\n# TYPE platform_pipeline_deploy_timestamp_seconds gauge\\nplatform_pipeline_deploy_timestamp_seconds \\d+\\n# TYPE platform_pipeline_deploy_changes gauge\\nplatform_pipeline_deploy_changes 1\\n# TYPE platform_pipeline_deploy_lead_time_sum_seconds gauge\\nplatform_pipeline_deploy_lead_time_sum_seconds \\d+\\n# TYPE platform_pipeline_deploy_info gauge\\nplatform_pipeline_deploy_info\\{commit="${sha}"\\} 1\\n$`));
    // the lead time is the deploy time minus the author time of the change (authored seconds ago)
    expect(Number(/lead_time_sum_seconds (\d+)/.exec(pushed)![1])).toBeLessThan(120);
    const read = r.callsOf('curl').find((a) => a[a.length - 1].endsWith('/api/v1/metrics'))!;
    expect(read[read.indexOf('--header') + 1]).toMatch(/^@.*pp-read\.auth$/);
  });
});
