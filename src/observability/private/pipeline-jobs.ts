/**
 * The two pipeline jobs of stage 8 (never exported from the package):
 * - the gate job that checks and unit-tests the generated rules in the user's pipeline, whether or not a
 *   TestStage exists. promtool comes from the Prometheus release tarball, pinned to a version whose
 *   tarball's sha256 the library pins (core/tool-checksums.json), checked before it is extracted;
 * - the report job that pushes the pipeline's own figures to the Pushgateway: run result, finish time and
 *   duration, scan findings by scanner and severity, and test coverage, read from the jobs' results and
 *   outputs (`needs`). It always runs, last, on the deploying branches (not on pull requests), and only when
 *   the app names a Pushgateway.
 */
import { Duration } from 'cdk8s';
import { IConstruct } from 'constructs';
import { github } from 'projen';
import { installToolsScript, pinnedVersions } from '../../core/tool-install';
import { promtoolRelease } from '../../core/versions';
import { JobKind, PipelineJob } from '../../pipeline/pipeline-job';
import { addCheckout } from '../../platform/checkout-step';
import { metricsPushOf, PipelineMetrics, pushgatewayEnv, pushgatewayScript } from '../../platform/pipeline-metrics';
import type { IPlatformApp } from '../../platform/platform-app-contract';


/** Local id of the gate job. */
export const RULES_GATE_ID = 'alert-rules';

/** The install script: download, check against the pinned sha256, extract promtool only. */
export function installPromtoolScript(version: string): string {
  return [installToolsScript([promtoolRelease(version)]), '"${bin}/promtool" --version'].join('\n');
}

/**
 * Why `version` cannot be the promtool version (no pinned sha256 for its tarball), or undefined.
 * Used by PrometheusRules' validation of `promtoolVersion`.
 */
export function promtoolVersionProblem(version: string): string | undefined {
  const pinned = pinnedVersions('promtool');
  if (pinned.includes(version)) return undefined;
  return `'promtoolVersion' must be a Prometheus release whose tarball sha256 the library pins (${pinned.map((v) => `'${v}'`).join(', ')}), got '${version}'; `
    + 'pick one of those, or add the release to src/core/tool-checksums.json with its published sums';
}

/** Adds the gate job: check every rules file (lint fatal), run every rule test file. `ruleFiles` are paths without the suffix. */
export function addRulesGate(owner: IConstruct, app: IPlatformApp, version: string, ruleFiles: string[]): PipelineJob {
  const job = app.pipeline.addJob(RULES_GATE_ID, {
    kind: JobKind.GATE,
    name: `${app.name} / alert rules`,
    permissions: { contents: github.workflows.JobPermission.READ },
    timeout: Duration.minutes(10),
    estimatedDuration: Duration.minutes(1),
  }, owner);
  addCheckout(app.pipeline.actions, job);
  job.addStep({
    id: 'install-promtool',
    name: `Install promtool ${version} (sha256-pinned)`,
    run: installPromtoolScript(version),
  });
  const files = (suffix: string) => ruleFiles.map((f) => `"${f}${suffix}"`).join(' ');
  job.addStep({ id: 'check-rules', name: 'Check the alert rules (promtool check rules --lint-fatal)', run: `promtool check rules --lint-fatal ${files('.rules.yml')}` });
  job.addStep({ id: 'test-rules', name: 'Unit-test the alert rules (promtool test rules)', run: `promtool test rules ${files('.rules.test.yml')}` });
  return job;
}

/** Local id of the report job. */
export const REPORT_JOB_ID = 'report-metrics';

const M = PipelineMetrics;

/**
 * jq over the run attempt's jobs: seconds covered by the union of the finished jobs' [started_at,
 * completed_at] intervals (parallel jobs count once; time when no job ran does not count).
 */
export const ACTIVE_SECONDS_JQ = '[.jobs[] | select(.started_at != null and .completed_at != null) | [(.started_at | fromdateiso8601), (.completed_at | fromdateiso8601)]] | sort'
  + ' | reduce .[] as $j ({total: 0, from: null, to: null}; if .to == null then {total, from: $j[0], to: $j[1]}'
  + ' elif $j[0] > .to then {total: (.total + .to - .from), from: $j[0], to: $j[1]} else .to = ([.to, $j[1]] | max) end)'
  + ' | .total + (if .to == null then 0 else .to - .from end) | floor';

