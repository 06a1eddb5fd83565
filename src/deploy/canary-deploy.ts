import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { emitBlueGreenRollout, emitCanaryRollout, RolloutAutoscaling, RolloutPlan } from './argo-rollout-manifests';
import { AnalysisOptions, resolveAnalysis, ResolvedAnalysis } from './canary-analysis';
import {
  Backend, CanaryStrategyOptions, canaryProblems, DeliveryStrategy, DeliveryStrategyKind, hasCanaryOptions, TrafficRouting,
} from './delivery-strategy';
import { Workload } from './private/delivery-plan';
import { ReleasePath } from './release-path';
import { ProblemList, show } from '../core/errors';
import { renderValues } from '../platform/default-values';
import { ContributionKind, contributionOf, registerSingleton } from '../platform/registry';
import { emitFlaggerCanary } from './private/flagger-manifests';
import type { Environment } from '../model/environment';
import { undeclaredEnvironment } from '../platform/environments';
import { appOf, IPlatformApp } from '../platform/platform-app-contract';

const CANARY_SYMBOL = Symbol.for('platform-pipeline.CanaryDeploy');

/** How one environment deviates from the construct's defaults. */
export interface EnvironmentDeliveryOptions {
  /** The environment's name. */
  readonly environment: string;
  /**
   * The strategy in this environment, e.g. `DeliveryStrategy.rolling()` for no canary in staging.
   * @default - the construct's strategy
   */
  readonly strategy?: DeliveryStrategy;
  /**
   * The backend in this environment.
   * @default - the construct's backend
   */
  readonly backend?: Backend;
  /**
   * Autoscaling of the Rollout in this environment.
   * @default - the construct's `autoscaling`
   */
  readonly autoscaling?: RolloutAutoscaling;
}

/** Properties of `CanaryDeploy`. The canary options apply when `strategy` is not given. */
export interface CanaryDeployProps extends CanaryStrategyOptions {
  /**
   * The delivery strategy. Pass either this or the canary options, not both.
   * @default - `DeliveryStrategy.canary()` with the canary options of these props
   */
  readonly strategy?: DeliveryStrategy;
  /**
   * The controller that carries out the delivery.
   * @default Backend.ARGO_ROLLOUTS
   */
  readonly backend?: Backend;
  /**
   * The analysis, derived from the app's SLOs.
   * @default - every SLO, 5 measurements 1 minute apart, 2 failures tolerated
   */
  readonly analysis?: AnalysisOptions;
  /**
   * Per-environment strategies and backends.
   * @default - every environment uses `strategy` and `backend`
   */
  readonly environments?: EnvironmentDeliveryOptions[];
  /**
   * Autoscale the Rollout (Argo Rollouts): an HPA targeting the Rollout. The chart's own autoscaling
   * targets the Deployment, which the Rollout keeps at 0 replicas, and must stay off.
   * @default - the environment's fixed replica count
   */
  readonly autoscaling?: RolloutAutoscaling;
  /**
   * How long the deploy job waits for the delivery to finish (or reach a gate).
   * @default - the steps' pauses and analysis time plus 10 minutes
   */
  readonly verifyTimeout?: Duration;
  /**
   * How long a canary may wait at a manual gate (or a blue-green rollout for its promotion). A promotion
   * approved later is refused (the analysis that justified it is stale), and the promotion job rolls back.
   * The canary never advances on its own: while it waits, the background analysis keeps measuring and
   * aborts it when the SLOs fail; when a reviewer rejects the promotion, its approval expires or the run is
   * cancelled, the `abandon-<env>` job aborts it and rolls back.
   * @default Duration.hours(24)
   */
  readonly gateTimeout?: Duration;
}

