import { Duration } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { github, Project } from 'projen';
import { JobKind, PipelineJob, PipelineJobOptions } from './pipeline-job';
import { ActionManifest } from '../core/action-manifest';
import { PlatformPipelineError, pathOf, problem, show } from '../core/errors';
import { Runner } from '../model/runner';
import { renderPipelineDoc } from './private/pipeline-doc';
import { finishWorkflowFile } from './private/workflow-pins';
import { paths } from '../core/paths';
import type { Environment } from '../model/environment';
import { Promotion } from '../model/promotion';

const PIPELINE_SYMBOL = Symbol.for('platform-pipeline.Pipeline');

/** Properties of a pipeline. */
export interface PipelineProps {
  /** The app name; it prefixes every job id and names the workflow file. */
  readonly appName: string;
  /** The pinned actions the pipeline's steps use. */
  readonly actions: ActionManifest;
}

/** The longest chain of jobs by estimated duration. */
export interface CriticalPath {
  /** Job ids along the path, in order. */
  readonly jobIds: string[];
  /** Sum of their estimates. */
  readonly total: Duration;
}

/** What the pipeline needs from its app to render. @internal */
export interface PipelineRenderContext {
  readonly environments: string[];
  readonly environmentUrls: Map<string, string | undefined>;
  readonly promotion: Promotion;
  readonly runner: Runner;
  readonly triggerPaths: string[];
}

/** The local id of the job that answers "does this run concern the app?". */
const CHANGES_JOB = 'changes';

