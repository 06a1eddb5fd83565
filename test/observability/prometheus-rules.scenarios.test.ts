/**
 * The hand-written promtool scenarios of rule-scenarios.ts over the reference rules, and the proof that they
 * bite.
 * - Scenarios: DORA sequences with exact values, every alert just above and just below its threshold, the
 *   tier that fires alone: one `promtool check rules` and one `promtool test rules` over the scenario files.
 * - Mutations: a scripted list of mutations of the generated rules (thresholds, windows, factors, `for:`,
 *   names, labels, annotations, selectors, the DORA event logic), each applied to the reference rules; the
 *   scenarios must fail on every mutant. A mutant is tested with the scenario files that read the rule file
 *   it changes (the others read the unchanged rules, which pass); all mutants run in two promtool
 *   processes, one per core. The score is written to `<tmp>/observability/rule-mutations.txt`.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parse, stringify } from 'yaml';
import { referenceRules, RULE_FILES, scenarioFiles, writeScenarios } from './rule-scenarios';
import { checkRules, testRules, tmpDir } from '../conformance/validators';
import { toolPath } from '../conformance/validators/paths';

let text: string;
let root: string;
beforeAll(() => {
  text = referenceRules();
  root = fs.mkdtempSync(path.join(tmpDir('observability'), 'scenarios-'));
});
afterAll(() => { if (!process.env.PP_KEEP_SCENARIOS) fs.rmSync(root, { recursive: true, force: true }); });

test('the reference rules pass every hand-written scenario (DORA sequences, thresholds, tiers)', () => {
  const dir = path.join(root, 'reference');
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'rules.yml'), text);
  expect(checkRules([path.join(dir, 'rules.yml')])).toEqual([]);
  expect(testRules(writeScenarios(dir, text))).toEqual([]);
});

type Doc = { groups: Array<{ name: string; rules: any[] }> };

const rules = (d: Doc) => d.groups.flatMap((g) => g.rules);
function one(d: Doc, pred: (r: any) => boolean, what: string): any {
  const found = rules(d).filter(pred);
  if (found.length !== 1) throw new Error(`mutation target ${what}: ${found.length} rules match`);
  return found[0];
}
const burn = (tier: string) => (r: any) => r.alert === 'CheckoutAvailabilityErrorBudgetBurn' && r.labels.slo_burn_tier === tier;
const alert = (name: string) => (r: any) => r.alert === name;
const record = (name: string, slo?: string) => (r: any) => r.record === name && (!slo || r.labels?.sloth_slo === slo);
function edit(pred: (r: any) => boolean, what: string, from: string | RegExp, to: string) {
  return (d: Doc) => {
    const r = one(d, pred, what);
    const next = r.expr.replace(from, to);
    if (next === r.expr) throw new Error(`mutation of ${what}: ${String(from)} not found in ${r.expr}`);
    r.expr = next;
  };
}

/** [name, mutation]; the first block is the list of the issue, every one of which must be killed. */
const MUTATIONS: Array<[string, (d: Doc) => void]> = [
  ['ticket-slow factor 1 -> 100', edit(burn('ticket-slow'), 'ticket-slow', /\(1 \* 0\.001\)/g, '(100 * 0.001)')],
  ['ticket-slow long window 3d -> 30d', edit(burn('ticket-slow'), 'ticket-slow', 'ratio_rate3d{', 'ratio_rate30d{')],
  ['ticket-slow for: 720h', (d) => { one(d, burn('ticket-slow'), 'ticket-slow').for = '720h'; }],
  ['page-fast factor 14.4 -> 20', edit(burn('page-fast'), 'page-fast', /14\.4 \*/g, '20 *')],
  ['page-fast short window 5m -> 1h', edit(burn('page-fast'), 'page-fast', 'ratio_rate5m{', 'ratio_rate1h{')],
  ['ChangeFailureRateHigh 0.05 -> 0.9', edit(alert('CheckoutChangeFailureRateHigh'), 'cfr', '> 0.05', '> 0.9')],
  ['DeploymentNotRestored 1800 -> 1e9', edit(alert('CheckoutDeploymentNotRestored'), 'not restored', '> 1800', '> 1e9')],
  ['image-vulnerability threshold > 0 -> > 5', edit(alert('CheckoutImageVulnerabilities'), 'vulnerabilities', '> 0', '> 5')],
  ['time-to-restore record renamed', (d) => { one(d, record('dora:time_to_restore:seconds'), 'ttr').record = 'dora:restore_time:seconds'; }],
  ['BudgetExhausted alert removed', (d) => {
    for (const g of d.groups) g.rules = g.rules.filter((r) => r.alert !== 'CheckoutAvailabilityBudgetExhausted');
  }],
  ['BudgetExhausted labels emptied', (d) => { one(d, alert('CheckoutAvailabilityBudgetExhausted'), 'exhausted').labels = {}; }],
  ['BudgetExhausted annotations emptied', (d) => { one(d, alert('CheckoutAvailabilityBudgetExhausted'), 'exhausted').annotations = {}; }],
  ['latency SLI _count loses the app/namespace selector', (d) => {
    for (const r of rules(d).filter((x) => x.record?.startsWith('slo:sli_error:') && x.labels?.sloth_slo === 'latency')) {
      r.expr = r.expr.replace(/istio_request_duration_milliseconds_count\{[^}]*\}/g, 'istio_request_duration_milliseconds_count');
    }
  }],
  // further mutations of the same kinds
  ['page-slow factor 6 -> 5', edit(burn('page-slow'), 'page-slow', /\(6 \* 0\.001\)/g, '(5 * 0.001)')],
  ['ticket-fast factor 3 -> 4', edit(burn('ticket-fast'), 'ticket-fast', /\(3 \* 0\.001\)/g, '(4 * 0.001)')],
  ['page-fast long window 1h -> 6h', edit(burn('page-fast'), 'page-fast', 'ratio_rate1h{', 'ratio_rate6h{')],
  ['page-fast severity critical -> warning', (d) => { one(d, burn('page-fast'), 'page-fast').labels.severity = 'warning'; }],
  ['availability SLI without its error matcher', (d) => {
    for (const r of rules(d).filter((x) => x.record?.startsWith('slo:sli_error:') && x.labels?.sloth_slo === 'availability' && x.expr.includes('5..'))) {
      r.expr = r.expr.replace(', response_code=~"5.."', '');
    }
  }],
  ['period SLI over the 1h window instead of the 5m one', edit(record('slo:sli_error:ratio_rate30d', 'availability'), 'period', /ratio_rate5m/g, 'ratio_rate1h')],
  ['error budget 0.001 -> 0.01', edit(record('slo:error_budget:ratio', 'availability'), 'budget', '0.001', '0.01')],
  ['failed deploys without the first-ever sample', edit(record('dora:failed_deployments:count7d'), 'failed', / \+ \(min_over_time\(.*\) > bool \(time\(\) - 604800\)\)/, '')],
  ['deploy count without the first-ever sample', edit(record('dora:deployments:count1d'), 'count1d', / \+ \(min_over_time\(.*\) > bool \(time\(\) - 86400\)\)/, '')],
  ['time to restore from the last failure, not the first', edit(record('dora:time_to_restore:seconds'), 'ttr', /last_over_time\(dora:failed_deployment:start_timestamp_seconds\{app="checkout"\}\[30d\]\)/, 'platform_pipeline_deploy_timestamp_seconds{app="checkout", result="failure"}')],
  ['time to restore = latest success - latest failure (the old rule)', (d) => {
    const r = one(d, record('dora:time_to_restore:seconds'), 'ttr');
    r.expr = '(max by (app, environment) (platform_pipeline_deploy_timestamp_seconds{app="checkout", result="success"}) - on (app, environment) max by (app, environment) (platform_pipeline_deploy_timestamp_seconds{app="checkout", result="failure"})) > 0';
  }],
  ['lead time: mean of deploys instead of per change', edit(record('dora:lead_time_for_changes:mean_seconds7d'), 'lead', /sum_over_time\(dora:deploy_changes:count\{app="checkout"\}\[7d\]\)/, 'count_over_time(dora:deploy_changes:count{app="checkout"}[7d])')],
  ['deploy event look-back 5m -> 1h', (d) => {
    for (const r of rules(d).filter((x) => /^dora:deploy_(lead_time|changes)/.test(x.record ?? ''))) r.expr = r.expr.replace(/offset 5m/g, 'offset 1h');
  }],
  ['PipelineSlow 3600 -> 7200', edit(alert('CheckoutPipelineSlow'), 'slow', '> 3600', '> 7200')],
  ['TestCoverageLow 80 -> 70', edit(alert('CheckoutTestCoverageLow'), 'coverage', '< 80', '< 70')],
  ['DeploymentRolledBack 3600 -> 7200', edit(alert('CheckoutDeploymentRolledBack'), 'rolled back', '< 3600', '< 7200')],
  ['DeploymentsInfrequent 86400 -> 172800', edit(alert('CheckoutDeploymentsInfrequent'), 'infrequent', '> 86400', '> 172800')],
];


