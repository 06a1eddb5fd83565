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
