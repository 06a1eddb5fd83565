import { PipelineMetrics, pushgatewayScript } from '../../platform/pipeline-metrics';

// The scripts of the load-test verify job. They read k6's `--summary-export` JSON, whose format k6 1.x kept
// unchanged (js/summary-wrapper.js `oldJSONSummary()`): per metric its values, flat — `http_req_duration` has
// the `summaryTrendStats` (`"p(95)"`, `"p(99)"`, in ms), `http_req_failed` (a Rate) its rate renamed `value`
// (the share of failed requests) beside `passes`/`fails`, `http_reqs` its `count` and `rate`. k6 2 may drop the
// flag: K6_VERSION pins 1.x.

/** Where the job writes the summaries, top samples and the baseline. @internal */
export const RESULTS_DIR = 'load-results';
/** @internal */
export const BASELINE_DIR = 'load-baseline';

/**
 * `figures <summary.json>` prints `p95 p99 error-ratio requests-per-second requests` of a k6 summary, or fails
 * (returns 1) when the file is missing, not JSON, or lacks one of them: nothing is read as zero.
 */
const FIGURES_FN = [
  'figures() {',
  '  local out',
  '  out="$(jq -r \'.metrics | [.http_req_duration["p(95)"], .http_req_duration["p(99)"], .http_req_failed.value, .http_reqs.rate, .http_reqs.count] | map(tostring) | join(" ")\' "$1" 2> /dev/null)" || return 1',
  '  [[ "${out}" =~ ^[0-9.eE+-]+( [0-9.eE+-]+){4}$ ]] || return 1',
  '  echo "${out}"',
  '}',
];

/** A shell variable name for a scenario's figure (scenario names may contain '-'). */
function v(figure: string, scenario: string): string {
  return `${figure}_${scenario.replace(/-/g, '_')}`;
}

/** What the job's scripts need to know. @internal */
export interface LoadScriptContext {
  readonly appName: string;
  readonly environment: string;
  /** Scenario name → seconds it runs (ramp included). */
  readonly scenarios: ReadonlyArray<{ name: string; seconds: number }>;
  /** `kubectl top` sample interval in seconds. */
  readonly sampleInterval: number;
  readonly pushMetrics: boolean;
  /** The gateway throughput test, when there is one (also listed in `scenarios`, last). */
  readonly gateway?: GatewayContext;
}

/** What the scripts need of the gateway throughput test. @internal */
export interface GatewayContext {
  readonly name: string;
  /** Target requests per second. */
  readonly rate: number;
  /** Iterations planned (rate × seconds). */
  readonly planned: number;
  /** Most dropped iterations. */
  readonly maxDropped: number;
}

/**
 * Fetches the baseline: the summaries the last successful push run of this workflow on this branch uploaded
 * (`gh run download`), or none when there is no such run or it has no summaries (the first run, or one from
 * before the load test). An error of `gh run list` fails the step: an unreadable history is not "no baseline".
 * @internal
 */
export function previousRunBaselineScript(): string {
  return [
    `mkdir -p ${BASELINE_DIR}`,
    'run_id="$(gh run list --repo "${GITHUB_REPOSITORY}" --workflow "${WORKFLOW}" --branch "${GITHUB_REF_NAME}" --event push --status success --limit 1 --json databaseId --jq \'.[0].databaseId // ""\')"',
    'if [ -z "${run_id}" ]; then',
    '  echo "::notice::no earlier successful run of ${WORKFLOW} on ${GITHUB_REF_NAME}: no baseline, no regression check this time"',
    '  echo "found=false" >> "${GITHUB_OUTPUT}"',
    '  exit 0',
    'fi',
    'if ! [[ "${run_id}" =~ ^[0-9]+$ ]]; then',
    '  echo "::error::gh run list gave no run id (got \'${run_id}\')"',
    '  exit 1',
    'fi',
    `if ! gh run download "\${run_id}" --repo "\${GITHUB_REPOSITORY}" --name "\${ARTIFACT}" --dir ${BASELINE_DIR}; then`,
    '  echo "::warning::run ${run_id} has no artifact ${ARTIFACT} (it ran before the load test, or the artifact expired): no regression check this time"',
    '  echo "found=false" >> "${GITHUB_OUTPUT}"',
    '  exit 0',
    'fi',
    'echo "baseline: the summaries of run ${run_id}"',
    'echo "found=true" >> "${GITHUB_OUTPUT}"',
  ].join('\n');
}

