import { Duration } from 'cdk8s';
import { IConstruct } from 'constructs';
import { github } from 'projen';
import { PlatformPipelineError, show, problem } from '../core/errors';
import { GITHUB_JOB_ID } from '../core/names';
import { Runner } from '../model/runner';

/** The role of a job in the pipeline; it decides the job's default dependencies (DESIGN §2 "Pipeline seams"). */
export enum JobKind {
  /** Must pass before any deploy: scans, tests, rule and policy tests. Runs beside the build. */
  GATE = 'gate',
  /** Produces the image digest. Exactly one per app, owned by the build stage. */
  BUILD = 'build',
  /** Deploys to one environment; owned by the release path. */
  DEPLOY = 'deploy',
  /** Runs after an environment's deploy: smoke, load, DAST. The next environment waits for it. */
  VERIFY = 'verify',
  /** Always runs, last. */
  REPORT = 'report',
}

/** Named places in a deploy job that constructs fill, in this order. */
export enum DeploySlot {
  /** Credentials, tool set-up, change requests, namespace preparation. */
  PRE_DEPLOY = 'pre-deploy',
  /** `helm upgrade --install` and `kubectl apply` of the environment's manifests. */
  APPLY = 'apply',
  /** Smoke tests, rollout status, canary verification. */
  VERIFY = 'verify',
  /** Runs only when something before it failed: rollback, then fail loudly. */
  ROLLBACK = 'rollback',
  /** Reports, events, annotations; runs whatever happened. */
  POST_DEPLOY = 'post-deploy',
}

const SLOT_ORDER = [DeploySlot.PRE_DEPLOY, DeploySlot.APPLY, DeploySlot.VERIFY, DeploySlot.ROLLBACK, DeploySlot.POST_DEPLOY];

/** Default estimate per kind, for the critical path in the pipeline document. */
const DEFAULT_ESTIMATE_MINUTES: Record<JobKind, number> = {
  [JobKind.GATE]: 5, [JobKind.BUILD]: 10, [JobKind.DEPLOY]: 10, [JobKind.VERIFY]: 10, [JobKind.REPORT]: 1,
};
/** Default `timeout-minutes` per kind. */
const DEFAULT_TIMEOUT_MINUTES: Record<JobKind, number> = {
  [JobKind.GATE]: 30, [JobKind.BUILD]: 45, [JobKind.DEPLOY]: 45, [JobKind.VERIFY]: 45, [JobKind.REPORT]: 10,
};

/** Options of a pipeline job. */
export interface PipelineJobOptions {
  /** The job's role; decides its default dependencies. */
  readonly kind: JobKind;
  /**
   * Display name in the GitHub UI (also the status-check name).
   * @default - `<app> / <local id>`
   */
  readonly name?: string;
  /**
   * Where the job runs.
   * @default - the app's runner
   */
  readonly runner?: Runner;
  /**
   * Base permissions of the job; the permissions its steps declare are added to them.
   * @default - none (`permissions: {}`)
   */
  readonly permissions?: github.workflows.JobPermissions;
  /**
   * The environment a deploy or verify job belongs to.
   * @default - none (required for DEPLOY and VERIFY jobs)
   */
  readonly environment?: string;
  /**
   * A verify job that reaches its environment's cluster names the GitHub environment (`environment:`), so it
   * reads the environment's secrets and its OIDC token carries `environment:<name>`. GitHub applies the
   * environment's protection rules (reviewers, wait timer) to it as to the deploy job.
   * @default false (only deploy jobs name their environment)
   */
  readonly githubEnvironment?: boolean;
  /**
   * Extra `if:` condition, combined with the pipeline's own conditions.
   * @default - none
   */
  readonly condition?: string;
  /**
   * A gate that needs the built image (an image scan, a kind E2E test) runs after the build.
   * @default false
   */
  readonly needsImage?: boolean;
  /**
   * `timeout-minutes` of the job.
   * @default - 30 min for gates, 45 min for build, deploy and verify, 10 min for reports
   */
  readonly timeout?: Duration;
  /**
   * Expected duration, for the critical path in `docs/<app>-pipeline.md`.
   * @default - 5 min for gates, 10 min for build, deploy and verify, 1 min for reports
   */
  readonly estimatedDuration?: Duration;
  /**
   * Whether the job runs when every job before it succeeded. A job that only cleans up after a rejection,
   * an expiry or a failure (`false`) stays out of the critical path in `docs/<app>-pipeline.md`.
   * @default true
   */
  readonly successPath?: boolean;
  /**
   * A reusable workflow the job calls instead of running steps (a job-level `uses:`), e.g.
   * `pipeline.actions.ref('slsa-framework/slsa-github-generator/.github/workflows/generator_container_slsa3.yml')`.
   * Such a job has inputs and secrets (`addInput`, `addSecret`) instead of steps, and no runner,
   * timeout, env or outputs of its own.
   * @default - the job runs steps
   */
  readonly uses?: string;
}