/** Runs promtool test rules over `files`; resolves to the files that did not pass. */
function failingFiles(files: string[]): Promise<{ failed: string[]; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(toolPath('promtool'), ['test', 'rules', ...files], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { out += d; });
    child.on('error', reject);
    child.on('close', () => {
      // "Unit Testing:  <file>" followed by SUCCESS or FAILED, per file
      const blocks = out.split(/^Unit Testing:\s+/m).slice(1);
      if (blocks.length !== files.length) reject(new Error(`promtool tested ${blocks.length} of ${files.length} files:\n${out.slice(0, 2000)}`));
      resolve({ failed: blocks.filter((b) => !/^\s*SUCCESS\s*$/m.test(b)).map((b) => path.resolve(b.split('\n')[0].trim())), out });
    });
  });
}

test('every scripted mutation of the generated rules fails a hand-written scenario', async () => {
  const readers = (ruleFile: string) => scenarioFiles().filter((f) => f.doc.rule_files.includes(ruleFile)).map((f) => f.file);
  const base = parse(text) as Doc;
  const baseDir = path.join(root, 'baseline');
  fs.mkdirSync(baseDir);
  writeScenarios(baseDir, text);
  const mutants = MUTATIONS.map(([name, mutate], i) => {
    const d = structuredClone(base);
    mutate(d);
    const dir = path.join(root, `m${i}`);
    fs.mkdirSync(dir);
    writeScenarios(dir, stringify(d, { lineWidth: 0 }));
    const changed = Object.keys(RULE_FILES).filter((f) => fs.readFileSync(path.join(dir, f), 'utf8') !== fs.readFileSync(path.join(baseDir, f), 'utf8'));
    if (changed.length === 0) throw new Error(`mutation ${name} changed no rule`);
    return { name, files: [...new Set(changed.flatMap(readers))].map((f) => path.join(dir, f)) };
  });
  // two processes, alternating mutants
  const batches = [0, 1].map((k) => mutants.filter((_, i) => i % 2 === k).flatMap((m) => m.files));
  const results = await Promise.all(batches.map(failingFiles));
  const failed = new Set(results.flatMap((r) => r.failed));
  const killed = (m: { files: string[] }) => m.files.some((f) => failed.has(path.resolve(f)));
  const report = [
    `mutation score: ${mutants.filter(killed).length}/${mutants.length} killed`,
    ...mutants.map((m) => `${killed(m) ? 'killed  ' : 'SURVIVED'} ${m.name}${killed(m) ? ` (by ${m.files.filter((f) => failed.has(path.resolve(f))).map((f) => path.basename(f)).join(', ')})` : ''}`),
  ].join('\n');
  fs.writeFileSync(path.join(tmpDir('observability'), 'rule-mutations.txt'), `${report}\n`);
  expect(mutants.filter((m) => !killed(m)).map((m) => m.name)).toEqual([]);
}, 180_000);