/** Copies a baseline kept in the repository (a directory of `<scenario>.json` k6 summaries). @internal */
export function repositoryBaselineScript(): string {
  return [
    'if [ ! -d "${BASELINE_SOURCE}" ]; then',
    '  echo "::error::the baseline directory ${BASELINE_SOURCE} does not exist; commit the k6 summaries (<scenario>.json) of a good run there"',
    '  exit 1',
    'fi',
    `mkdir -p ${BASELINE_DIR}`,
    `cp -R "\${BASELINE_SOURCE}/." ${BASELINE_DIR}/`,
    'echo "found=true" >> "${GITHUB_OUTPUT}"',
  ].join('\n');
}

/**
 * Runs each scenario against `BASE_URL` with `kubectl top` samples of the app's pods taken meanwhile. A
 * crossed threshold (k6 exit 99) or any other k6 failure fails the step after every scenario ran.
 * @internal
 */
export function runScript(ctx: LoadScriptContext): string {
  return [
    `mkdir -p ${RESULTS_DIR}`,
    'status=0',
    'run_scenario() {',
    '  local scenario="$1" samples="$2" crossed="${3:-the SLO thresholds were crossed under load}" stop sampler code=0',
    '  # the app\'s pods under load: one kubectl top sample per interval while k6 runs. The sampler always',
    '  # takes its first sample and stops within a second of k6 ending (a stop file, not a kill that could',
    '  # land before the first sample or in the middle of one).',
    '  stop="$(mktemp -u)"',
    '  (',
    '    for _ in $(seq 1 "${samples}"); do',
    `      { echo "# $(date -u +%H:%M:%S)"; kubectl top pods --namespace "\${NAMESPACE}" --selector "\${POD_SELECTOR}" --no-headers 2>&1 || true; } >> "${RESULTS_DIR}/\${scenario}.top.txt"`,
    '      for _ in $(seq 1 "${SAMPLE_INTERVAL}"); do',
    '        if [ -e "${stop}" ]; then exit 0; fi',
    '        sleep 1',
    '      done',
    '    done',
    '  ) &',
    '  sampler=$!',
    `  k6 run --env "BASE_URL=\${BASE_URL}" --summary-export "${RESULTS_DIR}/\${scenario}.json" "\${LOAD_DIR}/\${scenario}.js" || code=$?`,
    '  touch "${stop}"',
    '  wait "${sampler}" || true',
    '  rm -f "${stop}"',
    '  if [ "${code}" -eq 99 ]; then',
    '    echo "::error::${scenario}: ${crossed} (k6 exit 99)"',
    '    status=1',
    '  elif [ "${code}" -ne 0 ]; then',
    '    echo "::error::${scenario}: k6 failed (exit ${code})"',
    '    status=1',
    '  fi',
    '}',
    ...ctx.scenarios.map((s) => {
      const call = `run_scenario ${s.name} ${Math.ceil(s.seconds / ctx.sampleInterval) + 1}`;
      const g = ctx.gateway;
      return g?.name === s.name ? `${call} "the gateway did not sustain ${g.rate} requests/s (more than ${g.maxDropped} dropped iterations, or too many failed requests) or the SLO thresholds were crossed"` : call;
    }),
    'exit "${status}"',
  ].join('\n');
}

/**
 * The latency/throughput table and the pod samples in the job summary, and the figures pushed with the
 * pipeline metrics. Fails when a scenario left no readable summary.
 * @internal
 */
