/**
 * The rendered diff of two synthesized trees: a small app is synthesized in-process into a temporary
 * directory, its definition is changed (a new environment, a changed objective, a wider permission) and
 * synthesized into another; the diff must list exactly those changes and flag the wider permission.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { github } from 'projen';
import * as pp from '../../../src';
import { diffTrees, renderMarkdown, SynthDiff } from '../../../src/stages/private/synth-diff';
import { main } from '../../../src/stages/private/synth-diff-cli';
import { appProps, minimalBuild } from '../../util';

interface Variant {
  readonly qa?: boolean;
  readonly objective?: number;
  readonly widen?: boolean;
  readonly reviewers?: string[];
  readonly coverage?: number;
}

const dirs: string[] = [];

/** Synthesizes the app into a fresh temporary directory and returns the directory. */
function synthesize(v: Variant): string {
  const project = pp.Testing.project();
  const base = appProps({ slos: [pp.Slo.availability({ name: 'availability', objective: v.objective ?? 99.9 })] });
  let environments = base.environments;
  if (v.reviewers) environments = environments.map((e) => (e.name === 'production' ? { ...e, approval: pp.Approval.requiredReviewers(v.reviewers!) } : e));
  // qa goes between staging and production: the last environment is the one that pages (PrometheusRules'
  // pagingEnvironments), so appending it would also move paging from production to qa
  if (v.qa) environments = [...environments.slice(0, -1), { name: 'qa', namespace: 'platform-qa', url: 'https://qa.acme.dev', cluster: pp.ClusterAccess.kubeconfigSecret('QA_KUBECONFIG') }, ...environments.slice(-1)];
  const app = new pp.PlatformApp(project, 'checkout', { ...base, environments });
  minimalBuild(app);
  new pp.PrometheusRules(app, 'Alerts', { policyViolationAlert: false });
  if (v.coverage !== undefined) new pp.TestStage(app, 'Test', { unitTests: [pp.UnitTests.python({ coverageSource: 'checkout' })], coverageThreshold: v.coverage });
  if (v.widen) app.pipeline.tryFindJob('summary')!.grant({ checks: github.workflows.JobPermission.WRITE });
  pp.Testing.synth(project);
  dirs.push(project.outdir);
  return project.outdir;
}

/** The rules of the availability SLO that carry its objective (written by hand from the alert rules). */
const OBJECTIVE_RULES = [
  'sloth-slo-alerts-checkout-availability/CheckoutAvailabilityBudgetExhausted',
  // the four burn-rate tiers (page fast/slow, ticket fast/slow) share the alert name
  'sloth-slo-alerts-checkout-availability/CheckoutAvailabilityErrorBudgetBurn',
  'sloth-slo-alerts-checkout-availability/CheckoutAvailabilityErrorBudgetBurn#2',
  'sloth-slo-alerts-checkout-availability/CheckoutAvailabilityErrorBudgetBurn#3',
  'sloth-slo-alerts-checkout-availability/CheckoutAvailabilityErrorBudgetBurn#4',
  'sloth-slo-meta-recordings-checkout-availability/slo:error_budget:ratio',
  'sloth-slo-meta-recordings-checkout-availability/slo:objective:ratio',
  'sloth-slo-meta-recordings-checkout-availability/sloth_slo_info',
];

let base: string;
let diff: SynthDiff;

beforeAll(() => {
  base = synthesize({});
  diff = diffTrees(base, synthesize({ qa: true, objective: 99.5, widen: true }));
});

afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

