/**
 * The library's own GitHub workflows, held to the rules of the pipelines it generates: every action pinned to
 * the commit in the action manifest (`owner/repo@<sha> # vX.Y.Z`, from src/core/action-pins.generated.ts),
 * `permissions: {}` at the top and the least each job needs, no `pull_request_target`, checkouts without
 * persisted credentials, no `${{ }}` inside `run:`. test/conformance/library-workflows.test.ts runs the
 * workflow parser, actionlint, shellcheck and the audit on them, and the script harness runs the release.
 *
 * They are written here rather than with projen's build and release workflows, which use
 * `pull_request_target` (for self-mutation), persisted credentials and tag pins; projen's release
 * machinery is still used for the version: `npx projen bump` (conventional commits -> semver bump, changelog).
 */
import { Project, TextFile } from 'projen';
import { stringify } from 'yaml';
import { ACTION_PINS } from '../src/core/action-pins.generated';

const RUNNER = 'ubuntu-24.04';

function uses(action: string): string {
  const pin = ACTION_PINS.find((p) => p.uses === action);
  if (!pin) throw new Error(`${action} is not in the action manifest (src/core/action-pins.generated.ts)`);
  return `${pin.uses}@${pin.sha}`;
}

const checkout = (withs: Record<string, unknown> = {}) => ({
  id: 'checkout', uses: uses('actions/checkout'), with: { 'persist-credentials': false, ...withs },
});
const setupNode = (version: number) => ({ id: 'setup-node', uses: uses('actions/setup-node'), with: { 'node-version': version } });

/**
 * The tests read the design repository's shared reference data (`schemas/`, `reference/`: the CRD schemas
 * and the action manifest), which is not part of this repository (PP_SHARED, default `../shared`). On
 * GitHub it is checked out into `.shared` (git-ignored) from the repository the variable
 * `PP_SHARED_REPOSITORY` names (`owner/name`), at `PP_SHARED_REF` (default: its default branch), with the
 * job's read-only token: that repository must be public (no secret is read here, pull requests from forks
 * included). Without the variable the job stops at once and says what to set.
 */
const SHARED_DIR = '.shared';
const sharedSteps = () => [
  {
    id: 'shared-repository',
    name: 'the shared reference data is named (PP_SHARED_REPOSITORY)',
    env: { SHARED_REPOSITORY: '${{ vars.PP_SHARED_REPOSITORY }}' },
    run: [
      'if [[ ! "${SHARED_REPOSITORY}" =~ ^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$ ]]; then',
      '  echo "::error::set the repository variable PP_SHARED_REPOSITORY to the owner/name of the design repository holding schemas/ and reference/ (the tests read them); got \'${SHARED_REPOSITORY}\'"',
      '  exit 1',
      'fi',
    ].join('\n'),
  },
  {
    id: 'checkout-shared',
    uses: uses('actions/checkout'),
    with: {
      'repository': '${{ vars.PP_SHARED_REPOSITORY }}',
      'ref': '${{ vars.PP_SHARED_REF }}',
      'path': SHARED_DIR,
      'persist-credentials': false,
    },
  },
];
const ciStep = () => ({
  id: 'ci',
  name: 'install, build, lint and test (.ci/run)',
  env: { PP_SHARED: `\${{ github.workspace }}/${SHARED_DIR}` },
  run: '.ci/run',
});

/** Pull requests: the whole of .ci/run (build, API.md, lint, every test), then no drift in generated files. */
export function buildWorkflow(): any {
  return {
    name: 'build',
    on: { pull_request: { branches: ['main'] }, workflow_dispatch: {} },
    permissions: {},
    concurrency: { 'group': 'build-${{ github.ref }}', 'cancel-in-progress': true },
    jobs: {
      build: {
        'name': 'build and test',
        'runs-on': RUNNER,
        'timeout-minutes': 30,
        'permissions': { contents: 'read' },
        'steps': [
          checkout(),
          ...sharedSteps(),
          setupNode(20),
          ciStep(),
          {
            id: 'drift',
            name: 'generated files are up to date',
            run: [
              'npx projen',
              'if [[ -n "$(git status --porcelain)" ]]; then',
              '  git status --porcelain',
              '  echo "::error::generated files differ from .projenrc.ts: run npx projen and commit the result"',
              '  exit 1',
              'fi',
            ].join('\n'),
          },
        ],
      },
    },
  };
}

/**
 * Pushes to main: test, bump the version from the conventional commits since the last tag, pack; publish to
 * npm with provenance through GitHub's OIDC token (npm trusted publishing: no token is stored anywhere);
 * then tag and create the GitHub release with the changelog. A version already tagged is not published again.
 */