/** Options of one step added to a job. */
export interface StepOptions {
  /**
   * Permissions this step needs; the job asks for the union of its steps' permissions.
   * @default - none
   */
  readonly permissions?: github.workflows.JobPermissions;
  /**
   * Where the step goes in a deploy job.
   * @default DeploySlot.APPLY for deploy jobs; ignored elsewhere
   */
  readonly slot?: DeploySlot;
}

interface StepEntry {
  readonly step: github.workflows.JobStep;
  readonly permissions?: github.workflows.JobPermissions;
  readonly slot: DeploySlot;
}

const LEVEL: Record<string, number> = { none: 0, read: 1, write: 2 };

/**
 * One job of the pipeline DAG. Jobs are added by stages and constructs through `Pipeline.of(scope).addJob()`;
 * their `needs` follow from their kind, so the order in which constructs are declared does not matter.
 */
export class PipelineJob {
  /** Use `Pipeline.addJob()`; it names the job after the app and checks its id is unique. @internal */
  public static _create(owner: IConstruct, appName: string, localId: string, options: PipelineJobOptions): PipelineJob {
    return new PipelineJob(owner, appName, localId, options);
  }

  /** The GitHub job id, `<app>-<local id>`. */
  public readonly id: string;
  /** The id within the app, e.g. `build`. */
  public readonly localId: string;
  /** The job's role. */
  public readonly kind: JobKind;
  /** Display name. */
  public readonly name: string;
  /** The environment of a deploy or verify job. */
  public readonly environment?: string;
  /** Whether the job names its GitHub environment (deploy jobs always do). */
  public readonly githubEnvironment: boolean;
  /** Whether a gate runs after the build. */
  public readonly needsImage: boolean;
  /** Where the job runs, if it overrides the app's runner. */
  public runner?: Runner;
  /** Extra `if:` condition. */
  public condition?: string;
  /** `timeout-minutes`. */
  public timeout: Duration;
  /** Estimated duration for the critical path. */
  public estimatedDuration: Duration;
  /** Whether the job runs when every job before it succeeded (it is then on the critical path's candidates). */
  public readonly successPath: boolean;
  /** The reusable workflow the job calls, if it calls one instead of running steps. */
  public readonly uses?: string;

  /** @internal */
  public readonly _owner: IConstruct;
  private readonly entries: StepEntry[] = [];
  private readonly basePermissions: github.workflows.JobPermissions;
  private readonly extraNeeds: PipelineJob[] = [];
  private readonly outputs = new Map<string, github.workflows.JobStepOutput>();
  private readonly env = new Map<string, string>();
  private readonly inputs = new Map<string, string>();
  private readonly secrets = new Map<string, string>();
  private readonly clearedSlots = new Set<DeploySlot>();
  private readonly removedIds = new Set<string>();
  private contributing = false;

  private constructor(owner: IConstruct, appName: string, localId: string, options: PipelineJobOptions) {
    if (!GITHUB_JOB_ID.test(localId ?? '') || localId.length > 60) {
      throw new PlatformPipelineError(problem(owner, `job id must be letters, digits, '-' or '_' (starting with a letter), at most 60 characters, got ${show(localId)}`));
    }
    if ((options.kind === JobKind.DEPLOY || options.kind === JobKind.VERIFY) && !options.environment) {
      throw new PlatformPipelineError(problem(owner, `a ${options.kind} job needs 'environment': name the environment job ${show(localId)} belongs to`));
    }
    this._owner = owner;
    this.localId = localId;
    this.id = `${appName}-${localId}`;
    this.kind = options.kind;
    this.name = options.name ?? `${appName} / ${localId}`;
    this.environment = options.environment;
    this.githubEnvironment = options.kind === JobKind.DEPLOY || (options.githubEnvironment ?? false);
    this.needsImage = options.needsImage ?? false;
    this.runner = options.runner;
    this.condition = options.condition;
    this.basePermissions = options.permissions ?? {};
    this.timeout = options.timeout ?? Duration.minutes(DEFAULT_TIMEOUT_MINUTES[options.kind]);
    this.estimatedDuration = options.estimatedDuration ?? Duration.minutes(DEFAULT_ESTIMATE_MINUTES[options.kind]);
    this.successPath = options.successPath ?? true;
    if (options.uses !== undefined && !/^[\w.-]+\/[\w.-]+\/\.github\/workflows\/[\w.-]+\.ya?ml@[\w.\/-]+$/.test(options.uses)) {
      throw new PlatformPipelineError(problem(owner, `'uses' of job ${show(localId)} must call a reusable workflow as 'owner/repo/.github/workflows/<file>.yml@<ref>' (take it from pipeline.actions.ref(...)), got ${show(options.uses)}`));
    }
    this.uses = options.uses;
  }

