import type { IPlatformApp } from './platform-app-contract';
import { attached } from '../core/attached';
import { show } from '../core/errors';
import { clusterLocalReason, isGitHubHosted } from '../model/metrics-push';
import type { Runner } from '../model/runner';

/**
 * The series the pipeline pushes to a Prometheus Pushgateway, named in one place for both sides: the jobs
 * that push them (release path, pipeline report) and the rules and dashboards that read them.
 *
 * A Pushgateway keeps only the last value per group, so a pushed counter never increases. Every series here
 * is a gauge — a Unix timestamp or a per-run figure — and the grouping key carries the labels that must
 * survive the next push (`app`, `environment`, `result`). Rules count events with `changes()` over a
 * timestamp gauge, never `increase()`.
 */
export class PipelineMetrics {
  /** Pushgateway `job` of every push. */
  public static readonly PUSH_JOB = 'platform_pipeline';

  /**
   * Unix time of the last deploy of an app to an environment, per result.
   * Grouping key: `app`, `environment`, `result` (`success` | `failure`).
   */
  public static readonly DEPLOY_TIMESTAMP = 'platform_pipeline_deploy_timestamp_seconds';

  /**
   * Commit time (Unix) of the commit the last successful deploy shipped.
   * @deprecated no longer pushed: the lead time of the merge commit is not the lead time of the changes a
   * deploy ships. Read `DEPLOY_CHANGES` and `DEPLOY_LEAD_TIME_SUM` (or the `dora:lead_time_*` recordings).
   */
  public static readonly DEPLOY_COMMIT_TIMESTAMP = 'platform_pipeline_deploy_commit_timestamp_seconds';

  /**
   * Number of changes (commits) the last successful deploy shipped: the commits after the commit of the
   * previous successful deploy to the environment, up to the deployed one. Pushed in one request with
   * `DEPLOY_TIMESTAMP{result="success"}` and `DEPLOY_LEAD_TIME_SUM`, so the three always belong to one deploy.
   * Grouping key: `app`, `environment`, `result` (`success`).
   */
  public static readonly DEPLOY_CHANGES = 'platform_pipeline_deploy_changes';

  /**
   * Sum over the changes of the last successful deploy of (deploy time − the change's author time), in
   * seconds; `DEPLOY_LEAD_TIME_SUM / DEPLOY_CHANGES` is that deploy's mean lead time for changes.
   * Grouping key: `app`, `environment`, `result` (`success`).
   */
  public static readonly DEPLOY_LEAD_TIME_SUM = 'platform_pipeline_deploy_lead_time_sum_seconds';

  /**
   * Info gauge (value 1) whose `commit` label is the commit the last successful deploy shipped; the next
   * deploy reads it back from the Pushgateway to know which changes it ships.
   * Grouping key: `app`, `environment`, `result` (`success`).
   */
  public static readonly DEPLOY_INFO = 'platform_pipeline_deploy_info';

  /**
   * Unix time of the last automatic rollback. Grouping key: `app`, `environment`.
   */
  public static readonly ROLLBACK_TIMESTAMP = 'platform_pipeline_rollback_timestamp_seconds';

  /**
   * Unix time at which the last pipeline run of the app finished, per result.
   * Grouping key: `app`, `result` (`success` | `failure`).
   */
  public static readonly RUN_TIMESTAMP = 'platform_pipeline_run_timestamp_seconds';

  /**
   * Duration of the last pipeline run in seconds, per result, without the time no job was running (approval
   * waits, wait timers, runner queues): the union of the jobs' running intervals. Grouping key: `app`, `result`.
   */
  public static readonly RUN_DURATION = 'platform_pipeline_run_duration_seconds';

  /**
   * Time of the last pipeline run in seconds during which no job was running (human approvals, wait timers,
   * runner queues): wall-clock time from the run's start to its end minus `RUN_DURATION`.
   * Grouping key: `app`, `result`.
   */
  public static readonly RUN_WAIT = 'platform_pipeline_run_wait_seconds';

  /**
   * Findings of the last scan by scanner and severity. Grouping key: `app`, `scanner`; label `severity`.
   */
  public static readonly SCAN_FINDINGS = 'platform_pipeline_scan_findings';

  /**
   * Line coverage of the last test run in percent (0–100). Pushed by the pipeline's report job from the job
   * output `COVERAGE_OUTPUT` of any job. Grouping key: `app`.
   */
  public static readonly TEST_COVERAGE = 'platform_pipeline_test_coverage_percent';

  /**
   * Job output a test job sets to its line coverage in percent (e.g. `87.5`); the report job pushes it as
   * `TEST_COVERAGE`.
   */
  public static readonly COVERAGE_OUTPUT = 'coverage-percent';

