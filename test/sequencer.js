// jest's test order for a run without timings (a fresh clone, CI): jest's own sequencer runs the slowest
// files first from the durations it cached in an earlier run, and without any by file size, which started
// the slowest suites (pack-install, examples) last and left one of the two workers idle at the end. Here
// the suites measured slowest (seconds on a 2-core machine, 2026-12-02) come first when jest has no timing
// for them; with timings, jest's order stands. Plain JavaScript: jest loads the sequencer untransformed.
'use strict';
const path = require('path');
const Sequencer = require('@jest/test-sequencer').default;

const MEASURED = {
  'test/conformance/pack-install.test.ts': 47,
  'test/conformance/examples.test.ts': 29,
  'test/harness/deploys.test.ts': 24,
  'test/harness/gates.test.ts': 17,
  'test/property.test.ts': 16,
  'test/harness/change-requests.test.ts': 14,
  'test/deploy/canary-deploy.test.ts': 9,
  'test/harness/compliance-dast.test.ts': 9,
  'test/observability/prometheus-rules.scenarios.test.ts': 8,
};
const ROOT = path.resolve(__dirname, '..');

class SlowestFirst extends Sequencer {
  sort(tests) {
    const sorted = super.sort(tests);
    const measured = (t) => (t.duration == null ? MEASURED[path.relative(ROOT, t.path).split(path.sep).join('/')] : undefined);
    const first = sorted.filter((t) => measured(t) !== undefined).sort((a, b) => measured(b) - measured(a));
    return [...first, ...sorted.filter((t) => measured(t) === undefined)];
  }
}

module.exports = SlowestFirst;
