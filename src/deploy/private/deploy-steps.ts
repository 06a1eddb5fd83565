import { Duration } from 'cdk8s';
import { EnvDelivery, SlottedStep, Workload } from './delivery-plan';
import { gitOpsApplySteps, gitOpsEnv, gitOpsRestoreLines } from './gitops-steps';
import { RELEASE_DESCRIPTION, RELEASE_HISTORY, RESTORE_MANIFESTS, unlessOwnRevision } from './release-record';
import { installToolsScript } from '../../core/tool-install';
import { TOOLS } from '../../core/versions';
import type { Environment } from '../../model/environment';
import { DeploySlot } from '../../pipeline/pipeline-job';
import { APPLY_PHASE_LABEL, BEFORE_HELM } from '../../platform/base-manifests';
import { pushgatewayEnv, pushgatewayScript, PipelineMetrics } from '../../platform/pipeline-metrics';
import type { IPlatformApp } from '../../platform/platform-app-contract';


/** The id of the step whose outcome says whether a deploy was attempted. @internal */
export function applyStepId(d: EnvDelivery): string {
  return d.gitOps ? 'gitops-apply' : 'helm-upgrade';
}

/** Installs the kubectl-argo-rollouts plugin, pinned, checked against the sha256 the library pins for it. @internal */
export function setupRolloutsPluginStep(): SlottedStep {
  return {
    slot: DeploySlot.PRE_DEPLOY,
    step: {
      id: 'setup-argo-rollouts',
      name: `Install the Argo Rollouts kubectl plugin ${TOOLS.argoRollouts.version} (sha256-pinned)`,
      run: [installToolsScript([TOOLS.argoRollouts]), '"${bin}/kubectl-argo-rollouts" version --short'].join('\n'),
    },
  };
}

function timeoutOf(d: EnvDelivery): Duration {
  return d.verifyTimeout ?? Duration.minutes(15);
}

const OBSERVE = [
  '# The Rollout takes its pod template from the Deployment: until it has seen the Deployment\'s current',
  '# generation, its status still describes the previous version.',
  'want="$(kubectl get deployment "${APP}" --namespace "${NAMESPACE}" --output jsonpath=\'{.metadata.generation}\')"',
  'deadline=$((SECONDS + 300))',
  'until [ "$(kubectl get rollouts.argoproj.io "${ROLLOUT}" --namespace "${NAMESPACE}" --output jsonpath=\'{.status.workloadObservedGeneration}\')" = "${want}" ]; do',
  '  if [ "${SECONDS}" -ge "${deadline}" ]; then',
  '    echo "::error::rollout ${ROLLOUT} has not picked up generation ${want} of deployment ${APP} within 5 minutes; is the Argo Rollouts controller running?"',
  '    exit 1',
  '  fi',
  '  sleep 5',
  'done',
];

const STATUS = [
  'if ! kubectl argo rollouts status "${ROLLOUT}" --namespace "${NAMESPACE}" --timeout "${ROLLOUT_TIMEOUT}"; then',
  '  kubectl argo rollouts get rollout "${ROLLOUT}" --namespace "${NAMESPACE}" || true',
  '  echo "::error::rollout ${ROLLOUT} did not become healthy in ${NAMESPACE}: its analysis aborted it, it degraded, or it timed out after ${ROLLOUT_TIMEOUT}"',
  '  exit 1',
  'fi',
  'echo "paused=false" >> "${GITHUB_OUTPUT}"',
];

