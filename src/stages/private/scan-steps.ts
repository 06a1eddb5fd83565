import { github } from 'projen';
import { installToolsScript } from '../../core/tool-install';
import { ToolRelease, HELM_VERSION } from '../../core/versions';
import { PipelineJob } from '../../pipeline/pipeline-job';
import { addCheckout as addCheckoutStep } from '../../platform/checkout-step';
import { PipelineMetrics } from '../../platform/pipeline-metrics';
import type { IPlatformApp } from '../../platform/platform-app-contract';

const READ = github.workflows.JobPermission.READ;
const WRITE = github.workflows.JobPermission.WRITE;

/** Steps that run even when a scan before them reported findings (but not when the run was cancelled). @internal */
export const NOT_CANCELLED = '!cancelled()';

/** `actions/checkout` without persisted credentials; `fullHistory` fetches every commit. @internal */
export function addCheckout(app: IPlatformApp, job: PipelineJob, fullHistory = false): void {
  addCheckoutStep(app.pipeline.actions, job, fullHistory);
}

/** Installs pinned tools, each checked against the sha256 the library pins for it. @internal */
export function addToolInstall(job: PipelineJob, tools: ToolRelease[]): void {
  job.addStep({
    id: 'install-tools',
    name: `Install ${tools.map((t) => `${t.name} ${t.version}`).join(', ')} (sha256-pinned)`,
    run: installToolsScript(tools),
  });
}

/** `Azure/setup-helm` at the Helm version the deploy jobs use. @internal */
export function addSetupHelm(app: IPlatformApp, job: PipelineJob): void {
  job.addStep({ id: 'setup-helm', name: 'Set up Helm', uses: app.pipeline.actions.ref('Azure/setup-helm'), with: { version: HELM_VERSION } });
}

/**
 * Renders the chart with each environment's values into `rendered/<env>.yaml` (the same values files the
 * deploy jobs use). @internal
 */
export function addRenderChart(app: IPlatformApp, job: PipelineJob): void {
  const lines = ['mkdir -p rendered'];
  if (app.chart.buildDependencies) lines.push('helm dependency build "${CHART}"');
  for (const env of app.environments) {
    lines.push(`helm template "\${RELEASE}" "\${CHART}" --namespace ${env.namespace} --values ${app.valuesPath(env.name)} > rendered/${env.name}.yaml`);
  }
  job.addStep({
    id: 'render-chart',
    name: 'Render the chart per environment',
    env: { CHART: app.chart.path, RELEASE: app.releaseName },
    run: lines.join('\n'),
  });
}

/**
 * Uploads a SARIF file to code scanning (the only step that needs `security-events: write`; `actions: read`
 * is what upload-sarif needs in private repositories), even when the scan step before it found something.
 * @internal
 */
export function addSarifUpload(app: IPlatformApp, job: PipelineJob, stepId: string, sarifFile: string, category: string): void {
  job.addStep({
    id: stepId,
    name: `Upload ${category} results to code scanning`,
    if: `${NOT_CANCELLED} && hashFiles('${sarifFile}') != ''`,
    uses: app.pipeline.actions.ref('github/codeql-action/upload-sarif'),
    with: { sarif_file: sarifFile, category: `${app.name}-${category}` },
  }, { permissions: { securityEvents: WRITE, contents: READ, actions: READ } });
}

/**
 * The gate step: fails the job when the scan step (run with `continue-on-error`, so its SARIF is uploaded
 * first) failed. @internal
 */
export function addOutcomeGate(job: PipelineJob, scanStepIds: string[], what: string): void {
  const env: Record<string, string> = {};
  scanStepIds.forEach((id, i) => { env[`OUTCOME_${i}`] = `\${{ steps.${id}.outcome }}`; });
  job.addStep({
    id: 'gate',
    name: `Fail on ${what}`,
    if: NOT_CANCELLED,
    env,
    run: [
      'failed=0',
      ...scanStepIds.map((id, i) => `if [ "\${OUTCOME_${i}}" != "success" ]; then echo "::error::${id}: ${what}"; failed=1; fi`),
      'exit "${failed}"',
    ].join('\n'),
  });
}

