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
   * Commit time (Unix) of the commit the last successful deploy shipped; lead time for changes is
   * `DEPLOY_TIMESTAMP{result="success"} - DEPLOY_COMMIT_TIMESTAMP`.
   * Grouping key: `app`, `environment`.
   */
  public static readonly DEPLOY_COMMIT_TIMESTAMP = 'platform_pipeline_deploy_commit_timestamp_seconds';

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
   * Duration of the last pipeline run in seconds, per result. Grouping key: `app`, `result`.
   */
  public static readonly RUN_DURATION = 'platform_pipeline_run_duration_seconds';

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
 * shell variables such as `${APP}`). It POSTs, so other metrics of the group are kept; a push that fails is
 * reported as a warning and never fails the job it runs in.
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
  return [
    `if ! curl --fail --silent --show-error --max-time 10 --data-binary @- "\${PUSHGATEWAY_URL}/metrics/job/${PipelineMetrics.PUSH_JOB}${groupPath}" <<METRICS`,
    ...body,
    'METRICS',
    'then',
    '  echo "::warning::could not push pipeline metrics to ${PUSHGATEWAY_URL}"',
    'fi',
  ].join('\n');
}
