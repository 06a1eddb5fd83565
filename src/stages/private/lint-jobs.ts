// Lint and schema gates: yamllint, JSON, actionlint, and IaC validation (terraform, tflint, conftest).
import { ScanContext } from './scan-context';
import { addCheckout, addSetupHelm, addToolInstall } from './scan-steps';
import { TOOLS, AJV_CLI } from '../../core/versions';

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