/** Waits until Healthy, Degraded, or paused at one of `GATE_STEPS` (or a blue-green promotion). */
const UNTIL_GATE = [
  'deadline=$((SECONDS + ROLLOUT_TIMEOUT_SECONDS))',
  'while :; do',
  '  phase="$(kubectl get rollouts.argoproj.io "${ROLLOUT}" --namespace "${NAMESPACE}" --output jsonpath=\'{.status.phase}\')"',
  '  step="$(kubectl get rollouts.argoproj.io "${ROLLOUT}" --namespace "${NAMESPACE}" --output jsonpath=\'{.status.currentStepIndex}\')"',
  '  reasons="$(kubectl get rollouts.argoproj.io "${ROLLOUT}" --namespace "${NAMESPACE}" --output jsonpath=\'{.status.pauseConditions[*].reason}\')"',
  '  case "${phase}" in',
  '    Healthy)',
  '      echo "paused=false" >> "${GITHUB_OUTPUT}"',
  '      exit 0',
  '      ;;',
  '    Degraded)',
  '      kubectl argo rollouts get rollout "${ROLLOUT}" --namespace "${NAMESPACE}" || true',
  '      echo "::error::rollout ${ROLLOUT} degraded in ${NAMESPACE}: its analysis aborted it"',
  '      exit 1',
  '      ;;',
  '    Paused)',
  '      if [[ " ${GATE_STEPS} " == *" ${step} "* && "${reasons}" == *CanaryPauseStep* ]] || [[ "${reasons}" == *BlueGreenPause* ]]; then',
  '        echo "::notice::rollout ${ROLLOUT} waits for a promotion (step ${step:-none}); approve the promotion job to continue"',
  '        echo "paused=true" >> "${GITHUB_OUTPUT}"',
  '        exit 0',
  '      fi',
  '      ;;',
  '  esac',
  '  if [ "${SECONDS}" -ge "${deadline}" ]; then',
  '    kubectl argo rollouts get rollout "${ROLLOUT}" --namespace "${NAMESPACE}" || true',
  '    echo "::error::rollout ${ROLLOUT} neither became healthy nor reached a gate within ${ROLLOUT_TIMEOUT_SECONDS}s (last phase: ${phase:-unknown})"',
  '    exit 1',
  '  fi',
  '  sleep 10',
  'done',
];

/**
 * Waits for the Rollout: first until it has observed the Deployment (`observe`), then with
 * `kubectl argo rollouts status` (`stopAt` empty and no blue-green pause), or until it reaches one of
 * the gate steps `stopAt`. @internal
 */
export function rolloutStatusStep(d: EnvDelivery, opts: { observe: boolean; stopAt: number[]; stopAtBlueGreenPause: boolean }): SlottedStep {
  const t = timeoutOf(d);
  const loop = opts.stopAt.length > 0 || opts.stopAtBlueGreenPause;
  const env: Record<string, string> = loop
    ? { ROLLOUT_TIMEOUT_SECONDS: String(t.toSeconds()), GATE_STEPS: opts.stopAt.join(' ') }
    : { ROLLOUT_TIMEOUT: `${t.toSeconds()}s` };
  return {
    slot: DeploySlot.VERIFY,
    step: {
      id: 'rollout-status',
      name: loop ? 'Wait for the rollout or its next promotion gate' : 'Wait for the canary analysis and the rollout',
      env,
      run: [...(opts.observe ? OBSERVE : []), ...(loop ? UNTIL_GATE : STATUS)].join('\n'),
    },
  };
}

/** Records the Flagger canary's state before Helm changes the Deployment. @internal */
export function flaggerBaselineStep(): SlottedStep {
  return {
    slot: DeploySlot.PRE_DEPLOY,
    step: {
      id: 'flagger-baseline',
      name: 'Record the canary state before the deploy',
      run: [
        'spec="$(kubectl get canaries.flagger.app "${APP}" --namespace "${NAMESPACE}" --output jsonpath=\'{.status.lastAppliedSpec}\' 2> /dev/null || true)"',
        'template="$(kubectl get deployment "${APP}" --namespace "${NAMESPACE}" --output jsonpath=\'{.spec.template}\' 2> /dev/null || true)"',
        'echo "spec=${spec}" >> "${GITHUB_OUTPUT}"',
        'echo "template=$(sha256sum <<< "${template}" | cut -d " " -f 1)" >> "${GITHUB_OUTPUT}"',
      ].join('\n'),
    },
  };
}

