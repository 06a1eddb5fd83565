import { Duration } from 'cdk8s';
import { SliSource } from './sli-source';
import { PlatformPipelineError, show } from '../core/errors';
import { dnsLabelProblem } from '../core/names';

/** What an SLO measures. */
export enum SloKind {
  /** Share of requests that do not fail. */
  AVAILABILITY = 'availability',
  /** Share of requests served faster than a threshold. */
  LATENCY = 'latency',
}

/** Properties common to every SLO. */
export interface SloBaseProps {
  /** SLO name, a DNS-1123 label unique within the app, e.g. `availability`. */
  readonly name: string;
  /** Target share of good events in percent, strictly between 0 and 100, e.g. `99.9`. */
  readonly objective: number;
  /**
   * The SLO's compliance period.
   * @default Duration.days(30)
   */
  readonly period?: Duration;
  /**
   * Where the events come from.
   * @default - the app's `sliSource` (Istio's standard metrics unless the app says otherwise)
   */
  readonly sli?: SliSource;
  /**
   * A one-line description, used in alert descriptions and dashboards.
   * @default - derived from the kind and objective
   */
  readonly description?: string;
}

/** Properties of an availability SLO. */
export interface AvailabilitySloProps extends SloBaseProps {}

/** Properties of a latency SLO. */
export interface LatencySloProps extends SloBaseProps {
  /** Requests faster than this are good. Must be a bucket bound of the SLI source's histogram (e.g. 250 ms on Istio). */
  readonly threshold: Duration;
}

/**
 * A service-level objective: the one SLO model every construct reads (canary analysis, alert rules,
 * load-test thresholds, dashboards).
 */
export class Slo {
  /** An availability SLO: the share of requests that are not errors. */
  public static availability(props: AvailabilitySloProps): Slo {
    return new Slo(SloKind.AVAILABILITY, props, undefined);
  }

  /** A latency SLO: the share of requests faster than `threshold`. */
  public static latency(props: LatencySloProps): Slo {
    return new Slo(SloKind.LATENCY, props, props.threshold);
  }

  /** The SLO's name. */
  public readonly name: string;
  /** What it measures. */
  public readonly kind: SloKind;
  /** Objective in percent. */
  public readonly objective: number;
  /** Compliance period. */
  public readonly period: Duration;
  /** Latency threshold (latency SLOs only). */
  public readonly threshold?: Duration;
  /** Explicit SLI source, if the SLO overrides the app's. */
  public readonly sli?: SliSource;
  /** Description. */
  public readonly description: string;

  private constructor(kind: SloKind, props: SloBaseProps, threshold: Duration | undefined) {
    const problems: string[] = [];
    const nameProblem = dnsLabelProblem('name', props.name, 40);
    if (nameProblem) problems.push(nameProblem);
    if (typeof props.objective !== 'number' || !(props.objective > 0 && props.objective < 100)) {
      problems.push(`'objective' must be a percentage strictly between 0 and 100, got ${show(props.objective)}; use e.g. 99.9`);
    }
    const period = props.period ?? Duration.days(30);
    if (period.toSeconds() < Duration.days(1).toSeconds() || period.toSeconds() % 3600 !== 0) {
      problems.push(`'period' must be whole hours and at least 1 day, got ${period.toHumanString()}; use e.g. Duration.days(30)`);
    }
    if (kind === SloKind.LATENCY && (threshold === undefined || !(threshold.toMilliseconds({ integral: false }) > 0))) {
      problems.push(`'threshold' must be a positive Duration, got ${show(threshold?.toHumanString())}; use e.g. Duration.millis(250)`);
    } else if (kind === SloKind.LATENCY && !Number.isInteger(threshold!.toMilliseconds({ integral: false }))) {
      // k6 thresholds, analyses and alert rules state it in whole milliseconds
      problems.push(`'threshold' must be whole milliseconds (at least 1 ms), got ${threshold!.toHumanString()}; use e.g. Duration.millis(250)`);
    }
    if (problems.length > 0) {
      throw new PlatformPipelineError(`Slo.${kind} ${show(props.name)}: ${problems.join('; ')}`);
    }
    this.kind = kind;
    this.name = props.name;
    this.objective = props.objective;
    this.period = period;
    this.threshold = threshold;
    this.sli = props.sli;
    this.description = props.description ?? (kind === SloKind.AVAILABILITY
      ? `${props.objective}% of requests succeed`
      : `${props.objective}% of requests are faster than ${threshold!.toHumanString()}`);
  }

  /** The error budget as a ratio, rounded so that `99.9` gives exactly `0.001`. */
  public get errorBudget(): number {
    return +(1 - this.objective / 100).toPrecision(12);
  }

  /** The objective as a ratio, e.g. `0.999`. */
  public get objectiveRatio(): number {
    return +(this.objective / 100).toPrecision(12);
  }
}
