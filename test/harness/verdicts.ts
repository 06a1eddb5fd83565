/**
 * The harness's verdict table: every scenario a test runs records the job, the scenario, the verdict it
 * expects and the verdict it observed; the table is written to test-reports/ for the closing notes and
 * for a reviewer who wants to see what was exercised.
 */
import * as fs from 'fs';
import * as path from 'path';

interface Row { readonly example: string; readonly job: string; readonly scenario: string; readonly expected: string; readonly observed: string }

const rows: Row[] = [];

/** Records one scenario's verdict. */
export function record(example: string, job: string, scenario: string, expected: string, observed: string): void {
  rows.push({ example, job, scenario, expected, observed });
}

/** Writes the rows recorded by this test file to `test-reports/harness-<name>.md`. */
export function writeVerdicts(name: string): void {
  const dir = path.join(__dirname, '..', '..', 'test-reports');
  fs.mkdirSync(dir, { recursive: true });
  const lines = ['| example | job | scenario | expected | observed |', '|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.example} | ${r.job} | ${r.scenario} | ${r.expected} | ${r.observed} |`)];
  fs.writeFileSync(path.join(dir, `harness-${name}.md`), lines.join('\n') + '\n');
}