/** Waits for Flagger to analyse and promote (or roll back) the new revision. @internal */
export function flaggerStatusStep(d: EnvDelivery): SlottedStep {
  return {
    slot: DeploySlot.VERIFY,
    step: {
      id: 'rollout-status',
      name: 'Wait for the Flagger canary analysis',
      env: {
        SPEC_BEFORE: '${{ steps.flagger-baseline.outputs.spec }}',
        TEMPLATE_BEFORE: '${{ steps.flagger-baseline.outputs.template }}',
        ROLLOUT_TIMEOUT_SECONDS: String(timeoutOf(d).toSeconds()),
      },
      run: [
        'template="$(kubectl get deployment "${APP}" --namespace "${NAMESPACE}" --output jsonpath=\'{.spec.template}\')"',
        'if [ "$(sha256sum <<< "${template}" | cut -d " " -f 1)" = "${TEMPLATE_BEFORE}" ]; then',
        '  echo "the pod template did not change: Flagger has no new revision to analyse"',
        '  exit 0',
        'fi',
        'deadline=$((SECONDS + ROLLOUT_TIMEOUT_SECONDS))',
        'while :; do',
        '  spec="$(kubectl get canaries.flagger.app "${APP}" --namespace "${NAMESPACE}" --output jsonpath=\'{.status.lastAppliedSpec}\')"',
        '  phase="$(kubectl get canaries.flagger.app "${APP}" --namespace "${NAMESPACE}" --output jsonpath=\'{.status.phase}\')"',
        '  if [ "${spec}" != "${SPEC_BEFORE}" ]; then',
        '    case "${phase}" in',
        '      Succeeded | Initialized)',
        '        echo "canary ${APP}: ${phase}"',
        '        exit 0',
        '        ;;',
        '      Failed)',
        '        kubectl describe canaries.flagger.app "${APP}" --namespace "${NAMESPACE}" || true',
        '        echo "::error::Flagger rolled back canary ${APP} in ${NAMESPACE}: its analysis failed"',
        '        exit 1',
        '        ;;',
        '    esac',
        '  fi',
        '  if [ "${SECONDS}" -ge "${deadline}" ]; then',
        '    echo "::error::canary ${APP} did not finish within ${ROLLOUT_TIMEOUT_SECONDS}s (last phase: ${phase:-unknown})"',
        '    exit 1',
        '  fi',
        '  sleep 10',
        'done',
      ].join('\n'),
    },
  };
}

/** `helm upgrade` and the environment's manifests, or the Argo CD Application and its sync. @internal */
export function applySteps(app: IPlatformApp, env: Environment, d: EnvDelivery): SlottedStep[] {
  if (d.gitOps) return gitOpsApplySteps(app, d, d.gitOps);
  const imageValue = app.chart.digestValue
    ? `--set-string "${app.chart.digestValue}=\${IMAGE_DIGEST}"`
    : '--set-string "image.tag=${GITHUB_SHA}@${IMAGE_DIGEST}"';
  return [{
    slot: DeploySlot.APPLY,
    step: {
      id: 'helm-upgrade',
      name: `Deploy to ${env.name}`,
      run: [
        'if [ -z "${IMAGE_DIGEST}" ]; then',
        '  echo "::error::the build job produced no image digest; deploys need the pushed image"',
        '  exit 1',
        'fi',
        'helm upgrade --install "${RELEASE}" "${CHART}" \\',
        `  --namespace "\${NAMESPACE}"${app.manageNamespaces ? '' : ' --create-namespace'} \\`,
        '  --values "${VALUES_FILE}" \\',
        `  ${imageValue} \\`,
        '  --rollback-on-failure --wait=watcher --timeout 10m \\',
        `  --description "${RELEASE_DESCRIPTION}"`,
      ].join('\n'),
    },
  }, {
    slot: DeploySlot.APPLY,
    step: {
      id: 'apply-manifests',
      name: 'Apply the environment manifests',
      run: 'kubectl apply --server-side --field-manager="platform-pipeline-${APP}" -f "${MANIFEST}"',
    },
  }];
}

/** Applies the objects that must exist before Helm runs (the namespace, a Rollout taking over the Deployment). @internal */
export function prepareStep(rollout: boolean, createNamespace: boolean): SlottedStep {
  const apply = `kubectl apply --server-side --field-manager="platform-pipeline-\${APP}" -f "\${MANIFEST}" --selector ${APPLY_PHASE_LABEL}=${BEFORE_HELM}`;
  return {
    slot: DeploySlot.PRE_DEPLOY,
    step: {
      id: 'prepare-namespace',
      // a Rollout that takes over the Deployment runs before Helm scales that Deployment to 0, so a
      // migration never leaves the app without pods
      name: rollout ? 'Apply what must exist before Helm (namespace, Rollout)' : 'Create or update the namespace',
      run: createNamespace
        // namespaces are managed elsewhere; on a first deploy Helm would create it, but the Rollout goes first
        ? ['kubectl create namespace "${NAMESPACE}" --dry-run=client --output yaml | kubectl apply -f -', apply].join('\n')
        : apply,
    },
  };
}

