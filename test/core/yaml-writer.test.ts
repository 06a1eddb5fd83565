import { Yaml } from 'cdk8s';
import * as fc from 'fast-check';
import * as YAML from 'yaml';
import * as pp from '../../src';
import { stringifyCdk8sDocuments, stringifyYaml, writeYaml, yamlWriter, YamlWriterOptions } from '../../src/core/yaml-writer';
import { makeApp } from '../util';

// The fast writer must write byte for byte what `yaml` writes with each call site's options.

const CALL_SITES: Record<string, YamlWriterOptions> = {
  'values/Argo CD (yaml defaults)': {},
  'rules/workflows (no aliases)': { aliasDuplicateObjects: false },
  'cdk8s manifests (YAML 1.1, keepUndefined)': { version: '1.1', keepUndefined: true },
};

const reference = (value: unknown, options: YamlWriterOptions) => YAML.stringify(value, { indent: 2, lineWidth: 0, ...options });

const TRICKY = [
  'yes', 'no', 'Yes', 'NO', 'y', 'n', 'on', 'off', 'On', 'true', 'False', 'TRUE', 'null', 'Null', 'NULL', '~', '',
  '1', '-1', '+1', '1e3', '1E3', '-1.5e-3', '.5', '1.', '0x1F', '0o17', '017', '0b101', '1_000', '1:20', '1:20.5', '.inf', '-.Inf', '.nan', '.NaN',
  '2026-12-01', '2026-12-01T10:00:00Z', '2026-1-1 10:00:00', '<<', '=', '1.2.3', 'v1.2.3',
  ' lead', 'trail ', 'trail\t', 'a: b', 'a:b', 'a:', 'a #b', 'a#b', '#x', '-x', '-', '--', '- x', '-\tx', '?', '? x', '?x', ':x', ': x',
  '@x', '`x', '"q"', "'q'", 'it\'s', 'say "hi"', 'both \' and "', '{x}', '[x]', 'a{b}', 'a[b]', 'a,b', ',x', '*x', '&x', '!x', '%x', '|x', '>x',
  '---', '--- x', '---x', '...', '...x', 'a\n---\nb', 'a\n...\n', '%YAML', 'a\n%b',
  '${{ github.event.pull_request.number || github.ref }}', "${{ github.event_name == 'pull_request' }}", 'owner/repo@0123456789abcdef',
  'https://grafana.acme.dev/d/x?orgId=1&var-a=b', 'sum(rate(http_requests_total{job="x",code=~"5.."}[5m])) / sum(rate(x[5m]))',
  'line1\nline2', 'line1\nline2\n', 'line1\nline2\n\n', 'line1\n\n\nline2', '\nlead newline', '\n\nlead newlines', '  indented\nnext',
  ' x\ny', 'x\n  y\n', 'x\n \n', 'x \ny', 'x\t\ny', 'x\n\t', 'x\n ', '\n', '\n\n', ' ', '  ', '\t', ' \n ',
  'set -euo pipefail\nif [ -n "$X" ]; then\n  echo "a: b" # c\nfi\n', '#!/usr/bin/env bash\necho hi',
  'héllo', 'ünï: x', '日本語', '😀', 'a\u0085b', 'a\u00a0b', 'a\u2028b', 'a\u0007b', 'a\u001bb', 'a\u007fb', 'a\rb', 'a\r\nb', '\ud800',
  'tab\there', 'back\\slash', 'x'.repeat(200), 'word '.repeat(60).trim(), ('x'.repeat(90) + '\n').repeat(3), 'k'.repeat(1100),
];

const shapes = (s: string): unknown[] => [
  { v: s },
  { [s]: 'v' },
  { [s]: { [s]: [s] } },
  [s, [s], { a: s }],
  { a: { b: { c: [{ d: s, e: [s, [s, { f: s }]] }] } } },
  { list: [s], empty: [], obj: {}, nested: [[], {}, [[]], [{}]], n: null },
];