  /**
   * Prefix of job outputs a scan job sets to its finding counts, one per severity: `findings-critical`,
   * `findings-high`, `findings-medium`, `findings-low`. The report job pushes them as `SCAN_FINDINGS` with
   * `scanner` = the job's local id.
   */
  public static readonly FINDINGS_OUTPUT_PREFIX = 'findings-';

  /** The severities `FINDINGS_OUTPUT_PREFIX` outputs may carry, most severe first. */
  public static readonly FINDING_SEVERITIES = ['critical', 'high', 'medium', 'low'];

  /**
   * A latency quantile of the last load test in seconds, per scenario. Pushed by the LoadTestStage's verify job.
   * Grouping key: `app`, `environment`; labels `scenario`, `quantile` (`0.95` | `0.99`).
   */
  public static readonly LOAD_TEST_LATENCY = 'platform_pipeline_load_test_latency_seconds';

  /** Share of failed requests (0–1) of the last load test, per scenario. Grouping key: `app`, `environment`; label `scenario`. */
  public static readonly LOAD_TEST_ERROR_RATIO = 'platform_pipeline_load_test_error_ratio';

  /** Requests per second of the last load test, per scenario. Grouping key: `app`, `environment`; label `scenario`. */
  public static readonly LOAD_TEST_THROUGHPUT = 'platform_pipeline_load_test_requests_per_second';

  /**
   * Target requests per second of the last ingress gateway throughput test (`LoadTestStageProps.gatewayThroughput`);
   * `LOAD_TEST_THROUGHPUT` of the same scenario is what it achieved. Grouping key: `app`, `environment`; label `scenario`.
   */
  public static readonly LOAD_TEST_TARGET_THROUGHPUT = 'platform_pipeline_load_test_target_requests_per_second';

  /**
   * Iterations k6 dropped in the last ingress gateway throughput test (no free virtual user at their start: the
   * gateway did not keep up). Grouping key: `app`, `environment`; label `scenario`.
   */
  public static readonly LOAD_TEST_DROPPED_ITERATIONS = 'platform_pipeline_load_test_dropped_iterations';

  /** Seconds the kind E2E cluster's nodes took to pull the release's image (the slowest pull): a registry-performance figure. Grouping key: `app`, `environment` (`kind-e2e`). */
  public static readonly IMAGE_PULL_SECONDS = 'platform_pipeline_image_pull_seconds';

  private constructor() {}
}

/** One pushed sample: metric name, extra labels (beyond the grouping key) and a shell expression for the value. @internal */
export interface PushedSample {
  readonly metric: string;
  readonly labels?: Record<string, string>;
  /** A shell word producing the value, e.g. `"$(date +%s)"` or `"${COMMIT_TIME}"`. */
  readonly value: string;
}

/**
 * A shell snippet that pushes `samples` to `${PUSHGATEWAY_URL}` under the grouping key `group` (values may be
 * shell variables such as `${APP}`). It POSTs, so other metrics of the group are kept. With
 * `${PUSHGATEWAY_TOKEN}` set it sends `Authorization: Bearer` from a header file (never on the command line).
 * A push that fails never fails the job it runs in (a deploy is not undone because its figures could not be
 * recorded), but it is not silent: a warning annotation and a line in the job summary name the group, the
 * URL and curl's error.
 * @internal
 */
export function pushgatewayScript(group: Array<[string, string]>, samples: PushedSample[]): string {
  const groupPath = group.map(([k, v]) => `/${k}/${v}`).join('');
  const body: string[] = [];
  for (const name of [...new Set(samples.map((s) => s.metric))]) {
    body.push(`# TYPE ${name} gauge`);
    for (const s of samples.filter((x) => x.metric === name)) {
      const labels = Object.entries(s.labels ?? {}).map(([k, v]) => `${k}="${v}"`).join(',');
      body.push(`${name}${labels ? `{${labels}}` : ''} ${s.value}`);
    }
  }
  const target = `\${PUSHGATEWAY_URL}/metrics/job/${PipelineMetrics.PUSH_JOB}${groupPath}`;
  return [
    'pp_push_err="$(mktemp)"',
    'pp_push_auth=()',
    'if [ -n "${PUSHGATEWAY_TOKEN:-}" ]; then',
    '  printf \'Authorization: Bearer %s\\n\' "${PUSHGATEWAY_TOKEN}" > "${pp_push_err}.auth"',
    '  pp_push_auth=(--header "@${pp_push_err}.auth")',
    'fi',
    `if ! curl --fail --silent --show-error --max-time 10 "\${pp_push_auth[@]}" --data-binary @- --output /dev/null "${target}" 2> "\${pp_push_err}" <<METRICS`,
    ...body,
    'METRICS',
    'then',
    '  pp_push_why="$(head -c 300 "${pp_push_err}" | tr -s \'\\r\\n\' \'  \')"',
    '  echo "::warning::could not push pipeline metrics to ${PUSHGATEWAY_URL}: ${pp_push_why:-no answer}"',
    `  echo "- :warning: pipeline metrics not recorded: the push of ${samples.map((s) => s.metric).filter((m, i, a) => a.indexOf(m) === i).join(', ')} to ${target} failed (\${pp_push_why:-no answer}); the DORA and delivery figures miss it" >> "\${GITHUB_STEP_SUMMARY}"`,
    'fi',
    'rm -f "${pp_push_err}" "${pp_push_err}.auth"',
  ].join('\n');
}

