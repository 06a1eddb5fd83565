import { Duration } from 'cdk8s';

/** HTTP method of a load-test request. */
export enum HttpMethod {
  /** GET */
  GET = 'GET',
  /** POST */
  POST = 'POST',
  /** PUT */
  PUT = 'PUT',
  /** PATCH */
  PATCH = 'PATCH',
  /** DELETE */
  DELETE = 'DELETE',
  /** HEAD */
  HEAD = 'HEAD',
}

/** One request a load-test iteration sends. */
export interface LoadEndpoint {
  /** Path below the environment's URL, starting with `/`, e.g. `/api/cart`. */
  readonly path: string;
  /**
   * HTTP method.
   * @default HttpMethod.GET
   */
  readonly method?: HttpMethod;
  /**
   * Request body (sent as is), e.g. a JSON document.
   * @default - no body
   */
  readonly body?: string;
  /**
   * `Content-Type` of the body.
   * @default 'application/json' when there is a body
   */
  readonly contentType?: string;
  /**
   * The status a successful answer has; any other counts as a failed request (`http_req_failed`).
   * @default 200
   */
  readonly expectedStatus?: number;
}

/**
 * One k6 scenario: the requests of an iteration and the load. Give either `vus` (a closed model: that many
 * virtual users loop over the endpoints) or `arrivalRate` (an open model: that many iterations start per
 * second, whatever the response times), not both. Written to `load/<app>/<name>.js`.
 */
export interface LoadScenario {
  /** Scenario name, a DNS-1123 label unique within the stage; also the file name, e.g. `browse`. */
  readonly name: string;
  /** The requests of one iteration, sent in order. */
  readonly endpoints: LoadEndpoint[];
  /**
   * Virtual users (closed model).
   * @default - none; give this or `arrivalRate`
   */
  readonly vus?: number;
  /**
   * Iterations started per second (open model).
   * @default - none; give this or `vus`
   */
  readonly arrivalRate?: number;
  /**
   * Most virtual users an arrival-rate scenario may use to keep its rate.
   * @default - 4 × `arrivalRate`
   */
  readonly maxVus?: number;
  /** How long the full load is held (whole seconds, at least 1 s), e.g. `Duration.minutes(5)`. */
  readonly duration: Duration;
  /**
   * A latency bound of this scenario on top of the SLO thresholds: its p95 must stay at or below it
   * (a k6 threshold `p(95)<=<ms>`). At least 1 ms.
   * @default - only the thresholds derived from the SLOs
   */
  readonly maxP95?: Duration;
  /**
   * Ramp from zero to the full load before `duration` (whole seconds).
   * @default - no ramp: the full load from the start
   */
  readonly rampUp?: Duration;
}

/**
 * A throughput test of the ingress gateway (with `Mesh.ISTIO`, the Istio ingress gateway) in front of the
 * environment: k6's `constant-arrival-rate` executor starts `rate` iterations per second (one GET each, through
 * the environment's public URL) whatever the response times, for `duration`. When the gateway cannot keep up,
 * the virtual users run out and k6 drops the iterations it cannot start (`dropped_iterations`), or requests
 * fail: either beyond its bound fails the test. The job summary reports the target and the achieved
 * requests/s, the dropped iterations and p95/p99 at that rate; the figures are pushed with the other load
 * figures. Written to `load/<app>/gateway-throughput.js` and run after the stage's scenarios.
 */
export interface GatewayThroughputOptions {
  /**
   * Requests per second the gateway must sustain (k6 `rate`, with `timeUnit: '1s'`): set it to the
   * environment's expected peak. A whole number, at least 1.
   * @default 50 — a modest peak that any production-sized gateway sustains; five times the default smoke load
   */
  readonly rate?: number;
  /**
   * How long the rate is held (whole seconds, at least 10 s).
   * @default Duration.minutes(1)
   */
  readonly duration?: Duration;
  /**
   * The path requested (GET, expecting 200) through the gateway, starting with `/`.
   * @default - the app's `smokeTestPath`
   */
  readonly path?: string;
  /**
   * Virtual users k6 allocates before the start (k6 `preAllocatedVUs`).
   * @default - enough to keep the rate when every request takes as long as the slowest latency SLO allows
   * (Little's law: `ceil(rate × threshold)`; one second per request without a latency SLO)
   */
  readonly preAllocatedVus?: number;
  /**
   * Most virtual users k6 may use to keep the rate (k6 `maxVUs`); beyond them iterations are dropped.
   * @default - twice `preAllocatedVus`
   */
  readonly maxVus?: number;
  /**
   * Share of the planned iterations (`rate` × `duration`) k6 may drop before the gateway counts as not
   * sustaining the rate, in percent (0–100): a k6 threshold `dropped_iterations: ['count<=<n>']`.
   * @default 1
   */
  readonly maxDroppedPercent?: number;
  /**
   * Share of failed requests (not 200) allowed at that rate, in percent (0–100): a k6 threshold on
   * `http_req_failed`. The availability SLOs' thresholds apply to this scenario as to every other.
   * @default - only the availability SLOs' thresholds; 1 % when the app has no availability SLO
   */
  readonly maxErrorPercent?: number;
}
