import { Construct, IConstruct } from 'constructs';
import { github, Project } from 'projen';
import { fail, pathOf, show } from '../core/errors';
import { Runner } from '../model/runner';
import { JobKind, PipelineJob } from '../pipeline/pipeline-job';
import { appOf, appsOf, IPlatformApp } from '../platform/platform-app-contract';
import { addCheckout } from './private/scan-steps';
import { COMMENT_MARKER } from './private/synth-diff';

const SYNTH_CHECK_SYMBOL = Symbol.for('platform-pipeline.SynthCheck');
const READ = github.workflows.JobPermission.READ;
const WRITE = github.workflows.JobPermission.WRITE;

/** Where the base branch is checked out and synthesized, inside the workspace (after the drift check). */
const SYNTH_BASE_DIR = '.platform-pipeline/base';
/** The command the job runs to render the diff (the `bin` of this package). */
const DIFF_COMMAND = 'platform-pipeline-diff';

/** Properties of the synth check. */
export interface SynthCheckProps {
  /**
   * The Node.js version the job synthesizes with (`actions/setup-node`'s `node-version`).
   * @default - the project's `workflowNodeVersion`, else its `minNodeVersion`, else `lts/*`
   */
  readonly nodeVersion?: string;
  /**
   * On pull requests, synthesize the base branch too and write what changes, per app and environment,
   * as the job summary.
   * @default true
   */
  readonly renderDiff?: boolean;
  /**
   * Also keep one comment with the rendered diff up to date on pull requests from this repository
   * (never from forks), from a separate job that alone has `pull-requests: write`. Only the project's
   * first app comments (the diff covers every app of the repository).
   * @default true
   */
  readonly commentOnPullRequest?: boolean;
  /**
   * Where the job runs.
   * @default - the app's runner
   */
  readonly runner?: Runner;
}

/** How the repository's package manager installs, caches and runs projen. */
interface PackageManagerSetup {
  readonly lockFile: string;
  readonly install: string;
  readonly cache?: string;
  readonly corepack: boolean;
  readonly projen: string;
  readonly exec: string;
}

/**
 * The drift gate (a `gate` job, `<app>-synth-check`): checks out, sets up Node with the repository's
 * package manager and lock file (cached), installs with the lock file, runs the pinned projen, and fails
 * when `git status --porcelain` shows any change, naming each drifted file and the command that fixes it.
 * Read-only token, no persisted credentials, no secrets. On pull requests it also synthesizes the base
 * branch and renders what changes per app and environment (`platform-pipeline-diff`, shipped in this
 * package) as the job summary, and as one comment kept up to date on same-repository pull requests.
 *
 * Every PlatformApp gets one with the defaults; declare it to change them.
 */
export class SynthCheck extends Construct {
  /** Whether `x` is a SynthCheck (works across copies of the library). */
  public static isSynthCheck(x: any): x is SynthCheck {
    return x !== null && typeof x === 'object' && SYNTH_CHECK_SYMBOL in x;
  }

  /** The synth check of the app `scope` belongs to, if it has one. */
  public static tryFind(scope: IConstruct): SynthCheck | undefined {
    return appOf(scope).node.findAll().find((c) => SynthCheck.isSynthCheck(c)) as SynthCheck | undefined;
  }

  /** The drift gate job. */
  public readonly job: PipelineJob;
  /** The job that comments the rendered diff on pull requests, if this app comments. */
  public readonly commentJob?: PipelineJob;

