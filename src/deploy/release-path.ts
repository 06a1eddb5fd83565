import { Duration } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { github } from 'projen';
import { PlatformPipelineError, problem } from '../core/errors';
import { EnvDelivery, SlottedStep, Workload } from './private/delivery-plan';
import {
  abandonedPromotionStep, applySteps, applyStepId, flaggerBaselineStep, flaggerStatusStep, prepareStep, promoteStep,
  rollbackStep, rolloutStatusStep, setupRolloutsPluginStep,
} from './private/deploy-steps';
import { deployOrderStep } from './private/release-record';
import { reportSteps } from './private/report-steps';
import { verifyImageSteps } from './private/verify-image-steps';
import { HELM_VERSION, KUBECTL_VERSION } from '../core/versions';
import type { Environment } from '../model/environment';
import { DeploySlot, JobKind, PipelineJob } from '../pipeline/pipeline-job';
import { builtImageDigest, imageVerificationOf } from '../platform/image-verification';
import { appOf, IPlatformApp } from '../platform/platform-app-contract';
import { ContributionKind, contributionOf, registerSingleton } from '../platform/registry';


/**
 * The release path: one deploy job per environment, in the order of the promotion model. Each job gets
 * cluster credentials from the environment's access mode, runs `helm upgrade --install` with that
 * environment's values and the build's digest (rolling back on failure), applies the environment's
 * manifests server-side, verifies the delivery (a canary's analysis, the smoke test), rolls back and fails
 * loudly when verification fails, and reports: the job summary, an HTML report artifact, DORA events on
 * the Pushgateway and a Grafana annotation when configured.
 *
 * `CanaryDeploy`, `ArgoCdGitOps` and `ChangeRequest` reconfigure an environment's job; other constructs
 * fill its slots (`DeploySlot`). A rollout with manual gates gets one promotion job per gate, which
 * waits for the environment's reviewers.
 */
export class ReleasePath extends Construct {
  /** The app creates its one release path; reach it with `app.releasePath` or `ReleasePath.of(scope)`. @internal */
  public static _create(scope: Construct, id: string): ReleasePath {
    return new ReleasePath(scope, id);
  }

  /** The release path of the app that `scope` belongs to. */
  public static of(scope: IConstruct): ReleasePath {
    const app = appOf(scope);
    const path = contributionOf<ReleasePath>(app, ContributionKind.RELEASE_PATH);
    if (!path) throw new PlatformPipelineError(problem(scope, 'the app has no release path yet'));
    return path;
  }

  private readonly app: IPlatformApp;
  private readonly jobs = new Map<string, PipelineJob>();
  private readonly delivery = new Map<string, EnvDelivery>();
  private readonly promotionJobsByEnv = new Map<string, PipelineJob[]>();
  private rendered = false;

  private constructor(scope: Construct, id: string) {
    super(scope, id);
    const app = appOf(this);
    this.app = app;
    registerSingleton(app, ContributionKind.RELEASE_PATH, this, 'an app has one release path: configure it through CanaryDeploy, ArgoCdGitOps or ChangeRequest');
    for (const env of app.environments) {
      const job = app.pipeline.addJob(`deploy-${env.name}`, {
        kind: JobKind.DEPLOY,
        environment: env.name,
        runner: env.runner,
        permissions: { contents: github.workflows.JobPermission.READ },
        estimatedDuration: Duration.minutes(10),
      }, this);
      job.addEnv('APP', app.name);
      job.addEnv('RELEASE', app.releaseName);
      job.addEnv('NAMESPACE', env.namespace);
      job.addEnv('CHART', app.chart.path);
      job.addEnv('VALUES_FILE', app.valuesPath(env.name));
      job.addEnv('MANIFEST', app.manifestPath(env.name));
      this.addJobEnv(job, env);
      this.jobs.set(env.name, job);
      this.delivery.set(env.name, { workload: Workload.DEPLOYMENT });
    }
  }

  /** The deploy job of an environment. */
  public deployJob(environment: string): PipelineJob {
    return this.jobs.get(environment)!;
  }

