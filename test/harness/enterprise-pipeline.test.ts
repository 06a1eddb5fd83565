/**
 * An app with nothing but `new EnterprisePipeline(app, 'Pipeline')` (examples/platform-monorepo's
 * `catalog`): its delivery path runs as one push run would, job after job. Each gate's own behaviour is
 * covered per stage (gates.test.ts over the single-app examples); this scenario covers what the
 * composition decides: the default blue-green delivery of a URL-reached Istio app, the load test between
 * staging and production, production after both.
 */
import { loadExample } from './examples';
import { cleanupHarness, JobResult, runJob } from './job-runner';
import { record, writeVerdicts } from './verdicts';
import { DIGEST, deployScenario } from './worlds';

afterAll(() => {
  writeVerdicts('enterprise-pipeline');
  cleanupHarness();
});

const ex = loadExample('platform-monorepo', 'catalog');

/**
 * A k6 `--summary-export` file (k6 1.x), written by hand: p95 and p99 in ms, the failed-request ratio, and for
 * the gateway throughput test the dropped iterations.
 */
function k6Summary(p95: number, p99: number, errorRatio: number, dropped?: number): string {
  return JSON.stringify({
    root_group: { name: '', path: '', groups: {}, checks: {} },
    metrics: {
      http_req_duration: { 'avg': p95 / 2, 'min': 3, 'med': p95 / 2, 'max': p99 * 2, 'p(90)': p95 * 0.9, 'p(95)': p95, 'p(99)': p99 },
      http_req_failed: { passes: Math.round(errorRatio * 1000), fails: 1000 - Math.round(errorRatio * 1000), value: errorRatio },
      http_reqs: { count: 1000, rate: 8 },
      vus: { value: 1, min: 0, max: 10 },
      ...(dropped === undefined ? {} : { dropped_iterations: { count: dropped, rate: 0 } }),
    },
  });
}

function loadTest(k6Exit: number): JobResult {
  const id = 'catalog-load-test-staging';
  return runJob(ex.workflow, id, {
    ...deployScenario(ex, id, {}),
    needs: { 'catalog-deploy-staging': { result: 'success', outputs: {} } },
    tools: {
      // k6 writes the fixture to its --summary-export path; exit 99 is k6's "thresholds crossed"
      k6: `__o="$(opt --summary-export "$@")"; cp "\${FIXTURES}/\${__o##*/}" "\${__o}"; exit ${k6Exit}`,
      gh: 'if [ "$1 $2" = "run list" ]; then echo ""; fi', // no earlier successful run: no baseline
      kubectl: 'if [ "$1" = top ]; then echo "catalog-7d9f-abcde   120m   90Mi"; fi',
    },
    fixtures: { 'smoke-load.json': k6Summary(80, 180, 0), 'gateway-throughput.json': k6Summary(60, 150, 0, 0) },
  }, { repo: ex.repo });
}

test('catalog (EnterprisePipeline alone): staging blue-green, the load test, then production, the same digest', () => {
  const staging = runJob(ex.workflow, 'catalog-deploy-staging', deployScenario(ex, 'catalog-deploy-staging', {}), { repo: ex.repo });
  const load = loadTest(0);
  const production = runJob(ex.workflow, 'catalog-deploy-production', {
    ...deployScenario(ex, 'catalog-deploy-production', {}),
    needs: {
      ...deployScenario(ex, 'catalog-deploy-production', {}).needs,
      'catalog-deploy-staging': { result: 'success', outputs: {} },
      'catalog-load-test-staging': { result: 'success', outputs: {} },
    },
  }, { repo: ex.repo });
  const verdicts = { staging: staging.conclusion, load: load.conclusion, production: production.conclusion };
  record('platform-monorepo', 'catalog deploy path', 'push to main, healthy cluster, k6 within the SLOs', 'all succeed', JSON.stringify(verdicts));
  expect(verdicts).toEqual({ staging: 'success', load: 'success', production: 'success' });

  for (const [env, r] of [['staging', staging], ['production', production]] as const) {
    // helm installs this run's digest (the chart's `image.digest` value) into the app's own namespace, then the Rollout (blue-green) is awaited
    const upgrade = r.callsOf('helm').find((a) => a[0] === 'upgrade')!;
    expect(upgrade[upgrade.indexOf('--set-string') + 1]).toBe(`image.digest=${DIGEST}`);
    expect(upgrade[upgrade.indexOf('--namespace') + 1]).toBe(env === 'staging' ? 'catalog-staging' : 'catalog-prod');
    expect(r.callsOf('kubectl').some((a) => a.includes('rollouts') && a.includes('status'))).toBe(true);
  }
  // k6 ran the default scenario, then the ingress gateway at 50 requests/s, against staging's URL
  const k6 = load.callsOf('k6').filter((a) => a[0] === 'run').map((a) => a.join(' '));
  expect(k6).toHaveLength(2);
  expect(k6[0]).toContain('load/catalog/smoke-load.js');
  expect(k6[1]).toContain('load/catalog/gateway-throughput.js');
  expect(k6.every((c) => c.includes('https://catalog.staging.shop.acme.dev'))).toBe(true);
  expect(load.summary).toContain('| 50 | 8.0 | 0 | 60.0 | 150.0 | 0.00 % | sustained (at most 30 of 3000 iterations may drop) |');

  // production waits for the load test (whose failure at the SLO thresholds: test/harness/load-test.test.ts)
  expect([ex.workflow.jobs['catalog-deploy-production'].needs].flat()).toEqual(expect.arrayContaining(['catalog-deploy-staging', 'catalog-load-test-staging']));
});
