import { github } from 'projen';
import { EnvDelivery, SlottedStep, Workload } from './delivery-plan';
import { ActionManifest } from '../../core/action-manifest';
import { HTML_ESCAPE_FN } from '../../core/html-escape';
import type { Environment } from '../../model/environment';
import { DeploySlot } from '../../pipeline/pipeline-job';
import { doraEventLines, pushgatewayEnv } from '../../platform/pipeline-metrics';
import type { IPlatformApp } from '../../platform/platform-app-contract';

/** What the report steps need. @internal */
export interface ReportContext {
  readonly app: IPlatformApp;
  readonly env: Environment;
  readonly actions: ActionManifest;
  readonly delivery: EnvDelivery;
  /** Suffix of the artifact name (promotion jobs report separately). */
  readonly artifactSuffix: string;
  /** The step whose outcome says the deploy was attempted (`helm-upgrade`, `gitops-apply`, `promote`). */
  readonly attemptStep: string;
  /** Expression of the change request's id (a step output in the deploy job, a job output after it). */
  readonly changeId: string;
}

/**
 * The PDF of the deployment report, printed by the Google Chrome of GitHub's Ubuntu runners (headless, its
 * own throw-away profile, no header or footer), beside the HTML in the report directory. A missing Chrome (a
 * self-hosted runner), a Chrome that fails, hangs (a minute) or writes nothing that starts as a PDF: a
 * warning annotation, a line in the job summary and `pdf=false`, and the HTML is still uploaded. Not a
 * failure: the step runs after the deploy, whose result it must not change (a failed job would record a
 * failed deploy in the DORA figures and hold the next environment back for a rendering of a report that
 * the artifact already holds as HTML). Chrome keeps its sandbox: the google-chrome package ships the AppArmor
 * profile that lets it create user namespaces on Ubuntu 24.04 (a Chromium without one would need
 * `--no-sandbox`, which this step never passes).
 */
function pdfStep(artifactSuffix: string): SlottedStep {
  const noPdf = (why: string) => [
    `  echo "::warning::no PDF of the deployment report: ${why}; the HTML report is uploaded"`,
    `  echo "- :warning: PDF report not made: ${why}; the artifact holds the HTML report" >> "\${GITHUB_STEP_SUMMARY}"`,
    '  echo "pdf=false" >> "${GITHUB_OUTPUT}"',
    '  exit 0',
  ];
  return {
    slot: DeploySlot.POST_DEPLOY,
    step: {
      id: 'deploy-report-pdf',
      name: 'Deployment report as PDF (headless Chrome)',
      // not on a cancelled run: the HTML report is uploaded all the same, and a cancel waits for no rendering
      if: '${{ !cancelled() }}',
      run: [
        `html="\${RUNNER_TEMP}/deploy-report/\${APP}-\${ENVIRONMENT}${artifactSuffix}.html"`,
        'pdf="${html%.html}.pdf"',
        'if [ ! -s "${html}" ]; then',
        ...noPdf('the HTML report ${html##*/} was not written'),
        'fi',
        'if ! command -v google-chrome > /dev/null 2>&1; then',
        ...noPdf("google-chrome is not installed on this runner (GitHub's Ubuntu runners have it; install it on a self-hosted runner, or set deployReportPdf: false)"),
        'fi',
        'profile="$(mktemp -d)"',
        'log="$(mktemp)"',
        'code=0',
        'timeout 60 google-chrome --headless --disable-gpu --no-first-run --no-default-browser-check --user-data-dir="${profile}" \\',
        '  --no-pdf-header-footer --print-to-pdf="${pdf}" "file://${html}" > "${log}" 2>&1 || code=$?',
        'rm -rf "${profile}"',
        'if [ "${code}" -ne 0 ] || [ ! -s "${pdf}" ] || [ "$(head -c 5 "${pdf}")" != "%PDF-" ]; then',
        '  why="$(tail -c 300 "${log}" | tr -s \'\\r\\n\' \'  \')"',
        '  rm -f "${log}" "${pdf}"',
        ...noPdf('google-chrome exited ${code} and wrote no PDF${why:+ (${why})}'),
        'fi',
        'rm -f "${log}"',
        'echo "pdf=true" >> "${GITHUB_OUTPUT}"',
        'echo "- PDF report: ${pdf##*/} ($(wc -c < "${pdf}") bytes) in the artifact, beside the HTML" >> "${GITHUB_STEP_SUMMARY}"',
      ].join('\n'),
    },
  };
}

