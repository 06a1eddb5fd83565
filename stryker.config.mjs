// Mutation testing of the definition's rules: `npx projen mutation` (report in reports/mutation/).
// Not part of .ci/run. Jest reads its config from package.json; here it is narrowed to the tests of the
// mutated files, and per-test coverage runs only the tests that reach each mutant.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  packageManager: 'npm',
  testRunner: 'jest',
  coverageAnalysis: 'perTest',
  // mutants that do not type-check are not counted (tsconfig.json covers src/)
  checkers: ['typescript'],
  tsconfigFile: 'tsconfig.json',
  mutate: [
    'src/model/promotion.ts',
    'src/app/private/validate-app-props.ts',
    'src/pipeline/pipeline.ts',
  ],
  jest: {
    projectType: 'custom',
    enableFindRelatedTests: false,
    config: {
      // package.json's jest config splits the tests into projects (unit, harness, conformance); the
      // mutation run uses the root config with this testMatch instead
      projects: undefined,
      testMatch: [
        '<rootDir>/test/app/**/*.test.ts',
        '<rootDir>/test/model/promotion.test.ts',
        '<rootDir>/test/pipeline/pipeline.test.ts',
      ],
    },
  },
  ignorePatterns: ['/examples/', '/benchmark/', '/lib/', '/dist/', '/coverage/', '/test-reports/', '/test/conformance/', '/.tmp/', '/API.md'],
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  thresholds: { high: 90, low: 80, break: null },
  concurrency: 2,
  tempDirName: '.stryker-tmp',
};
