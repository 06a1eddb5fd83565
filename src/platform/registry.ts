import { IConstruct } from 'constructs';
import { IPlatformApp } from './platform-app-contract';
import { PlatformPipelineError, pathOf, problem } from '../core/errors';

/**
 * What constructs contribute to their app, by kind: a construct registers itself once; siblings and the
 * app read the registrations (at render, so declaration order never matters). A sibling reads another
 * kind through a contract interface declared in its own folder, so construct folders never import each
 * other and no construct imports a sibling it is imported by.
 */
export enum ContributionKind {
  BUILD = 'BuildStage',
  RELEASE_PATH = 'ReleasePath',
  CANARY = 'CanaryDeploy',
  PROMETHEUS_RULES = 'PrometheusRules',
  ALERT_ROUTING = 'AlertRouting',
  GRAFANA_DASHBOARD = 'GrafanaDashboard',
}

/** How an error names an existing contribution: "a BuildStage", "PrometheusRules". */
const ARTICLE: Record<ContributionKind, string> = {
  [ContributionKind.BUILD]: 'a ',
  [ContributionKind.RELEASE_PATH]: 'a ',
  [ContributionKind.CANARY]: 'a ',
  [ContributionKind.PROMETHEUS_RULES]: '',
  [ContributionKind.ALERT_ROUTING]: '',
  [ContributionKind.GRAFANA_DASHBOARD]: 'a ',
};

const REGISTRY = Symbol.for('platform-pipeline.Registry');

function registryOf(app: IPlatformApp): Map<string, IConstruct> {
  const holder = app as unknown as Record<symbol, Map<string, IConstruct>>;
  if (!holder[REGISTRY]) Object.defineProperty(app, REGISTRY, { value: new Map<string, IConstruct>() });
  return holder[REGISTRY];
}

/**
 * Fails when the app already has its one contribution of `kind`, naming both construct paths and `fix`
 * (what to do instead). Call it first in the constructor, then {@link registerSingleton} once the
 * construct's own checks passed (a declaration that failed them does not count as the app's one).
 */
export function claimSingleton(app: IPlatformApp, kind: ContributionKind, construct: IConstruct, fix: string): void {
  const existing = registryOf(app).get(kind);
  if (existing && existing !== construct) {
    throw new PlatformPipelineError(problem(construct, `the app already has ${ARTICLE[kind]}${kind} (${pathOf(existing)}); ${fix}`));
  }
}

/** Registers `construct` as the app's one contribution of `kind` (checked with {@link claimSingleton}). */
export function registerSingleton(app: IPlatformApp, kind: ContributionKind, construct: IConstruct, fix: string): void {
  claimSingleton(app, kind, construct, fix);
  registryOf(app).set(kind, construct);
}

/** The app's contribution of `kind`, if one was registered. */
export function contributionOf<T>(app: IPlatformApp, kind: ContributionKind): T | undefined {
  return registryOf(app).get(kind) as unknown as T | undefined;
}
