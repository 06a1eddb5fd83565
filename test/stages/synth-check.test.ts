import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { javascript, typescript } from 'projen';
import * as pp from '../../src';
import { synthGateFindings } from '../conformance/output-checks';
import { requiredPermissions } from '../conformance/permissions-table';
import { errorOf, makeApp, workflowOf } from '../util';

function synth(configure: (app: pp.PlatformApp, project: any) => void = () => undefined, name = 'checkout', project?: any): any {
  const made = makeApp({}, name, project);
  configure(made.app, made.project);
  return workflowOf(pp.Testing.synth(made.project), name);
}

describe('SynthCheck', () => {
  test('every app gets the drift gate: read-only, no persisted credentials, no secrets; every deploy waits for it', () => {
    const wf = synth();
    const job = wf.jobs['checkout-synth-check'];
    expect(job.permissions).toEqual({ contents: 'read' });
    expect(job.steps.map((s: any) => s.id)).toEqual(['checkout', 'setup-node', 'install', 'synth', 'drift', 'checkout-base', 'synth-base', 'diff', 'upload-diff']);
    for (const s of job.steps.filter((x: any) => String(x.uses).startsWith('actions/checkout@'))) expect(s.with['persist-credentials']).toBe(false);
    expect(JSON.stringify(job)).not.toMatch(/secrets\./);
    // a plain projen project: npm and its lock file
    expect(job.steps[1].with).toEqual({ 'node-version': 'lts/*', 'cache': 'npm', 'cache-dependency-path': 'package-lock.json' });
    expect(job.steps[2].run).toBe('npm ci');
    expect(job.steps[3].run).toBe('npx --no-install projen');
    expect(job.steps[4].env).toEqual({ FIX_COMMAND: 'npx projen' });
    for (const env of ['staging', 'production']) expect(wf.jobs[`checkout-deploy-${env}`].needs).toContain('checkout-synth-check');
  });

  test('the definition, the package files and every generated file trigger the pipeline', () => {
    const wf = synth();
    for (const p of ['.projenrc.ts', 'projenrc/**', 'package.json', 'package-lock.json', '.projen/**', '.gitignore', 'helm/checkout/values-staging.yaml', '.github/workflows/checkout-pipeline.yml']) {
      expect(wf.on.push.paths).toContain(p);
      expect(wf.jobs['checkout-changes'].steps[0].with.filters).toContain(`'${p}'`);
    }
  });

  test('the diff runs on pull requests only, after the drift check; its comment job alone may write to pull requests, for same-repository pull requests', () => {
    const wf = synth();
    const job = wf.jobs['checkout-synth-check'];
    const step = (id: string) => job.steps.find((s: any) => s.id === id);
    expect(step('checkout-base').with).toEqual({ 'ref': '${{ github.event.pull_request.base.sha }}', 'path': '.platform-pipeline/base', 'persist-credentials': false });
    for (const id of ['checkout-base', 'synth-base', 'diff']) {
      expect(step(id).if).toContain("github.event_name == 'pull_request'");
      expect(step(id)['continue-on-error']).toBe(true);
    }
    expect(step('diff').run).toContain('npx --no-install platform-pipeline-diff "${BASE_DIR}" . --output "${diff_file}"');
    const comment = wf.jobs['checkout-synth-diff-comment'];
    expect(comment.permissions).toEqual({ 'pull-requests': 'write' });
    expect(comment.if).toBe("always() && github.event_name == 'pull_request' && github.event.pull_request.head.repo.full_name == github.repository && needs.checkout-synth-check.outputs.diff-rendered == 'true'");
    const writers = Object.entries<any>(wf.jobs).filter(([, j]) => Object.values(j.permissions ?? {}).includes('write') && j.permissions['pull-requests'] === 'write').map(([id]) => id);
    expect(writers).toEqual(['checkout-synth-diff-comment']);
    expect(wf.on.pull_request_target).toBeUndefined();
  });

  test('several apps: each pipeline has the gate, only the first app comments', () => {
    const project = pp.Testing.project();
    makeApp({}, 'checkout', project);
    makeApp({ environments: [{ name: 'staging', namespace: 'cart-staging', cluster: pp.ClusterAccess.kubeconfigSecret('STAGING_KUBECONFIG') }] }, 'cart', project);
    const out = pp.Testing.synth(project);
    expect(Object.keys(workflowOf(out, 'checkout').jobs)).toEqual(expect.arrayContaining(['checkout-synth-check', 'checkout-synth-diff-comment']));
    const cart = workflowOf(out, 'cart');
    expect(Object.keys(cart.jobs)).toContain('cart-synth-check');
    expect(Object.keys(cart.jobs)).not.toContain('cart-synth-diff-comment');
    // each pipeline triggers on its own workflow, not on the other app's
    expect(cart.on.push.paths).not.toContain('.github/workflows/checkout-pipeline.yml');
  });

  test('declared: without the diff there is no base synth and no comment job; the Node version is the one given', () => {
    const wf = synth((app) => new pp.SynthCheck(app, 'Synth', { renderDiff: false, nodeVersion: '22' }));
    expect(wf.jobs['checkout-synth-check'].steps.map((s: any) => s.id)).toEqual(['checkout', 'setup-node', 'install', 'synth', 'drift']);
    expect(wf.jobs['checkout-synth-check'].steps[1].with['node-version']).toBe('22');
    expect(wf.jobs['checkout-synth-diff-comment']).toBeUndefined();
    const noComment = synth((app) => new pp.SynthCheck(app, 'Synth', { commentOnPullRequest: false }));
    expect(noComment.jobs['checkout-synth-diff-comment']).toBeUndefined();
    expect(noComment.jobs['checkout-synth-check'].steps.map((s: any) => s.id)).not.toContain('upload-diff');
  });

  test('follows the project\'s package manager and lock file', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-synth-check-'));
    try {
      const project = new typescript.TypeScriptProject({
        name: 'p',
        defaultReleaseBranch: 'main',
        outdir,
        packageManager: javascript.NodePackageManager.PNPM,
        workflowNodeVersion: '22.x',
        github: false,
        buildWorkflow: false,
        release: false,
        depsUpgrade: false,
        sampleCode: false,
      });
      const job = synth(() => undefined, 'checkout', project).jobs['checkout-synth-check'];
      expect(job.steps.slice(0, 5).map((s: any) => s.run ?? s.with)).toEqual([
        { 'persist-credentials': false },
        { 'node-version': '22.x' },
        'corepack enable',
        'pnpm i --frozen-lockfile',
        'pnpm exec projen',
      ]);
      expect(job.steps[5].env).toEqual({ FIX_COMMAND: 'pnpm exec projen' });
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });

  test('refuses a second synth check and a Node version setup-node does not know', () => {
    expect(errorOf(() => synth((app) => new pp.SynthCheck(app, 'Synth', { nodeVersion: 'twenty' }))))
      .toContain("checkout/Synth: 'nodeVersion' must be a version actions/setup-node understands ('20', '22.x', '20.11.1', 'lts/*'), got 'twenty'");
    expect(errorOf(() => synth((app) => {
      new pp.SynthCheck(app, 'A');
      new pp.SynthCheck(app, 'B');
    }))).toContain('checkout/B: the app already has a SynthCheck (checkout/A); configure that one instead of adding a second');
  });

  test('the conformance audit passes the generated jobs and bites on each violation', () => {
    const wf = synth();
    const f = '.github/workflows/checkout-pipeline.yml';
    expect(synthGateFindings(f, wf)).toEqual([]);
    // the hand-written permissions table derives exactly what the two jobs ask for
    expect(requiredPermissions(wf.jobs['checkout-synth-check'])).toEqual({ contents: 'read' });
    expect(requiredPermissions(wf.jobs['checkout-synth-diff-comment'])).toEqual({ 'pull-requests': 'write' });
    const broken = (mutate: (w: any) => void) => {
      const w = JSON.parse(JSON.stringify(wf));
      mutate(w);
      return synthGateFindings(f, w);
    };
    expect(broken((w) => { w.jobs['checkout-synth-diff-comment'].if = "always() && github.event_name == 'pull_request'"; }))
      .toEqual([`${f} checkout-synth-diff-comment: pull-requests: write on a job that does not run only for pull requests from this repository (if: always() && github.event_name == 'pull_request')`]);
    expect(broken((w) => { w.jobs['checkout-synth-check'].permissions = { 'contents': 'read', 'pull-requests': 'write' }; })).toHaveLength(2);
    expect(broken((w) => { w.jobs['checkout-synth-check'].steps[2].env = { NPM_TOKEN: '${{ secrets.NPM_TOKEN }}' }; }))
      .toEqual([`${f} checkout-synth-check: the drift gate reads a secret`]);
    expect(broken((w) => { w.jobs['checkout-deploy-production'].needs = ['checkout-build']; }))
      .toEqual([`${f} checkout-deploy-production: runs in environment "production" without waiting for the drift gate checkout-synth-check`]);
    expect(broken((w) => { delete w.jobs['checkout-synth-check']; }))
      .toEqual([`${f}: expected one drift gate (a job that runs projen, then git status --porcelain), found 0`]);
  });
});