export function reportScript(ctx: LoadScriptContext): string {
  const lines = [
    ...FIGURES_FN,
    'ms() { awk -v x="$1" \'BEGIN { printf "%.1f", x }\'; }',
    'pct() { awk -v x="$1" \'BEGIN { printf "%.2f", x * 100 }\'; }',
    'failed=0',
    '{',
    `  echo "### ${ctx.appName} load test against ${ctx.environment}"`,
    '  echo ""',
    '  echo "| scenario | requests | throughput (req/s) | p95 (ms) | p99 (ms) | failed requests |"',
    '  echo "|---|---|---|---|---|---|"',
    '} >> "${GITHUB_STEP_SUMMARY}"',
  ];
  for (const { name } of ctx.scenarios) {
    lines.push(
      `if ! f="$(figures ${RESULTS_DIR}/${name}.json)"; then`,
      `  echo "::error::${name}: k6 left no readable summary (${RESULTS_DIR}/${name}.json)"`,
      `  echo "| ${name} | no summary | | | | |" >> "\${GITHUB_STEP_SUMMARY}"`,
      '  failed=1',
      'else',
      `  read -r ${v('p95', name)} ${v('p99', name)} ${v('err', name)} ${v('rps', name)} ${v('count', name)} <<< "\${f}"`,
      `  echo "| ${name} | \${${v('count', name)}} | $(ms "\${${v('rps', name)}}") | $(ms "\${${v('p95', name)}}") | $(ms "\${${v('p99', name)}}") | $(pct "\${${v('err', name)}}") % |" >> "\${GITHUB_STEP_SUMMARY}"`,
      'fi',
    );
  }
  if (ctx.gateway) lines.push(...gatewayReportLines(ctx.gateway));
  // one group for every scenario's samples: three or more redirects in a row are a shellcheck finding (SC2129)
  lines.push('{');
  for (const { name } of ctx.scenarios) {
    lines.push(
      '  echo ""',
      `  echo "<details><summary>kubectl top pods during ${name}</summary>"`,
      '  echo ""',
      '  echo \'```text\'',
      `  if [ -s ${RESULTS_DIR}/${name}.top.txt ]; then cat ${RESULTS_DIR}/${name}.top.txt; else echo "no samples: kubectl top answered nothing (is metrics-server installed?)"; fi`,
      '  echo \'```\'',
      '  echo "</details>"',
    );
  }
  lines.push('} >> "${GITHUB_STEP_SUMMARY}"');
  if (ctx.pushMetrics) {
    lines.push('if [ "${failed}" = 0 ]; then');
    const samples = [];
    for (const { name } of ctx.scenarios) {
      lines.push(
        `  ${v('p95s', name)}="$(awk -v x="\${${v('p95', name)}}" 'BEGIN { print x / 1000 }')"`,
        `  ${v('p99s', name)}="$(awk -v x="\${${v('p99', name)}}" 'BEGIN { print x / 1000 }')"`,
      );
      samples.push(
        { metric: PipelineMetrics.LOAD_TEST_LATENCY, labels: { scenario: name, quantile: '0.95' }, value: `\${${v('p95s', name)}}` },
        { metric: PipelineMetrics.LOAD_TEST_LATENCY, labels: { scenario: name, quantile: '0.99' }, value: `\${${v('p99s', name)}}` },
        { metric: PipelineMetrics.LOAD_TEST_ERROR_RATIO, labels: { scenario: name }, value: `\${${v('err', name)}}` },
        { metric: PipelineMetrics.LOAD_TEST_THROUGHPUT, labels: { scenario: name }, value: `\${${v('rps', name)}}` },
      );
    }
    if (ctx.gateway) {
      samples.push(
        { metric: PipelineMetrics.LOAD_TEST_TARGET_THROUGHPUT, labels: { scenario: ctx.gateway.name }, value: String(ctx.gateway.rate) },
        { metric: PipelineMetrics.LOAD_TEST_DROPPED_ITERATIONS, labels: { scenario: ctx.gateway.name }, value: '${gateway_dropped}' },
      );
    }
    lines.push(pushgatewayScript([['app', '${APP}'], ['environment', '${ENVIRONMENT}']], samples), 'fi');
  }
  lines.push('exit "${failed}"');
  return lines.join('\n');
}

/**
 * The gateway throughput section of the report: target and achieved requests/s, dropped iterations against
 * their bound, p95/p99 and failed requests at that rate, and the verdict. A summary without a
 * `dropped_iterations` count (k6 writes it whenever the script has a threshold on it, even at 0) fails the
 * step: nothing is read as zero. Sets `gateway_dropped` for the push.
 */
function gatewayReportLines(g: GatewayContext): string[] {
  const n = g.name;
  const figures = `$(ms "\${${v('p95', n)}}") | $(ms "\${${v('p99', n)}}") | $(pct "\${${v('err', n)}}") %`;
  return [
    'gateway_dropped=""',
    `gateway_row="| ${g.rate} | no summary | | | | | unknown |"`,
    `if [ -n "\${${v('rps', n)}:-}" ]; then`,
    `  gateway_dropped="$(jq -r '.metrics.dropped_iterations.count // empty' ${RESULTS_DIR}/${n}.json 2> /dev/null || true)"`,
    '  if ! [[ "${gateway_dropped}" =~ ^[0-9]+$ ]]; then',
    `    echo "::error::${n}: the k6 summary has no dropped_iterations count (${RESULTS_DIR}/${n}.json): whether the gateway sustained the rate is unknown"`,
    `    gateway_row="| ${g.rate} | $(ms "\${${v('rps', n)}}") | unknown | ${figures} | unknown |"`,
    '    failed=1',
    '  else',
    `    if [ "\${gateway_dropped}" -le ${g.maxDropped} ]; then`,
    `      verdict="sustained (at most ${g.maxDropped} of ${g.planned} iterations may drop)"`,
    '    else',
    `      verdict="not sustained: \${gateway_dropped} of ${g.planned} iterations dropped (bound ${g.maxDropped})"`,
    `      echo "::error::${n}: the ingress gateway did not sustain ${g.rate} requests/s: k6 dropped \${gateway_dropped} of ${g.planned} iterations (bound ${g.maxDropped}), achieved $(ms "\${${v('rps', n)}}") requests/s"`,
    '    fi',
    `    gateway_row="| ${g.rate} | $(ms "\${${v('rps', n)}}") | \${gateway_dropped} | ${figures} | \${verdict} |"`,
    '  fi',
    'fi',
    '{',
    '  echo ""',
    `  echo "#### Ingress gateway throughput: ${g.rate} requests/s"`,
    '  echo ""',
    '  echo "| target (req/s) | achieved (req/s) | dropped iterations | p95 (ms) | p99 (ms) | failed requests | verdict |"',
    '  echo "|---|---|---|---|---|---|---|"',
    '  echo "${gateway_row}"',
    '} >> "${GITHUB_STEP_SUMMARY}"',
  ];
}