  /** The promotion jobs of an environment (one per manual gate), in order; they exist once the app is synthesized. */
  public promotionJobs(environment: string): PipelineJob[] {
    return [...(this.promotionJobsByEnv.get(environment) ?? [])];
  }

  /** How an environment is delivered. @internal */
  public _delivery(environment: string): EnvDelivery {
    return this.delivery.get(environment)!;
  }

  /**
   * Registers how an environment is delivered (CanaryDeploy, ArgoCdGitOps and ChangeRequest each
   * contribute their part). Read once, by {@link _render}. @internal
   */
  public _configure(environment: string, patch: Partial<EnvDelivery>): void {
    this.app.environment(environment);
    if (this.rendered) throw new PlatformPipelineError(problem(this, `the release path of ${environment} was already rendered; declare delivery constructs before synth`));
    this.delivery.set(environment, { ...this.delivery.get(environment)!, ...patch });
  }

  /**
   * Builds the deploy and promotion jobs' own steps from the registered delivery, once, at synth. Steps
   * other constructs added to a deploy job stay, after the release path's own steps in each slot.
   * @internal
   */
  public _render(): void {
    if (this.rendered) return;
    this.rendered = true;
    for (const env of this.app.environments) {
      this.jobs.get(env.name)!._contributeFirst(() => this.build(env));
    }
  }

  private addJobEnv(job: PipelineJob, env: Environment): void {
    job.addEnv('APP', this.app.name);
    job.addEnv('ENVIRONMENT', env.name);
    job.addEnv('RELEASE', this.app.releaseName);
    job.addEnv('NAMESPACE', env.namespace);
    job.addEnv('IMAGE_DIGEST', `\${{ ${builtImageDigest(this.app)} }}`);
    job.addEnv('MANIFEST', this.app.manifestPath(env.name));
  }

  private setSteps(job: PipelineJob, steps: SlottedStep[]): void {
    for (const s of steps) job.addStep(s.step, { slot: s.slot, permissions: s.permissions });
  }

  private commonPreSteps(env: Environment, d: EnvDelivery, helm: boolean): SlottedStep[] {
    const actions = this.app.pipeline.actions;
    const pre = DeploySlot.PRE_DEPLOY;
    const steps: SlottedStep[] = [
      {
        slot: pre,
        step: {
          id: 'checkout',
          name: 'Check out',
          uses: actions.ref('actions/checkout'),
          // the whole history: the deploy refuses a commit older than the one the environment runs, and a
          // rollback re-applies the manifests of the commit the previous revision was deployed from
          with: helm ? { 'persist-credentials': false, 'fetch-depth': 0 } : { 'persist-credentials': false },
        },
      },
      ...env.cluster._steps({ actions, appName: this.app.name, environment: env.name })
        .map((s) => ({ slot: pre, step: s.step, permissions: s.permissions })),
    ];
    if (helm) steps.push({ slot: pre, step: { id: 'setup-helm', name: 'Set up Helm', uses: actions.ref('Azure/setup-helm'), with: { version: HELM_VERSION } } });
    steps.push({ slot: pre, step: { id: 'setup-kubectl', name: 'Set up kubectl', uses: actions.ref('Azure/setup-kubectl'), with: { version: KUBECTL_VERSION } } });
    if (d.workload === Workload.ARGO_ROLLOUT) steps.push(setupRolloutsPluginStep());
    return steps;
  }

