// Static analysis of code and manifests: Semgrep, SonarQube, Checkov, kubesec.
import { ScanContext } from './scan-context';
import { addCheckout, addFindingsOutputs, addOutcomeGate, addRenderChart, addSarifUpload, addSetupHelm, addToolInstall, sarifGateScript } from './scan-steps';
import { paths } from '../../core/paths';
import { TOOLS, SEMGREP_IMAGE } from '../../core/versions';

/** Semgrep in its pinned container image. @internal */
export function renderSemgrep(ctx: ScanContext): void {
  const { app, job, options } = ctx;
  addCheckout(app, job);
  const token = options.appTokenSecret as string | undefined;
  const command = token
    ? 'semgrep ci --sarif --output=semgrep.sarif'
    : `semgrep scan --metrics=off ${(options.rules as string[]).map((r) => `--config ${r}`).join(' ')} --sarif --output=semgrep.sarif`;
  job.addStep({
    id: 'semgrep',
    name: 'Semgrep',
    env: token ? { SEMGREP_APP_TOKEN: `\${{ secrets.${token} }}` } : undefined,
    run: [
      `docker run --rm --volume "\${GITHUB_WORKSPACE}:/src" --workdir /src${token ? ' --env SEMGREP_APP_TOKEN' : ''} \\`,
      `  ${SEMGREP_IMAGE} \\`,
      `  ${command}`,
    ].join('\n'),
  });
  if (ctx.uploadSarif) addSarifUpload(app, job, 'upload-sarif', 'semgrep.sarif', 'semgrep');
  job.addStep({
    id: 'gate',
    name: `Fail on Semgrep findings at or above ${ctx.threshold.name}`,
    if: "!cancelled() && steps.semgrep.outcome == 'success'",
    run: sarifGateScript('semgrep', 'semgrep.sarif', ctx.threshold.sarifLevels),
  });
  addFindingsOutputs(job, 'gate', ['high', 'medium', 'low']);
}

/** SonarQube Server or Cloud. @internal */
export function renderSonar(ctx: ScanContext): void {
  const { app, job, options } = ctx;
  addCheckout(app, job, true);
  const env: Record<string, string> = { SONAR_TOKEN: `\${{ secrets.${options.tokenSecret} }}` };
  if (options.hostUrl) env.SONAR_HOST_URL = options.hostUrl;
  job.addStep({
    id: 'sonarqube',
    name: options.hostUrl ? 'SonarQube Server analysis' : 'SonarQube Cloud analysis',
    env,
    uses: app.pipeline.actions.ref('SonarSource/sonarqube-scan-action'),
    with: (options.qualityGate ?? true) ? { args: '-Dsonar.qualitygate.wait=true' } : undefined,
  });
}

/** Checkov on the chart, the generated manifests and more Kubernetes directories. @internal */
export function renderCheckov(ctx: ScanContext): void {
  const { app, job, options } = ctx;
  addCheckout(app, job);
  const targets: Array<{ id: string; directory: string; framework: string; condition?: string }> = [
    { id: 'chart', directory: app.chart.path, framework: 'helm' },
    { id: 'manifests', directory: paths.manifestDir(app.name), framework: 'kubernetes', condition: `hashFiles('${paths.manifestDir(app.name)}/*.k8s.yaml') != ''` },
    ...(options.kubernetesDirectories ?? []).map((d: string, i: number) => ({ id: `kubernetes-${i + 1}`, directory: d, framework: 'kubernetes' })),
  ];
  const common: Record<string, string> = {};
  if (options.skipChecks?.length) common.skip_check = options.skipChecks.join(',');
  if (options.apiKeySecret) {
    common['api-key'] = `\${{ secrets.${options.apiKeySecret} }}`;
    common.hard_fail_on = ctx.threshold.name;
  }
  for (const t of targets) {
    job.addStep({
      id: `checkov-${t.id}`,
      name: `Checkov: ${t.directory} (${t.framework})`,
      continueOnError: true,
      if: t.condition,
      uses: app.pipeline.actions.ref('bridgecrewio/checkov-action'),
      with: { directory: t.directory, framework: t.framework, output_format: 'cli,sarif', output_file_path: `console,checkov-${t.id}.sarif`, ...common },
    });
    if (ctx.uploadSarif) addSarifUpload(app, job, `upload-sarif-${t.id}`, `checkov-${t.id}.sarif`, `checkov-${t.id}`);
  }
  addOutcomeGate(job, targets.map((t) => `checkov-${t.id}`), options.apiKeySecret ? `Checkov findings at or above ${ctx.threshold.name}` : 'failed Checkov checks');
}

/** Kubesec's own verdict passes a workload at score 0; the gate also wants at least one hardening point. @internal */
export const KUBESEC_MIN_SCORE = 1;

/** The workloads in a kubesec report (it also lists kinds it does not score, such as Services). */
const KUBESEC_WORKLOADS = '[.[]? | objects | select((.object // "") | test("^(Deployment|StatefulSet|DaemonSet|ReplicaSet|Pod|Job|CronJob)/"))]';

/** Kubesec on the chart rendered per environment. @internal */
export function renderKubesec(ctx: ScanContext): void {
  const { app, job, options } = ctx;
  addCheckout(app, job);
  addSetupHelm(app, job);
  addToolInstall(job, [TOOLS.kubesec]);
  addRenderChart(app, job);
  const minScore = options.minScore ?? KUBESEC_MIN_SCORE;
  job.addStep({
    id: 'kubesec',
    name: `Kubesec (every workload scores at least ${minScore}, no critical advisories)`,
    env: { MIN_SCORE: String(minScore) },
    run: [
      '# fails closed: a report that is missing, empty or not kubesec\'s JSON array fails the gate, whatever the exit code',
      'shopt -s nullglob',
      'files=(rendered/*.yaml)',
      'if [ "${#files[@]}" -eq 0 ]; then echo "::error::no rendered manifests to scan"; exit 1; fi',
      'failed=0',
      'for file in "${files[@]}"; do',
      '  report="${file%.yaml}.kubesec.json"',
      '  status=0',
      '  kubesec scan "${file}" > "${report}" || status=$?',
      `  if ! jq -e -s 'length == 1 and (.[0] | ${KUBESEC_WORKLOADS} | length > 0)' "\${report}" > /dev/null 2>&1; then`,
      '    echo "::error::kubesec scored no workload in ${file} (exit ${status}); its report is missing, empty or unreadable"',
      '    failed=1',
      '    continue',
      '  fi',
      `  bad="$(jq -c --argjson min "\${MIN_SCORE}" '[${KUBESEC_WORKLOADS}[] | select(.valid != true or .score < $min or ((.scoring.critical // []) | length) > 0)]' "\${report}")"`,
      '  count="$(jq length <<< "${bad}")"',
      '  if [ "${count}" != 0 ]; then',
      '    jq -r --arg file "${file}" \'.[] | "::error::\\(.object) in \\($file) scores \\(.score); critical: \\([(.scoring.critical // [])[].selector] | join(", ")) \\(.message // "")"\' <<< "${bad}"',
      '    failed=1',
      '  fi',
      'done',
      'exit "${failed}"',
    ].join('\n'),
  });
}
