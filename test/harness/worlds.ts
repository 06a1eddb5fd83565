/**
 * Worlds the harness runs jobs in: a cluster (kubectl and helm stubs that answer as a scenario says), the
 * secrets a job reads, and the build's digest. Shared by the deploy tests and the whole-workflow runs.
 */
import { loadExample } from './examples';
import { Scenario } from './job-runner';

/** What the cluster does in a scenario. */
export interface Cluster {
  /** `helm upgrade` exit code. @default 0 */
  readonly helmExit?: number;
  /** The Rollout's `.status.phase` while the job polls it. @default 'Healthy' */
  readonly phase?: string;
  /** `.status.currentStepIndex`. @default '' */
  readonly stepIndex?: string;
  /** `.status.pauseConditions[*].reason`. @default '' */
  readonly pauseReasons?: string;
  /** `kubectl argo rollouts status` exit code (1: degraded, aborted by analysis, or timed out). @default 0 */
  readonly statusExit?: number;
  /** The smoke test's curl exit code. @default 0 */
  readonly smokeExit?: number;
  /**
   * The release's revisions before the job, as `[status, description]`; `@HEAD@` is the run's commit,
   * `@PARENT@` its parent, `@NEWER@` a later commit of the deploying branch (see `Scenario.newerCommit`),
   * `@RUN@` this run's id. An empty list: the release does not exist yet (`helm history` fails "not found").
   * `helm upgrade` and `helm rollback` append revisions as Helm does.
   * @default two revisions deployed from the parent commit by earlier runs; for a promotion or clean-up
   * job, a third deployed by this run
   */
  readonly history?: Array<[string, string]>;
  /** `helm history` exits 0 but prints this instead of the revisions (e.g. '' or garbage). */
  readonly historyOutput?: string;
  /** Seconds the Rollout has been paused at its gate (`.status.pauseConditions[0].startTime`). @default 600 */
  readonly pausedFor?: number;
}

const EARLIER: Array<[string, string]> = [
  ['superseded', 'platform-pipeline commit=@PARENT@ run=4000'],
  ['deployed', 'platform-pipeline commit=@PARENT@ run=4100'],
];

/** This run's own revision on top of the earlier ones (what a promotion or clean-up job finds). */
export const OURS: Array<[string, string]> = [
  ['superseded', 'platform-pipeline commit=@PARENT@ run=4000'],
  ['superseded', 'platform-pipeline commit=@PARENT@ run=4100'],
  ['deployed', 'platform-pipeline commit=@HEAD@ run=@RUN@'],
];

function kubectl(c: Cluster): string {
  return [
    'case "$*" in',
    '  *"get deployment"*) echo 3 ;;',
    '  *workloadObservedGeneration*) echo 3 ;;',
    `  *".status.phase"*) echo "${c.phase ?? 'Healthy'}" ;;`,
    `  *"pauseConditions[0].startTime"*) date -u --date "@$(( $(date +%s) - ${c.pausedFor ?? 600} ))" +%Y-%m-%dT%H:%M:%SZ ;;`,
    `  *currentStepIndex*) echo "${c.stepIndex ?? ''}" ;;`,
    `  *pauseConditions*) echo "${c.pauseReasons ?? ''}" ;;`,
    `  "argo rollouts status"*) exit ${c.statusExit ?? 0} ;;`,
    '  *"previous.k8s.yaml --ignore-not-found --output name"*) printf "rollout.argoproj.io/app\\nservice/app-canary\\n" ;;',
    '  *"--ignore-not-found --output name"*) printf "rollout.argoproj.io/app\\nservice/app-canary\\nprometheusrule.monitoring.coreos.com/app-added\\n" ;;',
    'esac',
    'exit 0',
  ].join('\n');
}

