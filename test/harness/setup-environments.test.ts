/**
 * `scripts/<app>/setup-environments.sh`, run by the script harness with a `gh` stub that answers as the
 * GitHub API would (issue 11 item 14): every reviewer resolves to the id GitHub knows, and a lookup that
 * fails stops the script with a message naming the reviewer and the fix, before any environment is
 * changed. The old script fell back to a *user* with the team's name when the team lookup failed.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as pp from '../../src';
import { shellcheckScript } from '../conformance/validators/shellcheck';
import { makeApp } from '../util';
import { cleanupHarness, JobResult, runJob } from './job-runner';
import { record, writeVerdicts } from './verdicts';

afterAll(() => {
  writeVerdicts('setup-environments');
  cleanupHarness();
});

const K = pp.ClusterAccess.kubeconfigSecret('K');

/** The synthesized repository of an app whose production needs `reviewers`. */
function repoWith(reviewers: string[]): string {
  const { project } = makeApp({
    environments: [
      { name: 'staging', namespace: 'shop-staging', cluster: K },
      { name: 'production', namespace: 'shop-prod', cluster: K, approval: pp.Approval.requiredReviewers(reviewers) },
    ],
  });
  return pp.Testing.synth(project).outdir;
}

/** What GitHub knows, by hand: the owner, its teams, users and the repository's collaborators. */
interface GitHub {
  /** `Organization` or `User`; `unknown`: the lookup fails (not logged in). @default 'Organization' */
  readonly ownerType?: string;
  /** Team slug → id of the owner `acme`; undefined: the team list cannot be read (no read:org). */
  readonly teams?: Record<string, number>;
  /** `org/slug` → id of teams of other organizations. */
  readonly otherTeams?: Record<string, number>;
  /** Login → id of GitHub users. */
  readonly users?: Record<string, number>;
  /** Logins with access to acme/platform. */
  readonly collaborators?: string[];
}

/** A `gh` stub for the scenario: answers `gh api` calls, records each environment's PUT body. */
function gh(w: GitHub): string {
  const notFound = 'echo "gh: Not Found (HTTP 404)" >&2; exit 1';
  const cases: string[] = [
    w.ownerType === 'unknown' ? `  "api users/acme --jq .type") ${notFound} ;;` : `  "api users/acme --jq .type") echo "${w.ownerType ?? 'Organization'}" ;;`,
    w.teams ? `  "api --paginate orgs/acme/teams --jq .[].slug") printf '%s\\n' ${Object.keys(w.teams).map((t) => `'${t}'`).join(' ')} ;;`
      : '  "api --paginate orgs/acme/teams --jq .[].slug") echo "gh: Resource not accessible by integration (HTTP 403)" >&2; exit 1 ;;',
    ...Object.entries(w.teams ?? {}).map(([t, id]) => `  "api orgs/acme/teams/${t} --jq .id") echo ${id} ;;`),
    ...Object.entries(w.otherTeams ?? {}).map(([t, id]) => `  "api orgs/${t.split('/')[0]}/teams/${t.split('/')[1]} --jq .id") echo ${id} ;;`),
    ...Object.entries(w.users ?? {}).map(([u, id]) => `  "api users/${u} --jq .id") echo ${id} ;;`),
    ...(w.collaborators ?? []).map((u) => `  "api repos/acme/platform/collaborators/${u} --silent") ;;`),
    '  "api --method PUT repos/acme/platform/environments/"*) cat > "${GITHUB_WORKSPACE}/put-${4##*/}.json" ;;',
    '  *deployment-branch-policies*) ;;',
    `  *) ${notFound} ;;`,
  ];
  return ['case "$*" in', ...cases, 'esac'].join('\n');
}

function run(repo: string, world: GitHub): JobResult {
  const workflow = { jobs: { setup: { 'runs-on': 'ubuntu-24.04', 'steps': [{ id: 'setup', run: 'bash scripts/checkout/setup-environments.sh' }] } } };
  return runJob(workflow, 'setup', { tools: { gh: gh(world) } }, { repo });
}

