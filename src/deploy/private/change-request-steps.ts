import { github } from 'projen';

/**
 * How one change-management system is spoken to, as bash: the step's `env:` and the functions the open
 * and close scripts call (each script defines only those it calls). Each system defines
 * - `cr_find`: prints `<ref> <id>` of the active change of this run and environment (`correlation`), or nothing;
 * - `cr_create`: opens one (with `summary`, `description`, `correlation`) and prints `<ref> <id>`;
 * - `cr_approval`: prints `approved`, `rejected` or `pending` for the change `ref`;
 * - `cr_close <outcome> <notes>`: records the outcome (`successful`, `unsuccessful`, `canceled`, or `open`:
 *   a note only, the change stays open);
 * - `cr_link`: the change's URL for people.
 * `ref` is what the API addresses (ServiceNow's sys_id, Jira's key), `id` what people quote (CHG0030042,
 * OPS-42). Every function exits non-zero when the API answers with an error or with something it cannot
 * read. @internal
 */
export interface ChangeSystemScript {
  /** `ServiceNow` or `Jira`. */
  readonly title: string;
  /** The secrets the scripts read, for messages. */
  readonly secrets: string[];
  /** Variables of the step's `env:`: the secrets (`CHANGE_URL`, `CHANGE_TOKEN`, …) and the settings. */
  readonly env: Record<string, string>;
  /** The line that writes the `Authorization` header into the file `${header}`. */
  readonly auth: string;
  /** The required variables that must not be empty (secrets may be missing from the environment). */
  readonly required: string[];
  /** Bash definitions both steps need (endpoints, `cr_link`). */
  readonly common: string[];
  /** Bash definitions of `cr_find`, `cr_create` and `cr_approval`. */
  readonly open: string[];
  /** Bash definition of `cr_close`. */
  readonly close: string[];
}

/** When the deploy waits for the change's approval. @internal */
export interface ApprovalWait {
  /** Polls before the wait times out (the first poll is immediate). */
  readonly attempts: number;
  /** Seconds between polls. */
  readonly intervalSeconds: number;
  /** The timeout as people read it, for messages. */
  readonly timeoutText: string;
}

/** What both scripts start with: strict variables, the secrets checked, the auth header, the API helper. */
function preamble(system: ChangeSystemScript, functions: string[]): string[] {
  const missing = system.required.map((v) => `[ -z "\${${v}}" ]`).join(' || ');
  return [
    '# unset variables and failures inside command substitutions stop the script',
    'set -u',
    'shopt -s inherit_errexit',
    `if ${missing}; then`,
    `  echo "::error::the change request needs the secrets ${system.secrets.join(', ')} (set them on the \${ENVIRONMENT} environment or the repository)"`,
    '  exit 1',
    'fi',
    'header="$(mktemp)"',
    'trap \'rm -f "${header}"\' EXIT',
    system.auth,
    '# every call: bounded, fails on an HTTP error, the token only in the header file (never on the command line)',
    'api() {',
    '  curl --fail --silent --show-error --max-time 30 --header "Accept: application/json" --header "@${header}" "$@"',
    '}',
    ...system.common,
    ...functions,
  ];
}

/**
 * The `change-request` step: finds the active change of this run and environment or opens one (so a
 * re-run never opens a duplicate), then, when `wait` is given, polls its approval a bounded number of
 * times and fails closed when it is rejected or does not come in time. Outputs: `id`, `ref`, `url`,
 * `reused` and `approval` (`approved`, `rejected`, `timeout`, or `not-required`). @internal
 */
