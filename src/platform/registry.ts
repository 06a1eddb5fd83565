import { IConstruct } from 'constructs';
import { IPlatformApp } from './platform-app-contract';
import { attached } from '../core/attached';
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
  KIND_E2E = 'KindE2EStage',
}

/** How an error names an existing contribution: "a BuildStage", "PrometheusRules". */
const ARTICLE: Record<ContributionKind, string> = {
  [ContributionKind.BUILD]: 'a ',
  [ContributionKind.RELEASE_PATH]: 'a ',
  [ContributionKind.CANARY]: 'a ',
  [ContributionKind.PROMETHEUS_RULES]: '',
  [ContributionKind.ALERT_ROUTING]: '',
  [ContributionKind.GRAFANA_DASHBOARD]: 'a ',
  [ContributionKind.KIND_E2E]: 'a ',
};

const REGISTRY = Symbol.for('platform-pipeline.Registry');

function registryOf(app: IPlatformApp): Map<string, IConstruct> {
  return attached(app, REGISTRY, () => new Map<string, IConstruct>());
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

/**
 * One app environment's claim on the namespace it deploys to, when the app manages namespaces: the labels
 * it needs on the Namespace object. Claims are kept per project, so apps of one project that share a
 * namespace find each other.
 */
export interface NamespaceClaim {
  /** The claiming app. */
  readonly app: string;
  /** The environment (the GitHub environment: apps of one repository share it) that deploys there. */
  readonly environment: string;
  readonly namespace: string;
  /** The labels the app needs on the Namespace. */
  readonly labels: Readonly<Record<string, string>>;
  /** What the labels follow from, for messages: "mesh Mesh.istio(), podSecurity 'restricted'". */
  readonly because: string;
}

const NAMESPACES = Symbol.for('platform-pipeline.NamespaceClaims');

function namespaceClaimsOf(project: IConstruct): Map<string, NamespaceClaim[]> {
  return attached(project, NAMESPACES, () => new Map<string, NamespaceClaim[]>());
}

/**
 * The deploy target a claim is about: one namespace of one GitHub environment. Apps of a repository that
 * name the same environment deploy with its secrets to its cluster; different environments may be
 * different clusters, each with its own namespace of that name.
 */
function targetOf(claim: { environment: string; namespace: string }): string {
  return `${claim.environment}\u0000${claim.namespace}`;
}

/**
 * Records `claim` and returns the target's owner: the first claim, in declaration order. Only the owner
 * emits the Namespace object; {@link namespaceClaimConflicts} reports claims whose labels differ from it.
 */
export function claimNamespace(project: IConstruct, claim: NamespaceClaim): NamespaceClaim {
  const claims = namespaceClaimsOf(project);
  const key = targetOf(claim);
  const list = claims.get(key) ?? [];
  list.push(claim);
  claims.set(key, list);
  return list[0];
}

/** The owner of the namespace an app's environment deploys to, when some app of the project manages it. */
export function namespaceOwnerOf(project: IConstruct, environment: string, namespace: string): NamespaceClaim | undefined {
  return namespaceClaimsOf(project).get(targetOf({ environment, namespace }))?.[0];
}

/** Every claim that needs other labels than its target's owner, with that owner. */
export function namespaceClaimConflicts(project: IConstruct): Array<{ readonly claim: NamespaceClaim; readonly owner: NamespaceClaim }> {
  const out: Array<{ claim: NamespaceClaim; owner: NamespaceClaim }> = [];
  const same = (a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>) =>
    JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());
  for (const [owner, ...others] of namespaceClaimsOf(project).values()) {
    for (const claim of others) if (!same(claim.labels, owner.labels)) out.push({ claim, owner });
  }
  return out;
}
