import { Duration } from 'cdk8s';
import { IConstruct } from 'constructs';
import { ProblemList, show } from '../../core/errors';
import { dnsLabelProblem } from '../../core/names';
import { Slo, SloKind } from '../../model/slo';
import { GatewayThroughputOptions, HttpMethod, LoadEndpoint, LoadScenario } from '../load-scenario';

/** The trend statistics every summary carries: the job's table and the regression check read p(95) and p(99). */
const TREND_STATS = ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99)'];

/** k6 thresholds derived from the app's SLOs, with the SLO each one comes from. @internal */
export interface K6Threshold {
  readonly metric: 'http_req_duration' | 'http_req_failed' | 'dropped_iterations';
  readonly expression: string;
  readonly comment: string;
}

/**
 * The thresholds of every scenario: each latency SLO gives `p(<objective>)<=<threshold ms>` on
 * `http_req_duration`, each availability SLO `rate<=<error budget>` on `http_req_failed`. A latency threshold
 * below 1 ms is refused: k6 measures whole requests over the network, where such a bound only measures noise.
 * @internal
 */
export function k6Thresholds(scope: IConstruct, slos: readonly Slo[]): K6Threshold[] {
  const problems = new ProblemList(scope);
  const out: K6Threshold[] = [];
  for (const slo of slos) {
    if (slo.kind === SloKind.LATENCY) {
      const ms = slo.threshold!.toMilliseconds({ integral: false });
      if (!problems.check(ms >= 1, `latency SLO ${show(slo.name)} has a threshold of ${ms} ms; a load test cannot check a latency below 1 ms: use a threshold of at least Duration.millis(1) (e.g. 250 ms, an Istio bucket bound)`)) continue;
      out.push({ metric: 'http_req_duration', expression: `p(${slo.objective})<=${ms}`, comment: `latency SLO '${slo.name}': ${slo.description}` });
    } else {
      out.push({ metric: 'http_req_failed', expression: `rate<=${slo.errorBudget}`, comment: `availability SLO '${slo.name}': ${slo.description}` });
    }
  }
  problems.throwIfAny('invalid LoadTestStage');
  return out;
}

function wholeSeconds(d: Duration | undefined): number | undefined {
  return d === undefined ? undefined : d.toSeconds({ integral: false });
}

/** Checks every scenario; throws every problem at once. @internal */
export function validateScenarios(scope: IConstruct, scenarios: readonly LoadScenario[]): void {
  const problems = new ProblemList(scope);
  problems.check(Array.isArray(scenarios) && scenarios.length > 0, "'scenarios' must list at least one scenario, e.g. [{ name: 'browse', endpoints: [{ path: '/' }], vus: 10, duration: Duration.minutes(5) }]");
  const names = new Set<string>();
  (scenarios ?? []).forEach((s, i) => {
    const at = `scenarios[${i}]`;
    const nameProblem = dnsLabelProblem(`${at}.name`, s.name, 40);
    if (nameProblem) problems.add(nameProblem);
    if (names.has(s.name)) problems.add(`two scenarios are named ${show(s.name)}; scenario names are file names and must be unique`);
    names.add(s.name);
    if (!Array.isArray(s.endpoints) || s.endpoints.length === 0) problems.add(`'${at}.endpoints' must list at least one request, e.g. [{ path: '/healthz' }]`);
    (s.endpoints ?? []).forEach((e, j) => endpointProblems(problems, `${at}.endpoints[${j}]`, e));
    if ((s.vus === undefined) === (s.arrivalRate === undefined)) {
      problems.add(`'${at}' must give exactly one of 'vus' (virtual users) or 'arrivalRate' (iterations per second), got ${s.vus === undefined ? 'neither' : 'both'}`);
    }
    if (s.vus !== undefined) problems.check(Number.isInteger(s.vus) && s.vus >= 1, `'${at}.vus' must be a whole number of at least 1, got ${show(s.vus)}`);
    if (s.arrivalRate !== undefined) problems.check(Number.isInteger(s.arrivalRate) && s.arrivalRate >= 1, `'${at}.arrivalRate' must be a whole number of iterations per second, at least 1, got ${show(s.arrivalRate)}`);
    if (s.maxVus !== undefined) {
      problems.check(s.arrivalRate !== undefined, `'${at}.maxVus' applies to an arrival-rate scenario only; remove it or give 'arrivalRate' instead of 'vus'`);
      problems.check(Number.isInteger(s.maxVus) && s.maxVus >= (s.arrivalRate ?? 1), `'${at}.maxVus' must be a whole number of at least 'arrivalRate' (${s.arrivalRate ?? 1}), got ${show(s.maxVus)}`);
    }
    const duration = wholeSeconds(s.duration);
    problems.check(duration !== undefined && Number.isInteger(duration) && duration >= 1,
      `'${at}.duration' must be whole seconds and at least 1 second, got ${show(s.duration?.toHumanString())}; use e.g. Duration.minutes(5)`);
    if (s.maxP95 !== undefined) {
      const ms = s.maxP95.toMilliseconds({ integral: false });
      problems.check(ms >= 1, `'${at}.maxP95' is a latency threshold of ${ms} ms; a load test cannot check a latency below 1 ms: give at least Duration.millis(1), e.g. Duration.millis(300)`);
    }
    const ramp = wholeSeconds(s.rampUp);
    if (ramp !== undefined) problems.check(Number.isInteger(ramp) && ramp >= 0, `'${at}.rampUp' must be whole seconds, got ${show(s.rampUp?.toHumanString())}; use e.g. Duration.seconds(30)`);
  });
  problems.throwIfAny('invalid LoadTestStage');
}