/** A condition with a status function: the job runs even when a job it needs failed or was cancelled. */
const RUNS_AFTER_FAILURE = /\b(always|cancelled|failure)\(/;

const KIND_ORDER = [JobKind.BUILD, JobKind.GATE, JobKind.DEPLOY, JobKind.VERIFY, JobKind.REPORT];

/**
 * The app's pipeline: a DAG of jobs with kinds and step slots, rendered through projen's GitHub workflow
 * support to `.github/workflows/<app>-pipeline.yml`. Stages add jobs; `needs` follow from the kinds and
 * the promotion model, so construct order never matters.
 */
export class Pipeline extends Construct {
  /** The app creates its one pipeline; reach it with `app.pipeline` or `Pipeline.of(scope)`. @internal */
  public static _create(scope: Construct, id: string, props: PipelineProps): Pipeline {
    return new Pipeline(scope, id, props);
  }

  /** Whether `x` is a Pipeline (works across copies of the library). */
  public static isPipeline(x: any): x is Pipeline {
    return x !== null && typeof x === 'object' && PIPELINE_SYMBOL in x;
  }

  /** The pipeline of the app that `scope` belongs to. */
  public static of(scope: IConstruct): Pipeline {
    for (const s of [...scope.node.scopes].reverse()) {
      const p = s.node.children.find((c) => Pipeline.isPipeline(c));
      if (p) return p as Pipeline;
    }
    throw new PlatformPipelineError(problem(scope, 'is not inside a PlatformApp: create stages and constructs with the app (or one of its children) as their scope'));
  }

  /** The app name. */
  public readonly appName: string;
  /** The pinned actions. */
  public readonly actions: ActionManifest;
  /** The projen workflow this pipeline renders into (escape hatch: `workflow.file?.addOverride(...)`). */
  public readonly workflow: github.GithubWorkflow;
  /** Path of the workflow file. */
  public readonly workflowPath: string;

  private readonly jobsById = new Map<string, PipelineJob>();
  private readonly pushTags: string[] = [];
  private readonly extraTriggerPaths: string[] = [];

  private constructor(scope: Construct, id: string, props: PipelineProps) {
    super(scope, id);
    Object.defineProperty(this, PIPELINE_SYMBOL, { value: true });
    this.appName = props.appName;
    this.actions = props.actions;
    const project = Project.of(scope);
    let gh = github.GitHub.of(project);
    if (!gh) {
      gh = new github.GitHub(project, { mergify: false, pullRequestLint: false });
    }
    this.workflowPath = paths.workflow(props.appName);
    const fileName = this.workflowPath.split('/').pop()!;
    this.workflow = new github.GithubWorkflow(gh, `${props.appName}-pipeline`, { fileName, force: true });
    // top level: no default permissions (each job asks for its own). Superseded PR runs are cancelled; push
    // runs each get their own group (the run id), so a run waiting for an approval never queues, or gets
    // cancelled in favour of, later pushes: their gates, build and staging proceed. Deploy jobs serialize
    // per environment in their own job-level group.
    finishWorkflowFile(this.workflow.file!, () => this.actions, {
      permissions: {},
      concurrency: {
        'group': '${{ github.workflow }}-${{ github.event.pull_request.number || github.run_id }}',
        'cancel-in-progress': "${{ github.event_name == 'pull_request' }}",
      },
    });
  }

  /** Adds a job. Its GitHub id is `<app>-<localId>`. */
  public addJob(localId: string, options: PipelineJobOptions, owner?: IConstruct): PipelineJob {
    const job = PipelineJob._create(owner ?? this, this.appName, localId, options);
    const existing = this.jobsById.get(job.id);
    if (existing) {
      throw new PlatformPipelineError(problem(owner ?? this, `job ${show(localId)} already exists (added by ${pathOf(existing._owner)}); give it another id`));
    }
    if (localId === CHANGES_JOB) {
      throw new PlatformPipelineError(problem(owner ?? this, `job id ${show(localId)} is reserved: the pipeline's first job decides whether a pull request changes the app; give your job another id`));
    }
    if (options.kind === JobKind.BUILD && this.jobs.some((j) => j.kind === JobKind.BUILD)) {
      throw new PlatformPipelineError(problem(owner ?? this, 'an app has exactly one build job, owned by its BuildStage; configure that stage instead of adding a second build'));
    }
    this.jobsById.set(job.id, job);
    return job;
  }

  /**
   * Also runs the pipeline when these tags are pushed (e.g. `v*.*.*`, for images tagged with the release's
   * semantic version). Deploy jobs stay branch-only: their condition names the deploying branch.
   */
  public addPushTags(...patterns: string[]): void {
    for (const p of patterns) {
      if (typeof p !== 'string' || p.length === 0 || /\s/.test(p)) {
        throw new PlatformPipelineError(problem(this, `addPushTags: a tag pattern must be a non-empty glob without spaces, such as 'v*.*.*', got ${show(p)}`));
      }
      if (!this.pushTags.includes(p)) this.pushTags.push(p);
    }
  }

  /** Tag patterns whose pushes run the pipeline. */
  public get tagPatterns(): string[] {
    return [...this.pushTags];
  }

  /**
   * Also runs the pipeline when these paths change (pushes and pull requests), besides the app's source
   * paths and generated files: e.g. `.projenrc.ts` for a job that checks the definition.
   */
  public addTriggerPaths(...patterns: string[]): void {
    for (const p of patterns) {
      if (typeof p !== 'string' || p.length === 0 || /\s/.test(p)) {
        throw new PlatformPipelineError(problem(this, `addTriggerPaths: a path must be a non-empty glob without spaces, such as 'projenrc/**', got ${show(p)}`));
      }
      if (!this.extraTriggerPaths.includes(p)) this.extraTriggerPaths.push(p);
    }
  }

  /** Paths added with `addTriggerPaths`. */
  public get triggerPaths(): string[] {
    return [...this.extraTriggerPaths];
  }

  /** Removes a job (a construct that takes over another's job). @internal */
  public _removeJob(job: PipelineJob): void {
    this.jobsById.delete(job.id);
  }

  /** A job by its local id (`build`, `deploy-staging`), or undefined. */
  public tryFindJob(localId: string): PipelineJob | undefined {
    return this.jobsById.get(`${this.appName}-${localId}`);
  }

  /** Every job, in rendering order. */
  public get jobs(): PipelineJob[] {
    return [...this.jobsById.values()];
  }

  /** The build job, once it exists. */
  public get buildJob(): PipelineJob | undefined {
    return this.jobs.find((j) => j.kind === JobKind.BUILD);
  }

  /** The deploy job of an environment, once it exists. */
  public deployJob(environment: string): PipelineJob | undefined {
    return this.jobs.find((j) => j.kind === JobKind.DEPLOY && j.environment === environment);
  }

  /** Overrides a job's duration estimate (for the critical path in the pipeline document). */
  public setDurationEstimate(localId: string, estimate: Duration): void {
    const job = this.tryFindJob(localId);
    if (!job) {
      throw new PlatformPipelineError(problem(this, `setDurationEstimate: no job ${show(localId)}; jobs are ${show(this.jobs.map((j) => j.localId))}`));
    }
    job.estimatedDuration = estimate;
  }

  /**
   * The `needs` of every job, from kinds and the promotion model. Call after all jobs exist.
   * @internal
   */
  public _needs(ctx: PipelineRenderContext): Map<PipelineJob, PipelineJob[]> {
    const jobs = this._ordered(ctx);
    const build = jobs.filter((j) => j.kind === JobKind.BUILD);
    const gates = jobs.filter((j) => j.kind === JobKind.GATE);
    const result = new Map<PipelineJob, PipelineJob[]>();
    for (const job of jobs) {
      let needs: PipelineJob[] = [];
      switch (job.kind) {
        case JobKind.GATE:
          needs = job.needsImage ? [...build] : [];
          break;
        case JobKind.DEPLOY: {
          needs = [...build, ...gates];
          const i = ctx.environments.indexOf(job.environment!);
          if (ctx.promotion.isSequential && i > 0) {
            const prev = ctx.environments[i - 1];
            needs.push(...jobs.filter((j) => j.environment === prev && (j.kind === JobKind.DEPLOY || j.kind === JobKind.VERIFY)));
          }
          break;
        }
        case JobKind.VERIFY:
          // the environment's deploy and promotion jobs, not a clean-up that runs only when they did not finish
          // (a job whose condition runs after a failure is skipped in a good run, and would skip the verify job)
          needs = jobs.filter((j) => j.kind === JobKind.DEPLOY && j.environment === job.environment && !RUNS_AFTER_FAILURE.test(j.condition ?? ''));
          break;
        case JobKind.REPORT:
          needs = jobs.filter((j) => j.kind !== JobKind.REPORT);
          break;
        default:
          needs = [];
      }
      for (const extra of job._extraNeeds) if (!needs.includes(extra)) needs.push(extra);
      result.set(job, needs);
    }
    return result;
  }

  /** Jobs in a stable order: build, gates, then deploy and verify per environment, then reports. @internal */
  public _ordered(ctx: PipelineRenderContext): PipelineJob[] {
    const envIndex = (j: PipelineJob) => (j.environment ? ctx.environments.indexOf(j.environment) : -1);
    return this.jobs.sort((a, b) => {
      const ka = a.kind === JobKind.VERIFY ? JobKind.DEPLOY : a.kind;
      const kb = b.kind === JobKind.VERIFY ? JobKind.DEPLOY : b.kind;
      const byKind = KIND_ORDER.indexOf(ka) - KIND_ORDER.indexOf(kb);
      if (byKind !== 0) return byKind;
      const byEnv = envIndex(a) - envIndex(b);
      if (byEnv !== 0) return byEnv;
      const byDeploy = (a.kind === JobKind.DEPLOY ? 0 : 1) - (b.kind === JobKind.DEPLOY ? 0 : 1);
      if (byDeploy !== 0) return byDeploy;
      return a.localId.localeCompare(b.localId);
    });
  }

  /** The critical path by estimated durations. @internal */
  public _criticalPath(ctx: PipelineRenderContext): CriticalPath {
    const needs = this._needs(ctx);
    const order = this._ordered(ctx);
    const finish = new Map<PipelineJob, number>();
    const via = new Map<PipelineJob, PipelineJob | undefined>();
    const visit = (job: PipelineJob, stack: PipelineJob[]): number => {
      const known = finish.get(job);
      if (known !== undefined) return known;
      if (stack.includes(job)) {
        throw new PlatformPipelineError(problem(job._owner, `jobs depend on each other in a cycle: ${[...stack, job].map((j) => j.id).join(' -> ')}`));
      }
      let best = 0;
      let bestJob: PipelineJob | undefined;
      for (const n of needs.get(job) ?? []) {
        const f = visit(n, [...stack, job]);
        // a clean-up job that runs only when something went wrong takes no time on a successful run
        if (!n.successPath) continue;
        if (f > best) {
          best = f;
          bestJob = n;
        }
      }
      const f = best + job.estimatedDuration.toSeconds();
      finish.set(job, f);
      via.set(job, bestJob);
      return f;
    };
    let end: PipelineJob | undefined;
    for (const job of order) {
      const f = visit(job, []);
      if (job.successPath && (end === undefined || f > finish.get(end)!)) end = job;
    }
    const path: string[] = [];
    for (let j = end; j; j = via.get(j)) path.unshift(j.id);
    return { jobIds: path, total: Duration.seconds(end ? finish.get(end)! : 0) };
  }

  /**
   * `docs/<app>-pipeline.md`: the Mermaid graph with the critical path and the job table. Call after
   * {@link _render} succeeded.
   * @internal
   */
  public _renderDoc(ctx: PipelineRenderContext, environments: readonly Environment[]): string {
    return renderPipelineDoc({
      appName: this.appName,
      workflowPath: this.workflowPath,
      tagPatterns: this.tagPatterns,
      deployingBranches: ctx.promotion.deployingBranches,
      runner: ctx.runner,
      jobs: this._ordered(ctx),
      needs: this._needs(ctx),
      critical: this._criticalPath(ctx),
    }, environments);
  }

  /**
   * Checks every job and renders them into the projen workflow. Returns problems instead of throwing,
   * so the app can report every problem of the tree at once.
   * @internal
   */
  public _render(ctx: PipelineRenderContext): string[] {
    const problems: string[] = [];
    let needs: Map<PipelineJob, PipelineJob[]>;
    try {
      needs = this._needs(ctx);
      this._criticalPath(ctx); // detects cycles
    } catch (e: any) {
      return [e.message];
    }
    if (!this.buildJob) problems.push(problem(this, 'the pipeline has no build job'));
    for (const job of this.jobs) {
      if (job.environment && !ctx.environments.includes(job.environment)) {
        problems.push(problem(job._owner, `job ${show(job.id)} names environment ${show(job.environment)}, which the app does not declare; environments are ${show(ctx.environments)}`));
      }
      if (job.uses) problems.push(...this.reusableWorkflowProblems(job));
      for (const step of job._steps()) {
        if (!step.uses) continue;
        if (step.uses.startsWith('./') || step.uses.startsWith('docker://')) continue;
        const at = step.uses.lastIndexOf('@');
        const action = at > 0 ? step.uses.slice(0, at) : step.uses;
        let expected: string;
        try {
          expected = this.actions.ref(action);
        } catch (e: any) {
          problems.push(problem(job._owner, `step ${show(step.id)} of job ${show(job.id)} uses ${show(step.uses)}: ${e.message.replace(/^ActionManifest: /, '')}`));
          continue;
        }
        if (step.uses !== expected) {
          problems.push(problem(job._owner, `step ${show(step.id)} of job ${show(job.id)} uses ${show(step.uses)}; take the reference from the manifest: pipeline.actions.ref(${show(action)}) gives ${show(expected)}`));
        }
        for (const p of this.actions._inputProblems(action, Object.keys(step.with ?? {}))) {
          problems.push(problem(job._owner, `step ${show(step.id)} of job ${show(job.id)}: ${p}`));
        }
      }
    }
    if (problems.length > 0) return problems;

    this.workflow.on({
      // GitHub does not evaluate path filters for tag pushes, so a release tag always runs the pipeline.
      // Pull requests have no path filter: the summary is a required check and must report on every pull
      // request; the changes job skips the rest when the pull request does not touch the app.
      push: { branches: ctx.promotion.deployingBranches, tags: this.pushTags.length > 0 ? [...this.pushTags] : undefined, paths: ctx.triggerPaths },
      pullRequest: { branches: ctx.promotion.deployingBranches },
      workflowDispatch: {},
    });
    const rendered: Record<string, github.workflows.Job | github.workflows.JobCallingReusableWorkflow> = {};
    rendered[this.changesJobId] = this.renderChangesJob(ctx);
    for (const job of this._ordered(ctx)) {
      rendered[job.id] = this.renderJob(job, needs.get(job) ?? [], ctx);
    }
    this.workflow.addJobs(rendered);
    return [];
  }

  private reusableWorkflowProblems(job: PipelineJob): string[] {
    const at = job.uses!.lastIndexOf('@');
    const workflow = job.uses!.slice(0, at);
    let expected: string;
    try {
      expected = this.actions.ref(workflow);
    } catch (e: any) {
      return [problem(job._owner, `job ${show(job.id)} calls ${show(job.uses)}: ${e.message.replace(/^ActionManifest: /, '')}`)];
    }
    if (job.uses !== expected) {
      return [problem(job._owner, `job ${show(job.id)} calls ${show(job.uses)}; take the reference from the manifest: pipeline.actions.ref(${show(workflow)}) gives ${show(expected)}`)];
    }
    return this.actions._inputProblems(workflow, job.inputNames).map((p) => problem(job._owner, `job ${show(job.id)}: ${p}`));
  }

  /** The id of the job that decides whether a pull request touches the app. */
  private get changesJobId(): string {
    return `${this.appName}-${CHANGES_JOB}`;
  }

  /**
   * The first job: on a pull request, whether it changes any of the app's paths (dorny/paths-filter, which
   * sets an output per filter); on any other event, always. Every job but the reports runs only then.
   */
  private renderChangesJob(ctx: PipelineRenderContext): github.workflows.Job {
    const filters = ['app:', ...ctx.triggerPaths.map((p) => `  - '${p.replace(/'/g, "''")}'`)].join('\n');
    return {
      name: `${this.appName} / changes`,
      ...runsOn(ctx.runner),
      permissions: { pullRequests: github.workflows.JobPermission.READ },
      outputs: { changed: { stepId: 'decide', outputName: 'changed' } },
      timeoutMinutes: 5,
      steps: [{
        id: 'filter',
        name: 'Does the pull request change this app?',
        if: "github.event_name == 'pull_request'",
        uses: this.actions.ref('dorny/paths-filter'),
        with: { filters },
      }, {
        id: 'decide',
        name: 'Run the pipeline?',
        env: { EVENT_NAME: '${{ github.event_name }}', APP_CHANGED: '${{ steps.filter.outputs.app }}' },
        run: [
          '# every event but a pull request concerns the app (pushes are path-filtered by the trigger);',
          '# a pull request does when it changes one of its paths. No answer fails the run: nothing is skipped silently.',
          'if [ "${EVENT_NAME}" != pull_request ]; then',
          '  changed=true',
          'elif [ "${APP_CHANGED}" = true ] || [ "${APP_CHANGED}" = false ]; then',
          '  changed="${APP_CHANGED}"',
          'else',
          '  echo "::error::paths-filter gave no answer for the app\'s paths (got \'${APP_CHANGED}\')"',
          '  exit 1',
          'fi',
          'echo "changed=${changed}" >> "${GITHUB_OUTPUT}"',
          `if [ "\${changed}" = false ]; then echo "this pull request changes none of ${this.appName}'s paths: its jobs are skipped" >> "\${GITHUB_STEP_SUMMARY}"; fi`,
        ].join('\n'),
      }],
    };
  }

  private renderJob(job: PipelineJob, needs: PipelineJob[], ctx: PipelineRenderContext)
    : github.workflows.Job | github.workflows.JobCallingReusableWorkflow {
    const runner = job.runner ?? ctx.runner;
    const conditions: string[] = [];
    // A job that needs nothing, or that runs even when a job it needs was skipped (a status function in its
    // condition), asks the changes job itself; the others are skipped with the jobs they need. Reports run
    // always, and need it to report its failure.
    const own = job.condition !== undefined && /\b(always|cancelled|failure)\(/.test(job.condition);
    const asksChanges = job.kind !== JobKind.REPORT && (needs.length === 0 || own);
    const needIds = [...(asksChanges || job.kind === JobKind.REPORT ? [this.changesJobId] : []), ...needs.map((n) => n.id)];
    if (job.kind === JobKind.REPORT) conditions.push('always()');
    if (asksChanges) conditions.push(`needs.${this.changesJobId}.outputs.changed == 'true'`);
    if (job.kind === JobKind.DEPLOY) conditions.push(ctx.promotion.deployCondition(job.environment!));
    if (job.condition) conditions.push(job.condition);
    const condition = conditions.length === 0 ? undefined
      : conditions.length === 1 ? conditions[0]
        : conditions.map((c) => (c.includes('||') ? `(${c})` : c)).join(' && ');
    if (job.uses) {
      return {
        name: job.name,
        needs: needIds.length > 0 ? needIds : undefined,
        if: condition,
        permissions: job.permissions,
        uses: job.uses,
        with: job._inputs(),
        secrets: job._secrets(),
      };
    }
    return {
      name: job.name,
      needs: needIds.length > 0 ? needIds : undefined,
      if: condition,
      ...runsOn(runner),
      permissions: job.permissions,
      environment: job.kind === JobKind.DEPLOY ? { name: job.environment, url: ctx.environmentUrls.get(job.environment!) }
        : job.githubEnvironment ? { name: job.environment } : undefined,
      concurrency: job.kind === JobKind.DEPLOY ? { 'group': `${this.appName}-deploy-${job.environment}`, 'cancel-in-progress': false } : undefined,
      outputs: job._outputs(),
      env: job._env(),
      timeoutMinutes: Math.ceil(job.timeout.toSeconds() / 60),
      steps: job._steps(),
    };
  }
}

/** `runs-on` of a runner: labels, or a group narrowed by labels. */
function runsOn(runner: Runner): Pick<github.workflows.Job, 'runsOn' | 'runsOnGroup'> {
  if (!runner.groupName) return { runsOn: runner.labels };
  return { runsOnGroup: { group: runner.groupName, labels: runner.labels.length > 0 ? runner.labels : undefined } };
}