describe('writeYaml writes what YAML.stringify writes', () => {
  for (const [site, options] of Object.entries(CALL_SITES)) {
    test(`tricky strings as values and keys, at every depth: ${site}`, () => {
      let covered = 0;
      for (const s of TRICKY) {
        for (const value of shapes(s)) {
          const fast = writeYaml(value, options);
          const expected = reference(value, options);
          if (fast !== undefined) {
            covered++;
            expect({ s, out: fast }).toEqual({ s, out: expected });
          }
          expect(stringifyYaml(value, options)).toBe(expected);
        }
      }
      // only keys with a document marker or `<<`, and over-long keys, are left to yaml
      expect(covered).toBeGreaterThan(TRICKY.length * 6 * 0.9);
    });

    test(`numbers, booleans, null, undefined, empty collections: ${site}`, () => {
      const value = {
        'ints': [0, -0, 1, -1, 42, 2 ** 53 - 1, 2 ** 53, -(2 ** 60), 1e21, 1e-7],
        'floats': [0.1, -1.5, 99.9, 1 / 3, 5e-324, 1.7976931348623157e308, NaN, Infinity, -Infinity],
        'bools': [true, false],
        'nulls': [null, undefined, [undefined], { u: undefined, n: null }],
        'undef': undefined,
        'empty': {},
        'emptyList': [],
        'deep': { a: { b: {} }, c: [[], [{}]] },
        '{}': [{}],
        '[]': {},
        // eslint-disable-next-line no-sparse-arrays
        'sparse': [1, , 3],
      };
      expect(writeYaml(value, options)).toBe(reference(value, options));
      expect(writeYaml([[1, 2], [], [[]], [{ a: 1, b: [] }]], options)).toBe(reference([[1, 2], [], [[]], [{ a: 1, b: [] }]], options));
      expect(writeYaml({}, options)).toBe(reference({}, options));
      expect(writeYaml([], options)).toBe(reference([], options));
    });
  }

  test('a shared object (an alias in yaml), a scalar document, a class instance: left to yaml', () => {
    const shared = { x: 1 };
    const value = { a: shared, b: [shared] };
    expect(writeYaml(value)).toBeUndefined();
    expect(stringifyYaml(value)).toBe(reference(value, {}));
    expect(stringifyYaml(value)).toContain('*a1');
    // without aliases, a shared object is written twice
    expect(writeYaml(value, { aliasDuplicateObjects: false })).toBe(reference(value, { aliasDuplicateObjects: false }));
    for (const doc of ['x', 1, null, true, new Date(0), { d: new Date(0) }, { s: new Set([1]) }, { j: { toJSON: () => 'J' } }, { big: BigInt(1) }]) {
      expect(writeYaml(doc)).toBeUndefined();
      expect(stringifyYaml(doc)).toBe(reference(doc, {}));
    }
    const circular: any = { a: 1 };
    circular.self = circular;
    expect(writeYaml(circular)).toBeUndefined();
  });

  test('a root JS Map keeps its order (YAML 1.2)', () => {
    const value = new Map<string, unknown>([['b', 1], ['1', 'x'], ['a', { c: [] }]]);
    expect(writeYaml(value, { aliasDuplicateObjects: false })).toBe(reference(value, { aliasDuplicateObjects: false }));
    expect(writeYaml({ nested: value }, { aliasDuplicateObjects: false })).toBe(reference({ nested: value }, { aliasDuplicateObjects: false }));
    // an !!omap in YAML 1.1
    expect(writeYaml(value, { version: '1.1' })).toBeUndefined();
  });

  test('a line comment after a scalar value, as on a yaml document node', () => {
    const value = {
      jobs: { build: { steps: [{ uses: 'actions/checkout@0123abcd', with: { x: 1 } }, { uses: 'other@1' }, { uses: 'a: b' }, { run: 'x' }] } },
      uses: null,
    };
    const versions = new Map([['actions/checkout@0123abcd', 'v4.2.1'], ['a: b', 'v1'], ['null', 'v0']]);
    const doc = new YAML.Document(value, { aliasDuplicateObjects: false });
    YAML.visit(doc, {
      Pair(_, pair) {
        if (YAML.isScalar(pair.key) && pair.key.value === 'uses' && YAML.isScalar(pair.value)) {
          const version = versions.get(String(pair.value.value));
          if (version) pair.value.comment = ` ${version}`;
        }
      },
    });
    const expected = doc.toString({ indent: 2, lineWidth: 0, directives: false });
    const fast = writeYaml(value, { aliasDuplicateObjects: false, comment: (k, v) => k === 'uses' ? versions.get(String(v)) : undefined });
    expect(fast).toBe(expected);
    expect(fast).toContain('uses: actions/checkout@0123abcd # v4.2.1\n');
  });

  test("cdk8s's Yaml.stringify(...docs): separators, undefined documents", () => {
    const docs = [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', labels: { on: 'yes' } }, data: { 'a.sh': 'echo a\necho b\n', 'n': '0755', 'u': undefined } },
      undefined, { kind: 'List', items: [] }, { a: 'x\n' }];
    expect(stringifyCdk8sDocuments(docs)).toBe(Yaml.stringify(...docs));
    expect(stringifyCdk8sDocuments([])).toBe(Yaml.stringify());
    // a document the writer does not cover (a shared object: an alias) is cdk8s's
    const shared = { a: 1 };
    const aliased = [{ x: shared, y: shared }, { z: 'on' }];
    expect(stringifyCdk8sDocuments(aliased)).toBe(Yaml.stringify(...aliased));
    expect(stringifyCdk8sDocuments(aliased)).toContain('*a1');
  });

  test('yamlWriter.fast = false renders with yaml', () => {
    const shared = { x: 1 };
    yamlWriter.fast = false;
    try {
      expect(stringifyYaml({ a: 'yes', b: [shared, shared] })).toBe(reference({ a: 'yes', b: [shared, shared] }, {}));
    } finally {
      yamlWriter.fast = true;
    }
  });
});

