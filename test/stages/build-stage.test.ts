import * as pp from '../../src';
import { errorOf, makeApp, workflowOf } from '../util';

describe('BuildStage', () => {
  test('declaring it configures the one build job instead of adding a second', () => {
    const { project, app } = makeApp();
    const stage = new pp.BuildStage(app, 'Build', { platforms: ['linux/amd64', 'linux/arm64'], buildArgs: ['VERSION=1'], target: 'runtime' });
    expect(app.pipeline.jobs.filter((j) => j.kind === pp.JobKind.BUILD)).toEqual([stage.job]);
    const build = workflowOf(pp.Testing.synth(project)).jobs['checkout-build'];
    expect(build.steps.map((s: any) => s.id)).toContain('setup-qemu');
    const step = build.steps.find((s: any) => s.id === 'build');
    expect(step.with).toMatchObject({ 'platforms': 'linux/amd64,linux/arm64', 'build-args': 'VERSION=1', 'target': 'runtime' });
  });
  test('a second declared BuildStage is refused', () => {
    const { app } = makeApp();
    new pp.BuildStage(app, 'Build');
    expect(errorOf(() => new pp.BuildStage(app, 'Build2'))).toContain('the app already has a BuildStage (checkout/Build)');
  });
  test('bad platforms and build args', () => {
    const { app } = makeApp();
    expect(errorOf(() => new pp.BuildStage(app, 'B1', { platforms: ['amd64'] }))).toContain("'platforms' entries must look like 'linux/amd64', got 'amd64'");
    const other = makeApp();
    expect(errorOf(() => new pp.BuildStage(other.app, 'B2', { buildArgs: ['no-equals'] }))).toContain("'buildArgs' entries must be NAME=value");
  });
});
