import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { github } from 'projen';
import type { PlatformApp } from '../app/platform-app';
import { JobKind, PipelineJob } from '../pipeline/pipeline-job';
import { Runner } from '../pipeline/runner';
import { fail, pathOf, show } from '../private/errors';

/** Properties of the build stage. */
export interface BuildStageProps {
  /**
   * Where the build job runs.
   * @default - the app's runner
   */
  readonly runner?: Runner;
  /**
   * Target platforms for a multi-arch image, e.g. `['linux/amd64', 'linux/arm64']` (adds QEMU).
   * @default - the runner's platform only
   */
  readonly platforms?: string[];
  /**
   * Build arguments, `NAME=value` each.
   * @default - none
   */
  readonly buildArgs?: string[];
  /**
   * Dockerfile target stage.
   * @default - the last stage
   */
  readonly target?: string;
  /**
   * Expected duration, for the critical path.
   * @default Duration.minutes(10)
   */
  readonly estimatedDuration?: Duration;
}

/** The condition under which the build pushes: never on pull requests, never from a fork. @internal */
export const PUSH_CONDITION = "github.event_name != 'pull_request' && !github.event.repository.fork";

const PLATFORM = /^[a-z0-9]+\/[a-z0-9]+(\/[a-z0-9]+)?$/;
const BUILD_STAGE_SYMBOL = Symbol.for('platform-pipeline.BuildStage');
/** Construct id of the build stage the app creates when the user declares none. @internal */
export const DEFAULT_BUILD_ID = 'DefaultBuild';

/**
 * Stage 2: the one build job of the app. It builds the image with docker buildx and the GitHub Actions
 * cache, pushes it (only on push events, never from forks) and exposes the digest as the job output
 * `digest`, which every deploy uses. The app creates this stage with defaults when none is declared;
 * declaring it configures that job, it never adds a second build.
 */
export class BuildStage extends Construct {
  /** Whether `x` is a BuildStage (works across copies of the library). */
  public static isBuildStage(x: any): x is BuildStage {
    return x !== null && typeof x === 'object' && BUILD_STAGE_SYMBOL in x;
  }

  /** The build job. */
  public readonly job: PipelineJob;
  /** The name of the job output holding the image digest (`sha256:…`). */
  public readonly digestOutput = 'digest';

  constructor(scope: PlatformApp, id: string, props: BuildStageProps = {}) {
    super(scope, id);
    Object.defineProperty(this, BUILD_STAGE_SYMBOL, { value: true });
    const app = scope;
    const existing = app.node.children.find((c) => c !== this && BuildStage.isBuildStage(c)) as BuildStage | undefined;
    if (existing && existing.node.id === DEFAULT_BUILD_ID) {
      // the user's declaration configures the one build: it takes the place of the app's default
      app.pipeline._removeJob(existing.job);
      app.node.tryRemoveChild(existing.node.id);
    } else if (existing) {
      fail(this, `the app already has a BuildStage (${pathOf(existing)}); an app has exactly one build: configure that one`);
    }
    for (const p of props.platforms ?? []) {
      if (!PLATFORM.test(p)) fail(this, `'platforms' entries must look like 'linux/amd64', got ${show(p)}`);
    }
    for (const a of props.buildArgs ?? []) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*=/.test(a)) fail(this, `'buildArgs' entries must be NAME=value, got ${show(a)}`);
    }
    const image = app.image;
    const actions = app.pipeline.actions;
    const job = app.pipeline.addJob('build', {
      kind: JobKind.BUILD,
      runner: props.runner,
      permissions: { contents: github.workflows.JobPermission.READ },
      estimatedDuration: props.estimatedDuration,
    }, this);
    this.job = job;

    job.addStep({
      id: 'checkout',
      name: 'Check out',
      uses: actions.ref('actions/checkout'),
      with: { 'persist-credentials': false },
    });

    const creds = image.credentials;
    if (creds.kind === 'ecr') {
      job.addStep({
        id: 'aws-credentials',
        name: 'Assume the image-push role (OIDC)',
        if: PUSH_CONDITION,
        uses: actions.ref('aws-actions/configure-aws-credentials'),
        with: { 'role-to-assume': creds.roleArn, 'aws-region': creds.region, 'role-session-name': `${app.name}-build` },
      }, { permissions: { idToken: github.workflows.JobPermission.WRITE } });
      job.addStep({
        id: 'registry-login',
        name: 'Log in to Amazon ECR',
        if: PUSH_CONDITION,
        uses: actions.ref('aws-actions/amazon-ecr-login'),
      });
    } else {
      const github_ = creds.kind === 'github-token';
      job.addStep({
        id: 'registry-login',
        name: `Log in to ${image.registry}`,
        if: PUSH_CONDITION,
        uses: actions.ref('docker/login-action'),
        with: {
          registry: image.registry,
          username: github_ ? '${{ github.actor }}' : `\${{ secrets.${creds.usernameSecret} }}`,
          password: github_ ? '${{ secrets.GITHUB_TOKEN }}' : `\${{ secrets.${creds.passwordSecret} }}`,
        },
      }, github_ ? { permissions: { packages: github.workflows.JobPermission.WRITE } } : {});
    }

    if (props.platforms && props.platforms.length > 0) {
      job.addStep({ id: 'setup-qemu', name: 'Set up QEMU', uses: actions.ref('docker/setup-qemu-action'), with: { platforms: props.platforms.join(',') } });
    }
    job.addStep({ id: 'setup-buildx', name: 'Set up Docker Buildx', uses: actions.ref('docker/setup-buildx-action') });
    job.addStep({
      id: 'meta',
      name: 'Image tags and OCI labels',
      uses: actions.ref('docker/metadata-action'),
      with: {
        images: image.repository,
        tags: ['type=sha,format=long,prefix=', 'type=ref,event=pr'].join('\n'),
      },
    });
    job.addStep({
      id: 'build',
      name: 'Build and push the image',
      uses: actions.ref('docker/build-push-action'),
      with: {
        'context': image.context,
        'file': image.dockerfile,
        'push': `\${{ ${PUSH_CONDITION} }}`,
        'tags': '${{ steps.meta.outputs.tags }}',
        'labels': '${{ steps.meta.outputs.labels }}',
        'cache-from': `type=gha,scope=${app.name}`,
        'cache-to': `type=gha,mode=max,scope=${app.name}`,
        ...(props.platforms?.length ? { platforms: props.platforms.join(',') } : {}),
        ...(props.buildArgs?.length ? { 'build-args': props.buildArgs.join('\n') } : {}),
        ...(props.target ? { target: props.target } : {}),
      },
    });
    job.addOutput(this.digestOutput, 'build', 'digest');
  }
}
