// Dependency scanning: OSV-Scanner, npm audit, pip-audit, Snyk, GitHub dependency review.
import { github } from 'projen';
import { ScanContext } from './scan-context';
import { addCheckout, addFindingsOutputs, addOutcomeGate, addSarifUpload, addToolInstall, findingsOutputLines, requireJsonReport } from './scan-steps';
import { TOOLS, PIP_AUDIT, SNYK_CLI } from '../../core/versions';

/** The osv-scanner command line shared by the vulnerability gate and the licence gate. @internal */
export function osvScan(format: string, output: string, paths: string[], extra = ''): string {
  return `osv-scanner scan source --recursive --allow-no-lockfiles${extra} --format ${format} --output ${output} ${paths.map((p) => `"${p}"`).join(' ')}`;
}

/** OSV-Scanner, gated on the CVSS score of each vulnerability group. @internal */
export function renderOsvScanner(ctx: ScanContext): void {
  const { app, job, options, threshold } = ctx;
  const paths: string[] = options.paths ?? ['.'];
  addCheckout(app, job);
  addToolInstall(job, [TOOLS.osvScanner]);
  job.addStep({
    id: 'osv-scanner',
    name: 'OSV-Scanner',
    run: [
      'status=0',
      `${osvScan('json', 'osv.json', paths)} || status=$?`,
      '# 0: no vulnerabilities, 1: vulnerabilities found (gated below by severity), anything else: an error',
      'if [ "${status}" -gt 1 ]; then echo "::error::osv-scanner failed (exit ${status})"; exit "${status}"; fi',
    ].join('\n'),
  });
  if (ctx.uploadSarif) {
    job.addStep({ id: 'osv-sarif', name: 'OSV-Scanner SARIF', run: `${osvScan('sarif', 'osv.sarif', paths)} || [ "$?" -eq 1 ]` });
    addSarifUpload(app, job, 'upload-sarif', 'osv.sarif', 'osv-scanner');
  }
  // an advisory without a CVSS score (e.g. MAL- malicious packages) counts as the threshold, never below it
  const unscored = threshold.minCvssScore;
  const score = (min: number) => `[.results[]?.packages[]?.groups[]? | ((.max_severity // "") | if . == "" then ${unscored} else tonumber end) | select(. >= ${min})] | length`;
  job.addStep({
    id: 'gate',
    name: `Fail on vulnerabilities at or above ${threshold.name} (CVSS ${threshold.minCvssScore})`,
    run: [
      ...requireJsonReport('osv-scanner', 'osv.json', '.results | type == "array"'),
      `# an advisory without a CVSS score (e.g. a MAL- malicious package) counts as ${threshold.name}`,
      `critical="$(jq '${score(9.0)}' osv.json)"`,
      `high="$(jq '${score(7.0)}' osv.json)"`,
      'high="$((high - critical))"',
      `medium="$(jq '${score(4.0)}' osv.json)"`,
      'medium="$((medium - high - critical))"',
      `total="$(jq '${score(0)}' osv.json)"`,
      'low="$((total - medium - high - critical))"',
      '{',
      '  echo "### osv-scanner"',
      '  echo ""',
      '  echo "| severity | vulnerabilities |"',
      '  echo "|---|---|"',
      '  echo "| critical | ${critical} |"',
      '  echo "| high | ${high} |"',
      '  echo "| medium | ${medium} |"',
      '  echo "| low | ${low} |"',
      '} >> "${GITHUB_STEP_SUMMARY}"',
      ...findingsOutputLines([['critical', '${critical}'], ['high', '${high}'], ['medium', '${medium}'], ['low', '${low}']]),
      `failing="$(jq '${score(threshold.minCvssScore)}' osv.json)"`,
      'if [ "${failing}" -gt 0 ]; then',
      `  echo "::error::osv-scanner found \${failing} vulnerability group(s) at or above ${threshold.name}"`,
      '  exit 1',
      'fi',
    ].join('\n'),
  });
  addFindingsOutputs(job, 'gate', ['critical', 'high', 'medium', 'low']);
}

/** `npm audit` per directory. @internal */
export function renderNpmAudit(ctx: ScanContext): void {
  const { app, job, options, threshold } = ctx;
  const dirs: string[] = options.directories ?? [app.image.context];
  addCheckout(app, job);
  job.addStep({ id: 'setup-node', name: 'Set up Node.js', uses: app.pipeline.actions.ref('actions/setup-node'), with: { 'node-version': '22', 'package-manager-cache': false } });
  dirs.forEach((dir, i) => {
    job.addStep({
      id: `npm-audit-${i + 1}`,
      name: `npm audit ${dir}`,
      workingDirectory: dir,
      run: `npm audit --audit-level=${threshold.npmLevel}${options.includeDev ? '' : ' --omit=dev'}`,
    });
  });
}

/** pip-audit per requirements file. @internal */
export function renderPipAudit(ctx: ScanContext): void {
  const { app, job, options } = ctx;
  const files: string[] = options.requirements ?? [`${app.image.context === '.' ? '' : `${app.image.context}/`}requirements.txt`];
  addCheckout(app, job);
  job.addStep({ id: 'setup-python', name: 'Set up Python', uses: app.pipeline.actions.ref('actions/setup-python'), with: { 'python-version': '3.12' } });
  job.addStep({ id: 'install-pip-audit', name: `Install ${PIP_AUDIT}`, run: `python -m pip install --disable-pip-version-check --no-input "${PIP_AUDIT}"` });
  job.addStep({
    id: 'pip-audit',
    name: 'pip-audit (any known vulnerability fails)',
    run: `pip-audit --progress-spinner off --desc on ${files.map((f) => `--requirement "${f}"`).join(' ')}`,
  });
}

/** Snyk Open Source. @internal */
export function renderSnyk(ctx: ScanContext): void {
  const { app, job, options, threshold } = ctx;
  addCheckout(app, job);
  job.addStep({
    id: 'snyk',
    name: `Snyk test (fails at ${threshold.name} and above)`,
    continueOnError: true,
    env: { SNYK_TOKEN: `\${{ secrets.${options.tokenSecret} }}` },
    run: `npx --yes ${SNYK_CLI} test --all-projects --severity-threshold=${threshold.lowerName} --sarif-file-output=snyk.sarif`,
  });
  if (ctx.uploadSarif) addSarifUpload(app, job, 'upload-sarif', 'snyk.sarif', 'snyk');
  addOutcomeGate(job, ['snyk'], `Snyk findings at or above ${threshold.name}`);
}

/** GitHub dependency review: a step on pull requests, so the job (a gate of every deploy) never skips. @internal */
export function renderDependencyReview(ctx: ScanContext): void {
  const { app, job, threshold } = ctx;
  job.addStep({
    id: 'dependency-review',
    name: `Dependency review (fails at ${threshold.npmLevel} and above)`,
    if: "github.event_name == 'pull_request'",
    uses: app.pipeline.actions.ref('actions/dependency-review-action'),
    with: { 'fail-on-severity': threshold.npmLevel, 'comment-summary-in-pr': 'never' },
  }, { permissions: { contents: github.workflows.JobPermission.READ } });
  job.addStep({
    id: 'not-a-pull-request',
    name: 'Dependency review runs on pull requests only',
    if: "github.event_name != 'pull_request'",
    run: 'echo "dependency review compares the dependencies a pull request changes; nothing to review on ${GITHUB_EVENT_NAME}"',
  });
}
