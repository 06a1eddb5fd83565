/**
 * What each action and command needs from GITHUB_TOKEN, written by hand from each action's documentation.
 * The conformance suite derives every job's required permissions from its steps with this table and
 * compares them with what the generator wrote: a job that asks for more, or less, fails. This table is
 * deliberately independent of the library's own per-step permissions.
 */

export type Perms = Record<string, 'read' | 'write'>;

/** Actions and what they need (documentation of each action, at the pinned version). */
export const ACTION_PERMISSIONS: Record<string, Perms> = {
  // reads the repository contents
  'actions/checkout': { contents: 'read' },
  // buildx, metadata and build-push use the Actions runtime token for the gha cache, not GITHUB_TOKEN
  'docker/setup-buildx-action': {},
  'docker/setup-qemu-action': {},
  'docker/metadata-action': {},
  'docker/build-push-action': {},
  // login needs nothing itself; pushing to ghcr.io with GITHUB_TOKEN needs packages: write (special case below)
  'docker/login-action': {},
  // role assumption with GitHub's OIDC token
  'aws-actions/configure-aws-credentials': { 'id-token': 'write' },
  'aws-actions/amazon-ecr-login': {},
  // download binaries from get.helm.sh / dl.k8s.io
  'Azure/setup-helm': {},
  'Azure/setup-kubectl': {},
  // artifacts use the runtime token
  'actions/upload-artifact': {},
  'actions/download-artifact': {},
  'actions/cache': {},
  // code scanning upload: "security-events: write"; "contents: read" for the checkout it reads; private repos also need actions: read
  'github/codeql-action/upload-sarif': { 'security-events': 'write', 'contents': 'read', 'actions': 'read' },
  // dependency review reads the dependency graph of the PR ("contents: read"); pull-requests: write only to comment
  'actions/dependency-review-action': { contents: 'read' },
  // gitleaks-action v3 reads the PR's commits through the API on pull_request events
  'gitleaks/gitleaks-action': { 'contents': 'read', 'pull-requests': 'read' },
  'trufflesecurity/trufflehog': {},
  'bridgecrewio/checkov-action': {},
  'aquasecurity/trivy-action': {},
  'aquasecurity/setup-trivy': {},
  'anchore/scan-action': {},
  'anchore/sbom-action': {},
  'sigstore/cosign-installer': {},
  'oras-project/setup-oras': {},
  'actions/setup-node': {},
  'actions/setup-python': {},
  'actions/setup-go': {},
  'helm/chart-testing-action': {},
  'helm/kind-action': {},
  'kyverno/action-install-cli': {},
  'open-policy-agent/setup-opa': {},
  'grafana/setup-k6-action': {},
  'grafana/run-k6-action': {},
  'snyk/actions/setup': {},
  'snyk/actions/node': {},
  'snyk/actions/python': {},
  'SonarSource/sonarqube-scan-action': {},
  'fossas/fossa-action': {},
  'zaproxy/action-baseline': {},
  'step-security/harden-runner': {},
  'dorny/paths-filter': { 'pull-requests': 'read' },
  // attestations: "id-token: write, attestations: write" (+ packages: write when pushing to a registry)
  'actions/attest-build-provenance': { 'id-token': 'write', 'attestations': 'write' },
  'actions/attest': { 'id-token': 'write', 'attestations': 'write' },
};

/** The SLSA container generator (a reusable workflow): its README lists what the calling job needs. */
export const SLSA_CALLER_PERMISSIONS: Perms = { 'actions': 'read', 'id-token': 'write', 'packages': 'write' };

