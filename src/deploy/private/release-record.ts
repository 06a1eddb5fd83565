import { SlottedStep } from './delivery-plan';
import { DeploySlot } from '../../pipeline/pipeline-job';

/**
 * What each Helm revision records about itself, and the scripts that read it back. Every `helm upgrade`
 * of the release path writes `platform-pipeline commit=<sha> run=<run id>` as the revision's description
 * (`helm history` shows it); `helm rollback` writes `Rollback to <n>`, which is followed to revision n.
 * From that record the deploy jobs decide:
 * - whether a run may deploy (never a commit older than the one the environment runs: a re-run of an old
 *   run would otherwise put its digest over a newer one);
 * - whether the release is still this run's (a promotion, a rollback or the clean-up after an unfinished
 *   promotion acts only on its own revision, never on a newer run's, and never rolls back a rollback);
 * - which commit the previous revision was deployed from (its environment manifests are re-applied when
 *   the release rolls back, so chart and manifests return together).
 */

/** The description `helm upgrade --description` records. @internal */
export const RELEASE_DESCRIPTION = 'platform-pipeline commit=${GITHUB_SHA} run=${GITHUB_RUN_ID}';

/**
 * Bash that loads the release's history into `history` (an empty list for a new release) and defines
 * `commit_of <revision>` (the commit a revision was deployed from, following rollbacks; fails when the
 * revision records none) and `newest` (the newest revision number, empty for a new release). @internal
 */
export const RELEASE_HISTORY: string[] = [
  '# the release\'s revisions, with the commit and run each records (an empty list for a new release)',
  'if ! history="$(helm history "${RELEASE}" --namespace "${NAMESPACE}" --max 20 --output json 2> "${RUNNER_TEMP}/helm-history.err")"; then',
  '  if grep -q "not found" "${RUNNER_TEMP}/helm-history.err"; then history="[]"; else cat "${RUNNER_TEMP}/helm-history.err" >&2; exit 1; fi',
  'fi',
  '# (slurped: jq 1.6 -e succeeds on empty input)',
  'if ! jq -se \'length == 1 and (.[0] | type == "array")\' <<< "${history}" > /dev/null 2>&1; then',
  '  echo "::error::helm history of ${RELEASE} printed no list of revisions (got: ${history:0:200}); nothing is decided on an unreadable history"',
  '  exit 1',
  'fi',
  'newest="$(jq -r \'map(.revision) | max // empty\' <<< "${history}")"',
  'commit_of() {',
  '  local rev="$1" desc hops=0',
  '  while [ "${hops}" -lt 20 ]; do',
  '    desc="$(jq -r --argjson r "${rev}" \'.[] | select(.revision == $r) | .description // ""\' <<< "${history}")"',
  '    case "${desc}" in',
  '      *"platform-pipeline commit="*) desc="${desc#*commit=}"; echo "${desc%% *}"; return 0 ;;',
  '      "Rollback to "*) rev="${desc#Rollback to }" ;;',
  '      *) return 1 ;;',
  '    esac',
  '    hops=$((hops + 1))',
  '  done',
  '  return 1',
  '}',
];

/**
 * Bash that exits the step with `code` (after a notice) unless the release's newest revision is this
 * run's own deploy: a newer run took over, or the revision is already a rollback. @internal
 */
export function unlessOwnRevision(code: number, what: string): string[] {
  return [
    `own="${RELEASE_DESCRIPTION}"`,
    'current="$(jq -r --argjson r "${newest:-0}" \'.[] | select(.revision == $r) | .description // ""\' <<< "${history}")"',
    'if [ "${current}" != "${own}" ]; then',
    `  echo "::notice::${what}: revision \${newest:-none} of \${RELEASE} is not this run's deploy (\${current:-no record}); it belongs to a newer run or is already a rollback"`,
    `  exit ${code}`,
    'fi',
  ];
}

/**
 * Refuses to deploy a commit older than the one the environment runs (a re-run of an old run would put
 * its digest over a newer one). The same commit may be redeployed; a revision without a record (deployed
 * by hand) or a commit missing from the history (rewritten) gets a warning and the deploy goes on. Needs
 * the checkout's full history. @internal
 */
export function deployOrderStep(): SlottedStep {
  return {
    slot: DeploySlot.PRE_DEPLOY,
    step: {
      id: 'deploy-order',
      name: 'Refuse to deploy over a newer commit',
      run: [
        ...RELEASE_HISTORY,
        'deployed="$(jq -r \'[.[] | select(.status == "deployed")] | last | .revision // empty\' <<< "${history}")"',
        'if [ -z "${deployed}" ]; then',
        '  echo "${RELEASE} runs no revision in ${NAMESPACE} yet: first deploy"',
        '  exit 0',
        'fi',
        'if ! running="$(commit_of "${deployed}")"; then',
        '  echo "::warning::revision ${deployed} of ${RELEASE} records no commit (deployed outside this pipeline); deploying ${GITHUB_SHA}"',
        '  exit 0',
        'fi',
        'if [ "${running}" = "${GITHUB_SHA}" ]; then',
        '  echo "${NAMESPACE} runs ${GITHUB_SHA} already (revision ${deployed}): redeploying it"',
        'elif ! git cat-file -e "${running}^{commit}" 2> /dev/null; then',
        '  echo "::warning::${NAMESPACE} runs ${running}, which is not in this repository\'s history (rewritten?); deploying ${GITHUB_SHA}"',
        'elif git merge-base --is-ancestor "${running}" "${GITHUB_SHA}"; then',
        '  echo "${NAMESPACE} runs ${running} (revision ${deployed}, newest ${newest}), an ancestor of ${GITHUB_SHA}: deploying"',
        'else',
        '  echo "::error::${NAMESPACE} runs ${running} (revision ${deployed}), which ${GITHUB_SHA} does not contain: this run is older than what the environment runs (a re-run of an old run?). Deploy a newer commit; to go back, revert on the deploying branch"',
        '  exit 1',
        'fi',
      ].join('\n'),
    },
  };
}

/**
 * Bash that re-applies the environment manifests of the commit `previous_commit` was deployed from and
 * deletes the objects only this run's manifests have, so the manifests roll back with the chart. @internal
 */
export const RESTORE_MANIFESTS: string[] = [
  'if [ -n "${previous_commit}" ] && git cat-file -e "${previous_commit}:${MANIFEST}" 2> /dev/null; then',
  '  git show "${previous_commit}:${MANIFEST}" > "${RUNNER_TEMP}/previous.k8s.yaml"',
  '  kubectl apply --server-side --force-conflicts --field-manager="platform-pipeline-${APP}" -f "${RUNNER_TEMP}/previous.k8s.yaml"',
  '  # objects this run added (absent from the previous manifests) go',
  '  kubectl get -f "${MANIFEST}" --ignore-not-found --output name | sort > "${RUNNER_TEMP}/objects-now" || true',
  '  kubectl get -f "${RUNNER_TEMP}/previous.k8s.yaml" --ignore-not-found --output name | sort > "${RUNNER_TEMP}/objects-before" || true',
  '  comm -23 "${RUNNER_TEMP}/objects-now" "${RUNNER_TEMP}/objects-before" | while read -r object; do',
  '    kubectl delete "${object}" --namespace "${NAMESPACE}" --ignore-not-found',
  '  done',
  '  echo "restored the environment manifests of ${previous_commit}"',
  'else',
  '  echo "::warning::the manifests of the previous revision (commit ${previous_commit:-unknown}) are not in this repository; ${MANIFEST} stays as this run applied it"',
  'fi',
];