export function releaseWorkflow(): any {
  const released = "needs.release.outputs.release == 'true'";
  return {
    name: 'release',
    on: { push: { branches: ['main'] }, workflow_dispatch: {} },
    permissions: {},
    concurrency: { 'group': 'release', 'cancel-in-progress': false },
    jobs: {
      'release': {
        'name': 'test, bump and pack',
        'runs-on': RUNNER,
        'timeout-minutes': 30,
        'permissions': { contents: 'read' },
        'outputs': { release: '${{ steps.version.outputs.release }}', tag: '${{ steps.version.outputs.tag }}' },
        'steps': [
          // the whole history and its tags: the bump reads the commits since the last release tag
          checkout({ 'fetch-depth': 0 }),
          ...sharedSteps(),
          setupNode(20),
          ciStep(),
          { id: 'bump', name: 'bump the version from the conventional commits since the last tag', run: 'npx projen bump' },
          {
            id: 'version',
            name: 'release only a version not tagged yet',
            run: [
              'if [[ ! -s dist/releasetag.txt ]]; then',
              '  echo "no releasable commit since the last release tag"',
              '  echo "release=false" >> "${GITHUB_OUTPUT}"',
              '  exit 0',
              'fi',
              'tag="$(cat dist/releasetag.txt)"',
              'if [[ ! "${tag}" =~ ^v[0-9]+\\.[0-9]+\\.[0-9]+$ ]]; then',
              '  echo "::error::dist/releasetag.txt holds no version tag: ${tag}"',
              '  exit 1',
              'fi',
              'echo "tag=${tag}" >> "${GITHUB_OUTPUT}"',
              'if git rev-parse -q --verify "refs/tags/${tag}" > /dev/null; then',
              '  echo "${tag} is already tagged: nothing to release"',
              '  echo "release=false" >> "${GITHUB_OUTPUT}"',
              'else',
              '  echo "release=true" >> "${GITHUB_OUTPUT}"',
              'fi',
            ].join('\n'),
          },
          {
            id: 'pack',
            name: 'compile and pack the bumped version',
            if: "steps.version.outputs.release == 'true'",
            run: 'npx projen compile\nnpx projen package:js\nls dist/js/*.tgz',
          },
          {
            id: 'upload',
            if: "steps.version.outputs.release == 'true'",
            uses: uses('actions/upload-artifact'),
            with: { 'name': 'dist', 'path': 'dist', 'if-no-files-found': 'error' },
          },
        ],
      },
      'publish-npm': {
        'name': 'publish to npm (trusted publishing, provenance)',
        'needs': 'release',
        'if': released,
        'runs-on': RUNNER,
        'timeout-minutes': 10,
        // the OIDC token npm exchanges for a short-lived publish token, and signs the provenance with
        'permissions': { 'id-token': 'write' },
        'steps': [
          { id: 'download', uses: uses('actions/download-artifact'), with: { name: 'dist', path: 'dist' } },
          // trusted publishing needs npm 11.5.1 or later: Node 24 ships it
          setupNode(24),
          {
            id: 'publish',
            name: 'npm publish --provenance',
            run: [
              'npm_version="$(npm --version)"',
              'if [[ "$(printf \'%s\\n\' 11.5.1 "${npm_version}" | sort -V | head -n1)" != 11.5.1 ]]; then',
              '  echo "::error::npm ${npm_version} cannot publish with trusted publishing (11.5.1 or later)"',
              '  exit 1',
              'fi',
              'shopt -s nullglob',
              'tarballs=(dist/js/*.tgz)',
              'if [[ "${#tarballs[@]}" -ne 1 ]]; then',
              '  echo "::error::expected one package in dist/js, found ${#tarballs[@]}"',
              '  exit 1',
              'fi',
              'npm publish --provenance --access public "${tarballs[0]}"',
            ].join('\n'),
          },
        ],
      },
      'github-release': {
        'name': 'tag and GitHub release',
        'needs': ['release', 'publish-npm'],
        'if': released,
        'runs-on': RUNNER,
        'timeout-minutes': 10,
        // creating the tag and the release
        'permissions': { contents: 'write' },
        'steps': [
          { id: 'download', uses: uses('actions/download-artifact'), with: { name: 'dist', path: 'dist' } },
          {
            id: 'release',
            name: 'gh release create',
            env: { GH_TOKEN: '${{ github.token }}', TAG: '${{ needs.release.outputs.tag }}' },
            run: 'gh release create "${TAG}" --repo "${GITHUB_REPOSITORY}" --target "${GITHUB_SHA}" --title "${TAG}" --notes-file dist/changelog.md dist/js/*.tgz',
          },
        ],
      },
    },
  };
}

/** YAML with each pinned action's version as a comment: `uses: owner/repo@<sha> # vX.Y.Z`. */
export function renderWorkflow(wf: any): string {
  const text = stringify(wf, { lineWidth: 0, aliasDuplicateObjects: false });
  return text.replace(/^(\s*(?:- )?uses: )(\S+)@([0-9a-f]{40})$/gm, (_, prefix: string, action: string, sha: string) => {
    const pin = ACTION_PINS.find((p) => p.uses === action && p.sha === sha)!;
    return `${prefix}${action}@${sha} # ${pin.version}`;
  });
}

/** Writes `.github/workflows/build.yml` and `release.yml` through projen (marked, read-only, in files.json). */
export function addLibraryWorkflows(project: Project): void {
  for (const [name, wf] of [['build', buildWorkflow()], ['release', releaseWorkflow()]] as const) {
    new TextFile(project, `.github/workflows/${name}.yml`, {
      lines: ['# ~~ Generated by projen. To modify, edit .projenrc.ts (projenrc/library-workflows.ts) and run "npx projen".', ...renderWorkflow(wf).trimEnd().split('\n'), ''],
    });
  }
}