function helm(c: Cluster, history: Array<[string, string]>): string {
  const revisions = JSON.stringify(history.map(([status, description], i) => ({ revision: i + 1, status, description })));
  const append = (desc: string) => `jq --arg d "${desc}" 'map(if .status == "deployed" then .status = "superseded" else . end) + [{revision: ((map(.revision) | max // 0) + 1), status: "deployed", description: $d}]' "\${state}" > "\${state}.new" && mv "\${state}.new" "\${state}"`;
  return [
    '# the release history lives in the harness directory: upgrades and rollbacks append to it',
    'state="${HARNESS_DIR}/helm-history.json"',
    'if [ ! -f "${state}" ]; then',
    '  newer="$(git rev-parse -q --verify refs/remotes/origin/main || echo none)"',
    `  printf '%s' '${revisions}' | sed -e "s/@HEAD@/$(git rev-parse HEAD)/g" -e "s/@PARENT@/$(git rev-parse HEAD~1)/g" -e "s/@NEWER@/\${newer}/g" -e "s/@RUN@/\${GITHUB_RUN_ID}/g" > "\${state}"`,
    'fi',
    'case "${1:-}" in',
    `  upgrade) [ ${c.helmExit ?? 0} -eq 0 ] || exit ${c.helmExit ?? 0}; ${append('$(opt --description "$@")')} ;;`,
    `  rollback) ${append('Rollback to $3')} ;;`,
    ...(c.historyOutput !== undefined ? [`  history) printf '%s' '${c.historyOutput}'; exit 0 ;;`] : []),
    '  history) if [ "$(jq length "${state}")" -eq 0 ]; then echo "Error: release: not found" >&2; exit 1; fi; cat "${state}" ;;',
    'esac',
    'exit 0',
  ].join('\n');
}

/** Every `secrets.X` a job reads, with a value (a missing secret is its own scenario). */
export function secretsOf(job: any): Record<string, string> {
  const names = [...JSON.stringify(job).matchAll(/secrets\.([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]);
  return Object.fromEntries(names.map((n) => [n, `value-of-${n}`]));
}

export const DIGEST = `sha256:${'cd'.repeat(32)}`;

/**
 * The build job's outputs a job reads: `digest` is DIGEST; every other one (a platform's manifest digest,
 * `digest-linux-arm64`) a digest of its own.
 */
export function buildOutputs(app: string, job: any): Record<string, string> {
  const names = new Set([...JSON.stringify(job).matchAll(new RegExp(`needs\\.${app}-build\\.outputs\\.([A-Za-z0-9_-]+)`, 'g'))].map((m) => m[1]));
  names.add('digest');
  return Object.fromEntries([...names].map((n, i) => [n, n === 'digest' ? DIGEST : `sha256:${(i.toString(16).padStart(2, '0')).repeat(32)}`]));
}

export function deployScenario(ex: ReturnType<typeof loadExample>, jobId: string, c: Cluster, extra: Partial<Scenario> = {}): Scenario {
  const job = ex.workflow.jobs[jobId];
  const smokeUrl = job.steps.find((s: any) => s.id === 'smoke-test')?.env?.SMOKE_URL;
  return {
    secrets: secretsOf(job),
    needs: {
      [`${ex.app}-build`]: { result: 'success', outputs: buildOutputs(ex.app, job) },
      // a promotion or clean-up job reads the deploy job's state: paused at a gate, the change it opened
      ...(/^(promote|abandon)-/.test(jobId.slice(ex.app.length + 1)) ? {
        [`${ex.app}-deploy-${job.env.ENVIRONMENT}`]: { result: 'success', outputs: { 'paused': 'true', 'change-ref': 'a1b2c3', 'change-id': 'CHG0042' } },
      } : {}),
    },
    tools: { kubectl: kubectl(c), helm: helm(c, c.history ?? (/^(promote|abandon)-/.test(jobId.slice(ex.app.length + 1)) ? OURS : EARLIER)) },
    // the change systems' answers: the run's open change is found (ServiceNow Table API, Jira search) and approved
    fixtures: {
      'change.json': JSON.stringify({ result: [{ sys_id: 'a1b2c3', number: 'CHG0042' }], issues: [{ key: 'OPS-42' }] }),
      'change-approval.json': JSON.stringify({ result: { approval: 'approved', state: '-1' }, fields: { status: { name: 'Implementing' } } }),
    },
    http: [
      ...(smokeUrl ? [{ match: `^${smokeUrl.replace(/[.?]/g, '\\$&')}`, exit: c.smokeExit ?? 0 }] : []),
      { match: 'change_request/[^/]+$|/rest/api/2/issue/[A-Z]+-[0-9]+$', exit: 0, body: 'change-approval.json' },
      { match: 'change_request|/rest/api/', exit: 0, body: 'change.json' },
    ],
    ...extra,
  };
}