  private build(env: Environment): void {
    const app = this.app;
    const d = this.delivery.get(env.name)!;
    const job = this.jobs.get(env.name)!;
    const argo = d.workload === Workload.ARGO_ROLLOUT;
    const steps = this.commonPreSteps(env, d, !d.gitOps);
    // the image is verified right after the checkout: before anything touches the cluster, and before the
    // cluster's credentials (a registry role assumed later would replace an EKS role's)
    steps.splice(1, 0, ...verifyImageSteps(app, job.localId, imageVerificationOf(app)));
    if (!d.gitOps) steps.push(deployOrderStep());
    if (d.changeRequest) steps.push(d.changeRequest);
    if (d.workload === Workload.FLAGGER) steps.push(flaggerBaselineStep());
    if (!d.gitOps) {
      if (app.manageNamespaces || argo) steps.push(prepareStep(argo, argo && !app.manageNamespaces));
      if (app.chart.buildDependencies) {
        steps.push({ slot: DeploySlot.PRE_DEPLOY, step: { id: 'helm-dependencies', name: 'Build chart dependencies', run: 'helm dependency build "${CHART}"' } });
      }
    }
    steps.push(...applySteps(app, env, d));

    const gates = d.rollout?.gates ?? [];
    const waitsForPromotion = gates.length > 0 || (d.rollout?.manualPromotion ?? false);
    if (argo) {
      const stopAt = gates.map((g) => g.step);
      steps.push(rolloutStatusStep(d, { observe: true, stopAt, stopAtBlueGreenPause: d.rollout?.manualPromotion ?? false }));
      if (waitsForPromotion) job.addOutput('paused', 'rollout-status', 'paused');
    } else if (d.workload === Workload.FLAGGER) {
      steps.push(flaggerStatusStep(d));
    }
    const smoke = this.smokeTest(env, d);
    if (smoke) steps.push(smoke);
    const attempt = applyStepId(d);
    steps.push(rollbackStep(app, d, `failure() && steps.${attempt}.outcome == 'success'`));
    steps.push(...reportSteps({ app, env, actions: app.pipeline.actions, delivery: d, artifactSuffix: '', attemptStep: attempt, changeId: '${{ steps.change-request.outputs.id }}' }));
    this.setSteps(job, steps);
    if (argo) job.addEnv('ROLLOUT', d.rollout!.name);

    const verify = d.verifyTimeout?.toSeconds() ?? 0;
    job.timeout = Duration.minutes(Math.max(45, Math.ceil(verify / 60) + 30));
    job.estimatedDuration = Duration.minutes(Math.max(10, Math.ceil(verify / 60) + 5));
    this.buildPromotionJobs(env, d, waitsForPromotion);
  }

  /** The change request the deploy job opened, as a later job of the same environment reads it. */
  private changeOf(deployJob: PipelineJob): { ref: string; id: string } {
    return { ref: `\${{ needs.${deployJob.id}.outputs.change-ref }}`, id: `\${{ needs.${deployJob.id}.outputs.change-id }}` };
  }

  private smokeTest(env: Environment, d: EnvDelivery): SlottedStep | undefined {
    if (env.url) {
      return {
        slot: DeploySlot.VERIFY,
        step: {
          id: 'smoke-test',
          name: 'Smoke test',
          env: { SMOKE_URL: `${env.url.replace(/\/+$/, '')}${this.app.smokeTestPath}` },
          run: 'curl --fail --silent --show-error --max-time 10 --retry 10 --retry-delay 6 --retry-all-errors --output /dev/null "${SMOKE_URL}"',
        },
      };
    }
    if (d.workload !== Workload.DEPLOYMENT) return undefined; // the rollout step already waited
    return {
      slot: DeploySlot.VERIFY,
      step: {
        id: 'smoke-test',
        name: 'Wait for the rollout',
        run: 'kubectl rollout status "deployment/${APP}" --namespace "${NAMESPACE}" --timeout 5m',
      },
    };
  }

