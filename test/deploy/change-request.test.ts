import { Duration } from 'cdk8s';
import * as pp from '../../src';
import { shellcheckWorkflow } from '../conformance/validators/shellcheck';
import { errorOf, makeApp, workflowOf } from '../util';

function deployJobs(system: pp.ChangeSystem, environments?: string[], approval?: pp.ChangeApproval, extra?: (app: pp.PlatformApp) => void): any {
  const { project, app } = makeApp();
  new pp.ChangeRequest(app, 'Change', { system, environments, approval });
  extra?.(app);
  return workflowOf(pp.Testing.synth(project));
}

const step = (job: any, id: string) => job.steps.find((s: any) => s.id === id);

/** Variables the runner sets for every step (GitHub's default environment variables), written by hand. */
const RUNNER_VARS = ['GITHUB_OUTPUT', 'GITHUB_SERVER_URL', 'GITHUB_REPOSITORY', 'GITHUB_RUN_ID', 'GITHUB_SHA'];

/**
 * The shell variables a script expands: `$NAME` and `${NAME…}` outside single quotes (jq's `$x` stays
 * jq's); a command substitution `$(…)` starts its own quoting, as in bash.
 */
function expanded(script: string): Set<string> {
  const out = new Set<string>();
  let quote: '' | "'" | '"' = '';
  let depth = 0;
  const frames: Array<{ quote: '' | "'" | '"'; depth: number }> = [];
  for (let i = 0; i < script.length; i++) {
    const c = script[i];
    if (c === '\\' && quote !== "'") { i++; continue; }
    if (quote === "'") { if (c === "'") quote = ''; continue; }
    if (c === '$' && script[i + 1] === '(') { frames.push({ quote, depth }); quote = ''; depth = 0; i++; continue; }
    if (quote === '' && c === '(') { depth++; continue; }
    if (quote === '' && c === ')') {
      if (depth > 0) depth--;
      else if (frames.length > 0) ({ quote, depth } = frames.pop()!);
      continue;
    }
    if (c === '#' && quote === '' && (i === 0 || /\s/.test(script[i - 1]))) { while (i < script.length && script[i] !== '\n') i++; continue; }
    if (c === "'" && quote === '') { quote = "'"; continue; }
    if (c === '"') { quote = quote === '"' ? '' : '"'; continue; }
    const m = c === '$' ? /^\$\{?([A-Za-z_][A-Za-z0-9_]*)/.exec(script.slice(i)) : null;
    if (m) out.add(m[1]);
  }
  return out;
}

/** `${NAME}` / `$NAME` a script reads that nothing sets: not the step's or job's env, the runner, or the script itself. */
function unsetVariables(script: string, stepEnv: Record<string, string>, jobEnv: Record<string, string>): string[] {
  const read = expanded(script);
  const assigned = new Set([
    ...[...script.matchAll(/(?:^|[\s;(])(?:local\s+)?([A-Za-z_][A-Za-z0-9_]*)=/gm)].map((m) => m[1]),
    ...[...script.matchAll(/\blocal\s+([A-Za-z_ ]+)$/gm)].flatMap((m) => m[1].split(' ')),
    ...[...script.matchAll(/\bread -r ([A-Za-z_ ]+) <<</g)].flatMap((m) => m[1].split(' ')),
    ...[...script.matchAll(/for \(\(([a-z_]+) =/g)].map((m) => m[1]),
  ]);
  return [...read].filter((v) => !(v in stepEnv) && !(v in jobEnv) && !RUNNER_VARS.includes(v) && !assigned.has(v)).sort();
}

describe('ChangeRequest', () => {
  const snow = pp.ChangeSystem.serviceNow({ instanceUrlSecret: 'SNOW_URL', tokenSecret: 'SNOW_TOKEN', assignmentGroup: 'Platform CAB' });
  const jiraCloud = pp.ChangeSystem.jira({ siteUrlSecret: 'JIRA_URL', tokenSecret: 'JIRA_TOKEN', userSecret: 'JIRA_USER', projectKey: 'CHG' });

  test('ServiceNow: opened before the deploy changes anything, closed last whatever happened; secrets through env', () => {
    const wf = deployJobs(snow, undefined, pp.ChangeApproval.waitFor({ timeout: Duration.minutes(10) }));
    const prod = wf.jobs['checkout-deploy-production'];
    const ids: string[] = prod.steps.map((s: any) => s.id);
    expect(ids.indexOf('change-request')).toBeGreaterThan(ids.indexOf('cluster-credentials'));
    expect(ids.indexOf('change-request')).toBeLessThan(ids.indexOf('prepare-namespace'));
    expect(ids.indexOf('change-request')).toBeLessThan(ids.indexOf('helm-upgrade'));
    expect(ids[ids.length - 1]).toBe('change-close');
    expect(wf.jobs['checkout-deploy-staging'].steps.map((s: any) => s.id)).not.toContain('change-request');
    expect(wf.jobs['checkout-deploy-staging'].steps.map((s: any) => s.id)).not.toContain('change-close');
    const open = step(prod, 'change-request');
    expect(open.env).toEqual({
      CHANGE_URL: '${{ secrets.SNOW_URL }}',
      CHANGE_TOKEN: '${{ secrets.SNOW_TOKEN }}',
      SNOW_ASSIGNMENT_GROUP: 'Platform CAB',
      IMAGE_REPOSITORY: 'ghcr.io/acme/checkout',
      APPROVAL_ATTEMPTS: '21', // 10 minutes / 30 s + the immediate first poll
      APPROVAL_INTERVAL: '30',
      APPROVAL_TIMEOUT: '10 minutes',
    });
    expect(open['timeout-minutes']).toBe(5 + Math.ceil((21 * 60) / 60));
    expect(open.name).toBe('Open a change request (ServiceNow) and wait for its approval');
    const close = step(prod, 'change-close');
    expect(close.if).toBe("always() && steps.change-request.outputs.ref != ''");
    expect(close.env).toEqual({
      CHANGE_URL: '${{ secrets.SNOW_URL }}',
      CHANGE_TOKEN: '${{ secrets.SNOW_TOKEN }}',
      SNOW_ASSIGNMENT_GROUP: 'Platform CAB',
      CHANGE_REF: '${{ steps.change-request.outputs.ref }}',
      CHANGE_ID: '${{ steps.change-request.outputs.id }}',
      APPROVAL: '${{ steps.change-request.outputs.approval }}',
      APPROVAL_TIMEOUT: '10 minutes',
      IMAGE_REPOSITORY: 'ghcr.io/acme/checkout',
      OPEN_OUTCOME: '${{ steps.change-request.outcome }}',
      JOB_STATUS: '${{ job.status }}',
      STEPS_JSON: '${{ toJSON(steps) }}',
    });
    // the token never reaches the command line
    for (const s of [open, close]) expect(s.run).toContain('--header "@${header}"');
    expect(prod.outputs).toEqual({ 'change-id': '${{ steps.change-request.outputs.id }}', 'change-ref': '${{ steps.change-request.outputs.ref }}' });
    expect(step(prod, 'deploy-summary').env.CHANGE_ID).toBe('${{ steps.change-request.outputs.id }}');
    expect(shellcheckWorkflow(wf)).toEqual([]);
  });

  test('every variable the scripts read is set: the step, the deploy job or the runner (SNOW_ASSIGNMENT_GROUP only when declared)', () => {
    for (const [system, approval] of [
      [snow, pp.ChangeApproval.waitFor({ timeout: Duration.minutes(5) })],
      [pp.ChangeSystem.serviceNow({ instanceUrlSecret: 'U', tokenSecret: 'T' }), pp.ChangeApproval.none()],
      [jiraCloud, pp.ChangeApproval.waitFor({ timeout: Duration.minutes(5) })],
      [pp.ChangeSystem.jira({ siteUrlSecret: 'U', tokenSecret: 'T', projectKey: 'OPS' }), undefined],
    ] as Array<[pp.ChangeSystem, pp.ChangeApproval | undefined]>) {
      const prod = deployJobs(system, undefined, approval).jobs['checkout-deploy-production'];
      for (const id of ['change-request', 'change-close']) {
        const s = step(prod, id);
        expect({ id, unset: unsetVariables(s.run, s.env, prod.env) }).toEqual({ id, unset: [] });
        expect(s.run.startsWith('# unset variables and failures inside command substitutions stop the script\nset -u\nshopt -s inherit_errexit\n')).toBe(true);
      }
    }
    const noGroup = step(deployJobs(pp.ChangeSystem.serviceNow({ instanceUrlSecret: 'U', tokenSecret: 'T' })).jobs['checkout-deploy-production'], 'change-request');
    expect(noGroup.run).not.toContain('SNOW_ASSIGNMENT_GROUP');
    expect(noGroup.env.SNOW_ASSIGNMENT_GROUP).toBeUndefined();
  });

  test('the unset-variable check finds a variable nobody sets', () => {
    expect(unsetVariables('x="${A}" # it\'s\necho "${x} ${B} ${GITHUB_SHA}" \'$jq\' "it\'s ${C}" "$(jq \'$y\' <<< "${D}")"', { A: '1' }, {})).toEqual(['B', 'C', 'D']);
  });

  test('Jira Cloud: basic auth, the Cloud search endpoint; Data Center: bearer token, the Data Center search', () => {
    const cloud = deployJobs(jiraCloud, ['staging', 'production']);
    const s = step(cloud.jobs['checkout-deploy-staging'], 'change-request');
    expect(s.env).toEqual({
      CHANGE_URL: '${{ secrets.JIRA_URL }}',
      CHANGE_TOKEN: '${{ secrets.JIRA_TOKEN }}',
      CHANGE_USER: '${{ secrets.JIRA_USER }}',
      JIRA_PROJECT: 'CHG',
      JIRA_ISSUE_TYPE: 'Change',
      JIRA_APPROVED_STATUSES: '["Awaiting implementation","Implementing"]',
      JIRA_REJECTED_STATUSES: '["Declined","Canceled"]',
      JIRA_DONE_STATUS: 'Completed',
      JIRA_FAILED_STATUS: 'Failed',
      JIRA_CANCELED_STATUS: 'Canceled',
      IMAGE_REPOSITORY: 'ghcr.io/acme/checkout',
    });
    expect(s.run).toContain('Authorization: Basic %s');
    expect(s.run).toContain('/rest/api/2/search/jql"');
    expect(s.run).toContain('if [ -z "${CHANGE_URL}" ] || [ -z "${CHANGE_TOKEN}" ] || [ -z "${CHANGE_USER}" ]; then');
    expect(s.run).toContain('approval=not-required');
    expect(shellcheckWorkflow(cloud)).toEqual([]);
    const dc = deployJobs(pp.ChangeSystem.jira({
      siteUrlSecret: 'JIRA_URL',
      tokenSecret: 'JIRA_PAT',
      projectKey: 'OPS',
      issueType: 'Change Request',
      approvedStatuses: ['Approved'],
      rejectedStatuses: ['Rejected'],
      doneStatus: 'Done',
      failedStatus: 'Failed deploy',
      canceledStatus: 'Withdrawn',
    }));
    const d = step(dc.jobs['checkout-deploy-production'], 'change-request');
    expect(d.run).toContain('Authorization: Bearer %s');
    expect(d.run).toContain('/rest/api/2/search"');
    expect(d.env).toMatchObject({
      JIRA_ISSUE_TYPE: 'Change Request',
      JIRA_APPROVED_STATUSES: '["Approved"]',
      JIRA_REJECTED_STATUSES: '["Rejected"]',
      JIRA_DONE_STATUS: 'Done',
      JIRA_FAILED_STATUS: 'Failed deploy',
      JIRA_CANCELED_STATUS: 'Withdrawn',
    });
  });

  test('the steps the close reads to tell "nothing deployed" exist under those ids', () => {
    const wf = deployJobs(snow, undefined, undefined, (app) => {
      new pp.CanaryDeploy(app, 'Canary', {
        trafficRouting: pp.TrafficRouting.istio({ gateways: ['istio-ingress/public'] }),
        environments: [{
          environment: 'production',
          strategy: pp.DeliveryStrategy.canary({ stepWeights: [20, 50], manualGates: [50], trafficRouting: pp.TrafficRouting.istio({ gateways: ['istio-ingress/public'] }) }),
        }],
      });
    });
    const prod = wf.jobs['checkout-deploy-production'].steps.map((s: any) => s.id);
    for (const id of ['prepare-namespace', 'helm-upgrade', 'rollback', 'rollout-status']) expect(prod).toContain(id);
    expect(wf.jobs['checkout-promote-production-50'].steps.map((s: any) => s.id)).toContain('promote');
  });

  test('ChangeApproval: bounded waits only', () => {
    expect(pp.ChangeApproval.none().timeout).toBeUndefined();
    const w = pp.ChangeApproval.waitFor({ timeout: Duration.minutes(15), pollInterval: Duration.minutes(1) });
    expect([w.timeout!.toMinutes(), w.pollInterval!.toSeconds()]).toEqual([15, 60]);
    expect(w._wait()).toEqual({ attempts: 16, intervalSeconds: 60, timeoutText: '15 minutes' });
    expect(() => pp.ChangeApproval.waitFor({ timeout: Duration.minutes(16) })).toThrow("ChangeApproval.waitFor: 'timeout' must be from 1 to 15 minutes, got 16 minutes; a longer wait belongs between a failed run and its re-run, which reuses the change");
    expect(() => pp.ChangeApproval.waitFor({ timeout: Duration.seconds(59) })).toThrow("'timeout' must be from 1 to 15 minutes, got 59 seconds");
    expect(() => pp.ChangeApproval.waitFor({ timeout: Duration.minutes(5), pollInterval: Duration.seconds(5) })).toThrow("'pollInterval' must be whole seconds from 10 seconds to the timeout, got 5 seconds");
    expect(() => pp.ChangeApproval.waitFor({ timeout: Duration.minutes(2), pollInterval: Duration.minutes(3) })).toThrow("'pollInterval' must be whole seconds from 10 seconds to the timeout, got 3 minutes");
  });

  test('bad input', () => {
    expect(() => pp.ChangeSystem.serviceNow({ instanceUrlSecret: 'snow-url', tokenSecret: 'T' })).toThrow("'instanceUrlSecret' must be a GitHub secret name");
    expect(() => pp.ChangeSystem.serviceNow({ instanceUrlSecret: 'U', tokenSecret: 'T', assignmentGroup: ' ' })).toThrow("'assignmentGroup' must be a group name or sys_id, got ' '");
    expect(() => pp.ChangeSystem.jira({ siteUrlSecret: 'U', tokenSecret: 'T', projectKey: 'chg' })).toThrow("'projectKey' must be a Jira project key such as 'CHG', got 'chg'");
    expect(() => pp.ChangeSystem.jira({ siteUrlSecret: 'U', tokenSecret: 'T', projectKey: 'CHG', approvedStatuses: [] })).toThrow("'approvedStatuses' must list one or more status names, got []");
    expect(() => pp.ChangeSystem.jira({ siteUrlSecret: 'U', tokenSecret: 'T', projectKey: 'CHG', doneStatus: '' })).toThrow("'doneStatus' must be a status name, got ''");
    expect(() => pp.ChangeSystem.jira({ siteUrlSecret: 'U', tokenSecret: 'T', projectKey: 'CHG', approvedStatuses: ['Done'], rejectedStatuses: ['Done'] }))
      .toThrow("'approvedStatuses' and 'rejectedStatuses' both list ['Done']; a status means one or the other");
    const { app } = makeApp();
    const system = pp.ChangeSystem.serviceNow({ instanceUrlSecret: 'U', tokenSecret: 'T' });
    expect(errorOf(() => new pp.ChangeRequest(app, 'C', { system, environments: ['prod'] }))).toContain("'environments' names 'prod', which the app does not declare");
    new pp.ChangeRequest(app, 'C1', { system });
    expect(errorOf(() => new pp.ChangeRequest(app, 'C2', { system }))).toContain("environment 'production' already opens a change request");
  });
});
