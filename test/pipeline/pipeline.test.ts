import { Duration } from 'cdk8s';
import { github } from 'projen';
import * as pp from '../../src';
import { errorOf, makeApp, minimalBuild, workflowOf } from '../util';

const oneEnv = { environments: [{ name: 'staging', namespace: 'shop', cluster: pp.ClusterAccess.kubeconfigSecret('KUBECONFIG_STAGING') }], slos: [] };

describe('Pipeline rendering', () => {
  test('workflow of a one-environment app: exact text', () => {
    const { project, app } = makeApp(oneEnv, 'shop');
    minimalBuild(app);
    expect(pp.Testing.synth(project).file('.github/workflows/shop-pipeline.yml')).toMatchSnapshot();
  });

  test('every action is pinned to a 40-hex commit with its release as a comment', () => {
    const { project } = makeApp();
    const text = pp.Testing.synth(project).file('.github/workflows/checkout-pipeline.yml')!;
    const uses = text.split('\n').filter((l) => /^\s+(- )?uses:/.test(l));
    expect(uses.length).toBeGreaterThan(5);
    for (const line of uses) {
      // the SLSA generator is a reusable workflow that must be referenced by its release tag
      if (line.includes('slsa-framework/slsa-github-generator/')) expect(line).toMatch(/@v\d+\.\d+\.\d+$/);
      else expect(line).toMatch(/uses: [\w.-]+\/[\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
    }
    expect(text).toContain('uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1');
  });

  test('top level: no permissions, PR runs cancelled; each push run its own group, deploys serialize per environment', () => {
    const wf = workflowOf(pp.Testing.synth(makeApp().project));
    expect(wf.permissions).toEqual({});
    // a push run waiting for an approval neither queues nor cancels later pushes (their gates, build, staging)
    expect(wf.concurrency).toEqual({
      'group': '${{ github.workflow }}-${{ github.event.pull_request.number || github.run_id }}',
      'cancel-in-progress': "${{ github.event_name == 'pull_request' }}",
    });
    expect(Object.keys(wf)).toEqual(['name', 'on', 'permissions', 'concurrency', 'jobs']);
    const deploys = Object.values(wf.jobs).filter((j: any) => j.environment);
    expect(deploys.map((j: any) => [j.environment.name, j.concurrency])).toEqual(deploys.map((j: any) => [
      j.environment.name, { 'group': `checkout-deploy-${j.environment.name}`, 'cancel-in-progress': false },
    ]));
    expect(deploys.length).toBeGreaterThanOrEqual(2);
  });

  test('triggers: pushes and PRs of the deploying branch on the app paths, the workflow and its generated files', () => {
    const wf = workflowOf(pp.Testing.synth(makeApp().project));
    expect(wf.on.push.branches).toEqual(['main']);
    expect(wf.on.pull_request.branches).toEqual(['main']);
    expect(wf.on.workflow_dispatch).toEqual({});
    expect(wf.on.push.paths).toEqual(expect.arrayContaining([
      'services/checkout/**', 'helm/platform/**', '.github/workflows/checkout-pipeline.yml',
      'helm/checkout/values-staging.yaml', 'deploy/checkout/production.k8s.yaml',
    ]));
    expect(wf.on.push.paths).not.toContain('docs/checkout-pipeline.md');
    expect(wf.on.pull_request_target).toBeUndefined();
  });

  test('needs: build once, promote in order, report last and always', () => {
    const { project, app } = makeApp();
    minimalBuild(app);
    const gate = app.pipeline.addJob('lint', { kind: pp.JobKind.GATE });
    gate.addStep({ id: 'lint', run: 'echo lint' });
    const scan = app.pipeline.addJob('image-scan', { kind: pp.JobKind.GATE, needsImage: true });
    scan.addStep({ id: 'scan', run: 'echo scan' });
    const smoke = app.pipeline.addJob('smoke-staging', { kind: pp.JobKind.VERIFY, environment: 'staging' });
    smoke.addStep({ id: 'smoke', run: 'echo smoke' });
    const jobs = workflowOf(pp.Testing.synth(project)).jobs;
    const needs = (id: string) => [jobs[id].needs ?? []].flat().sort();
    expect(needs('checkout-build')).toEqual(['checkout-changes']);
    expect(needs('checkout-lint')).toEqual(['checkout-changes']);
    expect(needs('checkout-image-scan')).toEqual(['checkout-build']);
    expect(needs('checkout-deploy-staging')).toEqual(['checkout-build', 'checkout-image-scan', 'checkout-lint', 'checkout-synth-check']);
    expect(needs('checkout-smoke-staging')).toEqual(['checkout-deploy-staging']);
    expect(needs('checkout-deploy-production')).toEqual(['checkout-build', 'checkout-deploy-staging', 'checkout-image-scan', 'checkout-lint', 'checkout-smoke-staging', 'checkout-synth-check']);
    expect(needs('checkout-summary')).toHaveLength(8);
    expect(jobs['checkout-summary'].if).toBe('always()');
    expect(Object.keys(jobs)).toEqual(['checkout-changes', 'checkout-build', 'checkout-image-scan', 'checkout-lint', 'checkout-synth-check', 'checkout-deploy-staging', 'checkout-smoke-staging', 'checkout-deploy-production', 'checkout-summary', 'checkout-synth-diff-comment']);
  });

  test('deploys run only on a push (or manual run) of their branch; production waits for its environment', () => {
    const jobs = workflowOf(pp.Testing.synth(makeApp().project)).jobs;
    expect(jobs['checkout-deploy-production'].if).toBe("github.event_name != 'pull_request' && github.ref == 'refs/heads/main'");
    expect(jobs['checkout-deploy-production'].environment).toEqual({ name: 'production', url: 'https://acme.dev' });
    expect(jobs['checkout-deploy-production'].concurrency).toEqual({ 'group': 'checkout-deploy-production', 'cancel-in-progress': false });
    expect(jobs['checkout-build'].if).toBe("needs.checkout-changes.outputs.changed == 'true'");
  });

  test('branch per environment: each deploy on its own branch, no chaining, prefix patterns', () => {
    const { project, app } = makeApp({
      promotion: pp.Promotion.branchPerEnvironment({ branches: [{ environment: 'staging', branch: 'develop' }, { environment: 'production', branch: 'release/*' }] }),
    });
    minimalBuild(app);
    const wf = workflowOf(pp.Testing.synth(project));
    expect(wf.on.push.branches).toEqual(['develop', 'release/*']);
    expect(wf.jobs['checkout-deploy-staging'].if).toBe("github.event_name != 'pull_request' && github.ref == 'refs/heads/develop'");
    expect(wf.jobs['checkout-deploy-production'].if).toBe("github.event_name != 'pull_request' && startsWith(github.ref, 'refs/heads/release/')");
    expect([wf.jobs['checkout-deploy-production'].needs].flat()).toEqual(['checkout-build', 'checkout-synth-check']);
  });

  // What each job needs, written by hand from the actions' documentation (not from the generator's tables):
  // docker/login-action to ghcr.io with GITHUB_TOKEN needs packages: write; checkout needs contents: read;
  // configure-aws-credentials with role-to-assume needs id-token: write; reading the run's approvals for the
  // deployment report needs actions: read; cosign keyless signing needs id-token: write and pushing the
  // signature packages: write; the SLSA container generator's caller needs actions: read, id-token: write,
  // packages: write; codeql upload-sarif needs security-events: write (+ contents/actions: read); a deploy
  // verifies the image in ghcr.io (docker/login-action with GITHUB_TOKEN: packages: read); the summary job
  // reads only `needs`.
  test('each job asks for exactly what its steps need', () => {
    const jobs = workflowOf(pp.Testing.synth(makeApp().project)).jobs;
    const expected: Record<string, Record<string, string>> = {
      'checkout-build': { contents: 'read', packages: 'write' },
      'checkout-publish': { 'contents': 'read', 'packages': 'write', 'id-token': 'write' },
      'checkout-provenance': { 'actions': 'read', 'id-token': 'write', 'packages': 'write' },
      'checkout-image-scan-report': { 'security-events': 'write', 'contents': 'read', 'actions': 'read' },
      'checkout-deploy-staging': { contents: 'read', actions: 'read', packages: 'read' },
      'checkout-deploy-production': { 'contents': 'read', 'id-token': 'write', 'actions': 'read', 'packages': 'read' },
      'checkout-summary': {},
      'checkout-changes': { 'pull-requests': 'read' },
      // the drift gate checks out; only its comment job writes to the pull request
      'checkout-synth-check': { contents: 'read' },
      'checkout-synth-diff-comment': { 'pull-requests': 'write' },
    };
    expect(Object.keys(jobs).sort()).toEqual(Object.keys(expected).sort());
    for (const [id, perms] of Object.entries(expected)) expect(jobs[id].permissions).toEqual(perms);
  });

  test('ECR builds get id-token and no packages permission; Docker Hub builds log in with the named secrets', () => {
    const ecr = makeApp({ image: pp.ContainerImage.fromRegistry('123456789012.dkr.ecr.eu-west-1.amazonaws.com/checkout', { credentials: pp.RegistryCredentials.ecr({ roleArn: 'arn:aws:iam::123456789012:role/push', region: 'eu-west-1' }) }) });
    minimalBuild(ecr.app);
    const build = workflowOf(pp.Testing.synth(ecr.project)).jobs['checkout-build'];
    expect(build.permissions).toEqual({ 'contents': 'read', 'id-token': 'write' });
    expect(build.steps.map((s: any) => s.id)).toEqual(['checkout', 'aws-credentials', 'registry-login', 'setup-buildx', 'meta', 'build']);

    const hub = makeApp({ image: pp.ContainerImage.fromRegistry('acme/checkout', { credentials: pp.RegistryCredentials.secrets({ usernameSecret: 'DOCKERHUB_USER', passwordSecret: 'DOCKERHUB_TOKEN' }) }) });
    minimalBuild(hub.app);
    const hubBuild = workflowOf(pp.Testing.synth(hub.project)).jobs['checkout-build'];
    expect(hubBuild.permissions).toEqual({ contents: 'read' });
    expect(hubBuild.steps[1].with).toEqual({ registry: 'docker.io', username: '${{ secrets.DOCKERHUB_USER }}', password: '${{ secrets.DOCKERHUB_TOKEN }}' });
  });

  test('the build pushes only on push events and never from forks; the digest is the job output', () => {
    const build = workflowOf(pp.Testing.synth(makeApp().project)).jobs['checkout-build'];
    const step = build.steps.find((s: any) => s.id === 'build');
    expect(step.with.push).toBe("${{ github.event_name != 'pull_request' && !github.event.repository.fork }}");
    expect(step.with['cache-from']).toBe('type=gha,scope=checkout');
    // the built digest, or on a release tag the promoted one (BuildStage)
    expect(build.outputs).toEqual({ digest: '${{ steps.image-digest.outputs.digest }}' });
    expect(build.steps[0].with).toEqual({ 'persist-credentials': false });
  });

  test('runner labels per job', () => {
    const { project, app } = makeApp({ runner: pp.Runner.selfHosted(['linux', 'x64']) });
    app.pipeline.addJob('big', { kind: pp.JobKind.GATE, runner: pp.Runner.group('platform', ['gpu']) }).addStep({ id: 's', run: 'true' });
    app.pipeline.addJob('large', { kind: pp.JobKind.GATE, runner: pp.Runner.larger('ubuntu-24.04-8core') }).addStep({ id: 's', run: 'true' });
    const jobs = workflowOf(pp.Testing.synth(project)).jobs;
    expect(jobs['checkout-build']['runs-on']).toEqual(['self-hosted', 'linux', 'x64']);
    expect(jobs['checkout-big']['runs-on']).toEqual({ group: 'platform', labels: ['gpu'] });
    expect(jobs['checkout-large']['runs-on']).toBe('ubuntu-24.04-8core');
  });

  test('an overridden pin is used and commented with its version', () => {
    const sha = 'a'.repeat(40);
    const { project } = makeApp({ actionOverrides: [{ uses: 'actions/checkout', sha, version: 'v7.0.2' }] });
    expect(pp.Testing.synth(project).file('.github/workflows/checkout-pipeline.yml')).toContain(`uses: actions/checkout@${sha} # v7.0.2`);
  });

  test('the critical path follows the estimates', () => {
    const { app } = makeApp();
    minimalBuild(app);
    app.pipeline.addJob('slow-gate', { kind: pp.JobKind.GATE, estimatedDuration: Duration.minutes(25) }).addStep({ id: 's', run: 'true' });
    const ctx = { environments: ['staging', 'production'], environmentUrls: new Map(), promotion: app.promotion, runner: app.runner, triggerPaths: [] };
    const path = app.pipeline._criticalPath(ctx);
    // slow-gate 25 + deploy-staging 10 + deploy-production 10 + summary 1 = 46 min (build is 10, shorter than the gate)
    expect(path.jobIds).toEqual(['checkout-slow-gate', 'checkout-deploy-staging', 'checkout-deploy-production', 'checkout-summary']);
    expect(path.total.toMinutes()).toBe(46);
    app.pipeline.setDurationEstimate('build', Duration.minutes(30));
    expect(app.pipeline._criticalPath(ctx).total.toMinutes()).toBe(51);
  });

  test('the pipeline document: graph, critical path and job table', () => {
    const { project, app } = makeApp();
    minimalBuild(app);
    const doc = pp.Testing.synth(project).file('docs/checkout-pipeline.md')!;
    expect(doc).toContain('```mermaid\nflowchart LR');
    expect(doc).toContain('  checkout-deploy-staging --> checkout-deploy-production');
    // the build is drawn to the first deploy, not again to the second (transitive reduction)
    expect(doc).toContain('  checkout-build --> checkout-deploy-staging\n  checkout-synth-check --> checkout-deploy-staging\n');
    expect(doc).not.toContain('  checkout-build --> checkout-deploy-production');
    expect(doc).toContain('**Critical path** (31 min estimated, plus 1 human wait): `checkout-build` → `checkout-deploy-staging` → ⏸ *approval by sre-leads (production)* → `checkout-deploy-production` → `checkout-summary`.');
    expect(doc).toContain('| `checkout-deploy-production` | deploy | production | `checkout-build`, `checkout-synth-check`, `checkout-deploy-staging` | 10 min | actions: read, contents: read, id-token: write | ubuntu-24.04 |');
  });
});

describe('Pipeline validation', () => {
  test('a step using an action outside the manifest', () => {
    const { project, app } = makeApp();
    app.pipeline.addJob('x', { kind: pp.JobKind.GATE }).addStep({ id: 'x', uses: 'someone/unknown-action@v1' });
    expect(errorOf(() => pp.Testing.synth(project))).toContain("step 'x' of job 'checkout-x' uses 'someone/unknown-action@v1': no pin for 'someone/unknown-action'");
  });
  test('a step referencing an action by tag instead of the pinned commit', () => {
    const { project, app } = makeApp();
    app.pipeline.addJob('x', { kind: pp.JobKind.GATE }).addStep({ id: 'x', uses: 'actions/checkout@v4' });
    expect(errorOf(() => pp.Testing.synth(project))).toContain("uses 'actions/checkout@v4'; take the reference from the manifest");
  });
  test('a with: key that is not an input, and a missing required input', () => {
    const { project, app } = makeApp();
    const job = app.pipeline.addJob('x', { kind: pp.JobKind.GATE });
    job.addStep({ id: 'co', uses: app.pipeline.actions.ref('actions/checkout'), with: { 'fetch-deepth': 0 } });
    job.addStep({ id: 'slsa', uses: app.pipeline.actions.ref('aquasecurity/trivy-action'), with: { image_ref: 'x' } });
    const msg = errorOf(() => pp.Testing.synth(project));
    expect(msg).toContain("step 'co' of job 'checkout-x': 'fetch-deepth' is not an input of actions/checkout v7.0.1");
    expect(msg).toContain("'image_ref' is not an input of aquasecurity/trivy-action");
  });
  test('a deprecated input', () => {
    const { project, app } = makeApp();
    app.pipeline.addJob('x', { kind: pp.JobKind.GATE }).addStep({ id: 'h', uses: app.pipeline.actions.ref('Azure/setup-helm'), with: { version: 'v4.1.4', token: 'x' } });
    expect(errorOf(() => pp.Testing.synth(project))).toContain("'token' is deprecated in Azure/setup-helm v5.0.1");
  });
  test('job ids and step ids', () => {
    const { app } = makeApp();
    expect(errorOf(() => app.pipeline.addJob('bad id', { kind: pp.JobKind.GATE }))).toContain("job id must be letters, digits, '-' or '_'");
    expect(errorOf(() => app.pipeline.addJob('build', { kind: pp.JobKind.GATE }))).toContain("job 'build' already exists");
    expect(errorOf(() => app.pipeline.addJob('build2', { kind: pp.JobKind.BUILD }))).toContain('an app has exactly one build job');
    const job = app.pipeline.addJob('ok', { kind: pp.JobKind.GATE });
    expect(errorOf(() => job.addStep({ run: 'true' }))).toContain("every step needs a stable 'id'");
    job.addStep({ id: 'a', run: 'true' });
    expect(errorOf(() => job.addStep({ id: 'a', run: 'true' }))).toContain("step id 'a' is used twice");
    expect(errorOf(() => job.addStep({ id: 'b' }))).toContain("must have exactly one of 'run' or 'uses'");
    expect(errorOf(() => app.pipeline.addJob('v', { kind: pp.JobKind.VERIFY }))).toContain("a verify job needs 'environment'");
  });
  test('a job for an undeclared environment, and a dependency cycle', () => {
    const { project, app } = makeApp();
    app.pipeline.addJob('v', { kind: pp.JobKind.VERIFY, environment: 'qa' }).addStep({ id: 's', run: 'true' });
    expect(errorOf(() => pp.Testing.synth(project))).toContain("names environment 'qa', which the app does not declare");

    const other = makeApp();
    const a = other.app.pipeline.addJob('a', { kind: pp.JobKind.GATE });
    const b = other.app.pipeline.addJob('b', { kind: pp.JobKind.GATE });
    a.addStep({ id: 's', run: 'true' });
    b.addStep({ id: 's', run: 'true' });
    a.dependsOn(b);
    b.dependsOn(a);
    expect(errorOf(() => pp.Testing.synth(other.project))).toMatch(/jobs depend on each other in a cycle: checkout-(a|b) -> checkout-(a|b) -> checkout-(a|b)/);
  });
  test('Pipeline.of outside an app', () => {
    const project = pp.Testing.project();
    expect(errorOf(() => pp.Pipeline.of(project))).toContain('is not inside a PlatformApp');
  });
  test('merging permissions keeps the broadest per scope', () => {
    const { app } = makeApp();
    const job = app.pipeline.addJob('p', { kind: pp.JobKind.GATE, permissions: { contents: github.workflows.JobPermission.READ } });
    job.addStep({ id: 'a', run: 'true' }, { permissions: { contents: github.workflows.JobPermission.WRITE } });
    job.addStep({ id: 'b', run: 'true' }, { permissions: { contents: github.workflows.JobPermission.READ, securityEvents: github.workflows.JobPermission.WRITE } });
    expect(job.permissions).toEqual({ contents: 'write', securityEvents: 'write' });
  });
});

describe('Pipeline mechanics, pinned by hand', () => {
  const synthErrors = (project: any): string[] => {
    const [header, ...lines] = errorOf(() => pp.Testing.synth(project)).split('\n');
    expect(header).toBe(`platform-pipeline: synthesis failed; nothing was written (${lines.length} problem${lines.length === 1 ? '' : 's'}):`);
    return lines.map((l) => l.replace(/^ {2}- /, ''));
  };

  test('tag pushes: the build adds v*.*.*, added patterns keep their order once each', () => {
    const full = makeApp();
    expect(full.app.pipeline.tagPatterns).toEqual([]); // the default build is created at synth
    expect(workflowOf(pp.Testing.synth(full.project)).on.push.tags).toEqual(['v*.*.*']);
    expect(full.app.pipeline.tagPatterns).toEqual(['v*.*.*']);

    const { project, app } = makeApp();
    minimalBuild(app); // semverTags: false takes the default build's tag away
    expect(app.pipeline.tagPatterns).toEqual([]);
    app.pipeline.addPushTags('release-*', 'v*', 'release-*');
    app.pipeline.addPushTags('v*', 'hotfix-*');
    expect(app.pipeline.tagPatterns).toEqual(['release-*', 'v*', 'hotfix-*']);
    app.pipeline.tagPatterns.push('mutated');
    expect(app.pipeline.tagPatterns).toEqual(['release-*', 'v*', 'hotfix-*']);
    const on = workflowOf(pp.Testing.synth(project)).on;
    expect(on.push.tags).toEqual(['release-*', 'v*', 'hotfix-*']);
    expect(on.pull_request.tags).toBeUndefined();
  });

  test('without tag patterns the push trigger has no tags key', () => {
    const { project, app } = makeApp();
    minimalBuild(app);
    expect(Object.keys(workflowOf(pp.Testing.synth(project)).on.push)).toEqual(['branches', 'paths']);
  });

  test('a tag pattern must be a non-empty glob without spaces', () => {
    const { app } = makeApp();
    for (const [p, shown] of [['', "''"], ['v 1', "'v 1'"], ['v\t1', "'v\t1'"], [5, '5']] as Array<[any, string]>) {
      expect(errorOf(() => app.pipeline.addPushTags('ok-*', p))).toBe(`checkout/Workflow: addPushTags: a tag pattern must be a non-empty glob without spaces, such as 'v*.*.*', got ${shown}`);
    }
    expect(app.pipeline.tagPatterns).toEqual(['ok-*']);
  });

  test('a pipeline without a build job is refused at synth', () => {
    const { project, app } = makeApp();
    minimalBuild(app);
    app.pipeline._removeJob(app.pipeline.buildJob!);
    expect(app.pipeline.buildJob).toBeUndefined();
    expect(app.pipeline.tryFindJob('build')).toBeUndefined();
    expect(synthErrors(project)).toEqual(['checkout/Workflow: the pipeline has no build job']);
  });

  test('isPipeline, Pipeline.of from a nested scope, job look-ups', () => {
    const { app } = makeApp();
    for (const x of [null, undefined, 'Pipeline', {}, app]) expect(pp.Pipeline.isPipeline(x)).toBe(false);
    expect(pp.Pipeline.isPipeline(app.pipeline)).toBe(true);
    const stage = minimalBuild(app);
    expect(pp.Pipeline.of(stage)).toBe(app.pipeline);
    expect(pp.Pipeline.of(app.pipeline)).toBe(app.pipeline);
    expect(app.pipeline.appName).toBe('checkout');
    expect(app.pipeline.workflowPath).toBe('.github/workflows/checkout-pipeline.yml');
    expect(app.pipeline.buildJob!.id).toBe('checkout-build');
    expect(app.pipeline.tryFindJob('deploy-production')!.id).toBe('checkout-deploy-production');
    expect(app.pipeline.tryFindJob('checkout-build')).toBeUndefined();
    expect(app.pipeline.deployJob('staging')!.id).toBe('checkout-deploy-staging');
    expect(app.pipeline.deployJob('qa')).toBeUndefined();
    const smoke = app.pipeline.addJob('smoke-staging', { kind: pp.JobKind.VERIFY, environment: 'staging' });
    expect(app.pipeline.deployJob('staging')!.id).toBe('checkout-deploy-staging');
    expect(smoke._owner).toBe(app.pipeline);
    expect(app.pipeline.addJob('owned', { kind: pp.JobKind.GATE }, stage)._owner).toBe(stage);
  });

  test('isPipeline recognizes a pipeline of another copy of the library by its symbol', () => {
    expect(pp.Pipeline.isPipeline({ [Symbol.for('platform-pipeline.Pipeline')]: true })).toBe(true);
    expect(pp.Pipeline.isPipeline({ [Symbol.for('platform-pipeline.PlatformApp')]: true })).toBe(false);
  });

  test('Pipeline.of takes the nearest pipeline up the tree', () => {
    const project = pp.Testing.project();
    const outer = pp.Pipeline._create(project, 'Outer', { appName: 'outer', actions: pp.ActionManifest.bundled() });
    const { app } = makeApp({}, 'checkout', project);
    expect(pp.Pipeline.of(minimalBuild(app))).toBe(app.pipeline);
    expect(pp.Pipeline.of(outer)).toBe(outer);
  });

  test('the workflow is written even when the GitHub component has workflows turned off', () => {
    const project = pp.Testing.project();
    new github.GitHub(project, { mergify: false, pullRequestLint: false, workflows: false });
    makeApp({}, 'checkout', project);
    expect(pp.Testing.synth(project).paths).toContain('.github/workflows/checkout-pipeline.yml');
  });

  test('deployJob finds the deploy job of the environment, not another job of it', () => {
    const { app } = makeApp();
    const first = app.pipeline.deployJob('staging')!;
    app.pipeline._removeJob(first);
    expect(app.pipeline.deployJob('staging')).toBeUndefined();
    app.pipeline.addJob('smoke-staging', { kind: pp.JobKind.VERIFY, environment: 'staging' });
    const replacement = app.pipeline.addJob('canary-staging', { kind: pp.JobKind.DEPLOY, environment: 'staging' });
    expect(app.pipeline.deployJob('staging')).toBe(replacement);
    expect(app.pipeline.deployJob('production')!.id).toBe('checkout-deploy-production');
  });

  test('a report job of an environment does not hold up the next environment', () => {
    const { project, app } = makeApp();
    minimalBuild(app);
    app.pipeline.addJob('report-staging', { kind: pp.JobKind.REPORT, environment: 'staging' }).addStep({ id: 's', run: 'true' });
    const jobs = workflowOf(pp.Testing.synth(project)).jobs;
    expect(jobs['checkout-deploy-production'].needs).toEqual(['checkout-build', 'checkout-synth-check', 'checkout-deploy-staging']);
    expect(jobs['checkout-report-staging'].needs).toEqual(['checkout-changes', 'checkout-build', 'checkout-synth-check', 'checkout-deploy-staging', 'checkout-deploy-production']);
  });

  test('the order does not depend on the order jobs were added in', () => {
    const { project, app } = makeApp();
    minimalBuild(app);
    // a construct that takes over the staging deploy (as CanaryDeploy does) adds its job after the verify jobs
    app.pipeline._removeJob(app.pipeline.deployJob('staging')!);
    app.pipeline.addJob('a-smoke-staging', { kind: pp.JobKind.VERIFY, environment: 'staging' }).addStep({ id: 's', run: 'true' });
    app.pipeline.addJob('deploy-staging', { kind: pp.JobKind.DEPLOY, environment: 'staging' }).addStep({ id: 's', run: 'true' });
    app.pipeline.addJob('smoke-production', { kind: pp.JobKind.VERIFY, environment: 'production' }).addStep({ id: 's', run: 'true' });
    app.pipeline.addJob('b-smoke-staging', { kind: pp.JobKind.VERIFY, environment: 'staging' }).addStep({ id: 's', run: 'true' });
    expect(Object.keys(workflowOf(pp.Testing.synth(project)).jobs)).toEqual([
      'checkout-changes', 'checkout-build', 'checkout-synth-check', 'checkout-deploy-staging', 'checkout-a-smoke-staging', 'checkout-b-smoke-staging',
      'checkout-deploy-production', 'checkout-smoke-production', 'checkout-summary', 'checkout-synth-diff-comment',
    ]);
  });

  test('jobs of one kind without an environment come before those with one', () => {
    const { project, app } = makeApp();
    minimalBuild(app);
    app.pipeline.addJob('a-staging-check', { kind: pp.JobKind.GATE, environment: 'staging' }).addStep({ id: 's', run: 'true' });
    app.pipeline.addJob('lint', { kind: pp.JobKind.GATE }).addStep({ id: 's', run: 'true' });
    expect(Object.keys(workflowOf(pp.Testing.synth(project)).jobs).slice(1, 5)).toEqual(['checkout-build', 'checkout-lint', 'checkout-synth-check', 'checkout-a-staging-check']);
  });

  test('critical path ties go to the job that comes first', () => {
    const { app } = makeApp();
    minimalBuild(app);
    app.pipeline.addJob('gate', { kind: pp.JobKind.GATE, estimatedDuration: Duration.minutes(10) }).addStep({ id: 's', run: 'true' });
    app.pipeline.addJob('audit', { kind: pp.JobKind.REPORT }).addStep({ id: 's', run: 'true' });
    const ctx = { environments: ['staging', 'production'], environmentUrls: new Map(), promotion: app.promotion, runner: app.runner, triggerPaths: [] };
    // build 10 = gate 10; audit 1 = summary 1 (audit sorts first)
    expect(app.pipeline._criticalPath(ctx).jobIds).toEqual(['checkout-build', 'checkout-deploy-staging', 'checkout-deploy-production', 'checkout-audit']);
    expect(app.pipeline._criticalPath(ctx).total.toMinutes()).toBe(31);
  });

  test('_render returns a dependency cycle as a problem instead of throwing', () => {
    const { app } = makeApp();
    const a = app.pipeline.addJob('a', { kind: pp.JobKind.GATE });
    const b = app.pipeline.addJob('b', { kind: pp.JobKind.GATE });
    a.dependsOn(b);
    b.dependsOn(a);
    const ctx = { environments: ['staging', 'production'], environmentUrls: new Map(), promotion: app.promotion, runner: app.runner, triggerPaths: [] };
    expect(app.pipeline._render(ctx)).toEqual(['checkout/Workflow: jobs depend on each other in a cycle: checkout-a -> checkout-b -> checkout-a']);
  });

  test('the pipeline joins the GitHub component the project already has', () => {
    const project = pp.Testing.project();
    const gh = new github.GitHub(project, { mergify: false, pullRequestLint: false });
    const { app } = makeApp({}, 'checkout', project);
    expect(github.GitHub.of(project)).toBe(gh);
    expect(project.components.filter((c) => c instanceof github.GitHub)).toEqual([gh]);
    expect(gh.workflows).toEqual([app.pipeline.workflow]);
  });

  test('a project without GitHub gets one with no pull-request lint or mergify', () => {
    const { project } = makeApp();
    const gh = github.GitHub.of(project)!;
    expect(gh.mergify).toBeUndefined();
    expect(gh.tryFindWorkflow('pull-request-lint')).toBeUndefined();
    const paths = pp.Testing.synth(project).paths;
    expect(paths.filter((p) => p.startsWith('.github/') || p.startsWith('.mergify'))).toEqual(['.github/workflows/checkout-pipeline.yml']);
  });

  test('setDurationEstimate names the jobs when the id is unknown, and an existing job id names its owner', () => {
    const { app } = makeApp();
    minimalBuild(app);
    expect(errorOf(() => app.pipeline.setDurationEstimate('nope', Duration.minutes(1))))
      .toBe("checkout/Workflow: setDurationEstimate: no job 'nope'; jobs are ['build', 'deploy-staging', 'deploy-production', 'summary']");
    expect(errorOf(() => app.pipeline.addJob('summary', { kind: pp.JobKind.GATE })))
      .toBe("checkout/Workflow: job 'summary' already exists (added by checkout); give it another id");
    expect(errorOf(() => app.pipeline.addJob('build2', { kind: pp.JobKind.BUILD })))
      .toBe('checkout/Workflow: an app has exactly one build job, owned by its BuildStage; configure that stage instead of adding a second build');
  });

  test('needs by kind: gates beside the build unless they need the image, reports after every other job, extra needs once', () => {
    const { project, app } = makeApp();
    minimalBuild(app);
    const lint = app.pipeline.addJob('lint', { kind: pp.JobKind.GATE });
    lint.addStep({ id: 's', run: 'true' });
    const scan = app.pipeline.addJob('scan', { kind: pp.JobKind.GATE, needsImage: true });
    scan.addStep({ id: 's', run: 'true' });
    scan.dependsOn(app.pipeline.buildJob!, lint);
    const load = app.pipeline.addJob('load-production', { kind: pp.JobKind.VERIFY, environment: 'production' });
    load.addStep({ id: 's', run: 'true' });
    const audit = app.pipeline.addJob('audit', { kind: pp.JobKind.REPORT });
    audit.addStep({ id: 's', run: 'true' });
    const jobs = workflowOf(pp.Testing.synth(project)).jobs;
    const needs = (id: string) => jobs[`checkout-${id}`].needs;
    expect(needs('build')).toBe('checkout-changes');
    expect(needs('lint')).toBe('checkout-changes');
    expect(needs('scan')).toEqual(['checkout-build', 'checkout-lint']);
    expect(needs('deploy-staging')).toEqual(['checkout-build', 'checkout-lint', 'checkout-scan', 'checkout-synth-check']);
    expect(needs('deploy-production')).toEqual(['checkout-build', 'checkout-lint', 'checkout-scan', 'checkout-synth-check', 'checkout-deploy-staging']);
    expect(needs('load-production')).toBe('checkout-deploy-production'); // a single need is written as a string
    const all = ['checkout-build', 'checkout-lint', 'checkout-scan', 'checkout-synth-check', 'checkout-deploy-staging', 'checkout-deploy-production', 'checkout-load-production'];
    // reports run always and also need the changes job, to report its failure
    expect(needs('audit')).toEqual(['checkout-changes', ...all]);
    expect(needs('summary')).toEqual(['checkout-changes', ...all]);
    expect(jobs['checkout-audit'].if).toBe('always()');
    expect(Object.keys(jobs)).toEqual(['checkout-changes', ...all, 'checkout-audit', 'checkout-summary', 'checkout-synth-diff-comment']);
  });

  test('order within a kind: by environment, a deploy before its verify jobs, then by id', () => {
    const { project, app } = makeApp();
    minimalBuild(app);
    for (const id of ['zeta', 'alpha', 'mid']) app.pipeline.addJob(id, { kind: pp.JobKind.GATE }).addStep({ id: 's', run: 'true' });
    app.pipeline.addJob('b-verify-production', { kind: pp.JobKind.VERIFY, environment: 'production' }).addStep({ id: 's', run: 'true' });
    app.pipeline.addJob('a-verify-production', { kind: pp.JobKind.VERIFY, environment: 'production' }).addStep({ id: 's', run: 'true' });
    app.pipeline.addJob('a-verify-staging', { kind: pp.JobKind.VERIFY, environment: 'staging' }).addStep({ id: 's', run: 'true' });
    expect(Object.keys(workflowOf(pp.Testing.synth(project)).jobs)).toEqual([
      'checkout-changes', 'checkout-build', 'checkout-alpha', 'checkout-mid', 'checkout-synth-check', 'checkout-zeta',
      'checkout-deploy-staging', 'checkout-a-verify-staging',
      'checkout-deploy-production', 'checkout-a-verify-production', 'checkout-b-verify-production',
      'checkout-summary', 'checkout-synth-diff-comment',
    ]);
  });

  test("conditions: a job's own condition alone, or after the kind's, parenthesized when it has ||", () => {
    const { project, app } = makeApp();
    minimalBuild(app);
    app.pipeline.addJob('gate', { kind: pp.JobKind.GATE, condition: "github.actor == 'a' || github.actor == 'b'" }).addStep({ id: 's', run: 'true' });
    app.pipeline.tryFindJob('deploy-production')!.condition = "vars.FREEZE != 'true' || github.event_name == 'workflow_dispatch'";
    app.pipeline.tryFindJob('deploy-staging')!.condition = "vars.STAGING == 'on'";
    app.pipeline.addJob('notify', { kind: pp.JobKind.REPORT, condition: "github.ref == 'refs/heads/main'" }).addStep({ id: 's', run: 'true' });
    const jobs = workflowOf(pp.Testing.synth(project)).jobs;
    expect(jobs['checkout-gate'].if).toBe("needs.checkout-changes.outputs.changed == 'true' && (github.actor == 'a' || github.actor == 'b')");
    expect(jobs['checkout-deploy-production'].if)
      .toBe("github.event_name != 'pull_request' && github.ref == 'refs/heads/main' && (vars.FREEZE != 'true' || github.event_name == 'workflow_dispatch')");
    expect(jobs['checkout-deploy-staging'].if).toBe("github.event_name != 'pull_request' && github.ref == 'refs/heads/main' && vars.STAGING == 'on'");
    expect(jobs['checkout-notify'].if).toBe("always() && github.ref == 'refs/heads/main'");
  });

  test('rendered job fields: runner group without labels, environment without URL, timeout in whole minutes, deploy concurrency', () => {
    const { project, app } = makeApp({ environments: [{ name: 'staging', namespace: 'shop', cluster: pp.ClusterAccess.kubeconfigSecret('K') }] });
    minimalBuild(app);
    app.pipeline.addJob('grouped', { kind: pp.JobKind.GATE, runner: pp.Runner.group('platform'), timeout: Duration.seconds(61) }).addStep({ id: 's', run: 'true' });
    const jobs = workflowOf(pp.Testing.synth(project)).jobs;
    expect(jobs['checkout-grouped']['runs-on']).toEqual({ group: 'platform' });
    expect(jobs['checkout-grouped']['timeout-minutes']).toBe(2);
    expect(jobs['checkout-grouped'].environment).toBeUndefined();
    expect(jobs['checkout-grouped'].concurrency).toBeUndefined();
    expect(jobs['checkout-deploy-staging'].environment).toEqual({ name: 'staging' });
    expect(jobs['checkout-deploy-staging'].concurrency).toEqual({ 'group': 'checkout-deploy-staging', 'cancel-in-progress': false });
    expect(jobs['checkout-deploy-staging']['runs-on']).toBe('ubuntu-24.04');
    expect(jobs['checkout-build']['timeout-minutes']).toBe(45);
  });

  test('steps of local actions and docker images are not checked against the manifest; an unversioned reference is', () => {
    const { project, app } = makeApp();
    const job = app.pipeline.addJob('x', { kind: pp.JobKind.GATE });
    job.addStep({ id: 'local', uses: './.github/actions/setup' });
    job.addStep({ id: 'image', uses: 'docker://alpine:3.20' });
    expect(workflowOf(pp.Testing.synth(project)).jobs['checkout-x'].steps.map((s: any) => s.uses)).toEqual(['./.github/actions/setup', 'docker://alpine:3.20']);

    const other = makeApp();
    other.app.pipeline.addJob('x', { kind: pp.JobKind.GATE }).addStep({ id: 'co', uses: 'actions/checkout' });
    expect(synthErrors(other.project)).toEqual([
      "checkout/Workflow: step 'co' of job 'checkout-x' uses 'actions/checkout'; take the reference from the manifest: pipeline.actions.ref('actions/checkout') gives 'actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1'",
    ]);

    const at = makeApp();
    at.app.pipeline.addJob('x', { kind: pp.JobKind.GATE }).addStep({ id: 'at', uses: '@v1' });
    expect(synthErrors(at.project)[0]).toMatch(/^checkout\/Workflow: step 'at' of job 'checkout-x' uses '@v1': no pin for '@v1'; /);
  });

  test('step problems: exact text', () => {
    const { project, app } = makeApp();
    const job = app.pipeline.addJob('x', { kind: pp.JobKind.GATE });
    job.addStep({ id: 'u', uses: 'someone/unknown-action@v1' });
    job.addStep({ id: 'co', uses: app.pipeline.actions.ref('actions/checkout'), with: { 'fetch-deepth': 0 } });
    const problems = synthErrors(project);
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^checkout\/Workflow: step 'u' of job 'checkout-x' uses 'someone\/unknown-action@v1': no pin for 'someone\/unknown-action'; the library pins only the actions it uses: Azure\/setup-helm, Azure\/setup-kubectl, /);
    expect(problems[1]).toMatch(/^checkout\/Workflow: step 'co' of job 'checkout-x': 'fetch-deepth' is not an input of actions\/checkout v7\.0\.1; its inputs are \['repository', /);
  });

  const SLSA = 'slsa-framework/slsa-github-generator/.github/workflows/generator_container_slsa3.yml';

  test('a job calling a reusable workflow renders uses, with, secrets, needs and its condition, and no runner', () => {
    const { project, app } = makeApp();
    minimalBuild(app);
    const job = app.pipeline.addJob('attest', { kind: pp.JobKind.GATE, needsImage: true, uses: app.pipeline.actions.ref(SLSA), condition: "github.event_name == 'push'" });
    job.addInput('image', 'ghcr.io/acme/checkout');
    job.addInput('digest', '${{ needs.checkout-build.outputs.digest }}');
    job.addSecret('registry-password', '${{ secrets.GITHUB_TOKEN }}');
    expect(workflowOf(pp.Testing.synth(project)).jobs['checkout-attest']).toEqual({
      name: 'checkout / attest',
      needs: 'checkout-build',
      if: "github.event_name == 'push'",
      permissions: {},
      uses: `${SLSA}@v2.1.0`,
      with: { image: 'ghcr.io/acme/checkout', digest: '${{ needs.checkout-build.outputs.digest }}' },
      secrets: { 'registry-password': '${{ secrets.GITHUB_TOKEN }}' },
    });
  });

  test('a reusable workflow job that needs no other job asks only the changes job', () => {
    const { project, app } = makeApp();
    minimalBuild(app);
    const job = app.pipeline.addJob('attest', { kind: pp.JobKind.GATE, uses: app.pipeline.actions.ref(SLSA) });
    job.addInput('image', 'x');
    job.addInput('digest', 'y');
    const attest = workflowOf(pp.Testing.synth(project)).jobs['checkout-attest'];
    expect(Object.keys(attest)).toEqual(['name', 'needs', 'if', 'permissions', 'uses', 'with']);
    expect([attest.needs, attest.if]).toEqual(['checkout-changes', "needs.checkout-changes.outputs.changed == 'true'"]);
  });

  test('reusable workflow problems: not pinned, wrong reference, inputs', () => {
    const unknown = makeApp();
    unknown.app.pipeline.addJob('w', { kind: pp.JobKind.GATE, uses: 'acme/workflows/.github/workflows/release.yml@v1' });
    expect(synthErrors(unknown.project)[0]).toMatch(/^checkout\/Workflow: job 'checkout-w' calls 'acme\/workflows\/\.github\/workflows\/release\.yml@v1': no pin for 'acme\/workflows\/\.github\/workflows\/release\.yml'; the library pins/);

    const wrong = makeApp();
    wrong.app.pipeline.addJob('w', { kind: pp.JobKind.GATE, uses: `${SLSA}@v2.0.0` }).addInput('image', 'x');
    expect(synthErrors(wrong.project)).toEqual([
      `checkout/Workflow: job 'checkout-w' calls '${SLSA}@v2.0.0'; take the reference from the manifest: pipeline.actions.ref('${SLSA}') gives '${SLSA}@v2.1.0'`,
    ]);

    const inputs = makeApp();
    inputs.app.pipeline.addJob('w', { kind: pp.JobKind.GATE, uses: inputs.app.pipeline.actions.ref(SLSA) }).addInput('imag', 'x');
    expect(synthErrors(inputs.project)).toEqual([
      `checkout/Workflow: job 'checkout-w': 'imag' is not an input of ${SLSA} v2.1.0; its inputs are ['image', 'digest', 'registry-username', 'compile-generator', 'private-repository', 'continue-on-error', 'gcp-workload-identity-provider', 'gcp-service-account', 'provenance-registry-username', 'provenance-repository']`,
      `checkout/Workflow: job 'checkout-w': ${SLSA} requires input 'image'`,
      `checkout/Workflow: job 'checkout-w': ${SLSA} requires input 'digest'`,
    ]);
  });

  test('a job of an undeclared environment: exact text', () => {
    const { project, app } = makeApp();
    app.pipeline.addJob('v', { kind: pp.JobKind.VERIFY, environment: 'qa' }).addStep({ id: 's', run: 'true' });
    expect(synthErrors(project)).toEqual([
      "checkout/Workflow: job 'checkout-v' names environment 'qa', which the app does not declare; environments are ['staging', 'production']",
    ]);
  });

  test('the critical path of a pipeline without jobs is empty', () => {
    const ctx = {
      environments: [], environmentUrls: new Map(), promotion: pp.Promotion.sequential(), runner: pp.Runner.UBUNTU_24_04, triggerPaths: [],
    };
    const pipeline = pp.Pipeline._create(pp.Testing.project(), 'P', { appName: 'a', actions: pp.ActionManifest.bundled() });
    expect(pipeline._criticalPath(ctx)).toEqual({ jobIds: [], total: Duration.seconds(0) });
  });
});
