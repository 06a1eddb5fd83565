/**
 * The LoadTestStage's verify job of examples/enterprise-platform, run by the script harness (DESIGN §2b):
 * a stub k6 writes the summary JSON k6 1.x writes with `--summary-export`, a stub gh serves the previous
 * run's summaries as the baseline, and the job passes within the tolerance (15 % latency, 0.1 points of
 * errors, as the example sets), fails beyond it, fails on crossed SLO thresholds and on summaries it
 * cannot read, and reports the table, the pod samples and the pushed figures. A definition of the test's own
 * runs the baseline kept in the repository.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Duration } from 'cdk8s';
import { parse } from 'yaml';
import { ArtifactStore } from './actions';
import { loadExample } from './examples';
import { cleanupHarness, JobResult, runJob, Scenario } from './job-runner';
import * as pp from '../../src';
import { makeApp } from '../util';

afterAll(() => cleanupHarness());

const ex = loadExample('enterprise-platform');
const JOB = 'checkout-load-test-staging';

/**
 * A k6 `--summary-export` file (k6 1.x): trend stats in ms, the failed-request Rate, the request counter, and
 * for the gateway test the dropped-iterations counter (k6 writes it, even at 0, when the script has a threshold
 * on it). Written by hand.
 */
function summary(p95: number, p99: number, errorRatio: number, rate = 40, dropped?: number): string {
  return JSON.stringify({
    root_group: { name: '', path: '', groups: {}, checks: {} },
    metrics: {
      http_req_duration: { 'avg': p95 / 2, 'min': 3, 'med': p95 / 2, 'max': p99 * 2, 'p(90)': p95 * 0.9, 'p(95)': p95, 'p(99)': p99, 'thresholds': { 'p(99)<=250': false } },
      http_req_failed: { passes: Math.round(errorRatio * 1000), fails: 1000 - Math.round(errorRatio * 1000), value: errorRatio, thresholds: { 'rate<=0.001': false } },
      http_reqs: { count: 1000, rate },
      vus: { value: 1, min: 0, max: 20 },
      ...(dropped === undefined ? {} : { dropped_iterations: { count: dropped, rate: dropped / 60, thresholds: { 'count<=60': dropped > 60 } } }),
    },
  });
}

/** The gateway test of the example: 100 requests/s for 60 s, at most 60 of 6000 iterations dropped. */
const GATEWAY = (dropped: number, rate = 98.5) => summary(41, 95, 0.0002, rate, dropped);

/** k6: writes the fixture `<scenario>.json` to the `--summary-export` path, then exits with `exit`. */
const k6 = (exit = 0) => '__o="$(opt --summary-export "$@")"; if [ -f "${FIXTURES}/${__o##*/}" ]; then cp "${FIXTURES}/${__o##*/}" "${__o}"; fi; exit ' + exit;
/** gh: the last successful run is 4242, whose artifact holds the baseline fixtures `base-<scenario>.json`. */
const gh = [
  'case "$1 $2" in',
  '  "run list") echo 4242 ;;',
  '  "run download") d="$(opt --dir "$@")"; mkdir -p "${d}"; for f in "${FIXTURES}"/base-*.json; do cp "${f}" "${d}/${f##*/base-}"; done ;;',
  'esac',
].join('\n');
const kubectl = 'if [ "$1" = top ]; then echo "checkout-7d9f-abcde   250m   180Mi"; fi';

function scenario(current: Record<string, string>, baseline: Record<string, string> | undefined, extra: Partial<Scenario> = {}): Scenario {
  const fixtures: Record<string, string> = { ...current };
  for (const [k, v] of Object.entries(baseline ?? {})) fixtures[`base-${k}`] = v;
  return {
    secrets: { STAGING_KUBECONFIG: 'apiVersion: v1\nkind: Config\n' },
    tools: { k6: k6(), gh: baseline ? gh : 'if [ "$1 $2" = "run list" ]; then echo ""; fi', kubectl },
    fixtures,
    artifacts: new Map() as ArtifactStore,
    ...extra,
  };
}

