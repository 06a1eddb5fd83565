import { paths } from '../../core/paths';
import { shellWord as q } from '../../core/shell';
import type { IPlatformApp } from '../../platform/platform-app-contract';

/**
 * `scripts/<app>/setup-environments.sh`: GitHub CLI calls that create each environment with its required
 * reviewers, wait timer and deployment-branch policy. These are repository settings, not workflow YAML.
 *
 * A reviewer is resolved without guessing: `org/team` is that team; a bare name is a team of the
 * repository owner when the owner's team list (read once, and a failure to read it stops the script)
 * has it, else a user login, who must be a collaborator of the repository (GitHub only lets people with
 * access review). Any lookup that fails stops the script with a message naming the reviewer and the fix,
 * before an environment is changed with a wrong or empty reviewer list.
 * @internal
 */
export function renderSetupScript(app: IPlatformApp): string {
  const reviewers = app.environments.flatMap((e) => e.approval.reviewers);
  const bareNames = reviewers.some((r) => !r.includes('/'));
  const lines: string[] = [
    '#!/usr/bin/env bash',
    `# Configures the GitHub environments of ${app.name}: required reviewers, wait timer and the branches`,
    '# allowed to deploy. Environment protection rules are repository settings, not workflow YAML, so run this',
    '# once and after every change of the definition, as a repository admin with the GitHub CLI logged in',
    '# (with the read:org scope when reviewers are teams):',
    `#   GITHUB_REPOSITORY=owner/repo ${paths.setupScript(app.name)}`,
    'set -euo pipefail',
    '',
    'fail() {',
    '  echo "setup-environments: $*" >&2',
    '  exit 1',
    '}',
    '',
    'repo="${GITHUB_REPOSITORY:-$(gh repo view --json nameWithOwner --jq .nameWithOwner)}"',
  ];
  if (reviewers.length > 0) {
    // only reviewers need the owner (shellcheck SC2034 otherwise: an app without approvals, PlatformProject's default)
    lines.push('owner="${repo%%/*}"');
    if (bareNames) {
      lines.push(
        '',
        '# The repository owner\'s teams, read once: a bare reviewer name is a team when it is one of them.',
        'owner_type="$(gh api "users/${owner}" --jq .type)" \\',
        '  || fail "cannot look up the repository owner ${owner} with the GitHub CLI; check \'gh auth status\' and GITHUB_REPOSITORY"',
        'owner_teams=""',
        'if [ "${owner_type}" = "Organization" ]; then',
        '  owner_teams="$(gh api --paginate "orgs/${owner}/teams" --jq \'.[].slug\')" \\',
        '    || fail "cannot list the teams of ${owner}: the GitHub CLI token needs the read:org scope (gh auth refresh --scopes read:org)"',
        'fi',
      );
    }
    lines.push(
      '',
      '# A reviewer is "org/team", a team of the repository owner, or a user login with access to the repository.',
      '# Runs in a command substitution: every failed lookup ends it with fail, which the assignment passes on.',
      'reviewer_json() {',
      '  local name="$1" type id',
      '  if [[ "${name}" == */* ]]; then',
      '    type=Team',
      '    id="$(gh api "orgs/${name%%/*}/teams/${name#*/}" --jq .id)" \\',
      '      || fail "reviewer \'${name}\': no team ${name#*/} in ${name%%/*}, or the GitHub CLI token cannot see it (it needs read:org); fix the reviewer in the definition or the token\'s scopes"',
      '  elif grep --quiet --line-regexp --fixed-strings -- "${name}" <<< "${owner_teams:-}"; then',
      '    type=Team',
      '    id="$(gh api "orgs/${owner}/teams/${name}" --jq .id)" \\',
      '      || fail "reviewer \'${name}\': cannot read team ${name} of ${owner} with the GitHub CLI"',
      '  else',
      '    type=User',
      '    gh api "repos/${repo}/collaborators/${name}" --silent 2> /dev/null \\',
      '      || fail "reviewer \'${name}\' is not a team of ${owner} and not a collaborator of ${repo}: write a team as \'${owner}/<team-slug>\' (or check its slug), or give the user access to the repository"',
      '    id="$(gh api "users/${name}" --jq .id)" \\',
      '      || fail "reviewer \'${name}\': cannot read user ${name} with the GitHub CLI"',
      '  fi',
      '  [[ "${id}" =~ ^[0-9]+$ ]] || fail "reviewer \'${name}\': GitHub answered ${id:-nothing} instead of a numeric ${type} id"',
      '  printf \'{"type":"%s","id":%s}\' "${type}" "${id}"',
      '}',
    );
  }
  lines.push(
    '',
    '# Replaces the deployment-branch policies of an environment with the given branch patterns.',
    'set_branch_policies() {',
    '  local env="$1" id pattern',
    '  shift',
    '  for id in $(gh api "repos/${repo}/environments/${env}/deployment-branch-policies" --jq \'.branch_policies[].id\'); do',
    '    gh api --method DELETE "repos/${repo}/environments/${env}/deployment-branch-policies/${id}" > /dev/null',
    '  done',
    '  for pattern in "$@"; do',
    '    gh api --method POST "repos/${repo}/environments/${env}/deployment-branch-policies" -f name="${pattern}" -f type=branch > /dev/null',
    '  done',
    '}',
  );
  for (const env of app.environments) {
    const a = env.approval;
    const waitMinutes = a.wait ? Math.round(a.wait.toSeconds() / 60) : 0;
    lines.push('', `# ${env.name}: namespace ${env.namespace}, deployed from ${env.branch}`);
    // one lookup per assignment, so a failed lookup fails the assignment (and set -e stops the script)
    a.reviewers.forEach((r, i) => lines.push(i === 0 ? `reviewers="$(reviewer_json ${q(r)})"` : `reviewers="\${reviewers},$(reviewer_json ${q(r)})"`));
    lines.push(a.reviewers.length > 0 ? 'reviewers="[${reviewers}]"' : 'reviewers="[]"');
    lines.push(
      `gh api --method PUT "repos/\${repo}/environments/${env.name}" --input - > /dev/null <<JSON`,
      `{"wait_timer": ${waitMinutes}, "prevent_self_review": ${a.reviewers.length > 0 && a.preventSelfReview}, "reviewers": \${reviewers}, "deployment_branch_policy": {"protected_branches": false, "custom_branch_policies": true}}`,
      'JSON',
      `set_branch_policies ${q(env.name)} ${q(env.branch)}`,
      `echo "configured environment ${env.name}${a.reviewers.length ? ` (reviewers: ${a.reviewers.join(', ')})` : ''}"`,
    );
    for (const secret of env.cluster.secrets) {
      lines.push(`echo "  environment secret to set: gh secret set ${secret} --env ${env.name} --repo \${repo} < kubeconfig"`);
    }
  }
  return lines.join('\n');
}