/**
 * Progressive delivery for the app's environments. With Argo Rollouts (the default) each environment gets
 * a Rollout that takes over the chart's Deployment (`workloadRef`; the values keep the Deployment at 0
 * replicas), canary steps from the typed options, Istio routing (stable and canary Services and a
 * VirtualService) or replica weighting without a mesh, and an AnalysisTemplate built from the SLOs whose
 * failure aborts and rolls back on its own. Blue-green and Flagger are alternatives, per environment.
 * The deploy job waits for the rollout; manual gates become promotion jobs held for the environment's
 * reviewers.
 */
export class CanaryDeploy extends Construct {
  /** Whether `x` is a CanaryDeploy (works across copies of the library). */
  public static isCanaryDeploy(x: any): x is CanaryDeploy {
    return x !== null && typeof x === 'object' && CANARY_SYMBOL in x;
  }

  private readonly strategies = new Map<string, DeliveryStrategy>();
  private readonly backends = new Map<string, Backend>();
  private readonly plans = new Map<string, RolloutPlan>();
  private readonly autoscaling = new Map<string, RolloutAutoscaling | undefined>();

  constructor(scope: Construct, id: string, props: CanaryDeployProps = {}) {
    super(scope, id);
    Object.defineProperty(this, CANARY_SYMBOL, { value: true });
    const app = appOf(this);
    const problems = new ProblemList(this);
    const other = contributionOf<CanaryDeploy>(app, ContributionKind.CANARY);
    if (other) problems.add(`the app already has a CanaryDeploy (${other.node.id}); declare one and use 'environments' for per-environment strategies`);

    if (props.strategy && hasCanaryOptions(props)) {
      const set = ['stepWeights', 'stepPause', 'stepPauses', 'manualGates', 'trafficRouting'].filter((k) => (props as any)[k] !== undefined);
      problems.add(props.strategy.kind === DeliveryStrategyKind.BLUE_GREEN
        ? `blue-green and canary are both set: 'strategy' is DeliveryStrategy.blueGreen() and the canary options ${show(set)} are given too; drop them, or use the canary options without 'strategy'`
        : `canary options ${show(set)} are given beside 'strategy'; pass them to DeliveryStrategy.${props.strategy.kind === DeliveryStrategyKind.CANARY ? 'canary' : 'rolling'}(...) or drop 'strategy'`);
    }
    for (const p of canaryProblems(props)) problems.add(p);
    problems.throwIfAny();

    const defaultStrategy = props.strategy ?? DeliveryStrategy.canary(pickCanary(props));
    const overrides = props.environments ?? [];
    for (const o of overrides) {
      const undeclared = undeclaredEnvironment(app, 'environments', o.environment);
      if (undeclared) problems.add(undeclared);
    }
    if (new Set(overrides.map((o) => o.environment)).size !== overrides.length) problems.add(`'environments' names an environment twice: ${show(overrides.map((o) => o.environment))}`);
    problems.throwIfAny();

    const { analysis, problems: analysisProblems } = resolveAnalysis(app, props.analysis);
    for (const p of analysisProblems) problems.add(p);
    for (const a of [props.autoscaling, ...overrides.map((o) => o.autoscaling)]) if (a) checkAutoscaling(a, problems);
    if (props.verifyTimeout && !(props.verifyTimeout.toSeconds() >= 60)) problems.add(`'verifyTimeout' must be at least 1 minute, got ${props.verifyTimeout.toHumanString()}`);
    if (props.gateTimeout && !(props.gateTimeout.toSeconds() >= 300 && props.gateTimeout.toSeconds() <= 30 * 86400)) {
      problems.add(`'gateTimeout' must be from 5 minutes to 30 days (GitHub expires a pending approval after 30 days), got ${props.gateTimeout.toHumanString()}`);
    }

    for (const env of app.environments) {
      const o = overrides.find((x) => x.environment === env.name);
      const strategy = o?.strategy ?? defaultStrategy;
      const backend = o?.backend ?? props.backend ?? Backend.ARGO_ROLLOUTS;
      this.strategies.set(env.name, strategy);
      this.backends.set(env.name, backend);
      this.autoscaling.set(env.name, o?.autoscaling ?? props.autoscaling);
      checkEnvironment(app, env, strategy, backend, analysis, props, this.autoscaling.get(env.name), problems);
    }
    problems.throwIfAny();

    for (const env of app.environments) this.deliver(app, env, analysis, props);
    this.node.addValidation({ validate: () => this.valuesProblems(app) });
    registerSingleton(app, ContributionKind.CANARY, this, "declare one and use 'environments' for per-environment strategies");
  }