const GOOD = { 'browse.json': summary(100, 200, 0), 'checkout.json': summary(150, 240, 0.0005), 'gateway-throughput.json': GATEWAY(12) };
const run = (s: Scenario): JobResult => runJob(ex.workflow, JOB, s, { repo: ex.repo });
const verdictOf = (r: JobResult) => ({ conclusion: r.conclusion, log: r.conclusion === 'success' ? '' : r.log });

describe('examples/enterprise-platform: the load test (verify job after the staging deploy)', () => {
  test('within the tolerance: passes, reports the table, the pod samples and the figures, uploads the summaries', () => {
    // p95 +14 %, p99 +14.5 %, error ratio +0.09 points: all inside 15 % and 0.1 points
    const base = { 'browse.json': summary(100, 200, 0), 'checkout.json': summary(150, 240, 0.0005), 'gateway-throughput.json': GATEWAY(0) };
    const cur = { 'browse.json': summary(114, 229, 0.0009), 'checkout.json': summary(150, 240, 0.0005), 'gateway-throughput.json': GATEWAY(12) };
    const artifacts: ArtifactStore = new Map();
    const s = scenario(cur, base, { artifacts });
    // the Pushgateway: curl keeps the body it was given
    const r = run({ ...s, tools: { ...s.tools, curl: 'cat > pushed-metrics.txt' } });
    expect(verdictOf(r)).toEqual({ conclusion: 'success', log: '' });
    expect(r.outputs).toEqual({});
    expect(r.step('regression').outputs.regressions).toBe('0');
    // the table: requests, throughput, p95, p99, failed requests
    expect(r.summary).toContain('| browse | 1000 | 40.0 | 114.0 | 229.0 | 0.09 % |');
    expect(r.summary).toContain('| checkout | 1000 | 40.0 | 150.0 | 240.0 | 0.05 % |');
    expect(r.summary).toContain('checkout-7d9f-abcde   250m   180Mi');
    // the ingress gateway at 100 requests/s: 12 of 6000 iterations dropped, within the bound of 60
    expect(r.summary).toContain('| gateway-throughput | 1000 | 98.5 | 41.0 | 95.0 | 0.02 % |');
    expect(r.summary).toContain('| 100 | 98.5 | 12 | 41.0 | 95.0 | 0.02 % | sustained (at most 60 of 6000 iterations may drop) |');
    // k6 ran each scenario's script against the environment's URL, exporting its summary
    expect(r.callsOf('k6')).toEqual([
      ['run', '--env', 'BASE_URL=https://staging.acme.dev', '--summary-export', 'load-results/browse.json', 'load/checkout/browse.js'],
      ['run', '--env', 'BASE_URL=https://staging.acme.dev', '--summary-export', 'load-results/checkout.json', 'load/checkout/checkout.js'],
      ['run', '--env', 'BASE_URL=https://staging.acme.dev', '--summary-export', 'load-results/gateway-throughput.json', 'load/checkout/gateway-throughput.js'],
    ]);
    expect(r.callsOf('kubectl').some((a) => a.join(' ') === 'top pods --namespace platform-staging --selector app.kubernetes.io/name=checkout,app.kubernetes.io/instance=checkout --no-headers')).toBe(true);
    // the baseline is the last successful push run on this branch
    expect(r.callsOf('gh')[0]).toEqual(expect.arrayContaining(['run', 'list', '--workflow', 'checkout-pipeline.yml', '--branch', 'main', '--event', 'push', '--status', 'success']));
    // figures pushed with the pipeline metrics
    expect(r.callsOf('curl').some((a) => a.includes('https://pushgateway.acme.dev/metrics/job/platform_pipeline/app/checkout/environment/staging'))).toBe(true);
    expect(fs.readFileSync(path.join(r.workspace, 'pushed-metrics.txt'), 'utf8').split('\n')).toEqual(expect.arrayContaining([
      'platform_pipeline_load_test_latency_seconds{scenario="browse",quantile="0.95"} 0.114',
      'platform_pipeline_load_test_latency_seconds{scenario="browse",quantile="0.99"} 0.229',
      'platform_pipeline_load_test_error_ratio{scenario="browse"} 0.0009',
      'platform_pipeline_load_test_requests_per_second{scenario="checkout"} 40',
      'platform_pipeline_load_test_latency_seconds{scenario="gateway-throughput",quantile="0.99"} 0.095',
      'platform_pipeline_load_test_requests_per_second{scenario="gateway-throughput"} 98.5',
      'platform_pipeline_load_test_target_requests_per_second{scenario="gateway-throughput"} 100',
      'platform_pipeline_load_test_dropped_iterations{scenario="gateway-throughput"} 12',
    ]));
    // the summaries are the next run's baseline: uploaded under the name the baseline step downloads
    expect([...(artifacts.get('checkout-load-test-staging')?.keys() ?? [])].sort()).toEqual(['browse.json', 'browse.top.txt', 'checkout.json', 'checkout.top.txt', 'gateway-throughput.json', 'gateway-throughput.top.txt']);
  });

  test.each([
    ['p95 16 % slower than the baseline', { ...GOOD, 'browse.json': summary(116, 200, 0) }, 'browse: p95 regressed: 116 against a baseline of 100'],
    ['p99 16 % slower than the baseline', { ...GOOD, 'checkout.json': summary(150, 278.4, 0.0005) }, 'checkout: p99 regressed: 278.4 against a baseline of 240'],
    ['error rate up 0.11 points', { ...GOOD, 'browse.json': summary(100, 200, 0.0011) }, 'browse: error ratio regressed: 0.0011 against a baseline of 0'],
    ['the gateway\'s p99 at 100 requests/s 16 % slower', { ...GOOD, 'gateway-throughput.json': summary(41, 110.2, 0.0002, 98.5, 12) }, 'gateway-throughput: p99 regressed: 110.2 against a baseline of 95'],
  ])('beyond the tolerance: fails (%s)', (_name, cur, message) => {
    const r = run(scenario(cur, GOOD));
    expect(r.conclusion).toBe('failure');
    expect(r.step('regression').outcome).toBe('failure');
    expect(r.step('regression').outputs.regressions).toBe('1');
    expect(r.log).toContain(message);
    expect(r.step('upload').outcome).toBe('success');
  });

  test('k6 ends at once and kubectl top is slow: the first sample is still taken, and the sampler stops with k6', () => {
    // the sampler once was killed when k6 ended, which could land before its first sample (a CI run did)
    const slowTop = 'if [ "$1" = top ]; then /bin/sleep 0.3; echo "checkout-7d9f-abcde   250m   180Mi"; fi';
    const r = run(scenario(GOOD, GOOD, { tools: { k6: k6(), gh, kubectl: slowTop } }));
    expect(verdictOf(r)).toEqual({ conclusion: 'success', log: '' });
    expect(r.summary).not.toContain('no samples');
    // one sample per scenario: the stop file ends the sampler's wait, not its sample count
    expect(r.callsOf('kubectl').filter((a) => a[0] === 'top')).toHaveLength(3);
  });

  test('no earlier successful run: passes without a regression check', () => {
    const r = run(scenario(GOOD, undefined));
    expect(verdictOf(r)).toEqual({ conclusion: 'success', log: '' });
    expect(r.summary).toContain('no baseline: regression check skipped');
  });

  test('SLO thresholds crossed (k6 exit 99): fails, still reports and uploads', () => {
    const r = run(scenario(GOOD, GOOD, { tools: { k6: k6(99), gh, kubectl } }));
    expect(r.conclusion).toBe('failure');
    expect(r.step('k6').outcome).toBe('failure');
    expect(r.log).toContain('browse: the SLO thresholds were crossed under load (k6 exit 99)');
    expect(r.step('report').outcome).toBe('success');
    expect(r.step('upload').outcome).toBe('success');
  });

  test('the gateway does not sustain the rate (k6 dropped 75 of 6000 iterations, exit 99): fails, says so, still reports and uploads', () => {
    const k6GatewayFails = '__o="$(opt --summary-export "$@")"; cp "${FIXTURES}/${__o##*/}" "${__o}"; case "$*" in *gateway-throughput.js*) exit 99 ;; esac';
    const r = run(scenario({ ...GOOD, 'gateway-throughput.json': GATEWAY(75, 87.4) }, GOOD, { tools: { k6: k6GatewayFails, gh, kubectl } }));
    expect(r.conclusion).toBe('failure');
    expect(r.step('k6').outcome).toBe('failure');
    expect(r.log).toContain('gateway-throughput: the gateway did not sustain 100 requests/s (more than 60 dropped iterations, or too many failed requests) or the SLO thresholds were crossed (k6 exit 99)');
    expect(r.log).not.toContain('browse: the');
    expect(r.log).toContain('gateway-throughput: the ingress gateway did not sustain 100 requests/s: k6 dropped 75 of 6000 iterations (bound 60), achieved 87.4 requests/s');
    expect(r.summary).toContain('| 100 | 87.4 | 75 | 41.0 | 95.0 | 0.02 % | not sustained: 75 of 6000 iterations dropped (bound 60) |');
    expect(r.step('report').outcome).toBe('success');
    expect(r.step('upload').outcome).toBe('success');
  });

  test('at the bound (60 dropped) the gateway sustained the rate; one more does not', () => {
    expect(run(scenario({ ...GOOD, 'gateway-throughput.json': GATEWAY(60) }, GOOD)).summary).toContain('| 60 | 41.0 | 95.0 | 0.02 % | sustained');
    expect(run(scenario({ ...GOOD, 'gateway-throughput.json': GATEWAY(61) }, GOOD)).summary).toContain('| 61 | 41.0 | 95.0 | 0.02 % | not sustained: 61 of 6000');
  });

  test('fails closed: the gateway summary has no dropped_iterations count (nothing read as 0 dropped)', () => {
    const r = run(scenario({ ...GOOD, 'gateway-throughput.json': summary(41, 95, 0.0002, 98.5) }, GOOD));
    expect(r.conclusion).toBe('failure');
    expect(r.step('report').outcome).toBe('failure');
    expect(r.log).toContain('gateway-throughput: the k6 summary has no dropped_iterations count');
    expect(r.summary).toContain('| 100 | 98.5 | unknown |');
  });

  test.each([
    ['k6 writes no summary', { 'checkout.json': GOOD['checkout.json'] }, GOOD, 'report'],
    ['the summary lacks p(99)', { 'browse.json': JSON.stringify({ metrics: { http_req_duration: { 'p(95)': 100 }, http_req_failed: { value: 0 }, http_reqs: { count: 1, rate: 1 } } }), 'checkout.json': GOOD['checkout.json'] }, GOOD, 'report'],
    ['the baseline is not a k6 summary', GOOD, { 'browse.json': 'rate limited', 'checkout.json': GOOD['checkout.json'] }, 'regression'],
  ])('fails closed: %s', (_name, cur, base, failingStep) => {
    const r = run(scenario(cur, base));
    expect(r.conclusion).toBe('failure');
    expect(r.step(failingStep).outcome).toBe('failure');
  });

  describe('a baseline kept in the repository (LoadBaseline.repositoryDirectory)', () => {
    const { project, app } = makeApp();
    new pp.LoadTestStage(app, 'Load', {
      scenarios: [{ name: 'browse', endpoints: [{ path: '/' }], vus: 2, duration: Duration.seconds(10) }],
      regression: { baseline: pp.LoadBaseline.repositoryDirectory('load/baseline'), latencyTolerancePercent: 10 },
    });
    const out = pp.Testing.synth(project);
    const workflow = parse(fs.readFileSync(path.join(out.outdir, '.github/workflows/checkout-pipeline.yml'), 'utf8'));
    const runOwn = (s: Scenario) => runJob(workflow, 'checkout-load-test-staging', s, { repo: out.outdir });

    test.each([
      ['p95 +9 % (within 10 %)', 109, 'success'],
      ['p95 +11 %', 111, 'failure'],
    ])('%s', (_name, p95, verdict) => {
      const r = runOwn(scenario({ 'browse.json': summary(p95, 200, 0) }, undefined, { files: { 'load/baseline/browse.json': summary(100, 200, 0) } }));
      expect(r.conclusion).toBe(verdict);
      expect(r.step('regression').outcome).toBe(verdict);
      expect(r.callsOf('gh')).toEqual([]);
    });

    test('the directory is missing: fails', () => {
      const r = runOwn(scenario({ 'browse.json': summary(100, 200, 0) }, undefined));
      expect(r.conclusion).toBe('failure');
      expect(r.step('baseline').outcome).toBe('failure');
      expect(r.log).toContain('the baseline directory load/baseline does not exist');
    });
  });
});