/**
 * Rolls back after a failed verification and fails the job: aborts a Rollout (traffic back to stable at
 * once), restores the previous release — `helm rollback` to the last revision that ran, and the
 * environment manifests of the commit that revision was deployed from, so chart, Rollout, analysis, route
 * and rules return as one unit (or the previous Argo CD Application) — waits for the Rollout to run it,
 * and records the rollback for the DORA rules. It acts only on this run's own revision: a newer run's
 * deploy is never rolled back, nor a rollback rolled back again. @internal
 */
export function rollbackStep(app: IPlatformApp, d: EnvDelivery, condition: string): SlottedStep {
  return {
    slot: DeploySlot.ROLLBACK,
    step: {
      id: 'rollback',
      name: 'Roll back after a failed verification',
      if: condition,
      ...rollbackEnv(app, d),
      run: [...rollbackLines(app, d, { reason: 'verification failed', cleanup: false }), 'exit 1'].join('\n'),
    },
  };
}

/**
 * The clean-up after a promotion that did not complete — rejected, expired, cancelled or failed before its
 * own rollback: aborts the canary and rolls the release back, if the release is still this run's. @internal
 */
export function abandonedPromotionStep(app: IPlatformApp, d: EnvDelivery): SlottedStep {
  return {
    slot: DeploySlot.ROLLBACK,
    step: {
      id: 'rollback',
      name: 'Abort the unpromoted canary and roll back',
      ...rollbackEnv(app, d),
      run: [
        ...rollbackLines(app, d, { reason: 'the promotion did not complete (rejected, expired, cancelled or failed)', cleanup: true }),
        'if [ "${rolled_back}" != true ]; then',
        '  exit 1',
        'fi',
      ].join('\n'),
    },
  };
}

function rollbackEnv(app: IPlatformApp, d: EnvDelivery): { env?: Record<string, string> } {
  const push = !!app.observability.pushgatewayUrl;
  if (!push && !d.gitOps) return {};
  return {
    env: {
      ...(d.gitOps ? gitOpsEnv(d.gitOps) : {}),
      ...(push ? pushgatewayEnv(app) : {}),
    },
  };
}

/**
 * The rollback. `cleanup`: the clean-up after an unfinished promotion, for which a release that is no
 * longer this run's is nothing to do (a verification's rollback fails the job either way).
 */