/** Where the app pushes: URL, token secret and the report job's runner (undefined: no pushes). @internal */
export interface ResolvedMetricsPush {
  readonly url: string;
  readonly tokenSecret?: string;
  readonly runner?: Runner;
}

/** The app's push target, from `observability.metricsPush` or the plain `pushgatewayUrl`. @internal */
export function metricsPushOf(app: IPlatformApp): ResolvedMetricsPush | undefined {
  const o = app.observability;
  if (o.metricsPush) return { url: o.metricsPush.url, tokenSecret: o.metricsPush.tokenSecret, runner: o.metricsPush.runner };
  return o.pushgatewayUrl ? { url: o.pushgatewayUrl } : undefined;
}

const PUSHED = Symbol.for('platform-pipeline.PushedMetrics');

/**
 * Notes that jobs of `app` push `metrics` (names from `PipelineMetrics`): the delivery dashboard draws panels
 * for the figures some stage pushes and leaves out the others. Read at render. @internal
 */
export function notePushedMetrics(app: IPlatformApp, metrics: readonly string[]): void {
  const pushed = attached(app, PUSHED, () => new Set<string>());
  for (const m of metrics) pushed.add(m);
}

/** The metrics `notePushedMetrics` recorded for `app`. @internal */
export function pushedMetricsOf(app: IPlatformApp): ReadonlySet<string> {
  return attached(app, PUSHED, () => new Set<string>());
}

/** The `env:` of a step or job that pushes: the URL, and the token from its secret when there is one. @internal */
export function pushgatewayEnv(app: IPlatformApp): Record<string, string> {
  const p = metricsPushOf(app);
  if (!p) return {};
  return {
    PUSHGATEWAY_URL: p.url.replace(/\/+$/, ''),
    ...(p.tokenSecret ? { PUSHGATEWAY_TOKEN: `\${{ secrets.${p.tokenSecret} }}` } : {}),
  };
}

/**
 * Why the app's push target cannot be resolved from a GitHub-hosted runner (`is a cluster-local Service
 * name …`), or undefined when it can, or when there is no (valid) push target.
 */
function clusterLocalPushTarget(app: IPlatformApp): string | undefined {
  const p = metricsPushOf(app);
  if (!p) return undefined;
  let host: string;
  try {
    host = new URL(p.url).hostname;
  } catch {
    return undefined; // the URL's form is checked with the app's props
  }
  return clusterLocalReason(host, app.environments.map((e) => e.namespace));
}

/**
 * Whether a job on `runner` can push figures to the app's Pushgateway: there is one, and the runner can
 * resolve it (a cluster-local name only from a self-hosted runner). @internal
 */
export function canPushFrom(app: IPlatformApp, runner: Runner): boolean {
  if (!metricsPushOf(app)) return false;
  return !clusterLocalPushTarget(app) || !isGitHubHosted(runner);
}

/**
 * Synth-time check of the push target against the runners of the jobs that push: a cluster-local name
 * (`*.svc`, `*.cluster.local`, a single label, `<service>.<namespace>`) cannot be resolved from a
 * GitHub-hosted runner, so every push would fail. Run after every job exists. @internal
 */
