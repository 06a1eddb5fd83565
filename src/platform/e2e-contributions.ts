import { IConstruct } from 'constructs';
import { github } from 'projen';
import type { IPlatformApp } from './platform-app-contract';
import { ContributionKind, contributionOf } from './registry';
import { attached } from '../core/attached';

/**
 * The kind E2E cluster of an app: the E2E stage, registered as the app's `ContributionKind.KIND_E2E`.
 * Constructs in other folders (the ComplianceStage) read it at render, never by importing the stage. @internal
 */
export interface E2ECluster extends IConstruct {
  /** The environment whose values and manifests the release under test uses. */
  readonly environment: string;
}

/**
 * Steps another construct adds to the kind E2E job. The contributor writes its own files; the E2E stage places
 * the steps when it finishes (in the app's validation pass): `beforeRelease` after the platform is installed
 * and before the release is deployed, `tests` after the release's own tests (before the chaos test), `final`
 * after everything and before the diagnostics and the cluster's deletion. A step's script reads the job's
 * environment (`APP`, `RELEASE`, `NAMESPACE`, `PORT`, `SMOKE_PATH`, `CLUSTER_NAME`). @internal
 */
export interface E2EContribution {
  /** The contributing construct (for messages). */
  readonly owner: IConstruct;
  readonly beforeRelease: github.workflows.JobStep[];
  readonly tests: github.workflows.JobStep[];
  readonly final: github.workflows.JobStep[];
  /** Minutes the steps add to the job's run (its timeout and its estimate grow by them). */
  readonly minutes?: number;
}

const CONTRIBUTIONS = Symbol.for('platform-pipeline.E2EContributions');

/** The app's kind E2E cluster, when an E2E stage exists. @internal */
export function e2eClusterOf(app: IPlatformApp): E2ECluster | undefined {
  return contributionOf<E2ECluster>(app, ContributionKind.KIND_E2E);
}

/** Adds steps to the app's kind E2E job (read by the E2E stage when it finishes). @internal */
export function contributeToE2E(app: IPlatformApp, contribution: E2EContribution): void {
  attached<E2EContribution[]>(app, CONTRIBUTIONS, () => []).push(contribution);
}

/** Every contribution to the app's kind E2E job, in declaration order. @internal */
export function e2eContributionsOf(app: IPlatformApp): E2EContribution[] {
  return [...attached<E2EContribution[]>(app, CONTRIBUTIONS, () => [])];
}
