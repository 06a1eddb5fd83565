/**
 * Change requests, run by the script harness (issue 11 item 13): the deploy job's `change-request` and
 * `change-close` steps against a fake ServiceNow and a fake Jira (a curl stub that keeps the changes in a
 * JSON file across runs, so a re-run sees what the first run left). Each scenario checks what the change
 * system holds afterwards, by hand: one change per run and environment (a re-run reuses it), the approval
 * awaited a bounded number of polls (timeout and rejection fail before anything is deployed), and the
 * outcome recorded whatever happened (success, failure, rollback, cancellation).
 */
import * as fs from 'fs';
import * as path from 'path';
import { Duration } from 'cdk8s';
import { parse } from 'yaml';
import * as pp from '../../src';
import { makeApp } from '../util';
import { cleanupHarness, harnessTmp, JobResult, runJob, Scenario } from './job-runner';
import { record, writeVerdicts } from './verdicts';
import { Cluster, deployScenario } from './worlds';

afterAll(() => {
  writeVerdicts('change-requests');
  cleanupHarness();
});

const TOKEN = 'secret-token-123';
const SNOW = 'https://acme.service-now.example';
const JIRA = 'https://acme.atlassian.example';

/** The shape of an example's pipeline (test/harness/examples.ts), for a definition of the test's own. */
interface Pipeline {
  readonly name: string;
  readonly app: string;
  readonly repo: string;
  readonly workflow: any;
  jobs(p: RegExp): string[];
}

const TWO_MINUTES = pp.ChangeApproval.waitFor({ timeout: Duration.minutes(2), pollInterval: Duration.seconds(30) });

/** An app whose production deploy opens a change in `system`, by default waiting 2 minutes (5 polls, 30 s apart). */
function pipelineWith(system: pp.ChangeSystem, approval = TWO_MINUTES): Pipeline {
  const { project, app } = makeApp();
  new pp.ChangeRequest(app, 'Change', { system, approval });
  const out = pp.Testing.synth(project);
  const workflow = parse(fs.readFileSync(path.join(out.outdir, '.github/workflows/checkout-pipeline.yml'), 'utf8'));
  return { name: 'change', app: 'checkout', repo: out.outdir, workflow, jobs: (p) => Object.keys(workflow.jobs).filter((j) => p.test(j.slice('checkout-'.length))) };
}

/** How the fake system behaves. */
interface Fake {
  /** What successive approval polls answer (ServiceNow `approval`, Jira status name); the last repeats. */
  readonly approvals: string[];
  /** The system refuses updates (HTTP 403 on PATCH / transitions). */
  readonly refuseUpdates?: boolean;
  /** Jira: the transitions the workflow offers (target status names). */
  readonly transitions?: string[];
}

/** Request lines the fake logged: `METHOD URL?query BODY`. */
const requests = (state: string) => fs.readFileSync(path.join(state, 'requests.log'), 'utf8').split('\n').filter((l) => l);
const changes = (state: string): any[] => JSON.parse(fs.readFileSync(path.join(state, 'changes.json'), 'utf8'));

/** The common part of both fakes: parse curl's arguments, log the request, pop the next approval answer. */
function fakePrelude(state: string, base: string): string[] {
  return [
    '__url="${!#}"',
    `case "\${__url}" in ${base}/*) ;; *) . "\${__kit}/defaults/curl.sh" ;; esac`,
    `S='${state}'`,
    'method=GET data="" query="" prev=""',
    'for a in "$@"; do',
    '  case "${prev}" in',
    '    --request) method="$a" ;;',
    '    --data-binary) data="$a"; if [ "${method}" = GET ]; then method=POST; fi ;;',
    '    --data-urlencode) query="${query}&$a" ;;',
    '    --header) case "$a" in @*) cp "${a#@}" "${S}/last-header" ;; esac ;;',
    '  esac',
    '  prev="$a"',
    'done',
    'printf \'%s %s%s %s\\n\' "${method}" "${__url}" "${query:+?${query#&}}" "${data}" >> "${S}/requests.log"',
    'next_approval() { local a; a="$(head -n 1 "${S}/approvals")"; if [ "$(wc -l < "${S}/approvals")" -gt 1 ]; then sed -i 1d "${S}/approvals"; fi; printf \'%s\' "$a"; }',
    'save() { jq -c "$@" "${S}/changes.json" > "${S}/changes.tmp" && mv "${S}/changes.tmp" "${S}/changes.json"; }',
    'refuse() { if [ -f "${S}/refuse" ]; then echo "curl: (22) The requested URL returned error: 403" >&2; exit 22; fi; }',
  ];
}