export function openChangeStep(system: ChangeSystemScript, imageRepository: string, wait: ApprovalWait | undefined): github.workflows.JobStep {
  const run = [
    ...preamble(system, system.open),
    '# one change per workflow run and environment: a re-run of the job finds it (run ids are unique on GitHub)',
    'correlation="github-run-${GITHUB_RUN_ID}-${APP}-${ENVIRONMENT}"',
    'if [ -z "${IMAGE_DIGEST}" ]; then',
    '  echo "::error::the build produced no image digest: there is nothing to open a change for"',
    '  exit 1',
    'fi',
    'run_url="${GITHUB_SERVER_URL}/${GITHUB_REPOSITORY}/actions/runs/${GITHUB_RUN_ID}"',
    'summary="Deploy ${APP} ${GITHUB_SHA:0:12} to ${ENVIRONMENT}"',
    'description="$(printf \'%s\\n\' \\',
    '  "Application: ${APP}" \\',
    '  "Environment: ${ENVIRONMENT} (namespace ${NAMESPACE})" \\',
    '  "Image: ${IMAGE_REPOSITORY}@${IMAGE_DIGEST}" \\',
    '  "Commit: ${GITHUB_SERVER_URL}/${GITHUB_REPOSITORY}/commit/${GITHUB_SHA}" \\',
    '  "Workflow run (SBOM, scan results and reports as artifacts): ${run_url}" \\',
    '  "Correlation id: ${correlation}")"',
    'found="$(cr_find)"',
    'if [ -n "${found}" ]; then',
    '  reused=true',
    'else',
    '  reused=false',
    '  found="$(cr_create)"',
    'fi',
    'read -r ref change <<< "${found}"',
    'if [ -z "${ref:-}" ] || [ -z "${change:-}" ]; then',
    `  echo "::error::${system.title} answered without the change's id"`,
    '  exit 1',
    'fi',
    'url="$(cr_link)"',
    '{',
    '  echo "id=${change}"',
    '  echo "ref=${ref}"',
    '  echo "url=${url}"',
    '  echo "reused=${reused}"',
    '} >> "${GITHUB_OUTPUT}"',
    'if [ "${reused}" = true ]; then',
    '  echo "::notice::reusing change ${change}, opened by an earlier attempt of this run: ${url}"',
    'else',
    '  echo "::notice::opened change ${change}: ${url}"',
    'fi',
  ];
  if (!wait) {
    run.push('echo "approval=not-required" >> "${GITHUB_OUTPUT}"');
  } else {
    run.push(
      '# bounded wait for the approval: APPROVAL_ATTEMPTS polls, APPROVAL_INTERVAL seconds apart',
      'approval=timeout',
      'for ((attempt = 1; attempt <= APPROVAL_ATTEMPTS; attempt++)); do',
      '  state="$(cr_approval)"',
      '  case "${state}" in',
      '    approved | rejected)',
      '      approval="${state}"',
      '      break',
      '      ;;',
      '    pending) ;;',
      '    *)',
      `      echo "::error::${system.title} answered '\${state}' for the approval of \${change}"`,
      '      exit 1',
      '      ;;',
      '  esac',
      '  if [ "${attempt}" -lt "${APPROVAL_ATTEMPTS}" ]; then sleep "${APPROVAL_INTERVAL}"; fi',
      'done',
      'echo "approval=${approval}" >> "${GITHUB_OUTPUT}"',
      'case "${approval}" in',
      '  approved) echo "::notice::change ${change} is approved" ;;',
      '  rejected)',
      '    echo "::error::change ${change} was rejected: nothing is deployed (${url})"',
      '    exit 1',
      '    ;;',
      '  *)',
      '    echo "::error::change ${change} was not approved within ${APPROVAL_TIMEOUT}: nothing is deployed; it stays open, and a re-run of this job once it is approved reuses it (${url})"',
      '    exit 1',
      '    ;;',
      'esac',
    );
  }
  const waitEnv: Record<string, string> = wait
    ? { APPROVAL_ATTEMPTS: String(wait.attempts), APPROVAL_INTERVAL: String(wait.intervalSeconds), APPROVAL_TIMEOUT: wait.timeoutText }
    : {};
  return {
    id: 'change-request',
    name: wait ? `Open a change request (${system.title}) and wait for its approval` : `Open a change request (${system.title})`,
    env: { ...system.env, IMAGE_REPOSITORY: imageRepository, ...waitEnv },
    timeoutMinutes: 5 + (wait ? Math.ceil((wait.attempts * (wait.intervalSeconds + 30)) / 60) : 0),
    run: run.join('\n'),
  };
}

/** Where the close step reads the change and the deploy's outcome. @internal */
export interface CloseChangeContext {
  /** Expression of the change's `ref` (`${{ steps.change-request.outputs.ref }}`, or a job output after the deploy job). */
  readonly ref: string;
  /** Expression of the change's `id`. */
  readonly id: string;
  /** Expression of the approval the open step saw, or '' where no change is opened (a promotion job). */
  readonly approval: string;
  /** Expression of the open step's outcome, or '' where no change is opened. */
  readonly openOutcome: string;
  /** The approval timeout as people read it, or '' without a wait. */
  readonly approvalTimeout: string;
  /** The image repository the deploy ships (the digest comes from the job's `IMAGE_DIGEST`). */
  readonly imageRepository: string;
  /** The clean-up job after a promotion that did not complete: the change is unsuccessful. @default false */
  readonly abandoned?: boolean;
  /** Jobs this job needs whose close step may already have recorded a final outcome: then this one records nothing. @default [] */
  readonly unlessFinalIn?: string[];
}

/**
 * Ids of the steps that change the cluster, in the deploy job (`prepare-namespace`, `helm-upgrade`,
 * `gitops-apply`) and a promotion job (`promote`): when none of them ran, nothing was deployed. @internal
 */
export const CHANGING_STEPS: readonly string[] = ['prepare-namespace', 'helm-upgrade', 'gitops-apply', 'promote'];

/**
 * The `change-close` step, in `POST_DEPLOY` with `if: always()` (a failure, a rollback and a cancelled run
 * included): records the outcome on the change. Nothing deployed (rejected, cancelled while waiting) →
 * canceled; the approval timed out → stays open with a note (a re-run reuses it); deployed and verified →
 * successful; failed, rolled back or cancelled after the deploy began → unsuccessful, naming the failed
 * steps; waiting at a promotion gate → stays open with a note. The step fails when the change system
 * refuses the update: the record must not silently stay wrong. @internal
 */