describe('platform-pipeline-diff on two synthesized trees', () => {
  test('flags the wider permission (and the new environment\'s secret), nothing else', () => {
    expect(diff.flags).toEqual([
      { app: 'checkout', reason: 'wider permission', detail: 'job checkout-summary now asks for checks: write' },
      { app: 'checkout', reason: 'new secret', detail: 'the workflow now reads secrets.QA_KUBECONFIG' },
    ]);
  });

  test('lists exactly the new environment, the changed objective and the wider permission', () => {
    const listed = diff.changes.map((c) => `${c.environment || '*'} | ${c.area} | ${c.subject} | ${c.change}`);
    const rules = (env: string, ns: string) => OBJECTIVE_RULES.map((r) => `${env} | alert rules | PrometheusRule/${ns}/checkout-rules ${r} | changed`);
    expect(listed.sort()).toEqual([
      // the new environment: its files, and its deploy job
      'qa | environment | qa | added',
      'qa | workflow | checkout-deploy-qa | added',
      // the wider permission
      '* | workflow | checkout-summary | changed',
      // the objective: the same rules in each environment; no Helm values, no other object, no policy
      ...rules('staging', 'platform-staging'),
      ...rules('production', 'platform-prod'),
    ].sort());
    const qa = diff.changes.find((c) => c.area === 'environment')!;
    expect(qa.details).toEqual(['deploy/checkout/qa.k8s.yaml', 'helm/checkout/values-qa.yaml', 'monitoring/checkout/qa.rules.test.yml', 'monitoring/checkout/qa.rules.yml']);
    expect(diff.changes.find((c) => c.subject === 'checkout-summary')!.details).toEqual(['permissions {} -> { checks: write }']);
    const burn = diff.changes.find((c) => c.subject.endsWith('/CheckoutAvailabilityErrorBudgetBurn') && c.environment === 'production')!;
    expect(burn.details).toEqual(['annotations.description', 'expr']);
    expect(diff.otherFiles).toEqual([
      '.gitignore', '.projen/files.json', 'docs/checkout-pipeline.md',
      'monitoring/checkout/production.rules.test.yml', 'monitoring/checkout/production.rules.yml',
      'monitoring/checkout/staging.rules.test.yml', 'monitoring/checkout/staging.rules.yml',
      'scripts/checkout/setup-environments.sh',
    ]);
  });

  test('the Markdown puts the flags first, then each environment', () => {
    const md = renderMarkdown(diff);
    expect(md.startsWith('<!-- platform-pipeline:synth-diff -->\n')).toBe(true);
    const warning = md.indexOf('**Wider permission** (checkout): job checkout-summary now asks for checks: write');
    expect(warning).toBeGreaterThan(0);
    expect(md.indexOf('**New secret** (checkout)')).toBeGreaterThan(0);
    expect(warning).toBeLessThan(md.indexOf('### checkout'));
    expect(md).toContain('#### environment qa');
    expect(md).toContain('| workflow | `checkout-deploy-qa` | added | permissions { actions: read, contents: read } |');
  });

  test('flags a changed approval and a lowered gate threshold', () => {
    const before = synthesize({ coverage: 80 });
    const d = diffTrees(before, synthesize({ coverage: 70, reviewers: ['sre-leads', 'platform-oncall'] }));
    expect(d.flags.map((f) => f.reason).sort()).toEqual(['approval changed', 'lower threshold']);
    expect(d.flags.find((f) => f.reason === 'lower threshold')!.detail).toBe('job checkout-unit-python: coverage-gate.env.THRESHOLD: 80 -> 70');
    expect(d.flags.find((f) => f.reason === 'approval changed')!.detail).toContain('was: production (reviewers: sre-leads); now: production (reviewers: sre-leads, platform-oncall)');
    // a raised threshold is listed, not flagged
    const raised = diffTrees(before, synthesize({ coverage: 90 }));
    expect(raised.flags).toEqual([]);
    expect(raised.changes.map((c) => c.details)).toEqual([['coverage-gate.env.THRESHOLD: 80 -> 90']]);
  });

  test('the same definition: nothing changes', () => {
    const d = diffTrees(base, synthesize({}));
    expect(d).toEqual({ flags: [], changes: [], otherFiles: [] });
    expect(renderMarkdown(d)).toContain('The definition generates the same files as the base branch.');
  });

  test('the command: writes the Markdown, exit 2 on wrong usage, exit 1 on a tree that was not synthesized', () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pp-diff-')), 'diff.md');
    dirs.push(path.dirname(out));
    let stdout = '';
    let stderr = '';
    const code = main([base, dirs[1], '--output', out], (s) => { stdout += s; }, (s) => { stderr += s; });
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(fs.readFileSync(out, 'utf8')).toBe(stdout);
    expect(stdout).toContain('Wider permission');
    expect(main([base], () => undefined, (s) => { stderr = s; })).toBe(2);
    expect(stderr).toContain('usage: platform-pipeline-diff <base-dir> <head-dir>');
    expect(main([base, path.dirname(out)], () => undefined, (s) => { stderr = s; })).toBe(1);
    expect(stderr).toContain('is not a synthesized projen tree: .projen/files.json is missing');
  });
});