function endpointProblems(problems: ProblemList, at: string, e: LoadEndpoint): void {
  problems.check(typeof e.path === 'string' && /^\/[^\s"'`\\]*$/.test(e.path), `'${at}.path' must be a path starting with '/' without spaces or quotes, e.g. '/api/cart', got ${show(e.path)}`);
  if (e.method !== undefined) problems.check(Object.values(HttpMethod).includes(e.method), `'${at}.method' must be an HttpMethod, got ${show(e.method)}`);
  if (e.expectedStatus !== undefined) problems.check(Number.isInteger(e.expectedStatus) && e.expectedStatus >= 100 && e.expectedStatus <= 599, `'${at}.expectedStatus' must be an HTTP status (100-599), got ${show(e.expectedStatus)}`);
  if (e.contentType !== undefined) problems.check(e.body !== undefined, `'${at}.contentType' needs a 'body'`);
  if ((e.method === HttpMethod.GET || e.method === undefined || e.method === HttpMethod.HEAD) && e.body !== undefined) {
    problems.add(`'${at}' sends a body with ${e.method ?? 'GET'}; use HttpMethod.POST, PUT or PATCH for a request with a body`);
  }
}

/** How long a scenario runs, ramp included (for the job's timeout and the pod samples). @internal */
export function scenarioSeconds(s: LoadScenario): number {
  return (wholeSeconds(s.rampUp) ?? 0) + wholeSeconds(s.duration)!;
}

/** The `options.scenarios` entry of a scenario, in k6's executor vocabulary. */
function executor(s: LoadScenario): string[] {
  const duration = `${wholeSeconds(s.duration)}s`;
  const ramp = wholeSeconds(s.rampUp) ?? 0;
  if (s.vus !== undefined) {
    if (ramp === 0) return ["executor: 'constant-vus',", `vus: ${s.vus},`, `duration: '${duration}',`];
    return [
      "executor: 'ramping-vus',",
      'startVUs: 0,',
      'stages: [',
      `  { duration: '${ramp}s', target: ${s.vus} },`,
      `  { duration: '${duration}', target: ${s.vus} },`,
      '],',
    ];
  }
  const rate = s.arrivalRate!;
  const pool = [`preAllocatedVUs: ${rate},`, `maxVUs: ${s.maxVus ?? rate * 4},`];
  if (ramp === 0) return ["executor: 'constant-arrival-rate',", `rate: ${rate},`, "timeUnit: '1s',", `duration: '${duration}',`, ...pool];
  return [
    "executor: 'ramping-arrival-rate',",
    'startRate: 0,',
    "timeUnit: '1s',",
    ...pool,
    'stages: [',
    `  { duration: '${ramp}s', target: ${rate} },`,
    `  { duration: '${duration}', target: ${rate} },`,
    '],',
  ];
}

function request(e: LoadEndpoint, i: number): string[] {
  const method = e.method ?? HttpMethod.GET;
  const status = e.expectedStatus ?? 200;
  const label = `${method} ${e.path}`;
  const headers = e.body !== undefined ? `headers: { 'Content-Type': ${JSON.stringify(e.contentType ?? 'application/json')} }, ` : '';
  const body = e.body !== undefined ? JSON.stringify(e.body) : 'null';
  return [
    `  const r${i} = http.request(${JSON.stringify(method)}, BASE_URL + ${JSON.stringify(e.path)}, ${body}, {`,
    `    ${headers}tags: { name: ${JSON.stringify(label)} }, responseCallback: http.expectedStatuses(${status}),`,
    '  });',
    `  check(r${i}, { ${JSON.stringify(`${label} answers ${status}`)}: (r) => r.status === ${status} });`,
  ];
}

/** The k6 script of one scenario (without projen's marker, which the app adds). @internal */
export function renderK6Script(appName: string, s: LoadScenario, sloThresholds: readonly K6Threshold[]): string {
  const thresholds = [...sloThresholds];
  if (s.maxP95 !== undefined) {
    thresholds.push({ metric: 'http_req_duration', expression: `p(95)<=${s.maxP95.toMilliseconds({ integral: false })}`, comment: `this scenario's own bound: p95 at most ${s.maxP95.toHumanString()}` });
  }
  return script({
    header: [
      `// k6 load test '${s.name}' of ${appName}; thresholds derived from the app's SLOs.`,
      "// Run: k6 run --env BASE_URL=<the environment's URL> --summary-export summary.json <this file>",
    ],
    name: s.name,
    executor: executor(s),
    thresholds,
    endpoints: s.endpoints,
  });
}

/** The scenario name (and file name) of the gateway throughput test. @internal */
export const GATEWAY_SCENARIO = 'gateway-throughput';

/** The gateway throughput test, resolved. @internal */
export interface GatewayPlan {
  readonly name: string;
  readonly path: string;
  /** Requests (= iterations) per second. */
  readonly rate: number;
  readonly seconds: number;
  readonly preAllocatedVus: number;
  readonly maxVus: number;
  readonly maxDroppedPercent: number;
  /** Iterations the test plans: rate × seconds. */
  readonly planned: number;
  /** Most dropped iterations before the gateway counts as not sustaining the rate. */
  readonly maxDropped: number;
  /** The error-ratio bound of the scenario's own, when there is one. */
  readonly maxErrorRatio?: number;
}

const DEFAULT_GATEWAY_RATE = 50;
const DEFAULT_GATEWAY_SECONDS = 60;

/**
 * The gateway throughput test with its defaults: the rate, VUs from Little's law (rate × the slowest
 * latency SLO threshold, 1 s without one), the dropped-iterations bound. Throws every problem at once.
 * @internal
 */
export function resolveGatewayThroughput(scope: IConstruct, o: GatewayThroughputOptions, slos: readonly Slo[], defaultPath: string,
  scenarioNames: readonly string[]): GatewayPlan {
  const problems = new ProblemList(scope);
  const at = (k: string) => `'gatewayThroughput.${k}'`;
  const rate = o.rate ?? DEFAULT_GATEWAY_RATE;
  problems.check(Number.isInteger(rate) && rate >= 1, `${at('rate')} must be a whole number of requests per second, at least 1, got ${show(o.rate)}; use the environment's expected peak, e.g. 200`);
  const seconds = wholeSeconds(o.duration) ?? DEFAULT_GATEWAY_SECONDS;
  problems.check(Number.isInteger(seconds) && seconds >= 10, `${at('duration')} must be whole seconds and at least 10 seconds (a rate needs time to be measured), got ${show(o.duration?.toHumanString())}; use e.g. Duration.minutes(1)`);
  const path = o.path ?? defaultPath;
  problems.check(typeof path === 'string' && /^\/[^\s"'`\\]*$/.test(path), `${at('path')} must be a path starting with '/' without spaces or quotes, e.g. '/healthz', got ${show(o.path)}`);
  problems.check(!scenarioNames.includes(GATEWAY_SCENARIO), `a scenario is named ${show(GATEWAY_SCENARIO)}, the name of the gateway throughput test; rename the scenario`);
  const slowest = Math.max(0, ...slos.filter((s) => s.kind === SloKind.LATENCY).map((s) => s.threshold!.toSeconds({ integral: false })));
  const perRequest = slowest > 0 ? slowest : 1;
  const preAllocatedVus = o.preAllocatedVus ?? Math.max(1, Math.ceil(rate * perRequest));
  problems.check(Number.isInteger(preAllocatedVus) && preAllocatedVus >= 1, `${at('preAllocatedVus')} must be a whole number of virtual users, at least 1, got ${show(o.preAllocatedVus)}`);
  const maxVus = o.maxVus ?? preAllocatedVus * 2;
  problems.check(Number.isInteger(maxVus) && maxVus >= preAllocatedVus, `${at('maxVus')} must be a whole number of at least 'preAllocatedVus' (${preAllocatedVus}), got ${show(o.maxVus)}`);
  const maxDroppedPercent = o.maxDroppedPercent ?? 1;
  problems.check(typeof maxDroppedPercent === 'number' && maxDroppedPercent >= 0 && maxDroppedPercent <= 100, `${at('maxDroppedPercent')} must be a percentage between 0 and 100, got ${show(o.maxDroppedPercent)}; use e.g. 1`);
  if (o.maxErrorPercent !== undefined) {
    problems.check(typeof o.maxErrorPercent === 'number' && o.maxErrorPercent >= 0 && o.maxErrorPercent <= 100, `${at('maxErrorPercent')} must be a percentage between 0 and 100, got ${show(o.maxErrorPercent)}; use e.g. 1`);
  }
  problems.throwIfAny('invalid LoadTestStage');
  const planned = rate * seconds;
  const hasAvailability = slos.some((s) => s.kind !== SloKind.LATENCY);
  return {
    name: GATEWAY_SCENARIO,
    path,
    rate,
    seconds,
    preAllocatedVus,
    maxVus,
    maxDroppedPercent,
    planned,
    maxDropped: Math.floor((planned * maxDroppedPercent) / 100),
    maxErrorRatio: o.maxErrorPercent !== undefined ? o.maxErrorPercent / 100 : (hasAvailability ? undefined : 0.01),
  };
}

/** The k6 script of the gateway throughput test (without projen's marker). @internal */
export function renderGatewayScript(appName: string, g: GatewayPlan, sloThresholds: readonly K6Threshold[]): string {
  const thresholds = [...sloThresholds];
  if (g.maxErrorRatio !== undefined) {
    thresholds.push({ metric: 'http_req_failed', expression: `rate<=${g.maxErrorRatio}`, comment: `at most ${+(g.maxErrorRatio * 100).toFixed(4)} % failed requests at ${g.rate} requests/s` });
  }
  thresholds.push({
    metric: 'dropped_iterations',
    expression: `count<=${g.maxDropped}`,
    comment: `the gateway sustains ${g.rate} requests/s: at most ${g.maxDroppedPercent} % of the ${g.planned} planned iterations dropped (no free VU at their start)`,
  });
  return script({
    header: [
      `// k6 throughput test '${g.name}' of ${appName}: ${g.rate} requests/s through the ingress gateway (the environment's`,
      `// public URL) for ${g.seconds} s; thresholds from the app's SLOs and on the iterations k6 had to drop.`,
      "// Run: k6 run --env BASE_URL=<the environment's URL> --summary-export summary.json <this file>",
    ],
    name: g.name,
    executor: [
      "executor: 'constant-arrival-rate',",
      `rate: ${g.rate},`,
      "timeUnit: '1s',",
      `duration: '${g.seconds}s',`,
      `preAllocatedVUs: ${g.preAllocatedVus},`,
      `maxVUs: ${g.maxVus},`,
    ],
    thresholds,
    endpoints: [{ path: g.path }],
  });
}

interface ScriptParts {
  readonly header: string[];
  readonly name: string;
  readonly executor: string[];
  readonly thresholds: readonly K6Threshold[];
  readonly endpoints: readonly LoadEndpoint[];
}

function script(p: ScriptParts): string {
  const thresholds = p.thresholds;
  const percentiles = thresholds.filter((t) => t.metric === 'http_req_duration').map((t) => /^(p\([0-9.]+\))/.exec(t.expression)![1]);
  const stats = [...TREND_STATS, ...percentiles.filter((x) => !TREND_STATS.includes(x))];
  const thresholdLines: string[] = [];
  for (const metric of ['http_req_duration', 'http_req_failed', 'dropped_iterations'] as const) {
    const ts = thresholds.filter((t) => t.metric === metric);
    if (ts.length === 0) continue;
    thresholdLines.push(...ts.map((t) => `    // ${t.comment}`));
    thresholdLines.push(`    ${metric}: [${ts.map((t) => `'${t.expression}'`).join(', ')}],`);
  }
  return [
    ...p.header,
    "import http from 'k6/http';",
    "import { check } from 'k6';",
    '',
    'const BASE_URL = __ENV.BASE_URL;',
    '',
    '/** @type {import("k6/options").Options} */',
    'export const options = {',
    '  scenarios: {',
    `    ${JSON.stringify(p.name)}: {`,
    ...p.executor.map((l) => `      ${l}`),
    '    },',
    '  },',
    ...(thresholdLines.length > 0 ? ['  thresholds: {', ...thresholdLines, '  },'] : []),
    `  summaryTrendStats: [${stats.map((x) => `'${x}'`).join(', ')}],`,
    '};',
    '',
    'export function setup() {',
    "  if (!BASE_URL) throw new Error('BASE_URL is not set: run k6 with --env BASE_URL=<the environment URL>');",
    '}',
    '',
    'export default function () {',
    ...p.endpoints.flatMap((e, i) => request(e, i)),
    '}',
    '',
  ].join('\n');
}