export function closeChangeStep(system: ChangeSystemScript, ctx: CloseChangeContext): github.workflows.JobStep {
  const run = [
    ...preamble(system, system.close),
    'ref="${CHANGE_REF}"',
    'change="${CHANGE_ID}"',
    '# the deploy\'s steps as GitHub saw them: which failed, whether the rollback ran, whether a gate holds the rollout',
    ...(ctx.abandoned ? [] : [
      'failed="$(jq -r \'[to_entries[] | select(.value.outcome == "failure" and .key != "rollback") | .key] | join(", ")\' <<< "${STEPS_JSON}")"',
      'paused="$(jq -r \'.["rollout-status"].outputs.paused // "false"\' <<< "${STEPS_JSON}")"',
      `deployed="$(jq -r '[${CHANGING_STEPS.map((id) => `.["${id}"]`).join(', ')}] | any(. != null and .outcome != "skipped")' <<< "\${STEPS_JSON}")"`,
    ]),
    '# the rollback step fails the job by design: its output rolled-back says whether it restored the previous release',
    'rolled_back="$(jq -r \'.rollback as $r | if $r == null or $r.outcome == "skipped" then "false" else ($r.outputs["rolled-back"] // "attempted") end\' <<< "${STEPS_JSON}")"',
    'case "${rolled_back}" in',
    '  true) rollback="it was rolled back to the previous release" ;;',
    '  attempted) rollback="the rollback step ran (its log says whether a previous release was restored)" ;;',
    '  *) rollback="no rollback ran" ;;',
    'esac',
    'digest="${IMAGE_REPOSITORY}@${IMAGE_DIGEST}"',
    'run_url="${GITHUB_SERVER_URL}/${GITHUB_REPOSITORY}/actions/runs/${GITHUB_RUN_ID}"',
    ...(ctx.abandoned ? [
      '# the clean-up after a promotion that did not complete (rejected, expired, cancelled or failed)',
      'outcome=unsuccessful notes="The promotion of ${digest} did not complete (rejected, expired, cancelled or failed); ${rollback}."',
    ] : [
      'case "${OPEN_OUTCOME}:${APPROVAL}:${JOB_STATUS}" in',
      '  *:rejected:*) outcome=canceled notes="The change was rejected; nothing was deployed." ;;',
      '  *:timeout:*) outcome=open notes="No approval within ${APPROVAL_TIMEOUT}; nothing was deployed. Re-run the deploy job of ${run_url} once the change is approved: it reuses this change." ;;',
      '  cancelled:*) outcome=canceled notes="The run was cancelled while the change waited for approval; nothing was deployed." ;;',
      '  failure:*) outcome=canceled notes="The deploy stopped before changing anything (step change-request failed)." ;;',
      '  *:success)',
      '    if [ "${paused}" = true ]; then',
      '      outcome=open notes="${digest} is rolling out and waits at a promotion gate; the promotion records the outcome."',
      '    else',
      '      outcome=successful notes="Deployed and verified ${digest}."',
      '    fi',
      '    ;;',
      '  *:cancelled)',
      '    if [ "${deployed}" = true ]; then',
      '      outcome=unsuccessful notes="The run was cancelled during the deploy of ${digest}; ${rollback}."',
      '    else',
      '      outcome=canceled notes="The run was cancelled before the deploy of ${digest} began; nothing was deployed."',
      '    fi',
      '    ;;',
      '  *)',
      '    if [ "${deployed}" != true ]; then',
      '      outcome=canceled notes="The deploy of ${digest} stopped before changing anything (failed: ${failed:-no step named})."',
      '    else',
      '      outcome=unsuccessful notes="The deploy of ${digest} failed (${failed:-no step named}); ${rollback}."',
      '    fi',
      '    ;;',
      'esac',
    ]),
    'notes="${notes} Workflow run: ${run_url}"',
    'if ! cr_close "${outcome}" "${notes}"; then',
    `  echo "::error::${system.title} refused to record the outcome (\${outcome}) on change \${change}: record it by hand (\${notes})"`,
    '  exit 1',
    'fi',
    'echo "::notice::change ${change}: ${outcome} (${notes})"',
    '# a final outcome: a later job of the run (the clean-up after an unfinished promotion) leaves the change alone',
    'if [ "${outcome}" != open ]; then echo "final=true" >> "${GITHUB_OUTPUT}"; fi',
  ];
  return {
    id: 'change-close',
    name: `Record the outcome on the change request (${system.title})`,
    if: [
      `always() && ${ctx.ref.replace(/^\$\{\{\s*|\s*\}\}$/g, '')} != ''`,
      ...(ctx.unlessFinalIn ?? []).map((j) => `needs.${j}.outputs.change-final != 'true'`),
    ].join(' && '),
    env: {
      ...system.env,
      CHANGE_REF: ctx.ref,
      CHANGE_ID: ctx.id,
      APPROVAL: ctx.approval,
      APPROVAL_TIMEOUT: ctx.approvalTimeout,
      IMAGE_REPOSITORY: ctx.imageRepository,
      OPEN_OUTCOME: ctx.openOutcome,
      JOB_STATUS: '${{ job.status }}',
      STEPS_JSON: '${{ toJSON(steps) }}',
    },
    run: run.join('\n'),
  };
}
