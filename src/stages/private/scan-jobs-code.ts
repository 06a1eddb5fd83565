import { Duration } from 'cdk8s';
import { addCheckout, addFindingsOutputs, addOutcomeGate, addRenderChart, addSarifUpload, addSetupHelm, addToolInstall, sarifGateScript } from './scan-steps';
import { paths } from '../../core/paths';
import { Severity } from '../severity';
import { TOOLS } from './tool-downloads';
import { AJV_CLI, SEMGREP_IMAGE } from '../../core/versions';
import { PipelineJob } from '../../pipeline/pipeline-job';
import type { IPlatformApp } from '../../platform/platform-app-contract';

/** What a scanner renderer gets. @internal */
export interface ScanContext {
  readonly app: IPlatformApp;
  readonly job: PipelineJob;
  readonly options: any;
  readonly threshold: Severity;
  readonly uploadSarif: boolean;
}


/** Expected durations per scanner, for the critical path. @internal */
export const SCAN_ESTIMATES: Record<string, Duration> = {
  'lint': Duration.minutes(2),
  'gitleaks': Duration.minutes(2),
  'trufflehog': Duration.minutes(3),
  'checkov': Duration.minutes(4),
  'kubesec': Duration.minutes(2),
  'semgrep': Duration.minutes(5),
  'osv-scanner': Duration.minutes(3),
  'npm-audit': Duration.minutes(2),
  'pip-audit': Duration.minutes(3),
  'snyk': Duration.minutes(4),
  'dependency-review': Duration.minutes(1),
  'sonarqube': Duration.minutes(6),
  'licenses': Duration.minutes(3),
  'fossa': Duration.minutes(6),
  'iac': Duration.minutes(3),
};

/** yamllint, JSON syntax, actionlint, schema checks. @internal */
export function renderLint(ctx: ScanContext): void {
  const { app, job, options } = ctx;
  addCheckout(app, job);
  if (options.actionlint ?? true) addToolInstall(job, [TOOLS.actionlint]);
  if (options.yamllint ?? true) {
    const config = options.yamllintConfig
      ? ['config="${YAMLLINT_CONFIG}"']
      : [
        'config="$(mktemp)"',
        'cat > "${config}" <<\'YAMLLINT\'',
        'extends: default',
        'ignore: |',
        `  ${app.chart.path}/templates/`,
        '  node_modules/',
        'rules:',
        '  document-start: disable',
        '  line-length: disable',
        '  truthy: {check-keys: false}',
        '  comments: {min-spaces-from-content: 1}',
        'YAMLLINT',
      ];
    job.addStep({
      id: 'yamllint',
      name: 'yamllint',
      env: options.yamllintConfig ? { YAMLLINT_CONFIG: options.yamllintConfig } : undefined,
      run: [
        'if ! command -v yamllint > /dev/null 2>&1; then',
        '  echo "::error::yamllint is not installed on this runner (GitHub\'s Ubuntu images ship it); add it to the runner image"',
        '  exit 1',
        'fi',
        ...config,
        'yamllint --version',
        'yamllint --strict --format github --config-file "${config}" .',
      ].join('\n'),
    });
  }
  if (options.jsonSyntax ?? true) {
    job.addStep({
      id: 'json-syntax',
      name: 'Check that every JSON file parses',
      run: [
        '# whole-line // comments are allowed (projen marks tsconfig.json and .eslintrc.json with one; TypeScript and ESLint read JSONC)',
        'status=0',
        'while IFS= read -r -d \'\' file; do',
        '  if ! sed -E \'/^[[:space:]]*\\/\\//d\' "${file}" | jq empty > /dev/null 2>&1; then echo "::error file=${file}::not valid JSON"; status=1; fi',
        'done < <(git ls-files -z -- \'*.json\')',
        'exit "${status}"',
      ].join('\n'),
    });
  }
  if (options.actionlint ?? true) {
    job.addStep({ id: 'actionlint', name: 'actionlint on the repository\'s workflows', run: 'actionlint -color' });
  }
  (options.schemaChecks ?? []).forEach((c: { schema: string; files: string[] }, i: number) => {
    job.addStep({
      id: `schema-check-${i + 1}`,
      name: `JSON schema ${c.schema}`,
      run: `npx --yes --package ${AJV_CLI} -- ajv validate --spec=draft2020 --strict=false -s "${c.schema}" ${c.files.map((f) => `-d "${f}"`).join(' ')}`,
    });
  });
}

/** gitleaks over the full history. @internal */
export function renderGitleaks(ctx: ScanContext): void {
  const { app, job, options } = ctx;
  addCheckout(app, job, true);
  addToolInstall(job, [TOOLS.gitleaks]);
  job.addStep({
    id: 'gitleaks',
    name: 'gitleaks over the full history',
    continueOnError: true,
    env: options.config ? { GITLEAKS_CONFIG: options.config } : undefined,
    run: `gitleaks git --redact --no-banner --exit-code 1 --report-format sarif --report-path gitleaks.sarif${options.config ? ' --config "${GITLEAKS_CONFIG}"' : ''} .`,
  });
  if (ctx.uploadSarif) addSarifUpload(app, job, 'upload-sarif', 'gitleaks.sarif', 'gitleaks');
  addOutcomeGate(job, ['gitleaks'], 'secrets found in the git history');
}

/** TruffleHog over the full history. @internal */
export function renderTrufflehog(ctx: ScanContext): void {
  const { app, job, options } = ctx;
  addCheckout(app, job, true);
  addToolInstall(job, [TOOLS.trufflehog]);
  const results = (options.verifiedOnly ?? true) ? 'verified' : 'verified,unknown';
  job.addStep({
    id: 'trufflehog',
    name: `TruffleHog over the full history (${results} secrets)`,
    run: `trufflehog git "file://\${GITHUB_WORKSPACE}" --results=${results} --fail --no-update --github-actions`,
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

/** helm lint, terraform validate and tflint. @internal */
export function renderIac(ctx: ScanContext): void {
  const { app, job, options } = ctx;
  addCheckout(app, job);
  const terraform: string[] = options.terraformDirectories ?? [];
  const tflint = options.tflint ?? true;
  if (options.helmLint ?? true) {
    addSetupHelm(app, job);
    job.addStep({
      id: 'helm-lint',
      name: 'helm lint --strict',
      env: { CHART: app.chart.path },
      run: [...(app.chart.buildDependencies ? ['helm dependency build "${CHART}"'] : []), 'helm lint --strict "${CHART}"'].join('\n'),
    });
  }
  if (terraform.length > 0) {
    addToolInstall(job, tflint ? [TOOLS.terraform, TOOLS.tflint] : [TOOLS.terraform]);
    terraform.forEach((dir, i) => {
      job.addStep({
        id: `terraform-validate-${i + 1}`,
        name: `terraform validate ${dir}`,
        env: { TF_DIR: dir },
        run: ['terraform -chdir="${TF_DIR}" init -backend=false -input=false', 'terraform -chdir="${TF_DIR}" validate'].join('\n'),
      });
      if (tflint) {
        job.addStep({
          id: `tflint-${i + 1}`,
          name: `tflint ${dir}`,
          env: { TF_DIR: dir, GITHUB_TOKEN: '${{ github.token }}' },
          run: ['tflint --chdir="${TF_DIR}" --init', 'tflint --chdir="${TF_DIR}" --format compact'].join('\n'),
        });
      }
    });
  }
}
