import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as pp from '../../src';
import { shellcheckScript } from '../conformance/validators';
import { errorOf } from '../util';

// Every project here synthesizes into its own temporary directory (a project without an outdir would
// synthesize into the working directory, the repository).
function tmpdir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'platform-project-'));
}

function project(options: Partial<pp.PlatformProjectOptions> = {}): pp.PlatformProject {
  return new pp.PlatformProject({ name: 'checkout', defaultReleaseBranch: 'main', outdir: tmpdir(), ...options });
}

describe('PlatformProject', () => {
  test('only a name: the app, its pipeline, values and manifests for staging then production; no projen workflow', () => {
    const p = project();
    const out = pp.Testing.synth(p);
    expect(p.app.name).toBe('checkout');
    expect(p.app.environments.map((e) => [e.name, e.namespace])).toEqual([['staging', 'checkout-staging'], ['production', 'checkout']]);
    expect(out.paths.filter((f) => f.startsWith('.github/'))).toEqual(['.github/workflows/checkout-pipeline.yml']);
    for (const f of ['helm/checkout/values-staging.yaml', 'helm/checkout/values-production.yaml', 'deploy/checkout/staging.k8s.yaml',
      'deploy/checkout/production.k8s.yaml', 'docs/checkout-pipeline.md', 'scripts/checkout/setup-environments.sh']) {
      expect(out.paths).toContain(f);
    }
    const wf = out.yaml('.github/workflows/checkout-pipeline.yml');
    expect(wf.jobs['checkout-deploy-production'].env.CHART).toBe('charts/checkout');
  });

  test('the whole reference pipeline: EnterprisePipeline with SLOs, URLs and a signing identity from the repository URL', () => {
    const p = project({ repository: 'https://github.com/acme/shop.git' });
    const out = pp.Testing.synth(p);
    expect(p.pipeline).toBeInstanceOf(pp.EnterprisePipeline);
    expect(p.app.slos.map((s) => s.name)).toEqual(['availability', 'latency']);
    expect(p.app.environments.map((e) => e.url)).toEqual(['https://checkout.staging.example.com', 'https://checkout.example.com']);
    // rules, dashboards, policies, the kind E2E job and the load test (stages 3-8), not only the deploys
    for (const f of ['monitoring/checkout/production.rules.yml', 'monitoring/checkout/dashboards/checkout-service.json',
      'policies/checkout/kyverno-test.yaml', 'e2e/checkout/kind-config.yaml', 'load/checkout/smoke-load.js']) {
      expect([f, out.paths.includes(f)]).toEqual([f, true]);
    }
    // the signature policy names the repository read from the npm repository URL, not the placeholder
    const policies = out.file('deploy/checkout/production.k8s.yaml')!;
    expect(policies).toContain('acme/shop');
    expect(policies).not.toContain('github.com/example/checkout');
  });

  test('with the default environments (no approvals) the set-up script passes shellcheck', () => {
    const p = project();
    pp.Testing.synth(p);
    expect(shellcheckScript(path.join(p.outdir, 'scripts/checkout/setup-environments.sh'))).toEqual([]);
  });

  test('pins typescript ~5.9.3 and @types/node to the Node 20 line; the peers are devDependencies; no jest, no eslint', () => {
    const pkg = JSON.parse(pp.Testing.synth(project()).file('package.json')!);
    expect(pkg.devDependencies.typescript).toBe('~5.9.3');
    expect(pkg.devDependencies['@types/node']).toBe('^20');
    expect(pkg.devDependencies).toMatchObject({ 'cdk8s': '^2.70.106', 'cdk8s-plus-27': '^2.9.5', 'constructs': '^10.8.1' });
    expect(Object.keys(pkg.devDependencies).filter((d) => /jest|eslint/.test(d))).toEqual([]);
  });

  test('writes a starter chart, Dockerfile and README once, and never overwrites them', () => {
    const p = project();
    pp.Testing.synth(p);
    const read = (f: string) => fs.readFileSync(path.join(p.outdir, f), 'utf8');
    expect(read('charts/checkout/Chart.yaml')).toContain('name: checkout\n');
    expect(read('charts/checkout/values.yaml')).toContain('repository: ghcr.io/example/checkout\n');
    expect(fs.existsSync(path.join(p.outdir, 'charts/checkout/values.schema.json'))).toBe(true);
    expect(read('app/Dockerfile')).toMatch(/^FROM /m);
    const readme = read('README.md');
    expect(readme).toContain('| `helm/checkout/values-staging.yaml`, `helm/checkout/values-production.yaml` | Helm values per environment |');
    expect(readme).toContain('| `charts/checkout/` | your Helm chart');
    expect(readme).toContain('change `.projenrc.ts` and run `npx projen`');
    // a second synth keeps what the user changed
    fs.writeFileSync(path.join(p.outdir, 'charts/checkout/Chart.yaml'), 'mine\n');
    fs.writeFileSync(path.join(p.outdir, 'README.md'), 'mine\n');
    pp.Testing.synth(project({ outdir: p.outdir }));
    expect(read('charts/checkout/Chart.yaml')).toBe('mine\n');
    expect(read('README.md')).toBe('mine\n');
  });

  test('options: app name, image, chart path, environments', () => {
    const p = project({
      appName: 'orders',
      image: pp.ContainerImage.fromRegistry('ghcr.io/shop/orders', { context: 'services/orders' }),
      chartPath: 'deploy-chart',
      environments: [{ name: 'qa', namespace: 'orders-qa', url: 'https://orders.qa.example.com', cluster: pp.ClusterAccess.kubeconfigSecret('QA_KUBECONFIG') }],
    });
    const out = pp.Testing.synth(p);
    expect(out.paths).toContain('helm/orders/values-qa.yaml');
    expect(out.yaml('helm/orders/values-qa.yaml').image.repository).toBe('ghcr.io/shop/orders');
    expect(out.yaml('.github/workflows/orders-pipeline.yml').jobs['orders-deploy-qa'].env.CHART).toBe('deploy-chart');
    expect(fs.existsSync(path.join(p.outdir, 'deploy-chart/Chart.yaml'))).toBe(true);
    // the user's own image: no stand-in Dockerfile
    expect(fs.existsSync(path.join(p.outdir, 'app/Dockerfile'))).toBe(false);
  });

  test('the app name defaults to the project name as a DNS label', () => {
    expect(project({ name: '@acme/Checkout_API' }).app.name).toBe('checkout-api');
  });

  test('an app name that is no DNS label names the prop, the value and the fix', () => {
    expect(errorOf(() => project({ appName: 'Orders' }))).toMatch(/PlatformProject 'checkout': 'appName' .*'Orders'/);
  });

  test('projen\'s own workflows stay off even with github options given', () => {
    const out = pp.Testing.synth(project({ githubOptions: { workflows: true } }));
    expect(out.paths.filter((f) => f.startsWith('.github/') || f === '.mergify.yml')).toEqual(['.github/workflows/checkout-pipeline.yml']);
  });
});
