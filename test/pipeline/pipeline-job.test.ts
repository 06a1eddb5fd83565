import * as pp from '../../src';
import { errorOf, makeApp, workflowOf } from '../util';

const SLSA = 'slsa-framework/slsa-github-generator/.github/workflows/generator_container_slsa3.yml';

describe('Pipeline: jobs calling a reusable workflow', () => {
  test('render with uses, with, secrets, needs, if and permissions, and no runner, steps or timeout', () => {
    const { project, app } = makeApp();
    const job = app.pipeline.addJob('slsa', { kind: pp.JobKind.GATE, needsImage: true, uses: app.pipeline.actions.ref(SLSA), condition: "github.event_name == 'push'", permissions: { idToken: 'write' as any } });
    job.addInput('image', 'ghcr.io/acme/checkout');
    job.addInput('digest', '${{ needs.checkout-build.outputs.digest }}');
    job.addSecret('registry-password', '${{ secrets.GITHUB_TOKEN }}');
    expect(workflowOf(pp.Testing.synth(project)).jobs['checkout-slsa']).toEqual({
      name: 'checkout / slsa',
      needs: 'checkout-build',
      if: "github.event_name == 'push'",
      permissions: { 'id-token': 'write' },
      uses: `${SLSA}@v2.1.0`,
      with: { image: 'ghcr.io/acme/checkout', digest: '${{ needs.checkout-build.outputs.digest }}' },
      secrets: { 'registry-password': '${{ secrets.GITHUB_TOKEN }}' },
    });
  });

  test('a reusable-workflow job has no steps, env or outputs; a step job has no inputs', () => {
    const { app } = makeApp();
    const job = app.pipeline.addJob('slsa', { kind: pp.JobKind.GATE, uses: app.pipeline.actions.ref(SLSA) });
    expect(errorOf(() => job.addStep({ id: 'x', run: 'true' }))).toContain("job 'checkout-slsa' calls the reusable workflow");
    expect(errorOf(() => job.addEnv('A', 'b'))).toContain('addEnv: job');
    expect(errorOf(() => job.addOutput('a', 'b', 'c'))).toContain('addOutput: job');
    const steps = app.pipeline.addJob('steps', { kind: pp.JobKind.GATE });
    expect(errorOf(() => steps.addInput('a', 'b'))).toContain("addInput: job 'checkout-steps' runs steps");
    expect(errorOf(() => app.pipeline.addJob('bad', { kind: pp.JobKind.GATE, uses: 'actions/checkout@v4' }))).toContain("'uses' of job 'bad' must call a reusable workflow");
  });

  test('the reference must come from the manifest (by tag), and inputs must be the workflow\'s', () => {
    const sha = makeApp();
    sha.app.pipeline.addJob('slsa', { kind: pp.JobKind.GATE, uses: `${SLSA}@f7dd8c54c2067bafc12ca7a55595d5ee9b75204a` }).addInput('image', 'x');
    expect(errorOf(() => pp.Testing.synth(sha.project))).toContain(`take the reference from the manifest: pipeline.actions.ref('${SLSA}') gives '${SLSA}@v2.1.0'`);
    const inputs = makeApp();
    inputs.app.pipeline.addJob('slsa', { kind: pp.JobKind.GATE, uses: inputs.app.pipeline.actions.ref(SLSA) }).addInput('imagee', 'x');
    const msg = errorOf(() => pp.Testing.synth(inputs.project));
    expect(msg).toContain("job 'checkout-slsa': 'imagee' is not an input of");
    expect(msg).toContain("requires input 'image'");
    expect(msg).toContain("requires input 'digest'");
  });

  test('tag triggers: patterns are added once and validated', () => {
    const { project, app } = makeApp();
    app.pipeline.addPushTags('v*.*.*', 'v*.*.*');
    expect(app.pipeline.tagPatterns).toEqual(['v*.*.*']);
    expect(workflowOf(pp.Testing.synth(project)).on.push.tags).toEqual(['v*.*.*']);
    expect(errorOf(() => makeApp().app.pipeline.addPushTags('v 1'))).toContain("addPushTags: a tag pattern must be a non-empty glob without spaces, such as 'v*.*.*', got 'v 1'");
  });
});

describe('PipelineJob.addStepBefore', () => {
  test('inserts before the named step, keeping every step\'s place and permissions; at the end without it', () => {
    const { project, app } = makeApp();
    const job = app.pipeline.addJob('steps', { kind: pp.JobKind.GATE });
    job.addStep({ id: 'a', run: 'true' });
    job.addStep({ id: 'baseline', run: 'gh run list' }, { permissions: { actions: 'read' as any } });
    job.addStep({ id: 'z', run: 'true' });
    job.addStepBefore('baseline', { id: 'first', run: 'true' }, { permissions: { packages: 'read' as any } });
    job.addStepBefore('no-such-step', { id: 'last', run: 'true' });
    expect(job.stepIds).toEqual(['a', 'first', 'baseline', 'z', 'last']);
    // the step after the inserted one keeps what it asked for (removing and re-adding it once lost it)
    expect(workflowOf(pp.Testing.synth(project)).jobs['checkout-steps'].permissions).toEqual({ actions: 'read', packages: 'read' });
  });
});