/** Commands inside `run:` and what they need. */
export const COMMAND_PERMISSIONS: Array<{ pattern: RegExp; needs: Perms; why: string }> = [
  { pattern: /ACTIONS_ID_TOKEN_REQUEST_(URL|TOKEN)/, needs: { 'id-token': 'write' }, why: 'requests GitHub\'s OIDC token' },
  // npm trusted publishing: npm exchanges GitHub's OIDC token for a short-lived publish token and signs the
  // provenance statement with it ("permissions: id-token: write", docs.npmjs.com trusted publishers)
  { pattern: /\bnpm publish\b[^\n]*--provenance/, needs: { 'id-token': 'write' }, why: 'publishes with provenance through the OIDC token' },
  // POST /repos/{owner}/{repo}/releases (and the tag it creates): "Contents" write
  { pattern: /\bgh release (create|upload)\b/, needs: { contents: 'write' }, why: 'creates the release and its tag' },
  { pattern: /\bcosign (sign|attest)\b(?![^\n]*--key)/, needs: { 'id-token': 'write' }, why: 'keyless signing uses the OIDC token' },
  { pattern: /\bcosign (sign|attest)\b/, needs: { packages: 'write' }, why: 'signatures are pushed to the registry' },
  { pattern: /\bgh (pr|issue) comment\b/, needs: { 'pull-requests': 'write' }, why: 'comments on the pull request' },
  // GET /repos/{owner}/{repo}/actions/runs and .../runs/{run_id}/artifacts (+ the artifact's zip): "Actions" read
  { pattern: /\bgh run (list|download)\b/, needs: { actions: 'read' }, why: 'finds the previous run and downloads its artifact' },
  // POST /repos/{o}/{r}/issues/{n}/comments and PATCH /repos/{o}/{r}/issues/comments/{id} on a pull request:
  // "Pull requests" (or "Issues") write; listing them to find the one to update is covered by it
  { pattern: /\bgh api\b[^\n]*\/issues\/[^\n]*comments/, needs: { 'pull-requests': 'write' }, why: 'adds or updates a comment on the pull request' },
  // GET /repos/{owner}/{repo}/actions/runs/{run_id}/approvals and .../attempts/{n}: "Actions" read
  { pattern: /\/actions\/runs\/\$\{GITHUB_RUN_ID\}\/(approvals|attempts)/, needs: { actions: 'read' }, why: 'reads the run (approvals, start time) through the REST API' },
];

function merge(a: Perms, b: Perms): Perms {
  const level = { read: 1, write: 2 } as const;
  const out: Perms = { ...a };
  for (const [k, v] of Object.entries(b)) if (!out[k] || level[v] > level[out[k]]) out[k] = v;
  return out;
}

/** The permissions a job needs, from its steps (or its reusable-workflow call). Unknown actions throw. */
export function requiredPermissions(job: any): Perms {
  if (typeof job.uses === 'string') {
    if (job.uses.startsWith('slsa-framework/slsa-github-generator/')) return { ...SLSA_CALLER_PERMISSIONS };
    throw new Error(`no permission entry for the reusable workflow ${job.uses}`);
  }
  let needs: Perms = {};
  let ghcr = false;
  let pushes = false;
  for (const step of job.steps ?? []) {
    if (step.uses) {
      const action = String(step.uses).replace(/@.*$/, '');
      const entry = ACTION_PERMISSIONS[action];
      if (!entry) throw new Error(`no permission entry for ${action}: add it to test/conformance/permissions-table.ts from the action's documentation`);
      needs = merge(needs, entry);
      const usesGithubToken = JSON.stringify(step.with ?? {}).includes('secrets.GITHUB_TOKEN') || JSON.stringify(step.with ?? {}).includes('github.token');
      // GHCR with GITHUB_TOKEN: pulling needs packages: read, pushing packages: write
      if (action === 'docker/login-action' && step.with?.registry === 'ghcr.io' && usesGithubToken) ghcr = true;
      if (action === 'docker/build-push-action' && String(step.with?.push ?? 'false') !== 'false') pushes = true;
    }
    if (step.run) {
      for (const c of COMMAND_PERMISSIONS) if (c.pattern.test(step.run)) needs = merge(needs, c.needs);
      if (/\bhelm push\b|\bimagetools create\b|\boras push\b|\bcrane (copy|tag|push)\b/.test(step.run)) pushes = true;
    }
  }
  if (ghcr) needs = merge(needs, { packages: pushes ? 'write' : 'read' });
  return needs;
}
