import { ApiObject, Duration, Size } from 'cdk8s';
import { Cpu } from 'cdk8s-plus-27';
import * as pp from '../../src';
import { appProps, errorOf, makeApp, workflowOf } from '../util';

describe('PlatformApp', () => {
  test('values of an environment: exact text', () => {
    const { project } = makeApp();
    const out = pp.Testing.synth(project);
    expect(out.file('helm/checkout/values-staging.yaml')).toMatchSnapshot();
  });

  test('writes the contract files, every path carrying the app name', () => {
    const { project } = makeApp();
    const paths = pp.Testing.synth(project).paths.filter((p) => !p.startsWith('.projen/') && !p.startsWith('.git'));
    expect(paths).toEqual([
      'deploy/checkout/production.k8s.yaml',
      'deploy/checkout/staging.k8s.yaml',
      'docs/checkout-pipeline.md',
      'helm/checkout/values-production.yaml',
      'helm/checkout/values-staging.yaml',
      'scripts/checkout/setup-environments.sh',
    ]);
    expect(pp.Testing.synth(makeApp().project).paths).toContain('.github/workflows/checkout-pipeline.yml');
  });

  test('values follow helm create conventions and carry the environment settings', () => {
    const { project } = makeApp({
      environments: [{
        name: 'staging',
        namespace: 'ns',
        replicas: 3,
        cluster: pp.ClusterAccess.kubeconfigSecret('K'),
        resources: { cpu: { request: Cpu.millis(250), limit: Cpu.units(1) }, memory: { request: Size.mebibytes(256), limit: Size.gibibytes(1) } },
      }],
      port: 9000,
    });
    const v = pp.Testing.synth(project).yaml('helm/checkout/values-staging.yaml');
    expect(v.fullnameOverride).toBe('checkout');
    expect(v.nameOverride).toBe('checkout');
    expect(v.replicaCount).toBe(3);
    expect(v.image).toEqual({ repository: 'ghcr.io/acme/checkout', pullPolicy: 'IfNotPresent', tag: '' });
    expect(v.service).toEqual({ type: 'ClusterIP', port: 9000 });
    expect(v.resources).toEqual({ requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '1', memory: '1024Mi' } });
    expect(v.podSecurityContext.runAsNonRoot).toBe(true);
    expect(v.securityContext).toEqual({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: true, runAsNonRoot: true });
  });

  test('valuesFor(env).set deep-merges over the defaults', () => {
    const { project, app } = makeApp();
    app.valuesFor('production').set('ingress', { enabled: true, className: 'nginx' });
    app.valuesFor('production').set('image.pullPolicy', 'Always');
    const out = pp.Testing.synth(project);
    const prod = out.yaml('helm/checkout/values-production.yaml');
    expect(prod.ingress).toEqual({ enabled: true, className: 'nginx' });
    expect(prod.image).toEqual({ repository: 'ghcr.io/acme/checkout', pullPolicy: 'Always', tag: '' });
    expect(out.yaml('helm/checkout/values-staging.yaml').ingress).toEqual({ enabled: false });
  });

  test('manifests: a restricted namespace with Istio injection and a PDB selecting the chart pods', () => {
    const { project } = makeApp();
    const docs = pp.Testing.synth(project).yamlDocuments('deploy/checkout/production.k8s.yaml')!;
    const ns = docs.find((d) => d.kind === 'Namespace');
    expect(ns.metadata.name).toBe('platform-prod');
    expect(ns.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
    expect(ns.metadata.labels['istio-injection']).toBe('enabled');
    const pdb = docs.find((d) => d.kind === 'PodDisruptionBudget');
    expect(pdb.metadata).toMatchObject({ name: 'checkout', namespace: 'platform-prod' });
    expect(pdb.spec.selector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'checkout', 'app.kubernetes.io/instance': 'checkout' });
  });

  test('without a mesh the namespace gets no injection label; manageNamespaces and podDisruptionBudget turn the objects off', () => {
    const noMesh = makeApp({ mesh: pp.Mesh.NONE, slos: [] });
    const ns = pp.Testing.synth(noMesh.project).yamlDocuments('deploy/checkout/staging.k8s.yaml')!.find((d) => d.kind === 'Namespace');
    expect(ns.metadata.labels['istio-injection']).toBeUndefined();

    const none = makeApp({ manageNamespaces: false, podDisruptionBudget: false });
    const out = pp.Testing.synth(none.project);
    expect(out.file('deploy/checkout/staging.k8s.yaml')).toBeUndefined();
    const steps = out.yaml('.github/workflows/checkout-pipeline.yml').jobs['checkout-deploy-staging'].steps.map((s: any) => s.id);
    expect(steps).not.toContain('apply-manifests');
    expect(steps).not.toContain('prepare-namespace');
    expect(out.yaml('.github/workflows/checkout-pipeline.yml').jobs['checkout-deploy-staging'].steps.find((s: any) => s.id === 'helm-upgrade').run).toContain('--create-namespace');
  });

  test('objects added to chartFor(env) land in that environment only', () => {
    const { project, app } = makeApp();
    new ApiObject(app.chartFor('staging'), 'cm', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'extra', namespace: 'platform-staging' } });
    const out = pp.Testing.synth(project);
    expect(out.yamlDocuments('deploy/checkout/staging.k8s.yaml')!.map((d) => d.kind)).toContain('ConfigMap');
    expect(out.yamlDocuments('deploy/checkout/production.k8s.yaml')!.map((d) => d.kind)).not.toContain('ConfigMap');
  });

  test('two apps in one project never collide', () => {
    const project = pp.Testing.project();
    makeApp({}, 'checkout', project);
    makeApp({ image: pp.ContainerImage.fromRegistry('ghcr.io/acme/cart') }, 'cart', project);
    const out = pp.Testing.synth(project);
    expect(out.paths).toEqual(expect.arrayContaining([
      '.github/workflows/checkout-pipeline.yml', '.github/workflows/cart-pipeline.yml',
      'helm/cart/values-staging.yaml', 'helm/checkout/values-staging.yaml',
      'deploy/cart/production.k8s.yaml', 'scripts/cart/setup-environments.sh', 'docs/cart-pipeline.md',
    ]));
    const cartJobs = Object.keys(out.yaml('.github/workflows/cart-pipeline.yml').jobs);
    expect(cartJobs.every((j) => j.startsWith('cart-'))).toBe(true);
  });

  test('app-level accessors', () => {
    const { app } = makeApp();
    expect(app.releaseName).toBe('checkout');
    expect(app.environments.map((e) => e.name)).toEqual(['staging', 'production']);
    expect(app.environment('production').replicas).toBe(4);
    expect(app.environment('staging').replicas).toBe(2);
    expect(app.sliSourceFor(app.slos[0]).requestsMetric).toBe('istio_requests_total');
    expect(pp.PlatformApp.isPlatformApp(app)).toBe(true);
    expect(pp.PlatformApp.of(app.pipeline)).toBe(app);
  });
});

