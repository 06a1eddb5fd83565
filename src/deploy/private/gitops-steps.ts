import { EnvDelivery, GitOpsPlan, SlottedStep, Workload } from './delivery-plan';
import { DeploySlot } from '../../pipeline/pipeline-job';
import type { IPlatformApp } from '../../platform/platform-app-contract';

/**
 * The apply steps of GitOps delivery (ArgoCdGitOps): apply the Argo CD Application pinned to the commit
 * and the image digest, sync it (or let Argo CD sync) and wait for the result. @internal
 */
export function gitOpsApplySteps(app: IPlatformApp, d: EnvDelivery, g: GitOpsPlan): SlottedStep[] {
  const key = app.chart.digestValue ?? 'image.tag';
  const value = app.chart.digestValue ? '${IMAGE_DIGEST}' : '${GITHUB_SHA}@${IMAGE_DIGEST}';
  const waitHealth = d.workload === Workload.DEPLOYMENT;
  return [{
    slot: DeploySlot.APPLY,
    step: {
      id: 'gitops-apply',
      name: 'Point the Argo CD Application at this commit and image',
      env: { ...gitOpsEnv(g), APPLICATION_FILE: g.file, IMAGE_KEY: key },
      run: [
        'if [ -z "${IMAGE_DIGEST}" ]; then',
        '  echo "::error::the build job produced no image digest; deploys need the pushed image"',
        '  exit 1',
        'fi',
        `image_value="${value}"`,
        'kubectl create --dry-run=client --output json --filename "${APPLICATION_FILE}" \\',
        '  | jq --arg rev "${GITHUB_SHA}" --arg key "${IMAGE_KEY}" --arg value "${image_value}" \\',
        '    \'.spec.sources |= map(.targetRevision = $rev) | .spec.sources[0].helm.parameters = [{name: $key, value: $value, forceString: true}]\' \\',
        '  | kubectl apply --server-side --force-conflicts --field-manager="platform-pipeline-${APP}" --filename -',
      ].join('\n'),
    },
  }, {
    slot: DeploySlot.APPLY,
    step: {
      id: 'gitops-sync',
      name: g.autoSync ? 'Wait for Argo CD to sync' : 'Sync with Argo CD and wait',
      env: gitOpsEnv(g),
      run: [
        ...(g.autoSync ? [] : [
          'kubectl patch applications.argoproj.io "${APPLICATION}" --namespace "${ARGOCD_NAMESPACE}" --type merge \\',
          '  --patch \'{"operation": {"initiatedBy": {"username": "github-actions"}, "sync": {"prune": true}}}\'',
        ]),
        ...gitOpsWait(waitHealth, '${GITHUB_SHA}'),
      ].join('\n'),
    },
  }];
}

export function gitOpsEnv(g: GitOpsPlan): Record<string, string> {
  return { APPLICATION: g.application, ARGOCD_NAMESPACE: g.namespace };
}

/** Waits until the Application's sync of `revision` succeeded (and, without a Rollout, until it is healthy). */
function gitOpsWait(waitHealth: boolean, revision: string): string[] {
  return [
    'deadline=$((SECONDS + 900))',
    'while :; do',
    '  app_json="$(kubectl get applications.argoproj.io "${APPLICATION}" --namespace "${ARGOCD_NAMESPACE}" --output json)"',
    '  operation="$(jq -r \'.status.operationState.phase // ""\' <<< "${app_json}")"',
    '  synced="$(jq -r \'.status.sync.status // ""\' <<< "${app_json}")"',
    '  revisions="$(jq -r \'(.status.sync.revisions // [.status.sync.revision]) | map(select(. != null)) | join(" ")\' <<< "${app_json}")"',
    '  health="$(jq -r \'.status.health.status // ""\' <<< "${app_json}")"',
    '  if [ "${operation}" = Failed ] || [ "${operation}" = Error ]; then',
    '    jq -r \'.status.operationState.message // ""\' <<< "${app_json}"',
    '    echo "::error::Argo CD could not sync ${APPLICATION}"',
    '    exit 1',
    '  fi',
    `  if [ "\${operation}" = Succeeded ] && [ "\${synced}" = Synced ] && [[ " \${revisions} " == *" ${revision} "* ]]; then`,
    ...(waitHealth ? [
      '    if [ "${health}" = Healthy ]; then',
      '      exit 0',
      '    fi',
      '    if [ "${health}" = Degraded ]; then',
      '      echo "::error::${APPLICATION} is degraded after the sync"',
      '      exit 1',
      '    fi',
    ] : [
      '    echo "synced ${APPLICATION} (${health}); the rollout step verifies the delivery"',
      '    exit 0',
    ]),
    '  fi',
    '  if [ "${SECONDS}" -ge "${deadline}" ]; then',
    '    echo "::error::${APPLICATION} did not sync and become healthy within 15 minutes (operation ${operation:-none}, sync ${synced:-unknown}, health ${health:-unknown})"',
    '    exit 1',
    '  fi',
    '  sleep 10',
    'done',
  ];
}

/** Restores the last version Argo CD synced before this commit, from the Application's history. @internal */
export function gitOpsRestoreLines(track: boolean): string[] {
  return [
    '# the last version Argo CD synced before this commit, from the Application\'s history',
    'previous="$(kubectl get applications.argoproj.io "${APPLICATION}" --namespace "${ARGOCD_NAMESPACE}" --output json \\',
    '  | jq -c \'[.status.history // [] | .[] | select((.revisions // [.revision]) | index(env.GITHUB_SHA) | not)] | last | .sources // empty\')"',
    'if [ -n "${previous}" ]; then',
    '  kubectl patch applications.argoproj.io "${APPLICATION}" --namespace "${ARGOCD_NAMESPACE}" --type json \\',
    '    --patch "$(jq -n --argjson sources "${previous}" \'[{op: "replace", path: "/spec/sources", value: $sources}]\')"',
    '  kubectl patch applications.argoproj.io "${APPLICATION}" --namespace "${ARGOCD_NAMESPACE}" --type merge \\',
    '    --patch \'{"operation": {"initiatedBy": {"username": "github-actions"}, "sync": {"prune": true}}}\'',
    ...(track ? ['  rolled_back=true'] : []),
    '  echo "rolled-back=true" >> "${GITHUB_OUTPUT}"',
    '  echo "::error::verification failed in ${NAMESPACE}; Argo CD syncs ${APPLICATION} back to its previous version"',
    'else',
    '  echo "::error::verification failed in ${NAMESPACE}; ${APPLICATION} has no previous version to return to"',
    'fi',
  ];
}