  /**
   * One job per manual gate (or one for a blue-green promotion). Each is a deploy job of the same
   * environment, so GitHub holds it for the environment's reviewers; it promotes the Rollout, waits for
   * the next gate or for Healthy, and rolls back like the deploy job when that fails.
   */
  private buildPromotionJobs(env: Environment, d: EnvDelivery, needed: boolean): void {
    const app = this.app;
    if (!needed || !d.rollout) return;
    const gates = d.rollout.gates;
    const stages = gates.length > 0 ? gates.map((g, i) => ({ suffix: `-${g.weight}`, title: `before ${g.weight}%`, rest: gates.slice(i + 1).map((x) => x.step) }))
      : [{ suffix: '', title: 'to the new version', rest: [] as number[] }];
    const jobs: PipelineJob[] = [];
    const deployJob = this.jobs.get(env.name)!;
    let previous = deployJob;
    for (const stage of stages) {
      const job = app.pipeline.addJob(`promote-${env.name}${stage.suffix}`, {
        kind: JobKind.DEPLOY,
        environment: env.name,
        name: `${app.name} / promote ${env.name} ${stage.title}`,
        runner: env.runner,
        permissions: { contents: github.workflows.JobPermission.READ },
        estimatedDuration: Duration.minutes(5),
      }, this);
      job.dependsOn(deployJob, previous);
      this.addJobEnv(job, env);
      job.addEnv('ROLLOUT', d.rollout.name);
      const last = stage.rest.length === 0;
      const steps = this.commonPreSteps(env, d, !d.gitOps);
      steps.push(promoteStep(d));
      steps.push(rolloutStatusStep(d, { observe: false, stopAt: stage.rest, stopAtBlueGreenPause: false }));
      if (last) {
        const smoke = this.smokeTest(env, d);
        if (smoke) steps.push(smoke);
      }
      steps.push(rollbackStep(app, d, 'failure()'));
      steps.push(...reportSteps({
        app,
        env,
        actions: app.pipeline.actions,
        delivery: d,
        artifactSuffix: `-promote${stage.suffix}`,
        attemptStep: 'promote',
        changeId: `\${{ needs.${deployJob.id}.outputs.change-id }}`,
      }));
      if (d.closeChange) steps.push(d.closeChange({ ...this.changeOf(deployJob), abandoned: false, unlessFinalIn: [] }));
      this.setSteps(job, steps);
      if (d.closeChange) job.addOutput('change-final', 'change-close', 'final');
      job.timeout = Duration.minutes(Math.max(45, Math.ceil((d.verifyTimeout?.toSeconds() ?? 0) / 60) + 30));
      jobs.push(job);
      previous = job;
    }
    this.promotionJobsByEnv.set(env.name, jobs);
    this.buildCleanupJob(env, d, deployJob, jobs);
  }

  /**
   * The clean-up after a promotion that did not complete. The deploy job leaves the canary paused at its
   * first gate; if a reviewer rejects a promotion job, its approval expires, the run is cancelled, or a
   * promotion job fails before its own rollback, no promotion job finishes and the canary would keep its
   * traffic with nothing watching it. This job runs then (`always()`: also after a cancellation), aborts the
   * canary and rolls the release back — if the release is still this run's. It is a deploy job of the same
   * environment (its credentials), so required reviewers are asked to approve it too.
   */
  private buildCleanupJob(env: Environment, d: EnvDelivery, deployJob: PipelineJob, promotions: PipelineJob[]): void {
    const app = this.app;
    const last = promotions[promotions.length - 1];
    const job = app.pipeline.addJob(`abandon-${env.name}`, {
      kind: JobKind.DEPLOY,
      environment: env.name,
      name: `${app.name} / roll back ${env.name} after an unfinished promotion`,
      runner: env.runner,
      permissions: { contents: github.workflows.JobPermission.READ },
      condition: `always() && needs.${deployJob.id}.outputs.paused == 'true' && needs.${last.id}.result != 'success'`,
      estimatedDuration: Duration.minutes(5),
      successPath: false,
    }, this);
    job.dependsOn(deployJob, ...promotions);
    this.addJobEnv(job, env);
    job.addEnv('ROLLOUT', d.rollout!.name);
    this.setSteps(job, [
      ...this.commonPreSteps(env, d, !d.gitOps),
      abandonedPromotionStep(app, d),
      // a promotion job that recorded a final outcome (its failure) leaves nothing to record
      ...(d.closeChange ? [d.closeChange({ ...this.changeOf(deployJob), abandoned: true, unlessFinalIn: promotions.map((p) => p.id) })] : []),
    ]);
    job.timeout = Duration.minutes(30);
  }
}