describe('PlatformApp validation', () => {
  const bad = (overrides: Partial<pp.PlatformAppProps>, name = 'checkout') => errorOf(() => makeApp(overrides, name));

  test('an app name that is not a DNS-1123 label', () => {
    expect(bad({}, 'Check_Out')).toMatch(/checkout|'name \(the construct id\)' must be a DNS-1123 label.*got 'Check_Out'; try 'check-out'/);
  });
  test('an empty environment list', () => {
    expect(bad({ environments: [] })).toContain("'environments' must list at least one environment");
  });
  test('duplicate environments', () => {
    const env = { name: 'staging', namespace: 'a', cluster: pp.ClusterAccess.kubeconfigSecret('K') };
    expect(bad({ environments: [env, env] })).toContain("'environments[1].name' 'staging' is declared twice");
  });
  test('a deploy without cluster access', () => {
    expect(bad({ environments: [{ name: 'qa', namespace: 'qa' }] })).toContain("'environments[0].cluster' is required: a deploy to 'qa' cannot run without cluster access; use ClusterAccess.kubeconfigSecret('QA_KUBECONFIG')");
  });
  test('names checked against Kubernetes: environment and namespace', () => {
    const msg = bad({ environments: [{ name: 'Prod', namespace: 'prod_ns', cluster: pp.ClusterAccess.kubeconfigSecret('K') }] });
    expect(msg).toContain("'environments[0].name' must be a DNS-1123 label");
    expect(msg).toContain("'environments[0].namespace' must be a DNS-1123 label");
    expect(msg).toMatch(/2 problems/);
  });
  test('two environments on one branch', () => {
    const msg = bad({ promotion: pp.Promotion.branchPerEnvironment({ branches: [{ environment: 'staging', branch: 'main' }, { environment: 'production', branch: 'main' }] }) });
    expect(msg).toContain("deploys environments ['staging', 'production'] from the same branch 'main'");
  });
  test('a branch for an unknown environment, and an environment without a branch', () => {
    const msg = bad({ promotion: pp.Promotion.branchPerEnvironment({ branches: [{ environment: 'staging', branch: 'develop' }, { environment: 'prod', branch: 'main' }] }) });
    expect(msg).toContain("environment 'prod', which is not declared");
    expect(msg).toContain("names no branch for environment 'production'");
  });
  test('a latency threshold that is not a bucket bound of the SLI source', () => {
    const msg = bad({ slos: [pp.Slo.latency({ name: 'latency', objective: 99, threshold: Duration.millis(300) })] });
    expect(msg).toContain("'threshold' 300 millis (300ms) is not a bucket bound of istio_request_duration_milliseconds; pick one of [0.5, 1, 5, 10, 25, 50, 100, 250, 500");
  });
  test('a latency SLO on a custom source in seconds: the threshold is converted', () => {
    const sli = pp.SliSource.custom({ requestsMetric: 'http_requests_total', latencyHistogram: 'http_request_duration_seconds' });
    expect(() => makeApp({ mesh: pp.Mesh.NONE, sliSource: sli, slos: [pp.Slo.latency({ name: 'fast', objective: 99, threshold: Duration.millis(250) })] })).not.toThrow();
    expect(bad({ mesh: pp.Mesh.NONE, sliSource: sli, slos: [pp.Slo.latency({ name: 'fast', objective: 99, threshold: Duration.millis(300) })] })).toContain('(0.3s) is not a bucket bound');
  });
  test('SLOs without a mesh and without an SLI source', () => {
    expect(bad({ mesh: pp.Mesh.NONE })).toContain("SLO 'availability' has no SLI source");
  });
  test('duplicate SLO names', () => {
    expect(bad({ slos: [pp.Slo.availability({ name: 'a', objective: 99 }), pp.Slo.availability({ name: 'a', objective: 98 })] })).toContain("SLO name 'a' is used twice");
  });
  test('bad port, replicas, url, source path, smoke path, urls', () => {
    const msg = bad({
      port: 70000,
      sourcePaths: ['../outside/**'],
      smokeTestPath: 'healthz',
      runbookBaseUrl: 'runbooks',
      environments: [{ name: 'staging', namespace: 'ns', replicas: 0, url: 'staging.acme.dev', cluster: pp.ClusterAccess.kubeconfigSecret('K') }],
    });
    for (const s of ["'port' must be a port number from 1 to 65535, got 70000", "'sourcePaths' entries must be globs relative to the repository root, got '../outside/**'",
      "'smokeTestPath' must start with '/'", "'runbookBaseUrl' must be an http(s) URL, got 'runbooks'", "'environments[0].replicas' must be a whole number from 1 to 1000, got 0",
      "'environments[0].url' must be an http(s) URL, got 'staging.acme.dev'"]) {
      expect(msg).toContain(s);
    }
  });
  test('two apps with the same name', () => {
    const project = pp.Testing.project();
    makeApp({}, 'checkout', project);
    expect(errorOf(() => new pp.PlatformApp(project, 'checkout', appProps()))).toContain("another PlatformApp is already named 'checkout'");
  });
  test('two apps managing one namespace with different meshes', () => {
    const project = pp.Testing.project();
    makeApp({}, 'checkout', project);
    makeApp({ mesh: pp.Mesh.NONE, slos: [] }, 'cart', project);
    expect(errorOf(() => pp.Testing.synth(project))).toContain("cart: namespace 'platform-staging' of environment 'staging' is shared with app checkout, which owns the Namespace object with other labels");
  });
  test('errors name the construct path and carry no library stack frames', () => {
    try {
      makeApp({ environments: [] });
      throw new Error('no error');
    } catch (e: any) {
      expect(e.name).toBe('PlatformPipelineError');
      expect(e.message.startsWith('invalid platform-pipeline definition')).toBe(true);
      expect(e.message).toContain('  - checkout: ');
      expect(e.stack).not.toMatch(/\n\s+at /);
    }
  });
});