/**
 * The report steps of a deploy or promotion job, all in `POST_DEPLOY` and run whatever happened: the
 * deployment report (job summary and HTML artifact), the DORA events pushed to the Pushgateway, and a
 * Grafana annotation. @internal
 */
export function reportSteps(ctx: ReportContext): SlottedStep[] {
  const { app, env, delivery } = ctx;
  const progressive = delivery.workload !== Workload.DEPLOYMENT;
  const attempted = `always() && steps.${ctx.attemptStep}.outcome != 'skipped'`;
  const env_: Record<string, string> = {
    JOB_STATUS: '${{ job.status }}',
    GH_TOKEN: '${{ github.token }}',
  };
  if (env.url) env_.ENVIRONMENT_URL = env.url;
  if (delivery.changeRequest) env_.CHANGE_ID = ctx.changeId;
  if (progressive) {
    env_.ROLLOUT_OUTCOME = '${{ steps.rollout-status.outcome }}';
    env_.PAUSED = '${{ steps.rollout-status.outputs.paused }}';
  }
  if (app.observability.grafanaUrl) env_.GRAFANA_URL = app.observability.grafanaUrl;
  const rows: Array<[string, string]> = [
    ['environment', '${ENVIRONMENT}'],
    ['namespace', '${NAMESPACE}'],
    ['release', '${RELEASE}'],
    ['image digest', '${IMAGE_DIGEST:-none}'],
    ['commit', '${GITHUB_SHA}'],
    ['result', '${JOB_STATUS}'],
    ['approved by', '${approvals:-no approval recorded}'],
  ];
  if (delivery.workload === Workload.ARGO_ROLLOUT) rows.push(['delivery', `Argo Rollouts ${delivery.rollout?.strategy ?? 'canary'}`]);
  if (delivery.workload === Workload.FLAGGER) rows.push(['delivery', 'Flagger']);
  if (progressive) rows.push([delivery.rollout?.strategy === 'blue-green' ? 'rollout result' : 'canary result', '${canary}']);
  if (delivery.gitOps) rows.push(['Argo CD application', `${delivery.gitOps.namespace}/${delivery.gitOps.application}`]);
  if (delivery.changeRequest) rows.push(['change request', '${CHANGE_ID:-none}']);
  if (env.url) rows.push(['environment URL', '${ENVIRONMENT_URL}']);
  rows.push(['workflow run', '${run_url}']);
  if (app.observability.grafanaUrl) rows.push(['Grafana', '${GRAFANA_URL}']);

  const steps: SlottedStep[] = [{
    slot: DeploySlot.POST_DEPLOY,
    permissions: { actions: github.workflows.JobPermission.READ },
    step: {
      id: 'deploy-summary',
      name: 'Deployment report',
      if: 'always()',
      env: env_,
      run: [
        'run_url="${GITHUB_SERVER_URL}/${GITHUB_REPOSITORY}/actions/runs/${GITHUB_RUN_ID}"',
        '# reviewers who approved this run for the environment (GitHub environment protection)',
        'approvals="$(gh api "repos/${GITHUB_REPOSITORY}/actions/runs/${GITHUB_RUN_ID}/approvals" \\',
        '  --jq \'[.[] | select(any(.environments[]; .name == env.ENVIRONMENT)) | "\\(.user.login) (\\(.state))"] | join(", ")\' 2> /dev/null || true)"',
        ...(progressive ? [
          'case "${ROLLOUT_OUTCOME}:${PAUSED}" in',
          '  success:true) canary="waiting at a promotion gate" ;;',
          '  success:*) canary="analysis passed, promoted" ;;',
          '  failure:*) canary="aborted or timed out, rolled back" ;;',
          '  *) canary="not reached" ;;',
          'esac',
        ] : []),
        'rows=(',
        ...rows.map(([k, v]) => `  "${k}" "${v}"`),
        ')',
        '# HTML-escapes $1 into ${escaped}, in the shell (a sed per value costs a process per table cell); the',
        '# entities are quoted variables, so bash 5.2\'s patsub_replacement does not read & as the match',
        ...HTML_ESCAPE_FN,
        'report_dir="${RUNNER_TEMP}/deploy-report"',
        'mkdir -p "${report_dir}"',
        '{',
        '  echo "### ${APP} → ${ENVIRONMENT}"',
        '  echo ""',
        '  echo "| | |"',
        '  echo "|---|---|"',
        '  for ((i = 0; i < ${#rows[@]}; i += 2)); do',
        '    echo "| ${rows[i]} | \\`${rows[i + 1]}\\` |"',
        '  done',
        '} >> "${GITHUB_STEP_SUMMARY}"',
        '{',
        '  echo "<!DOCTYPE html>"',
        '  esc "${APP} to ${ENVIRONMENT}"',
        '  echo "<html lang=\\"en\\"><head><meta charset=\\"utf-8\\"><title>${escaped}</title></head><body>"',
        '  echo "<h1>${escaped}</h1>"',
        '  echo "<table>"',
        '  for ((i = 0; i < ${#rows[@]}; i += 2)); do',
        '    esc "${rows[i]}"',
        '    th="${escaped}"',
        '    esc "${rows[i + 1]}"',
        '    echo "<tr><th>${th}</th><td>${escaped}</td></tr>"',
        '  done',
        '  echo "</table>"',
        '  echo "</body></html>"',
        `} > "\${report_dir}/\${APP}-\${ENVIRONMENT}${ctx.artifactSuffix}.html"`,
      ].join('\n'),
    },
  },
  ...(app.deployReportPdf ? [pdfStep(ctx.artifactSuffix)] : []),
  {
    slot: DeploySlot.POST_DEPLOY,
    step: {
      id: 'deploy-report',
      name: 'Upload the deployment report',
      if: 'always()',
      uses: ctx.actions.ref('actions/upload-artifact'),
      with: {
        'name': `${app.name}-deploy-report-${env.name}${ctx.artifactSuffix}`,
        'path': '${{ runner.temp }}/deploy-report/',
        'if-no-files-found': 'warn',
        'retention-days': 90,
        'overwrite': true,
      },
    },
  }];

  if (app.observability.pushgatewayUrl) {
    steps.push({
      slot: DeploySlot.POST_DEPLOY,
      step: {
        id: 'dora-events',
        name: 'Record the deploy for the DORA metrics',
        if: attempted,
        env: {
          ...pushgatewayEnv(app),
          JOB_STATUS: '${{ job.status }}',
          ...(progressive ? { PAUSED: '${{ steps.rollout-status.outputs.paused }}' } : {}),
        },
        run: [
          ...(progressive ? [
            'if [ "${PAUSED:-false}" = true ] && [ "${JOB_STATUS}" = success ]; then',
            '  echo "the rollout waits at a promotion gate; its promotion job records the deploy"',
            '  exit 0',
            'fi',
          ] : []),
          'case "${JOB_STATUS}" in',
          '  success | failure) result="${JOB_STATUS}" ;;',
          '  *)',
          '    echo "not recording a ${JOB_STATUS} deploy"',
          '    exit 0',
          '    ;;',
          'esac',
          ...doraEventLines(),
        ].join('\n'),
      },
    });
  }

  const o = app.observability;
  if (o.grafanaUrl && o.grafanaTokenSecret) {
    steps.push({
      slot: DeploySlot.POST_DEPLOY,
      step: {
        id: 'grafana-annotation',
        name: 'Annotate the deploy in Grafana',
        if: attempted,
        env: {
          GRAFANA_URL: o.grafanaUrl,
          GRAFANA_TOKEN: `\${{ secrets.${o.grafanaTokenSecret} }}`,
          JOB_STATUS: '${{ job.status }}',
        },
        run: [
          'header="$(mktemp)"',
          'trap \'rm -f "${header}"\' EXIT',
          'printf \'Authorization: Bearer %s\\n\' "${GRAFANA_TOKEN}" > "${header}"',
          'body="$(jq -n --arg app "${APP}" --arg env "${ENVIRONMENT}" --arg result "${JOB_STATUS}" --arg sha "${GITHUB_SHA}" \\',
          '  --arg run "${GITHUB_SERVER_URL}/${GITHUB_REPOSITORY}/actions/runs/${GITHUB_RUN_ID}" \\',
          '  \'{tags: ["deploy", $app, $env, $result], text: "\\($app) \\($sha[0:12]) to \\($env): \\($result) <a href=\\"\\($run)\\">run</a>"}\')"',
          'if ! curl --fail --silent --show-error --max-time 10 --header "Content-Type: application/json" --header "@${header}" \\',
          '  --data-binary "${body}" --output /dev/null "${GRAFANA_URL%/}/api/annotations"; then',
          '  echo "::warning::could not write a Grafana annotation to ${GRAFANA_URL}"',
          'fi',
        ].join('\n'),
      },
    });
  }
  return steps;
}