/** A fake ServiceNow Table API for `change_request`. */
function fakeServiceNow(state: string): string {
  const table = `${SNOW}/api/now/table/change_request`;
  return [
    ...fakePrelude(state, SNOW),
    'case "${method} ${__url}" in',
    `  "GET ${table}")`,
    '    corr="$(sed -n \'s/.*sysparm_query=correlation_id=\\([^^]*\\)^active=true.*/\\1/p\' <<< "${query}")"',
    '    jq -c --arg c "${corr}" \'{result: ([.[] | select(.correlation_id == $c and .active == "true") | {sys_id, number}] | .[:1])}\' "${S}/changes.json" ;;',
    `  "POST ${table}")`,
    '    n=$(( $(jq length "${S}/changes.json") + 1 ))',
    '    save --argjson body "${data}" --arg n "${n}" \'. + [$body + {sys_id: ("sys" + $n), number: ("CHG003004" + $n), active: "true", state: "-5", approval: "requested"}]\'',
    '    jq -c \'{result: .[-1]}\' "${S}/changes.json" ;;',
    `  "GET ${table}/"*)`,
    '    a="$(next_approval)"',
    '    save --arg id "${__url##*/}" --arg a "${a}" \'map(if .sys_id == $id then .approval = $a else . end)\'',
    '    jq -c --arg id "${__url##*/}" \'{result: (.[] | select(.sys_id == $id) | {approval, state})}\' "${S}/changes.json" ;;',
    `  "PATCH ${table}/"*)`,
    '    refuse',
    '    save --arg id "${__url##*/}" --argjson body "${data}" \'map(if .sys_id == $id then . + $body | .active = (if .state == "3" or .state == "4" then "false" else "true" end) else . end)\'',
    '    echo \'{"result": {}}\' ;;',
    '  *) echo "curl: (22) The requested URL returned error: 404" >&2; exit 22 ;;',
    'esac',
    'exit 0',
  ].join('\n');
}

