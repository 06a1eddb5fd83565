import { paths } from '../../core/paths';
import type { IPlatformApp } from '../../platform/platform-app-contract';

function q(s: string): string {
  return `'${s.replace(/'/g, "'\\''")}'`;
}

/**
 * `scripts/<app>/setup-environments.sh`: GitHub CLI calls that create each environment with its required
 * reviewers, wait timer and deployment-branch policy. These are repository settings, not workflow YAML.
 * @internal
 */
export function renderSetupScript(app: IPlatformApp): string {
  const lines: string[] = [
    '#!/usr/bin/env bash',
    `# Configures the GitHub environments of ${app.name}: required reviewers, wait timer and the branches`,
    '# allowed to deploy. Environment protection rules are repository settings, not workflow YAML, so run this',
    '# once and after every change of the definition, as a repository admin with the GitHub CLI logged in:',
    `#   GITHUB_REPOSITORY=owner/repo ${paths.setupScript(app.name)}`,
    'set -euo pipefail',
    '',
    'repo="${GITHUB_REPOSITORY:-$(gh repo view --json nameWithOwner --jq .nameWithOwner)}"',
    'owner="${repo%%/*}"',
    '',
    '# A reviewer is "org/team", a team of the repository owner, or a user login.',
    'reviewer_json() {',
    '  local name="$1" id',
    '  if [[ "${name}" == */* ]]; then',
    '    id="$(gh api "orgs/${name%%/*}/teams/${name#*/}" --jq .id)"',
    '    printf \'{"type":"Team","id":%s}\' "${id}"',
    '  elif id="$(gh api "orgs/${owner}/teams/${name}" --jq .id 2>/dev/null)"; then',
    '    printf \'{"type":"Team","id":%s}\' "${id}"',
    '  else',
    '    id="$(gh api "users/${name}" --jq .id)"',
    '    printf \'{"type":"User","id":%s}\' "${id}"',
    '  fi',
    '}',
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
  ];
  for (const env of app.environments) {
    const a = env.approval;
    const waitMinutes = a.wait ? Math.round(a.wait.toSeconds() / 60) : 0;
    lines.push('', `# ${env.name}: namespace ${env.namespace}, deployed from ${env.branch}`);
    if (a.reviewers.length > 0) {
      lines.push(`reviewers="[${a.reviewers.map((r) => `$(reviewer_json ${q(r)})`).join(',')}]"`);
    } else {
      lines.push('reviewers="[]"');
    }
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