  /** The strategy of an environment. */
  public strategyFor(environment: string): DeliveryStrategy {
    return this.strategies.get(environment)!;
  }

  /** The backend of an environment. */
  public backendFor(environment: string): Backend {
    return this.backends.get(environment)!;
  }

  private deliver(app: IPlatformApp, env: Environment, analysis: ResolvedAnalysis, props: CanaryDeployProps): void {
    const strategy = this.strategies.get(env.name)!;
    const backend = this.backends.get(env.name)!;
    if (strategy.kind === DeliveryStrategyKind.ROLLING) return;
    const chart = app.chartFor(env.name);
    const values = app.valuesFor(env.name);
    const margin = 600;
    if (backend.flaggerOptions) {
      const canary = strategy.canaryOptions ?? {};
      const weights = canary.stepWeights ?? [10, 25, 50];
      emitFlaggerCanary({ app, env, chart, analysis, options: backend.flaggerOptions, kind: strategy.kind, stepWeights: weights });
      values.set(backend.flaggerOptions.chartServiceToggle, false);
      const iterations = strategy.kind === DeliveryStrategyKind.BLUE_GREEN ? analysis.count : weights.length + 1;
      const expected = iterations * analysis.interval.toSeconds() + margin;
      ReleasePath.of(app)._configure(env.name, {
        workload: Workload.FLAGGER,
        rollout: undefined,
        verifyTimeout: props.verifyTimeout ?? minutes(expected),
      });
      return;
    }
    const ctx = { app, env, chart, analysis, autoscaling: this.autoscaling.get(env.name) };
    const canary = strategy.canaryOptions ?? {};
    const routing = routingOf(app, canary);
    const plan = strategy.kind === DeliveryStrategyKind.CANARY
      ? emitCanaryRollout(ctx, canary, routing.kind === 'istio' ? { gateways: routing.gateways, hosts: routeHosts(env, routing) } : undefined)
      : emitBlueGreenRollout(ctx, strategy.blueGreenOptions ?? {});
    this.plans.set(env.name, plan);
    // The Rollout serves; the chart's Deployment only carries the pod template (deploy-policy §1.2).
    values.set('replicaCount', 0);
    values.set('autoscaling.enabled', false);
    ReleasePath.of(app)._configure(env.name, {
      workload: Workload.ARGO_ROLLOUT,
      rollout: plan,
      verifyTimeout: props.verifyTimeout ?? minutes(plan.expectedSeconds + margin),
      gateTimeout: props.gateTimeout,
    });
  }

