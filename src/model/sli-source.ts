import { Duration } from 'cdk8s';
import { PlatformPipelineError, show } from '../core/errors';

/** Unit of a latency histogram's bucket bounds (`le`). */
export enum LatencyUnit {
  /** Bounds in milliseconds, as Istio's `istio_request_duration_milliseconds`. */
  MILLISECONDS = 'ms',
  /** Bounds in seconds, the Prometheus convention (`http_request_duration_seconds`). */
  SECONDS = 's',
}

/** Istio's default request-duration bucket bounds, in milliseconds. */
export const ISTIO_DURATION_BUCKETS_MS: readonly number[] = [
  0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000,
];

/** Properties of an SLI source built from the app's own metrics. */
export interface CustomSliSourceProps {
  /**
   * Counter of all requests (the SLI's total events), e.g. `http_requests_total`.
   */
  readonly requestsMetric: string;

  /**
   * Label matchers that select the bad events among `requestsMetric`, e.g. `code=~"5.."`.
   * @default 'code=~"5.."'
   */
  readonly errorMatchers?: string;

  /**
   * Label matchers that select this app's series. `{app}` and `{namespace}` are replaced by the app name
   * and the environment's namespace.
   * @default 'job="{app}", namespace="{namespace}"'
   */
  readonly selector?: string;

  /**
   * Base name of the latency histogram (without `_bucket`/`_count`), e.g. `http_request_duration_seconds`.
   * Required for latency SLOs.
   * @default - no latency histogram; latency SLOs on this source are refused
   */
  readonly latencyHistogram?: string;

  /**
   * Unit of the histogram's bucket bounds.
   * @default LatencyUnit.SECONDS
   */
  readonly latencyUnit?: LatencyUnit;

  /**
   * The histogram's bucket bounds, in `latencyUnit`. A latency SLO's threshold must be one of them.
   * @default - the Prometheus client default buckets (0.005 … 10 seconds)
   */
  readonly buckets?: number[];
}

/** The Prometheus client libraries' default histogram buckets (seconds). */
const PROMETHEUS_DEFAULT_BUCKETS_S = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

/**
 * Where an SLO's events come from: the mesh's standard metrics or the app's own counters and histogram.
 * One model that the canary analysis, the alert rules, the load-test thresholds and the dashboards read.
 */
export class SliSource {
  /**
   * Istio's standard metrics: `istio_requests_total` and `istio_request_duration_milliseconds`, reported by
   * the destination sidecar, selected by destination workload and namespace.
   */
  public static istio(): SliSource {
    return new SliSource({
      kind: 'istio',
      requestsMetric: 'istio_requests_total',
      errorMatchers: 'response_code=~"5.."',
      selector: 'reporter="destination", destination_workload="{app}", destination_workload_namespace="{namespace}"',
      latencyHistogram: 'istio_request_duration_milliseconds',
      latencyUnit: LatencyUnit.MILLISECONDS,
      buckets: [...ISTIO_DURATION_BUCKETS_MS],
    });
  }

  /** The app's own request counter and latency histogram. */
  public static custom(props: CustomSliSourceProps): SliSource {
    const problems: string[] = [];
    if (!METRIC_NAME.test(props.requestsMetric ?? '')) {
      problems.push(`'requestsMetric' must be a Prometheus metric name, got ${show(props.requestsMetric)}`);
    }
    if (props.latencyHistogram !== undefined && !METRIC_NAME.test(props.latencyHistogram)) {
      problems.push(`'latencyHistogram' must be a Prometheus metric name without '_bucket', got ${show(props.latencyHistogram)}`);
    }
    if (props.latencyHistogram?.endsWith('_bucket')) {
      problems.push(`'latencyHistogram' is the base name: drop '_bucket' from ${show(props.latencyHistogram)}`);
    }
    const buckets = props.buckets ?? PROMETHEUS_DEFAULT_BUCKETS_S;
    if (buckets.length === 0 || buckets.some((b, i) => !(b > 0) || (i > 0 && b <= buckets[i - 1]))) {
      problems.push(`'buckets' must be positive and strictly increasing, got ${show(buckets)}`);
    }
    if (problems.length > 0) {
      throw new PlatformPipelineError(`SliSource.custom: ${problems.join('; ')}`);
    }
    return new SliSource({
      kind: 'custom',
      requestsMetric: props.requestsMetric,
      errorMatchers: props.errorMatchers ?? 'code=~"5.."',
      selector: props.selector ?? 'job="{app}", namespace="{namespace}"',
      latencyHistogram: props.latencyHistogram,
      latencyUnit: props.latencyUnit ?? LatencyUnit.SECONDS,
      buckets: [...buckets],
    });
  }

  /** `istio` or `custom`. */
  public readonly kind: string;
  /** Counter of all requests. */
  public readonly requestsMetric: string;
  /** Matchers selecting the bad events. */
  public readonly errorMatchers: string;
  /** Matchers selecting the app, with `{app}`/`{namespace}` placeholders. */
  public readonly selectorTemplate: string;
  /** Histogram base name, if any. */
  public readonly latencyHistogram?: string;
  /** Unit of the bucket bounds. */
  public readonly latencyUnit: LatencyUnit;
  /** Bucket bounds in `latencyUnit`. */
  public readonly buckets: number[];

  private constructor(p: {
    kind: string;
    requestsMetric: string;
    errorMatchers: string;
    selector: string;
    latencyHistogram?: string;
    latencyUnit: LatencyUnit;
    buckets: number[];
  }) {
    this.kind = p.kind;
    this.requestsMetric = p.requestsMetric;
    this.errorMatchers = p.errorMatchers;
    this.selectorTemplate = p.selector;
    this.latencyHistogram = p.latencyHistogram;
    this.latencyUnit = p.latencyUnit;
    this.buckets = p.buckets;
  }

  /** The label matchers for one app in one namespace, e.g. `job="checkout", namespace="prod"`. */
  public selector(app: string, namespace: string): string {
    return this.selectorTemplate.replace(/\{app\}/g, app).replace(/\{namespace\}/g, namespace);
  }

  /** A latency threshold expressed in this source's unit (e.g. 250 for 250 ms on Istio). */
  public thresholdInUnit(threshold: Duration): number {
    const ms = threshold.toMilliseconds();
    return this.latencyUnit === LatencyUnit.MILLISECONDS ? ms : +(ms / 1000).toPrecision(12);
  }

  /** Whether `threshold` is one of the histogram's bucket bounds. */
  public isBucketBound(threshold: Duration): boolean {
    const v = this.thresholdInUnit(threshold);
    return this.buckets.some((b) => Math.abs(b - v) < 1e-9);
  }
}