const put = (r: JobResult, env: string): any => {
  const f = path.join(r.workspace, `put-${env}.json`);
  return fs.existsSync(f) ? JSON.parse(fs.readFileSync(f, 'utf8')) : undefined;
};

const ACME: GitHub = {
  teams: { 'sre-leads': 11, 'platform': 12 },
  otherTeams: { 'cab-org/cab': 77 },
  users: { alice: 42, mallory: 66 },
  collaborators: ['alice'],
};

describe('setup-environments.sh resolves each reviewer, or stops with a message', () => {
  const repo = repoWith(['sre-leads', 'alice', 'cab-org/cab']);

  test('the generated script passes shellcheck', () => {
    expect(shellcheckScript(path.join(repo, 'scripts/checkout/setup-environments.sh'))).toEqual([]);
  });

  test('every lookup succeeds: a team of the owner, a collaborator, a team of another organization, by their ids', () => {
    const r = run(repo, ACME);
    record('app', 'setup-environments', 'every lookup succeeds', 'success', r.conclusion);
    expect({ verdict: r.conclusion, log: r.conclusion === 'success' ? '' : r.log }).toEqual({ verdict: 'success', log: '' });
    expect(put(r, 'production')).toEqual({
      wait_timer: 0,
      prevent_self_review: true,
      reviewers: [{ type: 'Team', id: 11 }, { type: 'User', id: 42 }, { type: 'Team', id: 77 }],
      deployment_branch_policy: { protected_branches: false, custom_branch_policies: true },
    });
    expect(put(r, 'staging').reviewers).toEqual([]);
  });

  test('a personal repository: a bare name is a user', () => {
    const r = run(repoWith(['alice']), { ...ACME, ownerType: 'User' });
    expect(r.conclusion).toBe('success');
    expect(put(r, 'production').reviewers).toEqual([{ type: 'User', id: 42 }]);
    expect(r.callsOf('gh').some((a) => a.join(' ').includes('orgs/acme/teams'))).toBe(false);
  });

  const failures: Array<{ name: string; world: GitHub; reviewers?: string[]; message: string }> = [
    {
      name: 'the team list cannot be read (token without read:org): no fallback to a user named like the team',
      world: { ...ACME, teams: undefined, users: { ...ACME.users, 'sre-leads': 999 }, collaborators: ['alice', 'sre-leads'] },
      message: 'setup-environments: cannot list the teams of acme: the GitHub CLI token needs the read:org scope (gh auth refresh --scopes read:org)',
    },
    {
      name: 'a bare name that is no team of the owner and no collaborator (a typo of a team slug)',
      world: ACME,
      reviewers: ['sre-lead'],
      message: "setup-environments: reviewer 'sre-lead' is not a team of acme and not a collaborator of acme/platform: write a team as 'acme/<team-slug>' (or check its slug), or give the user access to the repository",
    },
    {
      name: 'a GitHub user without access to the repository',
      world: ACME,
      reviewers: ['mallory'],
      message: "setup-environments: reviewer 'mallory' is not a team of acme and not a collaborator of acme/platform",
    },
    {
      name: 'a team of another organization that the token cannot see',
      world: { ...ACME, otherTeams: {} },
      message: "setup-environments: reviewer 'cab-org/cab': no team cab in cab-org, or the GitHub CLI token cannot see it (it needs read:org); fix the reviewer in the definition or the token's scopes",
    },
    {
      name: 'the owner cannot be looked up (not logged in)',
      world: { ...ACME, ownerType: 'unknown' },
      message: "setup-environments: cannot look up the repository owner acme with the GitHub CLI; check 'gh auth status' and GITHUB_REPOSITORY",
    },
  ];

  test.each(failures.map((f) => [f.name, f] as const))('%s: exit non-zero with the message, production untouched', (name, f) => {
    const r = run(f.reviewers ? repoWith(f.reviewers) : repo, f.world);
    record('app', 'setup-environments', name, 'failure', r.conclusion);
    expect(r.conclusion).toBe('failure');
    expect(r.step('setup').stderr).toContain(f.message);
    expect(put(r, 'production')).toBeUndefined();
  });
});