test('an app with every stage: the same files with the fast writer as with yaml alone', () => {
  const synth = () => {
    const { project, app } = makeApp();
    new pp.SecurityScanStage(app, 'Security');
    new pp.TestStage(app, 'Test', { unitTests: [pp.UnitTests.python()] });
    new pp.CanaryDeploy(app, 'Delivery', { stepWeights: [10, 25, 50], trafficRouting: pp.TrafficRouting.istio({ gateways: ['istio-ingress/public'] }) });
    new pp.PrometheusRules(app, 'Alerts');
    new pp.AlertRouting(app, 'Routing', { page: pp.AlertReceiver.pagerDuty({ secretName: 'pd' }), ticket: pp.AlertReceiver.slack({ secretName: 'slack', channel: '#alerts' }) });
    new pp.GrafanaDashboard(app, 'Dashboards');
    const { app: gitOps } = makeApp({ repository: 'acme/platform' }, 'orders', project);
    new pp.ArgoCdGitOps(gitOps, 'GitOps');
    const out = pp.Testing.synth(project);
    return new Map(out.paths.map((f) => [f, out.file(f)]));
  };
  const fast = synth();
  yamlWriter.fast = false;
  let slow: Map<string, string | undefined>;
  try {
    slow = synth();
  } finally {
    yamlWriter.fast = true;
  }
  // the workflow, Helm values, Kubernetes manifests and Prometheus rules are among them
  const yamlFiles = [...fast.keys()].filter((f) => /\.ya?ml$/.test(f)).join(' ');
  for (const f of ['.github/workflows/checkout-pipeline.yml', 'values-production.yaml', 'deploy/checkout/production.k8s.yaml', 'production.rules.yml', 'deploy/orders/argocd/production.yaml']) {
    expect(yamlFiles).toContain(f);
  }
  expect(fast).toEqual(slow);
});

describe('writeYaml = YAML.stringify on random values (property)', () => {
  const seed = Number(process.env.YAML_WRITER_SEED ?? Date.now() % 2 ** 31);
  // printed so a failure can be replayed: YAML_WRITER_SEED=<seed> npx jest test/core/yaml-writer.test.ts
  // eslint-disable-next-line no-console
  console.log(`yaml-writer property seed: ${seed}`);

  const specialChar = fc.constantFrom(
    'a', 'b', 'y', 'n', 'o', 'N', 'u', 'l', 'T', 'r', 'e', 'E', 'x', 's', '0', '1', '9', '.', '_', '+', '-', '~', '<',
    ' ', ' ', '\n', '\n', '\t', '\r', ':', '#', '?', ',', '[', ']', '{', '}', '&', '*', '!', '|', '>', "'", '"', '%', '@', '`', '\\', '/', '=', '$',
    'é', '日', '\u0085', '\u00a0', '\u2028', '\u0000', '\u0007', '\u001b', '\u007f', '😀');
  const special = fc.oneof(
    { weight: 3, arbitrary: fc.stringOf(specialChar, { maxLength: 24 }) },
    { weight: 1, arbitrary: fc.constantFrom(...TRICKY) },
    { weight: 1, arbitrary: fc.string() },
    { weight: 1, arbitrary: fc.fullUnicodeString({ maxLength: 12 }) },
    { weight: 1, arbitrary: fc.array(fc.constantFrom('---', '...', '  ', 'x', ' #', ': ', '\n', '\n\n', 'echo "$A"', '%'), { maxLength: 8 }).map((a) => a.join('')) },
  );
  const { value } = fc.letrec((tie) => ({
    value: fc.oneof({ depthSize: 'small', withCrossShrink: true },
      special, fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constant(undefined),
      fc.array(tie('value'), { maxLength: 5 }),
      fc.dictionary(special, tie('value'), { maxKeys: 5 })),
  }));
  const docs = fc.oneof(
    fc.jsonValue(),
    fc.dictionary(special, value, { maxKeys: 6 }),
    fc.array(value, { maxLength: 6 }),
  );

  for (const [site, options] of Object.entries(CALL_SITES)) {
    test(`${site}: 1500 random documents`, () => {
      let covered = 0;
      fc.assert(fc.property(docs, (doc) => {
        const fast = writeYaml(doc, options);
        if (fast !== undefined) {
          covered++;
          expect(fast).toBe(reference(doc, options));
        }
      }), { seed, numRuns: 1500 });
      expect(covered).toBeGreaterThan(1000);
    });
  }

  test('1000 random cdk8s document lists', () => {
    fc.assert(fc.property(fc.array(fc.oneof(fc.dictionary(special, value, { maxKeys: 4 }), fc.constant(undefined)), { maxLength: 4 }), (list) => {
      expect(stringifyCdk8sDocuments(list)).toBe(Yaml.stringify(...list));
    }), { seed, numRuns: 1000 });
  });
});
