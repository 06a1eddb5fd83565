import { Duration } from 'cdk8s';
import { github } from 'projen';
import { DeploySlot } from '../../pipeline/pipeline-job';
import type { RolloutPlan } from '../argo-rollout-manifests';

/** One step with its slot and permissions. @internal */
export interface SlottedStep {
  readonly step: github.workflows.JobStep;
  readonly slot: DeploySlot;
  readonly permissions?: github.workflows.JobPermissions;
}

/** The workload the release path deploys and verifies. @internal */
export enum Workload {
  DEPLOYMENT = 'deployment',
  ARGO_ROLLOUT = 'argo-rollout',
  FLAGGER = 'flagger',
}

/** GitOps settings of an environment. @internal */
export interface GitOpsPlan {
  readonly application: string;
  readonly namespace: string;
  readonly file: string;
  readonly autoSync: boolean;
}

/** Where a job after the deploy job finds the change request, and how it records the outcome. @internal */
export interface CloseChangeRequest {
  readonly ref: string;
  readonly id: string;
  readonly abandoned: boolean;
  readonly unlessFinalIn: string[];
}

/** How an environment is delivered; the release path builds its deploy job from it. @internal */
export interface EnvDelivery {
  readonly workload: Workload;
  readonly rollout?: RolloutPlan;
  readonly verifyTimeout?: Duration;
  /** How long a canary may wait at a manual gate before its promotion is refused. */
  readonly gateTimeout?: Duration;
  readonly gitOps?: GitOpsPlan;
  readonly changeRequest?: SlottedStep;
  /**
   * The step that records the outcome on the change request in a job after the deploy job (a promotion
   * job, or the clean-up after an unfinished promotion: `abandoned`), reading the change from the deploy
   * job's outputs; it records nothing when one of the jobs `unlessFinalIn` recorded a final outcome.
   */
  readonly closeChange?: (ctx: CloseChangeRequest) => SlottedStep;
}