/**
 * Compares p95, p99 and the error ratio of each scenario with the baseline: latency may grow by at most
 * `TOLERANCE_PERCENT` percent, the error ratio by at most `ERROR_RATE_TOLERANCE` percentage points. A
 * baseline file that is not a k6 summary fails the step; a scenario without a baseline is new and passes.
 * @internal
 */
export function regressionScript(ctx: LoadScriptContext): string {
  return [
    ...FIGURES_FN,
    'if [ "${BASELINE_FOUND}" != true ]; then',
    '  echo "no baseline: regression check skipped" >> "${GITHUB_STEP_SUMMARY}"',
    '  exit 0',
    'fi',
    'slower() { awk -v c="$1" -v b="$2" -v t="${TOLERANCE_PERCENT}" \'BEGIN { exit !(c > b * (1 + t / 100)) }\'; }',
    'more_errors() { awk -v c="$1" -v b="$2" -v t="${ERROR_RATE_TOLERANCE}" \'BEGIN { exit !(c > b + t / 100) }\'; }',
    'regressions=0',
    'verdict() { if "$@"; then echo regressed; else echo ok; fi; }',
    '{',
    '  echo ""',
    '  echo "#### Regression check (latency +${TOLERANCE_PERCENT} %, error rate +${ERROR_RATE_TOLERANCE} points)"',
    '  echo ""',
    '  echo "| scenario | figure | baseline | this run | verdict |"',
    '  echo "|---|---|---|---|---|"',
    '} >> "${GITHUB_STEP_SUMMARY}"',
    // an array, not a word list: a single scenario would be a loop that runs once (shellcheck SC2043)
    `scenarios=(${ctx.scenarios.map((s) => s.name).join(' ')})`,
    'for scenario in "${scenarios[@]}"; do',
    `  if [ ! -f "${BASELINE_DIR}/\${scenario}.json" ]; then`,
    '    echo "| ${scenario} | (new scenario: no baseline) | | | |" >> "${GITHUB_STEP_SUMMARY}"',
    '    continue',
    '  fi',
    `  if ! base="$(figures "${BASELINE_DIR}/\${scenario}.json")"; then`,
    `    echo "::error::the baseline ${BASELINE_DIR}/\${scenario}.json is not a k6 summary with p(95), p(99) and http_req_failed"`,
    '    exit 1',
    '  fi',
    `  if ! cur="$(figures "${RESULTS_DIR}/\${scenario}.json")"; then`,
    `    echo "::error::\${scenario}: no readable summary of this run (${RESULTS_DIR}/\${scenario}.json)"`,
    '    exit 1',
    '  fi',
    '  read -r b95 b99 berr _ _ <<< "${base}"',
    '  read -r c95 c99 cerr _ _ <<< "${cur}"',
    '  v95="$(verdict slower "${c95}" "${b95}")"',
    '  v99="$(verdict slower "${c99}" "${b99}")"',
    '  verr="$(verdict more_errors "${cerr}" "${berr}")"',
    '  {',
    '    echo "| ${scenario} | p95 (ms) | ${b95} | ${c95} | ${v95} |"',
    '    echo "| ${scenario} | p99 (ms) | ${b99} | ${c99} | ${v99} |"',
    '    echo "| ${scenario} | failed requests (ratio) | ${berr} | ${cerr} | ${verr} |"',
    '  } >> "${GITHUB_STEP_SUMMARY}"',
    '  for pair in "p95:${v95}:${c95}:${b95}" "p99:${v99}:${c99}:${b99}" "error ratio:${verr}:${cerr}:${berr}"; do',
    '    IFS=: read -r figure result now before <<< "${pair}"',
    '    if [ "${result}" = regressed ]; then',
    '      echo "::error::${scenario}: ${figure} regressed: ${now} against a baseline of ${before} (tolerance ${TOLERANCE_PERCENT} % for latency, ${ERROR_RATE_TOLERANCE} points for errors)"',
    '      regressions=$((regressions + 1))',
    '    fi',
    '  done',
    'done',
    'echo "regressions=${regressions}" >> "${GITHUB_OUTPUT}"',
    'if [ "${regressions}" -gt 0 ]; then',
    '  exit 1',
    'fi',
  ].join('\n');
}
