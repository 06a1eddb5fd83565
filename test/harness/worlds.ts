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
  /** Revisions `helm history` lists. @default 2 */
  readonly revisions?: number;
}

function kubectl(c: Cluster): string {
  return [
    'case "$*" in',
    '  *"get deployment"*) echo 3 ;;',
    '  *workloadObservedGeneration*) echo 3 ;;',
    `  *".status.phase"*) echo "${c.phase ?? 'Healthy'}" ;;`,
    `  *currentStepIndex*) echo "${c.stepIndex ?? ''}" ;;`,
    `  *pauseConditions*) echo "${c.pauseReasons ?? ''}" ;;`,
    `  "argo rollouts status"*) exit ${c.statusExit ?? 0} ;;`,
    'esac',
    'exit 0',
  ].join('\n');
}

function helm(c: Cluster): string {
  const history = JSON.stringify(Array.from({ length: c.revisions ?? 2 }, (_, i) => ({ revision: i + 1 })));
  return [
    'case "${1:-}" in',
    `  upgrade) exit ${c.helmExit ?? 0} ;;`,
    `  history) echo '${history}' ;;`,
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

export function deployScenario(ex: ReturnType<typeof loadExample>, jobId: string, c: Cluster, extra: Partial<Scenario> = {}): Scenario {
  const job = ex.workflow.jobs[jobId];
  const smokeUrl = job.steps.find((s: any) => s.id === 'smoke-test')?.env?.SMOKE_URL;
  return {
    secrets: secretsOf(job),
    needs: { [`${ex.app}-build`]: { result: 'success', outputs: { digest: DIGEST } } },
    tools: { kubectl: kubectl(c), helm: helm(c) },
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