/**
 * Counts the results of a SARIF file per level (error → high, warning → medium, note → low), writes them to
 * the job summary and to the step outputs `findings-<severity>`, and fails when a result has one of
 * `failLevels`. @internal
 */
export function sarifGateScript(scanner: string, sarifFile: string, failLevels: string[]): string {
  const levels = JSON.stringify(failLevels);
  const lines = [
    `sarif="${sarifFile}"`,
    'if [ ! -s "${sarif}" ]; then echo "::error::${sarif} is missing; the scan did not finish"; exit 1; fi',
    'count() { jq --arg level "$1" \'[.runs[].results[]? | select((.level // "warning") == $level)] | length\' "${sarif}"; }',
    'errors="$(count error)"',
    'warnings="$(count warning)"',
    'notes="$(count note)"',
    '{',
    `  echo "### ${scanner}"`,
    '  echo ""',
    '  echo "| level | findings |"',
    '  echo "|---|---|"',
    '  echo "| error | ${errors} |"',
    '  echo "| warning | ${warnings} |"',
    '  echo "| note | ${notes} |"',
    '} >> "${GITHUB_STEP_SUMMARY}"',
  ];
  lines.push(...findingsOutputLines([['high', '${errors}'], ['medium', '${warnings}'], ['low', '${notes}']]));
  if (failLevels.length === 0) return lines.join('\n');
  lines.push(
    `failing="$(jq --argjson levels '${levels}' '[.runs[].results[]? | select(((.level // "warning") as $l | $levels | index($l)) != null)] | length' "\${sarif}")"`,
    'if [ "${failing}" -gt 0 ]; then',
    `  echo "::error::${scanner} reported \${failing} finding(s) at or above the threshold (levels ${failLevels.join(', ')})"`,
    '  exit 1',
    'fi',
  );
  return lines.join('\n');
}

/**
 * Lines that stop the step unless `file` holds the tool's JSON report (`jqTest` is true on it): a scanner
 * that printed nothing, was cut off or printed an error instead of its report fails the gate, whatever its
 * exit code said. A gate fails closed. (`-s`: jq 1.6 exits 0 under `-e` on empty input; slurped, empty input is
 * `[]`, which fails the length test.) @internal
 */
export function requireJsonReport(tool: string, file: string, jqTest: string): string[] {
  return [
    `if ! jq -e -s 'length == 1 and (.[0] | ${jqTest})' "${file}" > /dev/null 2>&1; then`,
    `  echo "::error::${tool} wrote no readable report (${file} is missing, empty or not its JSON); failing closed"`,
    '  exit 1',
    'fi',
  ];
}

/**
 * Lines that expose finding counts as step outputs `findings-<severity>` (`PipelineMetrics.FINDINGS_OUTPUT_PREFIX`);
 * the pipeline's report job pushes them as `PipelineMetrics.SCAN_FINDINGS`. `counts` are [severity, shell word].
 * @internal
 */
export function findingsOutputLines(counts: Array<[string, string]>): string[] {
  return [
    '{',
    ...counts.map(([severity, value]) => `  echo "${PipelineMetrics.FINDINGS_OUTPUT_PREFIX}${severity}=${value}"`),
    '} >> "${GITHUB_OUTPUT}"',
  ];
}

/** Exposes a step's `findings-<severity>` outputs as job outputs, for the report job. @internal */
export function addFindingsOutputs(job: PipelineJob, stepId: string, severities: string[]): void {
  for (const sev of severities) job.addOutput(`${PipelineMetrics.FINDINGS_OUTPUT_PREFIX}${sev}`, stepId, `${PipelineMetrics.FINDINGS_OUTPUT_PREFIX}${sev}`);
}