export function metricsPushProblems(app: IPlatformApp): string[] {
  const p = metricsPushOf(app);
  const local = clusterLocalPushTarget(app);
  if (!p || !local) return [];
  const key = app.observability.metricsPush ? 'observability.metricsPush' : 'observability.pushgatewayUrl';
  const pushing = app.pipeline.jobs.filter((j) => {
    const steps = (() => {
      try {
        return j._steps();
      } catch {
        return [];
      }
    })();
    return 'PUSHGATEWAY_URL' in (j._env() ?? {}) || steps.some((s) => s.env && 'PUSHGATEWAY_URL' in s.env);
  });
  const hosted = pushing.filter((j) => isGitHubHosted(j.runner ?? app.runner));
  if (hosted.length === 0) return [];
  return [`'${key}' ${show(p.url)} is ${local}, but ${hosted.map((j) => `job ${show(j.id)} runs on the GitHub-hosted runner ${show((j.runner ?? app.runner).labels.join(','))}`).join(', ')}, `
    + 'which cannot resolve it: every push of the DORA events and run figures would fail. Use '
    + "'observability.metricsPush: MetricsPush.external({ url: \"https://pushgateway.example.com\", tokenSecret: \"PUSHGATEWAY_TOKEN\" })' "
    + "for an authenticated endpoint the runners reach, or 'MetricsPush.inCluster({ url, runner: Runner.selfHosted([...]) })' "
    + "with every pushing job on runners inside the cluster network (the environments' 'runner')"];
}

/**
 * The DORA lines of a deploy or promotion job, after `${result}` is `success` or `failure`: the deploy
 * event, and for a success the changes it ships and their lead time, pushed in ONE request with the event
 * (grouping key app, environment, result), so a scrape never sees the event of one deploy with the lead
 * times of another. The changes are the commits after the commit of the previous successful deploy to the
 * environment (read back from the Pushgateway's `DEPLOY_INFO`) up to the deployed one; when that commit is
 * unknown or not in the checkout's history, the deployed commit alone. A change's lead time is the deploy
 * time minus its author time. Needs `APP`, `ENVIRONMENT`, `GITHUB_SHA` and the push env. @internal
 */
export function doraEventLines(): string[] {
  const M = PipelineMetrics;
  return [
    'now="$(date +%s)"',
    'if [ "${result}" != success ]; then',
    pushgatewayScript([['app', '${APP}'], ['environment', '${ENVIRONMENT}'], ['result', '${result}']],
      [{ metric: M.DEPLOY_TIMESTAMP, value: '${now}' }]),
    '  exit 0',
    'fi',
    '# the commit of the previous successful deploy to this environment, as the Pushgateway recorded it',
    'pp_read_auth=()',
    'if [ -n "${PUSHGATEWAY_TOKEN:-}" ]; then',
    '  printf \'Authorization: Bearer %s\\n\' "${PUSHGATEWAY_TOKEN}" > "${RUNNER_TEMP:-/tmp}/pp-read.auth"',
    '  pp_read_auth=(--header "@${RUNNER_TEMP:-/tmp}/pp-read.auth")',
    'fi',
    'previous="$(curl --fail --silent --show-error --max-time 10 "${pp_read_auth[@]}" "${PUSHGATEWAY_URL}/api/v1/metrics" \\',
    `  | jq -r --arg app "\${APP}" --arg env "\${ENVIRONMENT}" '[.data[]? | select(.labels.job == "${M.PUSH_JOB}" and .labels.app == $app and .labels.environment == $env and .labels.result == "success") | .["${M.DEPLOY_INFO}"].metrics[]?.labels.commit // empty] | first // ""')" || previous=""`,
    'rm -f "${RUNNER_TEMP:-/tmp}/pp-read.auth"',
    '# a redeploy of the same commit ships no change; an unknown previous commit: the deployed one alone',
    'if [ "${previous}" = "${GITHUB_SHA}" ]; then',
    '  authored=""',
    'elif [[ "${previous}" =~ ^[0-9a-f]{40}$ ]] && git merge-base --is-ancestor "${previous}" "${GITHUB_SHA}" 2> /dev/null; then',
    '  authored="$(git log --format=%at "${previous}..${GITHUB_SHA}")"',
    'else',
    '  authored="$(git log -1 --format=%at "${GITHUB_SHA}")"',
    'fi',
    'changes=0',
    'lead_sum=0',
    'while IFS= read -r at; do',
    '  [[ "${at}" =~ ^[0-9]+$ ]] || continue',
    '  changes=$((changes + 1))',
    '  lead_sum=$((lead_sum + now - at))',
    'done <<< "${authored}"',
    'echo "this deploy ships ${changes} change(s) since ${previous:-an unknown commit}; their lead times add up to ${lead_sum} s"',
    pushgatewayScript([['app', '${APP}'], ['environment', '${ENVIRONMENT}'], ['result', '${result}']], [
      { metric: M.DEPLOY_TIMESTAMP, value: '${now}' },
      { metric: M.DEPLOY_CHANGES, value: '${changes}' },
      { metric: M.DEPLOY_LEAD_TIME_SUM, value: '${lead_sum}' },
      { metric: M.DEPLOY_INFO, labels: { commit: '${GITHUB_SHA}' }, value: '1' },
    ]),
  ];
}