  constructor(scope: Construct, id: string, props: SynthCheckProps = {}) {
    super(scope, id);
    const app = appOf(this);
    const existing = app.node.findAll().find((c) => c !== this && SynthCheck.isSynthCheck(c));
    if (existing) fail(this, `the app already has a SynthCheck (${pathOf(existing)}); configure that one instead of adding a second`);
    if (props.nodeVersion !== undefined && !/^(lts\/\*|lts\/[a-z]+|node|latest|\d+(\.\d+|\.x){0,2})$/.test(props.nodeVersion)) {
      fail(this, `'nodeVersion' must be a version actions/setup-node understands ('20', '22.x', '20.11.1', 'lts/*'), got ${show(props.nodeVersion)}`);
    }
    Object.defineProperty(this, SYNTH_CHECK_SYMBOL, { value: true });
    const project = app.project;
    const pm = packageManagerOf(this, project);
    const renderDiff = props.renderDiff ?? true;
    const comments = renderDiff && (props.commentOnPullRequest ?? true) && appsOf(project)[0] === app;
    const artifact = `${app.name}-synth-diff`;

    app.pipeline.addTriggerPaths('.projenrc.ts', '.projenrc.js', 'projenrc/**', 'package.json', pm.lockFile, '.projen/**');
    const actions = app.pipeline.actions;
    const job = app.pipeline.addJob('synth-check', {
      kind: JobKind.GATE,
      name: `${app.name} / synth-check`,
      runner: props.runner,
      permissions: { contents: READ },
    }, this);
    this.job = job;
    addCheckout(app, job);
    job.addStep({
      id: 'setup-node',
      name: 'Set up Node.js',
      uses: actions.ref('actions/setup-node'),
      with: {
        'node-version': props.nodeVersion ?? nodeVersionOf(project),
        ...(pm.cache ? { 'cache': pm.cache, 'cache-dependency-path': pm.lockFile } : {}),
      },
    });
    // the package manager of the Node.js just set up (corepack ships with Node.js); pnpm and yarn berry are not cached
    if (pm.corepack) job.addStep({ id: 'corepack', name: 'Enable the package manager (corepack)', run: 'corepack enable' });
    job.addStep({ id: 'install', name: `Install with the lock file (${pm.lockFile})`, run: pm.install });
    job.addStep({ id: 'synth', name: 'Synthesize (the pinned projen)', run: pm.projen });
    job.addStep({
      id: 'drift',
      name: 'The committed files are what the definition generates',
      env: { FIX_COMMAND: project.projenCommand },
      run: DRIFT_SCRIPT,
    });
    if (renderDiff) this.addDiffSteps(job, app, pm, comments ? artifact : undefined);
    if (comments) this.commentJob = addCommentJob(this, app, job, artifact);
  }

  private addDiffSteps(job: PipelineJob, app: IPlatformApp, pm: PackageManagerSetup, artifact: string | undefined): void {
    const onPr = "!cancelled() && github.event_name == 'pull_request' && steps.synth.outcome == 'success'";
    job.addStep({
      id: 'checkout-base',
      name: 'Check out the base branch',
      if: onPr,
      continueOnError: true,
      uses: app.pipeline.actions.ref('actions/checkout'),
      with: { 'ref': '${{ github.event.pull_request.base.sha }}', 'path': SYNTH_BASE_DIR, 'persist-credentials': false },
    });
    job.addStep({
      id: 'synth-base',
      name: 'Synthesize the base branch',
      if: `${onPr} && steps.checkout-base.outcome == 'success'`,
      continueOnError: true,
      workingDirectory: SYNTH_BASE_DIR,
      run: [pm.install, pm.projen].join('\n'),
    });
    job.addStep({
      id: 'diff',
      name: 'Render what the pull request changes',
      if: `${onPr} && steps.synth-base.outcome == 'success'`,
      continueOnError: true,
      env: { BASE_DIR: SYNTH_BASE_DIR },
      run: [
        'diff_file="${RUNNER_TEMP}/synth-diff.md"',
        `${pm.exec} ${DIFF_COMMAND} "\${BASE_DIR}" . --output "\${diff_file}" > /dev/null`,
        'if [ ! -s "${diff_file}" ]; then',
        `  echo "::error::${DIFF_COMMAND} wrote no diff"`,
        '  exit 1',
        'fi',
        'cat "${diff_file}" >> "${GITHUB_STEP_SUMMARY}"',
        'echo "rendered=true" >> "${GITHUB_OUTPUT}"',
      ].join('\n'),
    });
    if (artifact) {
      job.addStep({
        id: 'upload-diff',
        name: 'Keep the rendered diff for the pull request comment',
        if: "!cancelled() && steps.diff.outputs.rendered == 'true'",
        uses: app.pipeline.actions.ref('actions/upload-artifact'),
        with: { 'name': artifact, 'path': '${{ runner.temp }}/synth-diff.md', 'retention-days': 1, 'if-no-files-found': 'error' },
      });
      job.addOutput('diff-rendered', 'diff', 'rendered');
    }
  }
}

/** The repository's package manager, from the projen project (npm for a project without one). */
function packageManagerOf(scope: IConstruct, project: Project): PackageManagerSetup {
  const pkg = (project as any).package;
  const manager = String(pkg?.packageManager ?? 'npm');
  const lockFile = String(pkg?.lockFile ?? 'package-lock.json');
  const install = String(pkg?.installCommand ?? 'npm ci');
  switch (manager) {
    case 'npm':
      return { lockFile, install, cache: 'npm', corepack: false, projen: 'npx --no-install projen', exec: 'npx --no-install' };
    case 'yarn':
    case 'yarn_classic':
      return { lockFile, install, cache: 'yarn', corepack: false, projen: 'yarn run --silent projen', exec: 'yarn run --silent' };
    case 'yarn2':
    case 'yarn_berry':
      return { lockFile, install, corepack: true, projen: 'yarn projen', exec: 'yarn run' };
    case 'pnpm':
      return { lockFile, install, corepack: true, projen: 'pnpm exec projen', exec: 'pnpm exec' };
    default:
      return fail(scope, `the project's package manager ${show(manager)} is not supported by the synth check (npm, yarn, pnpm are); switch the project to one of them`);
  }
}

