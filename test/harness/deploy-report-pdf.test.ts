/**
 * The deployment report's PDF (reference stage 7, "Report generation (HTML, PDF)") in the enterprise example's
 * staging deploy job, run by the script harness (DESIGN §2b) with a stub google-chrome: a Chrome that prints the
 * report → the PDF is uploaded beside the HTML; a Chrome that prints nothing, writes something that is not a
 * PDF, fails, or is not installed (a self-hosted runner) → a warning annotation and a line in the job summary,
 * `pdf=false`, the HTML still uploaded, and the deploy's result unchanged (a warning, not a failure: the step
 * runs after the deploy, and a failed job would record a failed deploy in the DORA figures for a rendering).
 */
import { ArtifactStore } from './actions';
import { loadExample } from './examples';
import { cleanupHarness, JobResult, runJob, Scenario } from './job-runner';
import { deployScenario } from './worlds';

afterAll(() => cleanupHarness());

const ex = loadExample('enterprise-platform');
const JOB = `${ex.app}-deploy-staging`;
const ARTIFACT = `${ex.app}-deploy-report-staging`;

/** google-chrome: prints the page it is given (the HTML, behind a PDF header) to the --print-to-pdf path. */
const CHROME_PRINTS = 'p="$(opt --print-to-pdf "$@")"; page="${*: -1}"; { echo "%PDF-1.7"; cat "${page#file://}"; } > "${p}"; echo "123 bytes written to file ${p}" >&2';

function run(extra: Partial<Scenario>): { r: JobResult; files: string[]; artifacts: ArtifactStore } {
  const artifacts: ArtifactStore = new Map();
  const base = deployScenario(ex, JOB, {});
  const r = runJob(ex.workflow, JOB, { ...base, artifacts, ...extra, tools: { ...base.tools, ...extra.tools } }, { repo: ex.repo });
  return { r, files: [...(artifacts.get(ARTIFACT)?.keys() ?? [])].sort(), artifacts };
}

test('Chrome prints the report: the PDF of the HTML is uploaded beside it', () => {
  const { r, files, artifacts } = run({ tools: { 'google-chrome': CHROME_PRINTS } });
  expect({ verdict: r.conclusion, log: r.conclusion === 'success' ? '' : r.log }).toEqual({ verdict: 'success', log: '' });
  expect(r.step('deploy-report-pdf').outputs.pdf).toBe('true');
  expect(files).toEqual(['checkout-staging.html', 'checkout-staging.pdf']);
  // the PDF is the print of this deploy's HTML report
  const pdf = artifacts.get(ARTIFACT)!.get('checkout-staging.pdf')!.toString();
  expect(pdf.startsWith('%PDF-')).toBe(true);
  expect(pdf).toContain('<tr><th>environment</th><td>staging</td></tr>');
  // headless, a profile of its own, no header or footer, the report file
  const [call] = r.callsOf('google-chrome');
  expect(call).toEqual(expect.arrayContaining(['--headless', '--no-pdf-header-footer', expect.stringMatching(/^--user-data-dir=\//)]));
  expect(call[call.length - 1]).toMatch(/^file:\/\/.*\/deploy-report\/checkout-staging\.html$/);
  expect(r.summary).toMatch(/- PDF report: checkout-staging\.pdf \(\d+ bytes\) in the artifact, beside the HTML/);
  expect(r.log).not.toContain('::warning::no PDF');
});

test.each([
  ['Chrome prints nothing and writes no file', { tools: {} }, 'google-chrome exited 0 and wrote no PDF'],
  ['Chrome writes something that is not a PDF', { tools: { 'google-chrome': 'p="$(opt --print-to-pdf "$@")"; echo "<html>" > "${p}"' } }, 'google-chrome exited 0 and wrote no PDF'],
  ['Chrome fails', { tools: { 'google-chrome': 'echo "Failed to open display" >&2; exit 1' } }, 'google-chrome exited 1 and wrote no PDF (Failed to open display )'],
  ['Chrome is not installed (a self-hosted runner)', { missing: ['google-chrome'] }, 'google-chrome is not installed on this runner'],
])('%s: a warning and a summary line, pdf=false, the HTML still uploaded, the deploy still a success', (_name, extra, why) => {
  const { r, files } = run(extra as Partial<Scenario>);
  expect({ verdict: r.conclusion, log: r.conclusion === 'success' ? '' : r.log }).toEqual({ verdict: 'success', log: '' });
  expect(r.step('deploy-report-pdf').outcome).toBe('success');
  expect(r.step('deploy-report-pdf').outputs.pdf).toBe('false');
  expect(r.log).toContain(`::warning::no PDF of the deployment report: ${why}`);
  expect(r.summary).toContain(`- :warning: PDF report not made: ${why}`);
  expect(files).toEqual(['checkout-staging.html']);
});
