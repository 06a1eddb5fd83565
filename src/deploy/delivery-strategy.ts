import { Duration } from 'cdk8s';
import { PlatformPipelineError, show } from '../core/errors';
import { HTTP_URL } from '../core/names';

/** Options of Istio traffic routing. */
export interface IstioRoutingOptions {
  /**
   * Istio Gateways (`namespace/name`) whose traffic the route also splits, besides in-mesh callers
   * (`mesh`). A VirtualService without `gateways` applies to sidecars only: requests entering through an
   * ingress gateway would reach the pods by count, bypassing the canary weights (and the smoke test would
   * not test the canary). An environment with a `url` (or chart values that turn `ingress` on) therefore
   * needs the Gateway that serves that host here; pass `[]` only when external traffic enters through an
   * in-mesh proxy whose requests follow the mesh route.
   * @default - mesh traffic only; refused for an environment reached from outside (its `url` or ingress)
   */
  readonly gateways?: string[];
  /**
   * Extra hosts of the route. The host of each environment's `url` is added to that environment's route.
   * @default - the chart Service's cluster-local host and the host of the environment's `url`
   */
  readonly hosts?: string[];
}

/**
 * How a canary receives its share of traffic.
 */
export class TrafficRouting {
  /**
   * Istio host-level split: a `<app>-stable` and a `<app>-canary` Service, and a VirtualService on the
   * chart Service's host whose route `primary` the Rollout weights. Needs `Mesh.ISTIO`.
   */
  public static istio(options: IstioRoutingOptions = {}): TrafficRouting {
    for (const g of options.gateways ?? []) {
      if (!/^([a-z0-9]([-a-z0-9]*[a-z0-9])?\/)?[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(g)) {
        throw new PlatformPipelineError(`TrafficRouting.istio: 'gateways' entries must be 'namespace/name' or 'name', got ${show(g)}`);
      }
    }
    for (const h of options.hosts ?? []) {
      if (!/^(\*\.)?[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(h)) {
        throw new PlatformPipelineError(`TrafficRouting.istio: 'hosts' entries must be DNS names, got ${show(h)}`);
      }
    }
    return new TrafficRouting('istio', [...(options.gateways ?? [])], [...(options.hosts ?? [])], options.gateways !== undefined);
  }

  /**
   * No mesh: the canary's share of traffic follows its share of the replicas behind the chart Service.
   * Coarse (with 4 replicas the smallest step is 25 %), but needs nothing in the cluster.
   */
  public static replicas(): TrafficRouting {
    return new TrafficRouting('replicas', [], [], false);
  }

  /** `istio` or `replicas`. */
  public readonly kind: string;
  /** Istio gateways of the route. */
  public readonly gateways: string[];
  /** Extra hosts of the route. */
  public readonly hosts: string[];
  /** Whether `gateways` was given (an empty list is a choice: mesh traffic only). @internal */
  public readonly _gatewaysGiven: boolean;

  private constructor(kind: string, gateways: string[], hosts: string[], gatewaysGiven: boolean) {
    this.kind = kind;
    this.gateways = gateways;
    this.hosts = hosts;
    this._gatewaysGiven = gatewaysGiven;
  }
}

/** Canary options: the steps and how traffic reaches the canary. */
export interface CanaryStrategyOptions {
  /**
   * Traffic weights of the canary steps, in percent, strictly increasing, each from 1 to 100. After the
   * last step the canary is promoted to 100 %.
   * @default [10, 25, 50]
   */
  readonly stepWeights?: number[];
  /**
   * Pause after each weight, before the next one.
   * @default Duration.minutes(2)
   */
  readonly stepPause?: Duration;
  /**
   * Pause after each weight, one entry per weight (overrides `stepPause`).
   * @default - `stepPause` after every weight
   */
  readonly stepPauses?: Duration[];
  /**
   * Weights before which the rollout stops until a promotion is approved: the pipeline adds a job per gate
   * that waits for the environment's reviewers and then promotes (`kubectl argo rollouts promote`).
   * Each must be one of `stepWeights`.
   * @default - no manual gates
   */
  readonly manualGates?: number[];
  /**
   * How traffic reaches the canary.
   * @default - `TrafficRouting.istio()` with `Mesh.ISTIO`, `TrafficRouting.replicas()` without a mesh
   */
  readonly trafficRouting?: TrafficRouting;
}

/** Blue-green options. */
export interface BlueGreenStrategyOptions {
  /**
   * Switch traffic to the new version on its own once the preview is ready (and the pre-promotion
   * analysis passed). When false, the pipeline adds a promotion job that waits for the environment's
   * reviewers.
   * @default false
   */
  readonly autoPromote?: boolean;
  /**
   * With `autoPromote`, how long the preview runs before the switch.
   * @default - switch as soon as the preview is ready
   */
  readonly autoPromotionDelay?: Duration;
  /**
   * Replicas of the preview before promotion.
   * @default - the environment's full replica count
   */
  readonly previewReplicas?: number;
  /**
   * How long the previous version keeps running after the switch (fast rollback, and time for Istio
   * to propagate endpoints).
   * @default Duration.seconds(30)
   */
  readonly scaleDownDelay?: Duration;
  /**
   * Run the SLO analysis on the preview Service before the switch; a failure aborts and the switch never
   * happens. The preview only receives test traffic: drive some (load or E2E tests) or the analysis stays
   * inconclusive and the rollout pauses.
   * @default false
   */
  readonly prePromotionAnalysis?: boolean;
  /**
   * Run the SLO analysis on the active Service after the switch; a failure switches back.
   * @default true
   */
  readonly postPromotionAnalysis?: boolean;
}

/** The kinds of delivery strategy. */
export enum DeliveryStrategyKind {
  /** Shift traffic to the new version in weighted steps, analysed against the SLOs. */
  CANARY = 'canary',
  /** Run the new version beside the old one and switch all traffic at once. */
  BLUE_GREEN = 'blue-green',
  /** The chart's Deployment rolls its pods; no progressive delivery. */
  ROLLING = 'rolling',
}

const WHOLE_SECONDS = (d: Duration): boolean => Number.isInteger(d.toMilliseconds() / 1000) && d.toMilliseconds() >= 0;

/**
 * How a new version reaches an environment.
 */
export class DeliveryStrategy {
  /** Canary in weighted steps (the default of `CanaryDeploy`). */
  public static canary(options: CanaryStrategyOptions = {}): DeliveryStrategy {
    const problems = canaryProblems(options);
    if (problems.length > 0) throw new PlatformPipelineError(`DeliveryStrategy.canary: ${problems.join('; ')}`);
    return new DeliveryStrategy(DeliveryStrategyKind.CANARY, { ...options }, undefined);
  }

  /** Blue-green: preview beside the active version, then one switch. */
  public static blueGreen(options: BlueGreenStrategyOptions = {}): DeliveryStrategy {
    const problems: string[] = [];
    if (options.autoPromotionDelay !== undefined && !WHOLE_SECONDS(options.autoPromotionDelay)) {
      problems.push(`'autoPromotionDelay' must be whole seconds, got ${options.autoPromotionDelay.toHumanString()}`);
    }
    if (options.autoPromotionDelay !== undefined && !options.autoPromote) {
      problems.push("'autoPromotionDelay' needs 'autoPromote: true'; without it a reviewer promotes");
    }
    if (options.scaleDownDelay !== undefined && !WHOLE_SECONDS(options.scaleDownDelay)) {
      problems.push(`'scaleDownDelay' must be whole seconds, got ${options.scaleDownDelay.toHumanString()}`);
    }
    if (options.previewReplicas !== undefined && !(Number.isInteger(options.previewReplicas) && options.previewReplicas >= 1)) {
      problems.push(`'previewReplicas' must be a whole number of at least 1, got ${show(options.previewReplicas)}`);
    }
    if (problems.length > 0) throw new PlatformPipelineError(`DeliveryStrategy.blueGreen: ${problems.join('; ')}`);
    return new DeliveryStrategy(DeliveryStrategyKind.BLUE_GREEN, undefined, { ...options });
  }

  /** No progressive delivery: the chart's Deployment rolls as usual and the release path verifies it. */
  public static rolling(): DeliveryStrategy {
    return new DeliveryStrategy(DeliveryStrategyKind.ROLLING, undefined, undefined);
  }

  /** What kind of strategy this is. */
  public readonly kind: DeliveryStrategyKind;
  /** Canary options, for `canary()`. */
  public readonly canaryOptions?: CanaryStrategyOptions;
  /** Blue-green options, for `blueGreen()`. */
  public readonly blueGreenOptions?: BlueGreenStrategyOptions;

  private constructor(kind: DeliveryStrategyKind, canary: CanaryStrategyOptions | undefined, blueGreen: BlueGreenStrategyOptions | undefined) {
    this.kind = kind;
    this.canaryOptions = canary;
    this.blueGreenOptions = blueGreen;
  }
}

/** The problems of canary options (shared by `DeliveryStrategy.canary` and `CanaryDeploy`). @internal */
export function canaryProblems(o: CanaryStrategyOptions): string[] {
  const problems: string[] = [];
  const weights = o.stepWeights ?? [10, 25, 50];
  if (!Array.isArray(weights) || weights.length === 0) {
    problems.push(`'stepWeights' must list at least one weight, got ${show(weights)}; e.g. [10, 25, 50]`);
    return problems;
  }
  const bad = weights.filter((w) => !(Number.isInteger(w) && w >= 1 && w <= 100));
  if (bad.length > 0) {
    problems.push(`'stepWeights' must be whole percentages from 1 to 100, got ${show(weights)}; ${show(bad)} ${bad.length === 1 ? 'is' : 'are'} out of range`);
  } else if (weights.some((w, i) => i > 0 && w <= weights[i - 1])) {
    problems.push(`'stepWeights' must be strictly increasing, got ${show(weights)}; list them in increasing order without repeats`);
  }
  if (o.stepPause !== undefined && !WHOLE_SECONDS(o.stepPause)) {
    problems.push(`'stepPause' must be whole seconds, got ${o.stepPause.toHumanString()}`);
  }
  if (o.stepPauses !== undefined) {
    if (o.stepPauses.length !== weights.length) {
      problems.push(`'stepPauses' must have one entry per weight (${weights.length}), got ${o.stepPauses.length}`);
    }
    for (const p of o.stepPauses) {
      if (!WHOLE_SECONDS(p)) problems.push(`'stepPauses' entries must be whole seconds, got ${p.toHumanString()}`);
    }
  }
  for (const g of o.manualGates ?? []) {
    if (!weights.includes(g)) problems.push(`'manualGates' entry ${show(g)} is not one of the step weights ${show(weights)}; a gate stops the rollout before one of them`);
  }
  if (new Set(o.manualGates ?? []).size !== (o.manualGates ?? []).length) {
    problems.push(`'manualGates' lists a weight twice: ${show(o.manualGates)}`);
  }
  return problems;
}

/** Whether any canary-only option is set. @internal */
export function hasCanaryOptions(o: CanaryStrategyOptions): boolean {
  return o.stepWeights !== undefined || o.stepPause !== undefined || o.stepPauses !== undefined
    || o.manualGates !== undefined || o.trafficRouting !== undefined;
}

/** A duration in Argo's and Flagger's notation: `2m`, `30s`, `1h`. @internal */
export function goDuration(d: Duration): string {
  const s = Math.round(d.toMilliseconds() / 1000);
  if (s > 0 && s % 3600 === 0) return `${s / 3600}h`;
  if (s > 0 && s % 60 === 0) return `${s / 60}m`;
  return `${s}s`;
}

/** Options of the Flagger backend. */
export interface FlaggerOptions {
  /**
   * The chart value that turns the chart's Service off (set to `false` in every environment Flagger
   * delivers to). Flagger creates the Services `<app>`, `<app>-primary` and `<app>-canary` itself and
   * rewrites their selectors; a chart Service of the same name would fight it on every `helm upgrade`.
   */
  readonly chartServiceToggle: string;
  /**
   * Drive test traffic to the canary through Flagger's load tester (a `rollout` webhook), so the
   * built-in metrics have data to judge.
   * @default true
   */
  readonly loadTest?: boolean;
  /**
   * URL of the Flagger load tester.
   * @default - `http://flagger-loadtester.<environment namespace>/`
   */
  readonly loadTesterUrl?: string;
  /**
   * The load tester's command.
   * @default - `hey -z 1m -q 10 -c 2 http://<app>-canary.<namespace>:<port>/`
   */
  readonly loadTestCommand?: string;
}

/**
 * The controller that carries out a canary or blue-green delivery.
 */
export class Backend {
  /**
   * Argo Rollouts (the default): a Rollout that takes over the chart's Deployment (`workloadRef`), an
   * AnalysisTemplate from the SLOs, and Services and a VirtualService for Istio routing.
   */
  public static readonly ARGO_ROLLOUTS = new Backend('argo-rollouts', undefined);

  /**
   * Flagger: a `Canary` targeting the chart's Deployment with the Istio provider; Flagger creates the
   * primary Deployment, the Services and the routes at runtime. Its built-in metrics are bound to the SLOs.
   */
  public static flagger(options: FlaggerOptions): Backend {
    if (!options || typeof options.chartServiceToggle !== 'string' || !/^[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z_][A-Za-z0-9_-]*)*$/.test(options.chartServiceToggle)) {
      throw new PlatformPipelineError(`Backend.flagger: 'chartServiceToggle' must name the chart value that turns its Service off, e.g. 'service.enabled', got ${show(options?.chartServiceToggle)}`);
    }
    if (options.loadTesterUrl !== undefined && !HTTP_URL.test(options.loadTesterUrl)) {
      throw new PlatformPipelineError(`Backend.flagger: 'loadTesterUrl' must be an http(s) URL, got ${show(options.loadTesterUrl)}`);
    }
    return new Backend('flagger', { ...options });
  }

  /** `argo-rollouts` or `flagger`. */
  public readonly name: string;
  /** Flagger options, for `flagger()`. */
  public readonly flaggerOptions?: FlaggerOptions;

  private constructor(name: string, flagger: FlaggerOptions | undefined) {
    this.name = name;
    this.flaggerOptions = flagger;
  }
}