function nodeVersionOf(project: Project): string {
  const p = project as any;
  // projen's NodeProject keeps `workflowNodeVersion ?? minNodeVersion` as its (protected) nodeVersion
  return String(p.nodeVersion ?? p.package?.minNodeVersion ?? 'lts/*');
}

/** Fails on any change the synth made, naming each file and the command that fixes it. */
const DRIFT_SCRIPT = [
  '# every file the synth changed, added or deleted (untracked files included)',
  'status="$(git status --porcelain=v1 --untracked-files=all)"',
  'if [ -z "${status}" ]; then',
  '  echo "The committed files are what the definition generates." >> "${GITHUB_STEP_SUMMARY}"',
  '  exit 0',
  'fi',
  '{',
  '  echo "## Generated files out of date"',
  '  echo ""',
  '  echo "\\`${FIX_COMMAND}\\` changes these files: they were edited by hand, or the definition changed without synthesizing again. Run \\`${FIX_COMMAND}\\` and commit the result."',
  '  echo ""',
  '  echo "\\`\\`\\`"',
  '  echo "${status}"',
  '  echo "\\`\\`\\`"',
  '} >> "${GITHUB_STEP_SUMMARY}"',
  'while IFS= read -r line; do',
  '  file="${line:3}"',
  '  echo "::error file=${file}::${file} is not what the definition generates (edited by hand, or the definition changed without synthesizing again): run \'${FIX_COMMAND}\' and commit the result"',
  'done <<< "${status}"',
  'git --no-pager diff --stat',
  'exit 1',
].join('\n');

/**
 * The one job with `pull-requests: write`: on a pull request from this repository, it updates the comment
 * that carries the marker (or adds it) with the diff the synth check rendered. It runs no code of the
 * pull request: it downloads the rendered Markdown and posts it.
 */
function addCommentJob(owner: IConstruct, app: IPlatformApp, check: PipelineJob, artifact: string): PipelineJob {
  const job = app.pipeline.addJob('synth-diff-comment', {
    kind: JobKind.REPORT,
    name: `${app.name} / synth-diff comment`,
    condition: `github.event_name == 'pull_request' && github.event.pull_request.head.repo.full_name == github.repository && needs.${check.id}.outputs.diff-rendered == 'true'`,
    permissions: { pullRequests: WRITE },
  }, owner);
  job.addStep({
    id: 'download',
    name: 'Download the rendered diff',
    uses: app.pipeline.actions.ref('actions/download-artifact'),
    with: { name: artifact, path: '${{ runner.temp }}/synth-diff' },
  });
  job.addStep({
    id: 'comment',
    name: 'Update the pull request comment',
    env: {
      GH_TOKEN: '${{ github.token }}',
      PR_NUMBER: '${{ github.event.pull_request.number }}',
      DIFF_FILE: '${{ runner.temp }}/synth-diff/synth-diff.md',
    },
    run: [
      'if [ ! -s "${DIFF_FILE}" ]; then echo "::error::the rendered diff is missing or empty"; exit 1; fi',
      '# a comment holds at most 65536 characters; the job summary of the synth check has the whole diff',
      'body="$(head -c 60000 "${DIFF_FILE}")"',
      'if [ "$(wc -c < "${DIFF_FILE}")" -gt 60000 ]; then body="${body}"$\'\\n\\n(cut here: the synth-check job summary has the whole diff)\'; fi',
      `ids="$(gh api --paginate "repos/\${GITHUB_REPOSITORY}/issues/\${PR_NUMBER}/comments" --jq '.[] | select(.user.login == "github-actions[bot]" and (.body | startswith("${COMMENT_MARKER}"))) | .id')"`,
      'id="$(head -n 1 <<< "${ids}")"',
      'if ! [[ "${id}" =~ ^[0-9]*$ ]]; then echo "::error::listing the pull request comments gave no comment id (got \'${id}\')"; exit 1; fi',
      'if [ -n "${id}" ]; then',
      '  gh api --method PATCH "repos/${GITHUB_REPOSITORY}/issues/comments/${id}" -f body="${body}" > /dev/null',
      '  echo "updated comment ${id}"',
      'else',
      '  gh api --method POST "repos/${GITHUB_REPOSITORY}/issues/${PR_NUMBER}/comments" -f body="${body}" > /dev/null',
      '  echo "added the comment"',
      'fi',
    ].join('\n'),
  });
  return job;
}