/** The run script: result and timing, then one push per scanner, then coverage. */
export function reportScript(): string {
  const severities = M.FINDING_SEVERITIES;
  return [
    'set -euo pipefail',
    '# one push per scanner: a POST replaces every series of the same name in its group',
    'push_findings() {',
    pushgatewayScript([['app', '${APP}'], ['scanner', '${scanner}']],
      severities.map((s) => ({ metric: M.SCAN_FINDINGS, labels: { severity: s }, value: `\${counts[${s}]}` }))),
    '}',
    '',
    'if jq -e \'any(.[]; .result == "failure" or .result == "cancelled")\' <<< "${NEEDS_JSON}" > /dev/null; then',
    '  result=failure',
    'else',
    '  result=success',
    'fi',
    'finished="$(date +%s)"',
    '# the run\'s own time: the union of its jobs\' running intervals (this job excluded); the rest of the',
    '# wall-clock time no job ran: approvals, wait timers and runner queues, pushed apart as the wait time',
    'api="${GITHUB_API_URL}/repos/${GITHUB_REPOSITORY}/actions/runs/${GITHUB_RUN_ID}/attempts/${GITHUB_RUN_ATTEMPT}"',
    'started="$(curl --fail --silent --show-error --max-time 10 \\',
    '  --header "Authorization: Bearer ${GITHUB_TOKEN}" --header "Accept: application/vnd.github+json" \\',
    '  "${api}" | jq -r \'.run_started_at | fromdateiso8601\')" || started="${finished}"',
    'active="$(curl --fail --silent --show-error --max-time 10 \\',
    '  --header "Authorization: Bearer ${GITHUB_TOKEN}" --header "Accept: application/vnd.github+json" \\',
    '  "${api}/jobs?per_page=100" | jq -r \'' + ACTIVE_SECONDS_JQ + '\')" || active=""',
    'wall=$((finished - started))',
    'if [[ "${active}" =~ ^[0-9]+$ ]] && [ "${active}" -le "${wall}" ]; then',
    '  duration="${active}"',
    'else',
    '  echo "::warning::could not read the job timings of this run; its duration includes the waits"',
    '  duration="${wall}"',
    'fi',
    'wait_seconds=$((wall - duration))',
    'echo "run time ${duration} s, waiting ${wait_seconds} s (approvals, timers, queues)"',
    pushgatewayScript([['app', '${APP}'], ['result', '${result}']], [
      { metric: M.RUN_TIMESTAMP, value: '${finished}' },
      { metric: M.RUN_DURATION, value: '${duration}' },
      { metric: M.RUN_WAIT, value: '${wait_seconds}' },
    ]),
    '',
    `prefix="${M.FINDINGS_OUTPUT_PREFIX}"`,
    'jobs="$(jq -r --arg prefix "${prefix}" \'to_entries[] | select((.value.outputs // {}) | keys | any(startswith($prefix))) | .key\' <<< "${NEEDS_JSON}")"',
    'declare -A counts',
    'while IFS= read -r job; do',
    '  [ -n "${job}" ] || continue',
    '  scanner="${job#"${APP}-"}"',
    `  for severity in ${severities.join(' ')}; do`,
    '    count="$(jq -r --arg job "${job}" --arg key "${prefix}${severity}" \'.[$job].outputs[$key] // "0"\' <<< "${NEEDS_JSON}")"',
    '    case "${count}" in',
    "      '' | *[!0-9]*) count=0 ;;",
    '    esac',
    '    counts["${severity}"]="${count}"',
    '  done',
    '  push_findings',
    'done <<< "${jobs}"',
    '',
    `coverage="$(jq -r --arg key "${M.COVERAGE_OUTPUT}" '[.[] | .outputs[$key] // empty] | first // ""' <<< "\${NEEDS_JSON}")"`,
    'if [[ "${coverage}" =~ ^[0-9]+([.][0-9]+)?$ ]]; then',
    pushgatewayScript([['app', '${APP}']], [{ metric: M.TEST_COVERAGE, value: '${coverage}' }]),
    'fi',
  ].join('\n');
}

/** Adds the report job once per app (PrometheusRules and GrafanaDashboard both read what it pushes). */
export function ensurePipelineReport(owner: IConstruct, app: IPlatformApp): PipelineJob | undefined {
  const push = metricsPushOf(app);
  if (!push) return undefined;
  const existing = app.pipeline.tryFindJob(REPORT_JOB_ID);
  if (existing) return existing;
  const job = app.pipeline.addJob(REPORT_JOB_ID, {
    kind: JobKind.REPORT,
    name: `${app.name} / push pipeline metrics`,
    condition: "github.event_name != 'pull_request'",
    timeout: Duration.minutes(5),
    estimatedDuration: Duration.minutes(1),
    // MetricsPush.inCluster({ runner }): the report job runs inside the cluster network
    ...(push.runner ? { runner: push.runner } : {}),
  }, owner);
  job.addEnv('APP', app.name);
  for (const [k, v] of Object.entries(pushgatewayEnv(app))) job.addEnv(k, v);
  job.addStep({
    id: 'push-run-metrics',
    name: 'Push run result, duration, scan findings and coverage to the Pushgateway',
    env: { NEEDS_JSON: '${{ toJSON(needs) }}', GITHUB_TOKEN: '${{ github.token }}' },
    run: reportScript(),
  }, { permissions: { actions: github.workflows.JobPermission.READ } });
  return job;
}