/** A fake Jira REST API: search by label, issues, comments, transitions. */
function fakeJira(state: string): string {
  const api = `${JIRA}/rest/api/2`;
  return [
    ...fakePrelude(state, JIRA),
    'done_status() { case "$1" in Completed | Failed | Canceled | Declined) echo true ;; *) echo false ;; esac; }',
    'case "${method} ${__url}" in',
    `  "GET ${api}/search/jql")`,
    '    label="$(sed -n \'s/.*labels = "\\([^"]*\\)".*/\\1/p\' <<< "${query}")"',
    '    jq -c --arg l "${label}" \'{issues: ([.[] | select((.fields.labels | index($l)) != null and .done == false) | {key}] | .[:1])}\' "${S}/changes.json" ;;',
    `  "POST ${api}/issue")`,
    '    n=$(( $(jq length "${S}/changes.json") + 42 ))',
    '    save --argjson body "${data}" --arg key "CHG-${n}" \'. + [$body + {key: $key, status: "Awaiting approval", done: false, comments: []}]\'',
    '    jq -c \'{key: .[-1].key}\' "${S}/changes.json" ;;',
    `  "GET ${api}/issue/"*/transitions)`,
    '    jq -c -n --argjson t "$(cat "${S}/transitions")" \'{transitions: [$t | to_entries[] | {id: ("3" + (.key | tostring)), to: {name: .value}}]}\' ;;',
    `  "POST ${api}/issue/"*/transitions)`,
    '    refuse',
    '    key="${__url%/transitions}"; key="${key##*/}"',
    '    id="$(jq -r .transition.id <<< "${data}")"',
    '    status="$(jq -r --arg id "${id}" \'to_entries[] | select(("3" + (.key | tostring)) == $id) | .value\' "${S}/transitions")"',
    '    save --arg k "${key}" --arg s "${status}" --argjson d "$(done_status "${status}")" \'map(if .key == $k then .status = $s | .done = $d else . end)\' ;;',
    `  "POST ${api}/issue/"*/comment)`,
    '    key="${__url%/comment}"; key="${key##*/}"',
    '    save --arg k "${key}" --argjson body "${data}" \'map(if .key == $k then .comments += [$body.body] else . end)\' ;;',
    `  "GET ${api}/issue/"*)`,
    '    a="$(next_approval)"',
    '    save --arg k "${__url##*/}" --arg a "${a}" --argjson d "$(done_status "${a}")" \'map(if .key == $k then .status = $a | .done = $d else . end)\'',
    '    jq -c --arg k "${__url##*/}" \'.[] | select(.key == $k) | {key, fields: {status: {name: .status}}}\' "${S}/changes.json" ;;',
    '  *) echo "curl: (22) The requested URL returned error: 404" >&2; exit 22 ;;',
    'esac',
    'exit 0',
  ].join('\n');
}

/** A change system's state directory, shared by the runs of one scenario. */
function newState(fake: Fake): string {
  const dir = harnessTmp();
  fs.writeFileSync(path.join(dir, 'changes.json'), '[]');
  fs.writeFileSync(path.join(dir, 'requests.log'), '');
  fs.writeFileSync(path.join(dir, 'approvals'), fake.approvals.join('\n') + '\n');
  fs.writeFileSync(path.join(dir, 'transitions'), JSON.stringify(fake.transitions ?? ['Completed', 'Failed', 'Canceled']));
  if (fake.refuseUpdates) fs.writeFileSync(path.join(dir, 'refuse'), '');
  return dir;
}

const JOB = 'checkout-deploy-production';

/** Runs the production deploy job against the fake system in `state`, the cluster answering as `cluster` says. */
function deploy(p: Pipeline, kind: 'servicenow' | 'jira', state: string, cluster: Cluster, extra: Partial<Scenario> = {}): JobResult {
  const base = deployScenario(p as any, JOB, cluster);
  const secrets: Record<string, string> = kind === 'servicenow'
    ? { SNOW_URL: SNOW, SNOW_TOKEN: TOKEN }
    : { JIRA_URL: JIRA, JIRA_TOKEN: TOKEN, JIRA_USER: 'deploy@acme.example' };
  return runJob(p.workflow, JOB, {
    ...base,
    secrets: { ...base.secrets, ...secrets },
    tools: { ...base.tools, curl: kind === 'servicenow' ? fakeServiceNow(state) : fakeJira(state) },
    ...extra,
  }, { repo: p.repo });
}

const helmUpgrades = (r: JobResult) => r.callsOf('helm').filter((a) => a[0] === 'upgrade');
const polls = (state: string, base: string) => requests(state).filter((l) => l.startsWith(`GET ${base}`) && !l.includes('?sysparm_query') && !l.includes('/search/') && !l.includes('/transitions'));

function expectVerdict(scenario: string, r: JobResult, expected: 'success' | 'failure'): void {
  record('app', JOB, scenario, expected, r.conclusion);
  expect({ verdict: r.conclusion, log: r.conclusion === expected ? '' : r.log }).toEqual({ verdict: expected, log: '' });
  // the token never reaches curl's command line
  expect(r.callsOf('curl').some((a) => a.some((x) => x.includes(TOKEN)))).toBe(false);
}

