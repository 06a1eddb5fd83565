import { Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import { Project } from 'projen';
import { HelmValues } from './helm-values';
import { attached } from '../core/attached';
import { PlatformPipelineError, problem } from '../core/errors';
import { MarkerStyle } from '../core/generated-file';
import { ContainerImage } from '../model/container-image';
import { Environment } from '../model/environment';
import { HelmChart } from '../model/helm-chart';
import { Mesh } from '../model/mesh';
import { NetworkProps } from '../model/network';
import { ObservabilityProps } from '../model/observability';
import { Promotion } from '../model/promotion';
import { Runner } from '../model/runner';
import { SliSource } from '../model/sli-source';
import { Slo } from '../model/slo';
import { Pipeline } from '../pipeline/pipeline';

/**
 * What every construct sees of the app it belongs to: the typed definition with defaults resolved, the
 * pipeline, the per-environment charts and values, and the side-file registration. `PlatformApp` (in
 * `app/`) implements it; constructs reach it with {@link appOf} and never import `PlatformApp`, so the
 * dependency direction stays `platform` ← constructs ← `app`.
 */
export interface IPlatformApp extends IConstruct {
  readonly project: Project;
  readonly name: string;
  readonly image: ContainerImage;
  readonly chart: HelmChart;
  readonly releaseName: string;
  readonly environments: Environment[];
  readonly port: number;
  readonly mesh: Mesh;
  readonly network: NetworkProps;
  readonly promotion: Promotion;
  readonly slos: Slo[];
  readonly sliSource?: SliSource;
  readonly observability: ObservabilityProps;
  readonly team?: string;
  readonly runbookBaseUrl?: string;
  readonly runner: Runner;
  readonly repository?: string;
  readonly sourcePaths: string[];
  readonly smokeTestPath: string;
  /** Whether each deploy's HTML report is also printed to PDF. */
  readonly deployReportPdf: boolean;
  readonly manageNamespaces: boolean;
  readonly podDisruptionBudget: boolean;
  readonly pipeline: Pipeline;
  readonly workflowPath: string;
  environment(name: string): Environment;
  chartFor(environment: string): Chart;
  /**
   * The Kubernetes documents of an environment's chart (`chartFor(environment).toJson()`). While the app is
   * synthesized the tree no longer changes, so they are resolved once and shared: checks of several
   * constructs read them without resolving the chart again each time. The array is not to be modified.
   */
  _documents(environment: string): any[];
  valuesFor(environment: string): HelmValues;
  sliSourceFor(slo: Slo): SliSource;
  manifestPath(environment: string): string;
  valuesPath(environment: string): string;
  _addFile(owner: IConstruct, filePath: string, marker: MarkerStyle, render: () => string, executable?: boolean): void;
}

/** The one marker of a PlatformApp (a global symbol, so it works across copies of the library). */
const APP_SYMBOL = Symbol.for('platform-pipeline.PlatformApp');

/** The PlatformApps of a project, in declaration order (a global symbol, as APP_SYMBOL). */
const APPS_SYMBOL = Symbol.for('platform-pipeline.PlatformApps');

/**
 * Marks `app` as a PlatformApp of `project`, its scope; called once by its constructor. The project keeps the
 * list, so `appsOf` does not walk the whole construct tree (it is asked once per app and environment at
 * render: a walk each time made synthesis quadratic in the number of apps).
 */
export function markPlatformApp(app: IPlatformApp, project: Project): void {
  Object.defineProperty(app, APP_SYMBOL, { value: true });
  attached<IPlatformApp[]>(project, APPS_SYMBOL, () => []).push(app);
}

/** Whether `x` is a PlatformApp. */
export function isPlatformApp(x: unknown): x is IPlatformApp {
  return x !== null && typeof x === 'object' && APP_SYMBOL in (x as object);
}

/** The app that `scope` belongs to, or a teaching error naming the construct path. */
export function appOf(scope: IConstruct): IPlatformApp {
  const scopes = scope.node.scopes;
  for (let i = scopes.length - 1; i >= 0; i--) {
    if (isPlatformApp(scopes[i])) return scopes[i] as unknown as IPlatformApp;
  }
  throw new PlatformPipelineError(problem(scope, 'is not inside a PlatformApp: create stages and constructs with the app as their scope, e.g. new SecurityScanStage(app, \'Security\')'));
}

/** Every PlatformApp of a project (each is a child of its project), in declaration order. */
export function appsOf(project: Project): IPlatformApp[] {
  return [...attached<IPlatformApp[]>(project, APPS_SYMBOL, () => [])];
}