  /** The chart's Deployment must stay at 0 replicas wherever a Rollout took it over. */
  private valuesProblems(app: IPlatformApp): string[] {
    const out: string[] = [];
    for (const env of app.environments) {
      if (!this.plans.has(env.name)) continue;
      const v = app.valuesFor(env.name)._render(renderValues(app, env));
      if (v.replicaCount !== 0) {
        out.push(`the values of ${show(env.name)} set 'replicaCount' to ${show(v.replicaCount)}, but the Rollout takes over the chart's Deployment, which must stay at 0 replicas (both would serve); drop that value: the Rollout runs the environment's ${env.replicas} replicas`);
      }
      const routing = routingOf(app, this.strategies.get(env.name)!.canaryOptions ?? {});
      if (this.plans.get(env.name)!.strategy === 'canary' && routing.kind === 'istio' && v.ingress?.enabled === true) {
        const hosts: string[] = (v.ingress.hosts ?? []).map((h: any) => h?.host).filter((h: unknown) => typeof h === 'string');
        const missing = hosts.filter((h) => !routeHosts(env, routing).includes(h));
        if (!routing._gatewaysGiven || missing.length > 0) {
          out.push(`the values of ${show(env.name)} turn the chart's ingress on (hosts ${show(hosts)}), but the canary's VirtualService does not route ${missing.length > 0 ? show(missing) : 'gateway traffic'}: requests through the ingress would reach the pods by count, bypassing the canary weights; route them through an Istio Gateway with TrafficRouting.istio({ gateways: ['<namespace>/<gateway>'], hosts: ${show(hosts)} }) and turn the chart's ingress off`);
        }
      }
      if (v.autoscaling?.enabled === true) {
        out.push(`the values of ${show(env.name)} turn the chart's autoscaling on, whose HPA would scale the Deployment the Rollout keeps at 0 replicas; drop it and pass 'autoscaling: { minReplicas, maxReplicas }' to CanaryDeploy, which autoscales the Rollout`);
      }
    }
    return out;
  }
}

/** The host of an environment's `url`, which its route must split too. */
function urlHost(env: Environment): string | undefined {
  return env.url ? new URL(env.url).hostname : undefined;
}

/** The hosts of an environment's Istio route besides the chart Service's: the given ones and the `url`'s. */
function routeHosts(env: Environment, routing: TrafficRouting): string[] {
  const own = urlHost(env);
  return own === undefined || routing.hosts.includes(own) ? [...routing.hosts] : [...routing.hosts, own];
}

function minutes(seconds: number): Duration {
  return Duration.minutes(Math.ceil(seconds / 60));
}

function pickCanary(p: CanaryStrategyOptions): CanaryStrategyOptions {
  const { stepWeights, stepPause, stepPauses, manualGates, trafficRouting } = p;
  return { stepWeights, stepPause, stepPauses, manualGates, trafficRouting };
}

function routingOf(app: IPlatformApp, o: CanaryStrategyOptions): TrafficRouting {
  return o.trafficRouting ?? (app.mesh.sidecarInjection ? TrafficRouting.istio() : TrafficRouting.replicas());
}

function checkAutoscaling(a: RolloutAutoscaling, problems: ProblemList): void {
  const ok = (n: number) => Number.isInteger(n) && n >= 1;
  if (!ok(a.minReplicas) || !ok(a.maxReplicas) || a.maxReplicas < a.minReplicas) {
    problems.add(`'autoscaling' needs whole numbers with 1 <= minReplicas <= maxReplicas, got ${show(a)}`);
  }
  if (a.cpuUtilization !== undefined && !(Number.isInteger(a.cpuUtilization) && a.cpuUtilization >= 1 && a.cpuUtilization <= 100)) {
    problems.add(`'autoscaling.cpuUtilization' must be a whole percentage from 1 to 100, got ${show(a.cpuUtilization)}`);
  }
}

