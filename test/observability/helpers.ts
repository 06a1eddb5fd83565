import * as fs from 'fs';
import * as path from 'path';
import { Duration } from 'cdk8s';
import { Project } from 'projen';
import * as pp from '../../src';
import { checkRules, testRules, tmpDir } from '../conformance/validators';
import { makeApp } from '../util';

/** One environment, `production` in namespace `shop`, so hand-written fixtures can name every label. */
export function shopApp(overrides: Partial<pp.PlatformAppProps> = {}, name = 'checkout', project?: Project): { project: Project; app: pp.PlatformApp } {
  return makeApp({
    environments: [{ name: 'production', namespace: 'shop', cluster: pp.ClusterAccess.kubeconfigSecret('PRODUCTION_KUBECONFIG') }],
    slos: [pp.Slo.availability({ name: 'availability', objective: 99.9 })],
    ...overrides,
  }, name, project);
}

/** Both SLOs of the reference app (availability 99.9 %, latency 99 % under 250 ms). */
export const BOTH_SLOS = (): pp.Slo[] => [
  pp.Slo.availability({ name: 'availability', objective: 99.9 }),
  pp.Slo.latency({ name: 'latency', objective: 99, threshold: Duration.millis(250) }),
];

/** Writes the synthesized files under a fresh scratch directory and returns it. */
export function writeOut(out: pp.SynthOutput, label: string): string {
  const dir = fs.mkdtempSync(path.join(tmpDir('observability'), `${label}-`));
  for (const p of out.paths) {
    const f = path.join(dir, p);
    fs.mkdirSync(path.dirname(f), { recursive: true });
    fs.writeFileSync(f, out.file(p)!);
  }
  return dir;
}

/** Runs a hand-written fixture (`rule_files: [rules.yml]`) against generated rules text. */
export function runFixture(fixture: string, rulesText: string): string[] {
  const dir = fs.mkdtempSync(path.join(tmpDir('observability'), 'fixture-'));
  fs.writeFileSync(path.join(dir, 'rules.yml'), rulesText);
  fs.copyFileSync(path.join(__dirname, 'fixtures', fixture), path.join(dir, fixture));
  try {
    const rules = checkRules([path.join(dir, 'rules.yml')]);
    return rules.length > 0 ? rules : testRules([path.join(dir, fixture)]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs promtool on every generated rules and rule-test file of `out`; returns the findings. */
export function promtoolFindings(out: pp.SynthOutput, label: string): { rules: string[]; tests: string[]; files: number } {
  const dir = writeOut(out, label);
  try {
    const rules = out.paths.filter((p) => p.endsWith('.rules.yml')).map((p) => path.join(dir, p));
    const tests = out.paths.filter((p) => p.endsWith('.rules.test.yml')).map((p) => path.join(dir, p));
    if (rules.length === 0 || tests.length === 0) throw new Error(`no rules or rule tests in ${label}`);
    return { rules: checkRules(rules), tests: testRules(tests), files: rules.length + tests.length };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Every alerting and recording rule of a rules file. */
export function rulesOf(doc: any): any[] {
  return doc.groups.flatMap((g: any) => g.rules);
}

/** The burn-rate alerts of a rules file, keyed by tier label. */
export function burnAlerts(doc: any, alert = 'CheckoutAvailabilityErrorBudgetBurn'): Record<string, any> {
  return Object.fromEntries(rulesOf(doc).filter((r) => r.alert === alert).map((r) => [r.labels.slo_burn_tier, r]));
}