describe('ServiceNow: open once per run, wait for the approval, record the outcome', () => {
  const p = pipelineWith(pp.ChangeSystem.serviceNow({ instanceUrlSecret: 'SNOW_URL', tokenSecret: 'SNOW_TOKEN', assignmentGroup: 'Platform CAB' }));
  const table = `${SNOW}/api/now/table/change_request`;

  test('approved on the third poll: deployed, then closed successful', () => {
    const state = newState({ approvals: ['requested', 'requested', 'approved'] });
    const r = deploy(p, 'servicenow', state, {});
    expectVerdict('approved, deployed, closed successful', r, 'success');
    const [c] = changes(state);
    expect(c).toMatchObject({
      number: 'CHG0030041',
      correlation_id: 'github-run-4242-checkout-production',
      correlation_display: 'platform-pipeline',
      assignment_group: 'Platform CAB',
      type: 'normal',
      state: '3',
      close_code: 'successful',
      active: 'false',
    });
    expect(c.description).toContain(`Image: ghcr.io/acme/checkout@sha256:${'cd'.repeat(32)}`);
    expect(c.close_notes).toMatch(/^Deployed and verified ghcr\.io\/acme\/checkout@sha256:c/);
    expect(polls(state, `${table}/sys1`)).toHaveLength(3);
    expect(r.step('change-request').outputs).toEqual({ id: 'CHG0030041', ref: 'sys1', url: `${SNOW}/nav_to.do?uri=change_request.do?sys_id=sys1`, reused: 'false', approval: 'approved' });
    expect(r.outputs['change-id']).toBe('CHG0030041');
    expect(fs.readFileSync(path.join(state, 'last-header'), 'utf8')).toBe(`Authorization: Bearer ${TOKEN}\n`);
    expect(helmUpgrades(r)).toHaveLength(1);
  });

  test('the approval times out: the job fails before helm, the change stays open; the re-run reuses it (no duplicate) and closes it', () => {
    const state = newState({ approvals: ['requested', 'requested', 'requested', 'requested', 'requested', 'approved'] });
    const first = deploy(p, 'servicenow', state, {});
    expectVerdict('approval times out: fails, nothing deployed', first, 'failure');
    expect(first.step('change-request').outputs.approval).toBe('timeout');
    expect(first.log).toContain('was not approved within 2 minutes: nothing is deployed; it stays open, and a re-run of this job once it is approved reuses it');
    expect(helmUpgrades(first)).toEqual([]);
    expect(polls(state, `${table}/sys1`)).toHaveLength(5); // bounded: timeout / interval + 1 polls
    expect(first.callsOf('sleep')).toEqual([['30'], ['30'], ['30'], ['30']]);
    expect(changes(state)).toHaveLength(1);
    expect(changes(state)[0]).toMatchObject({ active: 'true', state: '-5' });
    expect(changes(state)[0].work_notes).toContain('No approval within 2 minutes; nothing was deployed. Re-run the deploy job');

    const rerun = deploy(p, 'servicenow', state, {});
    expectVerdict('re-run after approval: reuses the change, deploys, closes it', rerun, 'success');
    expect(rerun.step('change-request').outputs).toMatchObject({ id: 'CHG0030041', reused: 'true', approval: 'approved' });
    expect(requests(state).filter((l) => l.startsWith(`POST ${table}`))).toHaveLength(1); // one change for the run
    expect(changes(state)).toHaveLength(1);
    expect(changes(state)[0]).toMatchObject({ state: '3', close_code: 'successful', active: 'false' });
  });

  test('rejected: the job fails before helm and the change is canceled', () => {
    const state = newState({ approvals: ['requested', 'rejected'] });
    const r = deploy(p, 'servicenow', state, {});
    expectVerdict('rejected: fails, change canceled', r, 'failure');
    expect(r.log).toContain('change CHG0030041 was rejected: nothing is deployed');
    expect(helmUpgrades(r)).toEqual([]);
    expect(r.step('prepare-namespace').outcome).toBe('skipped');
    expect(changes(state)[0]).toMatchObject({ state: '4', active: 'false', close_notes: expect.stringContaining('The change was rejected; nothing was deployed.') });
  });

  test('the smoke test fails: rolled back, the change is closed unsuccessful naming the rollback', () => {
    const state = newState({ approvals: ['approved'] });
    const r = deploy(p, 'servicenow', state, { smokeExit: 22 });
    expectVerdict('smoke test fails: rollback, closed unsuccessful', r, 'failure');
    expect(r.step('rollback').outcome).toBe('failure'); // it rolls back, then fails loudly
    expect(changes(state)[0]).toMatchObject({ state: '3', close_code: 'unsuccessful' });
    // the rollback step fails the job by design after rolling back: the notes name the failed check and the rollback
    expect(changes(state)[0].close_notes).toMatch(/^The deploy of ghcr\.io\/acme\/checkout@sha256:(cd){32} failed \(smoke-test\); it was rolled back to the previous release\. /);
  });

  test('helm fails: closed unsuccessful', () => {
    const state = newState({ approvals: ['approved'] });
    const r = deploy(p, 'servicenow', state, { helmExit: 1 });
    expectVerdict('helm fails: closed unsuccessful', r, 'failure');
    expect(changes(state)[0]).toMatchObject({ state: '3', close_code: 'unsuccessful' });
    expect(changes(state)[0].close_notes).toContain('failed (helm-upgrade)');
  });

  test('cancelled during the deploy: closed unsuccessful; cancelled before it: canceled', () => {
    const during = newState({ approvals: ['approved'] });
    const r = deploy(p, 'servicenow', during, {}, { cancelAfter: 'helm-upgrade' });
    expectVerdict('cancelled after helm: closed unsuccessful', r, 'failure');
    expect(r.step('change-close').outcome).toBe('success');
    expect(changes(during)[0]).toMatchObject({ state: '3', close_code: 'unsuccessful', close_notes: expect.stringContaining('The run was cancelled during the deploy') });

    const before = newState({ approvals: ['approved'] });
    const r2 = deploy(p, 'servicenow', before, {}, { cancelAfter: 'change-request' });
    expectVerdict('cancelled before the deploy: change canceled', r2, 'failure');
    expect(helmUpgrades(r2)).toEqual([]);
    expect(changes(before)[0]).toMatchObject({ state: '4', close_notes: expect.stringContaining('cancelled before the deploy of') });
  });

  test('ServiceNow refuses the close: the step fails and says to record it by hand', () => {
    const state = newState({ approvals: ['approved'], refuseUpdates: true });
    const r = deploy(p, 'servicenow', state, {});
    expectVerdict('the close is refused: fails loudly', r, 'failure');
    expect(helmUpgrades(r)).toHaveLength(1);
    expect(r.step('change-close').outcome).toBe('failure');
    expect(r.log).toContain('ServiceNow refused to record the outcome (successful) on change CHG0030041: record it by hand');
  });

  test('missing secrets: the job fails before opening anything', () => {
    const state = newState({ approvals: ['approved'] });
    const r = deploy(p, 'servicenow', state, {}, { secrets: { ...deployScenario(p as any, JOB, {}).secrets, SNOW_URL: '', SNOW_TOKEN: '' } });
    expectVerdict('missing secrets: fails before anything', r, 'failure');
    expect(r.log).toContain('the change request needs the secrets SNOW_URL, SNOW_TOKEN');
    expect(requests(state)).toEqual([]);
    expect(r.step('change-close').outcome).toBe('skipped');
  });

  test('without a wait: opened, never polled, closed with the outcome', () => {
    const q = pipelineWith(pp.ChangeSystem.serviceNow({ instanceUrlSecret: 'SNOW_URL', tokenSecret: 'SNOW_TOKEN' }), pp.ChangeApproval.none());
    const state = newState({ approvals: ['requested'] });
    const r = deploy(q, 'servicenow', state, {});
    expectVerdict('no wait: opened and closed', r, 'success');
    expect(r.step('change-request').outputs.approval).toBe('not-required');
    expect(polls(state, `${table}/sys1`)).toEqual([]);
    expect(changes(state)[0]).toMatchObject({ state: '3', close_code: 'successful' });
    expect(changes(state)[0].assignment_group).toBeUndefined();
  });
});