function rollbackLines(app: IPlatformApp, d: EnvDelivery, o: { reason: string; cleanup: boolean }): string[] {
  const { reason, cleanup } = o;
  const notOwnExit = cleanup ? 0 : 1;
  const argo = d.workload === Workload.ARGO_ROLLOUT;
  const push = !!app.observability.pushgatewayUrl;
  // whether a previous version was restored: the Rollout waits for it, the event is pushed, the clean-up fails without it
  const track = argo || push || cleanup;
  // the step's output rolled-back says whether the previous release was restored (the change request's close reads it)
  const lines: string[] = [...(track ? ['rolled_back=false'] : []), 'echo "rolled-back=false" >> "${GITHUB_OUTPUT}"'];
  if (!d.gitOps) lines.push(...RELEASE_HISTORY, ...unlessOwnRevision(notOwnExit, 'nothing to roll back'));
  if (argo) {
    lines.push(
      '# stop the rollout at once: traffic goes back to the stable version',
      'kubectl argo rollouts abort "${ROLLOUT}" --namespace "${NAMESPACE}" || true',
    );
  }
  if (d.gitOps) {
    // the Application's sources carry the chart and the manifests: Argo CD restores both
    lines.push(...gitOpsRestoreLines(track).map((l) => l.replace('verification failed', reason)));
  } else {
    lines.push(
      '# the last revision that ran before this one, and the commit it was deployed from',
      'previous="$(jq -r --argjson r "${newest}" \'[.[] | select(.revision < $r and (.status == "superseded" or .status == "deployed"))] | last | .revision // empty\' <<< "${history}")"',
      'if [ -n "${previous}" ]; then',
      '  previous_commit="$(commit_of "${previous}" || true)"',
      '  helm rollback "${RELEASE}" "${previous}" --namespace "${NAMESPACE}" --wait --timeout 10m',
      ...RESTORE_MANIFESTS.map((l) => `  ${l}`),
      ...(track ? ['  rolled_back=true'] : []),
      '  echo "rolled-back=true" >> "${GITHUB_OUTPUT}"',
      `  echo "::error::${reason} in \${NAMESPACE}; rolled back \${RELEASE} to revision \${previous} (commit \${previous_commit:-unknown})"`,
      'else',
      `  echo "::error::${reason} in \${NAMESPACE}; \${RELEASE} has no previous revision to roll back to"`,
      'fi',
    );
  }
  if (argo) {
    lines.push(
      'if [ "${rolled_back}" = true ]; then',
      '  # the previous template matches the stable ReplicaSet: the Rollout returns to Healthy without steps',
      '  kubectl argo rollouts status "${ROLLOUT}" --namespace "${NAMESPACE}" --timeout 10m || echo "::warning::rollout ${ROLLOUT} is not healthy after the rollback"',
      'fi',
    );
  }
  if (push) {
    lines.push(
      'if [ "${rolled_back}" = true ]; then',
      '  now="$(date +%s)"',
      // (not indented: the push script ends a here-document)
      pushgatewayScript([['app', '${APP}'], ['environment', '${ENVIRONMENT}']], [{ metric: PipelineMetrics.ROLLBACK_TIMESTAMP, value: '${now}' }]),
      'fi',
    );
  }
  return lines;
}

/**
 * Promotes a Rollout past its current gate or blue-green pause (in a promotion job) — only this run's own
 * revision (a newer run's canary is never promoted on an old approval) and only within the gate's time
 * bound: a canary paused longer than `gateTimeout` is not promoted on stale evidence; the job fails and
 * its rollback restores the previous version. @internal
 */
export function promoteStep(d: EnvDelivery): SlottedStep {
  return {
    slot: DeploySlot.APPLY,
    step: {
      id: 'promote',
      name: 'Promote the rollout',
      env: { GATE_TIMEOUT_SECONDS: String(gateTimeoutOf(d).toSeconds()) },
      run: [
        ...(d.gitOps ? [] : [...RELEASE_HISTORY, ...unlessOwnRevision(1, 'nothing to promote')]),
        'phase="$(kubectl get rollouts.argoproj.io "${ROLLOUT}" --namespace "${NAMESPACE}" --output jsonpath=\'{.status.phase}\')"',
        'case "${phase}" in',
        '  Paused)',
        '    since="$(kubectl get rollouts.argoproj.io "${ROLLOUT}" --namespace "${NAMESPACE}" --output jsonpath=\'{.status.pauseConditions[0].startTime}\')"',
        '    if [ -n "${since}" ]; then',
        '      waited=$(( $(date +%s) - $(date --date "${since}" +%s) ))',
        '      if [ "${waited}" -gt "${GATE_TIMEOUT_SECONDS}" ]; then',
        '        echo "::error::rollout ${ROLLOUT} has waited ${waited}s at its gate (since ${since}), longer than the gate\'s ${GATE_TIMEOUT_SECONDS}s: not promoting on stale evidence; it rolls back, deploy again to retry"',
        '        exit 1',
        '      fi',
        '    fi',
        '    kubectl argo rollouts promote "${ROLLOUT}" --namespace "${NAMESPACE}"',
        '    ;;',
        '  Healthy) echo "::notice::rollout ${ROLLOUT} is already promoted" ;;',
        '  *)',
        '    echo "::error::rollout ${ROLLOUT} is ${phase:-unknown}, not paused at a gate; nothing to promote"',
        '    exit 1',
        '    ;;',
        'esac',
      ].join('\n'),
    },
  };
}

/** How long a canary may wait at a manual gate. @internal */
export function gateTimeoutOf(d: EnvDelivery): Duration {
  return d.gateTimeout ?? Duration.hours(24);
}
