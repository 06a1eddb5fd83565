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

  test('top level: no permissions, PR runs cancelled, pushes never', () => {
    const wf = workflowOf(pp.Testing.synth(makeApp().project));
    expect(wf.permissions).toEqual({});
    expect(wf.concurrency).toEqual({
      'group': '${{ github.workflow }}-${{ github.event.pull_request.number || github.ref }}',
      'cancel-in-progress': "${{ github.event_name == 'pull_request' }}",
    });
    expect(Object.keys(wf)).toEqual(['name', 'on', 'permissions', 'concurrency', 'jobs']);
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
    expect(needs('checkout-deploy-staging')).toEqual(['checkout-build', 'checkout-image-scan', 'checkout-lint']);
    expect(needs('checkout-smoke-staging')).toEqual(['checkout-deploy-staging']);
    expect(needs('checkout-deploy-production')).toEqual(['checkout-build', 'checkout-deploy-staging', 'checkout-image-scan', 'checkout-lint', 'checkout-smoke-staging']);
    expect(needs('checkout-summary')).toHaveLength(7);
    expect(jobs['checkout-summary'].if).toBe('always()');
    expect(Object.keys(jobs)).toEqual(['checkout-changes', 'checkout-build', 'checkout-image-scan', 'checkout-lint', 'checkout-deploy-staging', 'checkout-smoke-staging', 'checkout-deploy-production', 'checkout-summary']);
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
    expect([wf.jobs['checkout-deploy-production'].needs].flat()).toEqual(['checkout-build']);
  });

  // What each job needs, written by hand from the actions' documentation (not from the generator's tables):
  // docker/login-action to ghcr.io with GITHUB_TOKEN needs packages: write; checkout needs contents: read;
  // configure-aws-credentials with role-to-assume needs id-token: write; reading the run's approvals for the
  // deployment report needs actions: read; cosign keyless signing needs id-token: write and pushing the
  // signature packages: write; the SLSA container generator's caller needs actions: read, id-token: write,
  // packages: write; codeql upload-sarif needs security-events: write (+ contents/actions: read); the
  // summary job reads only `needs`.
  test('each job asks for exactly what its steps need', () => {
    const jobs = workflowOf(pp.Testing.synth(makeApp().project)).jobs;
    const expected: Record<string, Record<string, string>> = {
      'checkout-build': { contents: 'read', packages: 'write' },
      'checkout-publish': { 'contents': 'read', 'packages': 'write', 'id-token': 'write' },
      'checkout-provenance': { 'actions': 'read', 'id-token': 'write', 'packages': 'write' },
      'checkout-image-scan-report': { 'security-events': 'write', 'contents': 'read', 'actions': 'read' },
      'checkout-deploy-staging': { contents: 'read', actions: 'read' },
      'checkout-deploy-production': { 'contents': 'read', 'id-token': 'write', 'actions': 'read' },
      'checkout-summary': {},
      'checkout-changes': { 'pull-requests': 'read' },
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
    expect(build.outputs).toEqual({ digest: '${{ steps.build.outputs.digest }}' });
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
    expect(doc).toContain('**Critical path** (31 min estimated): `checkout-build` → `checkout-deploy-staging` → `checkout-deploy-production` → `checkout-summary`.');
    expect(doc).toContain('| `checkout-deploy-production` | deploy | production | `checkout-build`, `checkout-deploy-staging` | 10 min | actions: read, contents: read, id-token: write | ubuntu-24.04 |');
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
