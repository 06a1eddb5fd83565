import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { github } from 'projen';
import { APPLY_PHASE_LABEL, BEFORE_HELM } from './base-manifests';
import type { Environment, PlatformApp } from '../app/platform-app';
import { DeploySlot, JobKind, PipelineJob } from '../pipeline/pipeline-job';

/** Helm major used by the generated pipeline; the tests lint and template with the same major. @internal */
export const HELM_VERSION = 'v4.1.4';
/** kubectl used by the generated pipeline. @internal */
export const KUBECTL_VERSION = 'v1.33.9';

/**
 * The release path: one deploy job per environment, in the order of the promotion model. Each job gets
 * cluster credentials from the environment's access mode, runs `helm upgrade --install` with that
 * environment's values and the build's digest (rolling back on failure), applies the environment's
 * manifests server-side, smoke-tests the environment and rolls back when the smoke test fails.
 * Other constructs fill the job's slots (`DeploySlot`).
 */
export class ReleasePath extends Construct {
  private readonly jobs = new Map<string, PipelineJob>();

  constructor(scope: PlatformApp, id: string) {
    super(scope, id);
    for (const env of scope.environments) {
      this.jobs.set(env.name, this.addDeployJob(scope, env));
    }
  }

  /** The deploy job of an environment. */
  public deployJob(environment: string): PipelineJob {
    return this.jobs.get(environment)!;
  }

  private addDeployJob(app: PlatformApp, env: Environment): PipelineJob {
    const actions = app.pipeline.actions;
    const manifest = app.manifestPath(env.name);
    const job = app.pipeline.addJob(`deploy-${env.name}`, {
      kind: JobKind.DEPLOY,
      environment: env.name,
      permissions: { contents: github.workflows.JobPermission.READ },
      estimatedDuration: Duration.minutes(10),
    }, this);
    job.addEnv('APP', app.name);
    job.addEnv('RELEASE', app.releaseName);
    job.addEnv('NAMESPACE', env.namespace);
    job.addEnv('CHART', app.chart.path);
    job.addEnv('VALUES_FILE', app.valuesPath(env.name));
    job.addEnv('MANIFEST', manifest);
    job.addEnv('IMAGE_DIGEST', '${{ needs.' + app.pipeline.appName + '-build.outputs.digest }}');

    const pre = { slot: DeploySlot.PRE_DEPLOY };
    job.addStep({ id: 'checkout', name: 'Check out', uses: actions.ref('actions/checkout'), with: { 'persist-credentials': false } }, pre);
    for (const s of env.cluster._steps({ actions, appName: app.name, environment: env.name })) {
      job.addStep(s.step, { ...pre, permissions: s.permissions });
    }
    job.addStep({ id: 'setup-helm', name: 'Set up Helm', uses: actions.ref('Azure/setup-helm'), with: { version: HELM_VERSION } }, pre);
    job.addStep({ id: 'setup-kubectl', name: 'Set up kubectl', uses: actions.ref('Azure/setup-kubectl'), with: { version: KUBECTL_VERSION } }, pre);
    if (app.manageNamespaces) {
      job.addStep({
        id: 'prepare-namespace',
        name: 'Create or update the namespace',
        run: `kubectl apply --server-side --field-manager="platform-pipeline-\${APP}" -f "\${MANIFEST}" --selector ${APPLY_PHASE_LABEL}=${BEFORE_HELM}`,
      }, pre);
    }
    if (app.chart.buildDependencies) {
      job.addStep({ id: 'helm-dependencies', name: 'Build chart dependencies', run: 'helm dependency build "${CHART}"' }, pre);
    }

    const imageValue = app.chart.digestValue
      ? `--set-string "${app.chart.digestValue}=\${IMAGE_DIGEST}"`
      : '--set-string "image.tag=${GITHUB_SHA}@${IMAGE_DIGEST}"';
    job.addStep({
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
        '  --rollback-on-failure --wait=watcher --timeout 10m',
      ].join('\n'),
    }, { slot: DeploySlot.APPLY });
    job.addStep({
      id: 'apply-manifests',
      name: 'Apply the environment manifests',
      run: 'kubectl apply --server-side --field-manager="platform-pipeline-${APP}" -f "${MANIFEST}"',
    }, { slot: DeploySlot.APPLY });

    if (env.url) {
      job.addStep({
        id: 'smoke-test',
        name: 'Smoke test',
        env: { SMOKE_URL: `${env.url.replace(/\/+$/, '')}${app.smokeTestPath}` },
        run: 'curl --fail --silent --show-error --max-time 10 --retry 10 --retry-delay 6 --retry-all-errors --output /dev/null "${SMOKE_URL}"',
      }, { slot: DeploySlot.VERIFY });
    } else {
      job.addStep({
        id: 'smoke-test',
        name: 'Wait for the rollout',
        run: 'kubectl rollout status "deployment/${APP}" --namespace "${NAMESPACE}" --timeout 5m',
      }, { slot: DeploySlot.VERIFY });
    }

    job.addStep({
      id: 'rollback',
      name: 'Roll back after a failed verification',
      if: "failure() && steps.helm-upgrade.outcome == 'success'",
      run: [
        'revisions="$(helm history "${RELEASE}" --namespace "${NAMESPACE}" --max 2 --output json | jq length)"',
        'if [ "${revisions}" -gt 1 ]; then',
        '  helm rollback "${RELEASE}" --namespace "${NAMESPACE}" --wait --timeout 10m',
        '  echo "::error::verification failed in ${NAMESPACE}; rolled back ${RELEASE} to its previous revision"',
        'else',
        '  echo "::error::verification failed in ${NAMESPACE}; ${RELEASE} has no previous revision to roll back to"',
        'fi',
        'exit 1',
      ].join('\n'),
    }, { slot: DeploySlot.ROLLBACK });

    job.addStep({
      id: 'deploy-summary',
      name: 'Deployment summary',
      if: 'always()',
      env: { JOB_STATUS: '${{ job.status }}' },
      run: [
        '{',
        `  echo "### \${APP} → ${env.name}"`,
        '  echo ""',
        '  echo "| | |"',
        '  echo "|---|---|"',
        '  echo "| namespace | \\`${NAMESPACE}\\` |"',
        '  echo "| release | \\`${RELEASE}\\` |"',
        '  echo "| image digest | \\`${IMAGE_DIGEST:-none}\\` |"',
        '  echo "| commit | \\`${GITHUB_SHA}\\` |"',
        '  echo "| result | ${JOB_STATUS} |"',
        '} >> "${GITHUB_STEP_SUMMARY}"',
      ].join('\n'),
    }, { slot: DeploySlot.POST_DEPLOY });
    return job;
  }
}
