import * as fs from 'fs';
import * as path from 'path';
import * as pp from '../../src';
import { ACTION_PINS } from '../../src/core/action-pins.generated';
import { errorOf } from '../util';

const shared = path.resolve(process.env.PP_SHARED ?? path.join(__dirname, '..', '..', '..', 'shared'));
const source = path.join(shared, 'reference', 'actions.json');

describe('ActionManifest', () => {
  test('the shipped pins agree with reference/actions.json (regenerate with `npx projen gen:action-pins`)', () => {
    if (!fs.existsSync(source)) throw new Error(`${source} not found: set PP_SHARED to the folder with reference/actions.json`);
    const reference: any[] = JSON.parse(fs.readFileSync(source, 'utf8'));
    expect(ACTION_PINS.map((a) => a.uses)).toEqual(reference.map((a) => a.uses));
    for (const ref of reference) {
      const pin = ACTION_PINS.find((a) => a.uses === ref.uses)!;
      expect({ uses: pin.uses, version: pin.version, sha: pin.sha, inputs: [...pin.inputs] })
        .toEqual({ uses: ref.uses, version: ref.version, sha: ref.sha, inputs: Object.keys(ref.inputs ?? {}) });
    }
  });

  test('every SHA is a full 40-hex commit, every version a release', () => {
    for (const p of pp.ActionManifest.bundled().pins) {
      expect(p.sha).toMatch(/^[0-9a-f]{40}$/);
      expect(p.version).toMatch(/^v?\d+\.\d+\.\d+$/);
    }
  });

  test('refs: commit for actions, tag for the SLSA reusable workflow', () => {
    const m = pp.ActionManifest.bundled();
    expect(m.ref('actions/checkout')).toBe('actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1');
    expect(m.ref('slsa-framework/slsa-github-generator/.github/workflows/generator_container_slsa3.yml'))
      .toBe('slsa-framework/slsa-github-generator/.github/workflows/generator_container_slsa3.yml@v2.1.0');
  });

  test('overrides are validated', () => {
    const m = pp.ActionManifest.bundled();
    expect(errorOf(() => m.override({ uses: 'actions/checkout', sha: 'abc', version: 'v7.0.2' }))).toContain("'sha' of 'actions/checkout' must be a full 40-hex commit SHA, got 'abc'");
    expect(errorOf(() => m.override({ uses: 'actions/checkout', sha: 'b'.repeat(40), version: 'latest' }))).toContain("'version' of 'actions/checkout' must be a release such as 'v7.0.1', got 'latest'");
    expect(errorOf(() => m.override({ uses: 'nobody/nothing', sha: 'b'.repeat(40), version: 'v1.0.0' }))).toContain("no pin for 'nobody/nothing'");
    expect(errorOf(() => m.override({ uses: 'slsa-framework/slsa-github-generator/.github/workflows/generator_container_slsa3.yml', sha: 'b'.repeat(40), version: 'v2.1.0' }))).toContain('must be referenced by its release tag');
    m.override({ uses: 'actions/checkout', sha: 'c'.repeat(40), version: 'v7.0.2' });
    expect(m.pin('actions/checkout')).toEqual({ uses: 'actions/checkout', sha: 'c'.repeat(40), version: 'v7.0.2' });
  });
});