describe('declaration order never matters (contributions are read at synth)', () => {
  type Build = (app: pp.PlatformApp) => void;
  const declare: Build = (app) => { new pp.BuildStage(app, 'Build', { platforms: ['linux/amd64', 'linux/arm64'] }); };
  const userStep: Build = (app) => app.pipeline.buildJob!.addStep({ id: 'notify', run: 'echo built' });
  const canary: Build = (app) => { new pp.CanaryDeploy(app, 'Delivery', { stepWeights: [20, 50], trafficRouting: pp.TrafficRouting.istio({ gateways: ['istio-ingress/public'] }) }); };
  const deployStep: Build = (app) => app.pipeline.deployJob('staging')!.addStep({ id: 'page-oncall', run: 'echo deployed' }, { slot: pp.DeploySlot.POST_DEPLOY });

  const render = (order: Build[]) => {
    const { project, app } = makeApp();
    for (const f of order) f(app);
    return pp.Testing.synth(project).file('.github/workflows/checkout-pipeline.yml');
  };

  test('a step added to the build job before the BuildStage is declared stays, after the stage\'s own steps', () => {
    const before = render([userStep, declare]);
    const after = render([declare, userStep]);
    expect(before).toBe(after);
    const { project, app } = makeApp();
    userStep(app);
    declare(app);
    const steps = workflowOf(pp.Testing.synth(project)).jobs['checkout-build'].steps.map((s: any) => s.id);
    expect(steps[0]).toBe('checkout');
    expect(steps[steps.length - 1]).toBe('notify');
    expect(steps).toContain('setup-qemu'); // the declared stage, not the defaults
  });

  test('a step added to the build job with no BuildStage declared stays next to the default build', () => {
    const { project, app } = makeApp();
    userStep(app);
    const steps = workflowOf(pp.Testing.synth(project)).jobs['checkout-build'].steps.map((s: any) => s.id);
    expect(steps).toContain('build');
    expect(steps[steps.length - 1]).toBe('notify');
    expect(app.node.tryFindChild('DefaultBuild')).toBeDefined();
  });

  test('deploy steps and the delivery strategy: every order renders the same workflow', () => {
    const orders: Build[][] = [
      [deployStep, canary, userStep, declare],
      [declare, canary, deployStep, userStep],
      [canary, userStep, deployStep, declare],
    ];
    const rendered = orders.map(render);
    expect(rendered[1]).toBe(rendered[0]);
    expect(rendered[2]).toBe(rendered[0]);
    expect(rendered[0]).toContain('page-oncall');
    expect(rendered[0]).toContain('setup-argo-rollouts');
  });

  test('a step id that clashes with the owner\'s step is refused, naming it', () => {
    const { project, app } = makeApp();
    app.pipeline.buildJob!.addStep({ id: 'meta', run: 'echo mine' });
    expect(errorOf(() => pp.Testing.synth(project))).toMatch(/step id 'meta' is used twice in job 'checkout-build': the job's own step has that id; give your step another id/);
  });
});