  /**
   * Adds a step. Every step needs a stable `id` (projen would otherwise invent `auto_<hash>` ids, and
   * users patch steps by id). Deploy jobs place it in `options.slot`.
   */
  public addStep(step: github.workflows.JobStep, options: StepOptions = {}): void {
    if (this.uses) {
      throw new PlatformPipelineError(problem(this._owner, `job ${show(this.id)} calls the reusable workflow ${show(this.uses)} and cannot have steps; pass it inputs with addInput() and secrets with addSecret()`));
    }
    if (!step.id || !/^[A-Za-z_][A-Za-z0-9_-]*$/.test(step.id)) {
      throw new PlatformPipelineError(problem(this._owner, `every step needs a stable 'id' (letters, digits, '-', '_'), got ${show(step.id)} in job ${show(this.id)}`));
    }
    if (this.entries.some((e) => e.step.id === step.id)) {
      throw new PlatformPipelineError(problem(this._owner, `step id ${show(step.id)} is used twice in job ${show(this.id)}; give each step its own id`));
    }
    if (!!step.run === !!step.uses) {
      throw new PlatformPipelineError(problem(this._owner, `step ${show(step.id)} must have exactly one of 'run' or 'uses'`));
    }
    this.entries.push({ step, permissions: options.permissions, slot: options.slot ?? DeploySlot.APPLY });
  }

  /**
   * Adds a step right before the step `beforeStepId` (in that step's deploy slot), keeping every other
   * step's place and permissions; at the end when the job has no such step.
   */
  public addStepBefore(beforeStepId: string, step: github.workflows.JobStep, options: StepOptions = {}): void {
    const at = this.entries.findIndex((e) => e.step.id === beforeStepId);
    this.addStep(step, at >= 0 ? { slot: this.entries[at].slot, ...options } : options);
    if (at >= 0) this.entries.splice(at, 0, this.entries.pop()!);
  }

  /**
   * Adds the steps of the construct that owns this job (the build stage, the release path) ahead of the
   * steps others added, whenever it runs: `contribute` adds them with `addStep`, and the steps added before
   * follow them (in each slot, for deploy jobs). Declaration order therefore never drops or reorders a
   * user's step.
   * @internal
   */
  public _contributeFirst(contribute: () => void): void {
    const others = this.entries.splice(0, this.entries.length);
    this.contributing = true;
    try {
      contribute();
    } finally {
      this.contributing = false;
      const own = this.entries.splice(0, this.entries.length);
      this.entries.push(...own.filter((e) => !this.clearedSlots.has(e.slot) && !this.removedIds.has(e.step.id!)), ...others);
    }
    const ids = new Set<string>();
    for (const e of this.entries) {
      if (ids.has(e.step.id!)) {
        throw new PlatformPipelineError(problem(this._owner, `step id ${show(e.step.id)} is used twice in job ${show(this.id)}: the job's own step has that id; give your step another id`));
      }
      ids.add(e.step.id!);
    }
  }

  /**
   * Removes every step of a deploy slot (a construct that owns the slot replaces the default steps). The
   * job owner's steps for that slot, which it adds at synth, are left out too.
   */
  public clearSlot(slot: DeploySlot): void {
    for (let i = this.entries.length - 1; i >= 0; i--) {
      if (this.entries[i].slot === slot) this.entries.splice(i, 1);
    }
    if (!this.contributing) this.clearedSlots.add(slot);
  }

  /**
   * Removes a step by id; returns whether it existed. A step of the job's owner that is added at synth
   * (the build stage's, the release path's) is left out then.
   */
  public removeStep(stepId: string): boolean {
    const i = this.entries.findIndex((e) => e.step.id === stepId);
    if (i >= 0) this.entries.splice(i, 1);
    if (!this.contributing) this.removedIds.add(stepId);
    return i >= 0;
  }