function checkEnvironment(
  app: IPlatformApp, env: Environment, strategy: DeliveryStrategy, backend: Backend, a: ResolvedAnalysis,
  props: CanaryDeployProps, autoscaling: RolloutAutoscaling | undefined, problems: ProblemList,
): void {
  if (strategy.kind === DeliveryStrategyKind.ROLLING) return;
  const at = `environment ${show(env.name)}`;
  const canary = strategy.canaryOptions ?? {};
  const bg = strategy.blueGreenOptions ?? {};
  const analysed = strategy.kind === DeliveryStrategyKind.CANARY || (bg.prePromotionAnalysis ?? false) || (bg.postPromotionAnalysis ?? true);
  if (analysed && a.slos.length === 0 && a.metrics.length === 0) {
    problems.add(`${at}: a ${strategy.kind} needs something to analyse, but the app declares no SLOs${props.analysis?.slos ? ' (or \'analysis.slos\' selects none)' : ''} and 'analysis.metrics' is empty; add 'slos' to the app (e.g. Slo.availability({ name: 'availability', objective: 99.9 })) or pass 'analysis.metrics'`);
  }
  const routing = routingOf(app, canary);
  if (strategy.kind === DeliveryStrategyKind.CANARY && routing.kind === 'istio' && !app.mesh.sidecarInjection) {
    problems.add(`${at}: TrafficRouting.istio() needs Istio sidecars ('mesh: Mesh.istio()') (it declares ${show(app.mesh.name)}); declare the mesh or use TrafficRouting.replicas()`);
  }
  if (strategy.kind === DeliveryStrategyKind.CANARY && routing.kind === 'istio' && !backend.flaggerOptions && env.url && !routing._gatewaysGiven) {
    problems.add(`${at} is reached at ${show(env.url)}, but its VirtualService would split mesh traffic only: requests through the ingress gateway would reach the pods by count, bypassing the canary weights (the smoke test too); name the Istio Gateway that serves ${show(urlHost(env))}: TrafficRouting.istio({ gateways: ['<namespace>/<gateway>'] }) (or 'gateways: []' when external traffic enters through an in-mesh proxy)`);
  }
  const gated = (canary.manualGates ?? []).length > 0 || (strategy.kind === DeliveryStrategyKind.BLUE_GREEN && !(bg.autoPromote ?? false));
  if (backend.flaggerOptions) {
    if (!app.mesh.sidecarInjection) problems.add(`${at}: Backend.flagger() uses Flagger's Istio provider and built-in Istio metrics; declare 'mesh: Mesh.istio()' or use Backend.ARGO_ROLLOUTS`);
    if (gated) problems.add(`${at}: manual gates and manual blue-green promotion need Backend.ARGO_ROLLOUTS; with Flagger use 'autoPromote: true' and no 'manualGates'`);
    if (canary.stepPauses || canary.stepPause) problems.add(`${at}: Flagger advances one step per analysis interval; drop 'stepPause'/'stepPauses' (set 'analysis.interval' instead)`);
    if (canary.trafficRouting) problems.add(`${at}: Flagger routes through Istio itself; drop 'trafficRouting'`);
    if (a.metrics.length > 0) problems.add(`${at}: explicit 'analysis.metrics' need Backend.ARGO_ROLLOUTS (Flagger would need MetricTemplates)`);
    if (autoscaling) problems.add(`${at}: with Flagger, autoscale through the chart's values (Flagger adopts the chart's HPA); drop 'autoscaling'`);
    for (const slo of a.slos) {
      if (app.sliSourceFor(slo).kind !== 'istio') problems.add(`${at}: SLO ${show(slo.name)} reads the app's own metrics, but Flagger's built-in metrics are Istio's; use Backend.ARGO_ROLLOUTS`);
    }
    return;
  }
  if (gated && !env.approval.reviewers.length) {
    problems.add(`${at}: ${strategy.kind === DeliveryStrategyKind.CANARY ? `'manualGates' ${show(canary.manualGates)}` : 'manual blue-green promotion'} needs reviewers to approve the promotion job; set 'approval: Approval.requiredReviewers([...])' on the environment${strategy.kind === DeliveryStrategyKind.BLUE_GREEN ? ", or 'autoPromote: true'" : ', or drop the gates'}`);
  }
  const istioSlis = a.slos.filter((s) => app.sliSourceFor(s).kind === 'istio');
  if (strategy.kind === DeliveryStrategyKind.CANARY && routing.kind === 'replicas' && istioSlis.length > 0 && !a.canarySelector) {
    problems.add(`${at}: with TrafficRouting.replicas() Istio's metrics cannot tell canary from stable requests (SLOs ${show(istioSlis.map((s) => s.name))}); use TrafficRouting.istio() or pass 'analysis.canarySelector'`);
  }
}