describe('Jira: the same life cycle through labels, statuses and transitions', () => {
  const p = pipelineWith(pp.ChangeSystem.jira({ siteUrlSecret: 'JIRA_URL', tokenSecret: 'JIRA_TOKEN', userSecret: 'JIRA_USER', projectKey: 'CHG' }));

  test('approved: deployed, commented and moved to Completed', () => {
    const state = newState({ approvals: ['Awaiting approval', 'Awaiting implementation'] });
    const r = deploy(p, 'jira', state, {});
    expectVerdict('jira: approved, deployed, completed', r, 'success');
    const [issue] = changes(state);
    expect(issue).toMatchObject({ key: 'CHG-42', status: 'Completed', done: true });
    expect(issue.fields).toMatchObject({ project: { key: 'CHG' }, issuetype: { name: 'Change' }, labels: ['deploy', 'checkout', 'production', 'github-run-4242-checkout-production'] });
    expect(issue.comments).toEqual([expect.stringMatching(/^Deployed and verified ghcr\.io\/acme\/checkout@sha256:/)]);
    expect(r.step('change-request').outputs).toMatchObject({ id: 'CHG-42', ref: 'CHG-42', url: `${JIRA}/browse/CHG-42`, approval: 'approved' });
    expect(fs.readFileSync(path.join(state, 'last-header'), 'utf8')).toBe(`Authorization: Basic ${Buffer.from(`deploy@acme.example:${TOKEN}`).toString('base64')}\n`);
  });

  test('the approval times out, the re-run finds the open issue by its label and reuses it', () => {
    const state = newState({ approvals: ['Awaiting approval', 'Awaiting approval', 'Awaiting approval', 'Awaiting approval', 'Awaiting approval', 'Implementing'] });
    const first = deploy(p, 'jira', state, {});
    expectVerdict('jira: approval times out', first, 'failure');
    expect(helmUpgrades(first)).toEqual([]);
    expect(changes(state)[0]).toMatchObject({ status: 'Awaiting approval', done: false });
    const rerun = deploy(p, 'jira', state, {});
    expectVerdict('jira: re-run reuses the issue', rerun, 'success');
    expect(rerun.step('change-request').outputs.reused).toBe('true');
    expect(changes(state)).toHaveLength(1);
    expect(changes(state)[0].status).toBe('Completed');
  });

  test('declined: fails before helm, moved to Canceled', () => {
    const state = newState({ approvals: ['Declined'] });
    const r = deploy(p, 'jira', state, {});
    expectVerdict('jira: declined', r, 'failure');
    expect(helmUpgrades(r)).toEqual([]);
    expect(changes(state)[0]).toMatchObject({ status: 'Canceled' });
  });

  test('a rollback moves it to Failed', () => {
    const state = newState({ approvals: ['Implementing'] });
    const r = deploy(p, 'jira', state, { smokeExit: 7 });
    expectVerdict('jira: rollback, failed', r, 'failure');
    expect(changes(state)[0]).toMatchObject({ status: 'Failed' });
    expect(changes(state)[0].comments[0]).toContain('failed (smoke-test); it was rolled back to the previous release');
  });

  test('the workflow offers no transition to the outcome status: the close fails naming it', () => {
    const state = newState({ approvals: ['Implementing'], transitions: ['Review'] });
    const r = deploy(p, 'jira', state, {});
    expectVerdict('jira: no transition to Completed', r, 'failure');
    expect(r.log).toContain("Jira offers no transition of CHG-42 to 'Completed' from its current status");
  });
});