  /** Finds a step by id. */
  public tryFindStep(stepId: string): github.workflows.JobStep | undefined {
    return this.entries.find((e) => e.step.id === stepId)?.step;
  }

  /** The ids of the job's steps, in order. */
  public get stepIds(): string[] {
    return this.orderedEntries().map((e) => e.step.id!);
  }

  /** Exposes a step output as a job output (`needs.<job>.outputs.<name>`). */
  public addOutput(name: string, stepId: string, outputName: string): void {
    this.requireSteps('addOutput');
    this.outputs.set(name, { stepId, outputName });
  }

  /** Names of the job's outputs. */
  public get outputNames(): string[] {
    return [...this.outputs.keys()];
  }

  /** Passes an input to the reusable workflow a job calls (`with:`). */
  public addInput(name: string, value: string): void {
    this.requireReusable('addInput');
    this.inputs.set(name, value);
  }

  /** Passes a secret to the reusable workflow a job calls (`secrets:`), e.g. `${{ secrets.REGISTRY_TOKEN }}`. */
  public addSecret(name: string, value: string): void {
    this.requireReusable('addSecret');
    this.secrets.set(name, value);
  }

  /** Names of the inputs passed to the reusable workflow. */
  public get inputNames(): string[] {
    return [...this.inputs.keys()];
  }

  /** @internal */
  public _inputs(): Record<string, string> | undefined {
    return this.inputs.size === 0 ? undefined : Object.fromEntries(this.inputs.entries());
  }

  /** @internal */
  public _secrets(): Record<string, string> | undefined {
    return this.secrets.size === 0 ? undefined : Object.fromEntries(this.secrets.entries());
  }

  /** Sets a job-level environment variable. */
  public addEnv(name: string, value: string): void {
    this.requireSteps('addEnv');
    this.env.set(name, value);
  }

  /** Adds permissions to the job's base permissions. */
  public grant(permissions: github.workflows.JobPermissions): void {
    Object.assign(this.basePermissions, mergePermissions(this.basePermissions, permissions));
  }

  /** Makes this job wait for other jobs, beyond what its kind implies. */
  public dependsOn(...jobs: PipelineJob[]): void {
    for (const j of jobs) if (!this.extraNeeds.includes(j)) this.extraNeeds.push(j);
  }

  /** @internal */
  public get _extraNeeds(): PipelineJob[] {
    return [...this.extraNeeds];
  }

  /** The union of the job's and its steps' permissions. */
  public get permissions(): github.workflows.JobPermissions {
    let p: github.workflows.JobPermissions = { ...this.basePermissions };
    for (const e of this.entries) if (e.permissions) p = mergePermissions(p, e.permissions);
    return p;
  }

  /** @internal */
  public _steps(): github.workflows.JobStep[] {
    return this.orderedEntries().map((e) => e.step);
  }

  /** @internal */
  public _outputs(): Record<string, github.workflows.JobStepOutput> | undefined {
    if (this.outputs.size === 0) return undefined;
    return Object.fromEntries([...this.outputs.entries()].sort(([a], [b]) => a.localeCompare(b)));
  }

  /** @internal */
  public _env(): Record<string, string> | undefined {
    if (this.env.size === 0) return undefined;
    return Object.fromEntries(this.env.entries());
  }

  private requireSteps(method: string): void {
    if (this.uses) {
      throw new PlatformPipelineError(problem(this._owner, `${method}: job ${show(this.id)} calls the reusable workflow ${show(this.uses)}; it has no steps, env or step outputs of its own`));
    }
  }

  private requireReusable(method: string): void {
    if (!this.uses) {
      throw new PlatformPipelineError(problem(this._owner, `${method}: job ${show(this.id)} runs steps; only a job created with 'uses' (a reusable workflow) takes inputs and secrets`));
    }
  }

  private orderedEntries(): StepEntry[] {
    if (this.kind !== JobKind.DEPLOY) return this.entries;
    return SLOT_ORDER.flatMap((slot) => this.entries.filter((e) => e.slot === slot));
  }
}

/** The broader of two permission sets, scope by scope (write > read > none). @internal */
export function mergePermissions(a: github.workflows.JobPermissions, b: github.workflows.JobPermissions): github.workflows.JobPermissions {
  const out: Record<string, string> = { ...(a as Record<string, string>) };
  for (const [k, v] of Object.entries(b as Record<string, string>)) {
    if (v === undefined) continue;
    if (out[k] === undefined || LEVEL[v] > LEVEL[out[k]]) out[k] = v;
  }
  return out as github.workflows.JobPermissions;
}
