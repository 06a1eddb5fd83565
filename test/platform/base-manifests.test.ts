import * as pp from '../../src';
import { appProps, errorOf, makeApp, workflowOf } from '../util';

const K = pp.ClusterAccess.kubeconfigSecret('K');
const custom = pp.SliSource.custom({ requestsMetric: 'http_requests_total', latencyHistogram: 'http_request_duration_seconds' });

function namespaceOf(out: pp.SynthOutput, app: string, env: string): any {
  return (out.yamlDocuments(`deploy/${app}/${env}.k8s.yaml`) ?? []).find((d) => d.kind === 'Namespace');
}

describe('the Namespace: Pod Security and the mesh (issue 11 item 7)', () => {
  const labelsFor = (overrides: Partial<pp.PlatformAppProps>, podSecurity?: pp.PodSecurityLevel) => {
    const { project } = makeApp({ environments: [{ name: 'prod', namespace: 'shop', cluster: K, podSecurity }], ...overrides });
    return namespaceOf(pp.Testing.synth(project), 'checkout', 'prod').metadata.labels;
  };
  const pss = (enforce: string) => ({
    'platform-pipeline.dev/apply-phase': 'before-helm',
    'pod-security.kubernetes.io/enforce': enforce,
    'pod-security.kubernetes.io/enforce-version': 'latest',
    'pod-security.kubernetes.io/warn': 'restricted',
    'pod-security.kubernetes.io/audit': 'restricted',
  });

  test('default: restricted, sidecar injection (Istio with its CNI plugin)', () => {
    expect(labelsFor({})).toEqual({ ...pss('restricted'), 'istio-injection': 'enabled' });
  });

  test('ambient mode: the dataplane-mode label (and the waypoint), no injection label', () => {
    expect(labelsFor({ mesh: pp.Mesh.istioAmbient(), sliSource: custom })).toEqual({ ...pss('restricted'), 'istio.io/dataplane-mode': 'ambient' });
    expect(labelsFor({ mesh: pp.Mesh.istioAmbient({ waypoint: 'wp' }), sliSource: custom })).toEqual({
      ...pss('restricted'), 'istio.io/dataplane-mode': 'ambient', 'istio.io/use-waypoint': 'wp',
    });
  });

  test('sidecars without the CNI plugin in a privileged namespace; no mesh under baseline', () => {
    expect(labelsFor({ mesh: pp.Mesh.istio({ cni: false }) }, pp.PodSecurityLevel.PRIVILEGED)).toEqual({ ...pss('privileged'), 'istio-injection': 'enabled' });
    expect(labelsFor({ mesh: pp.Mesh.NONE, sliSource: custom }, pp.PodSecurityLevel.BASELINE)).toEqual(pss('baseline'));
  });

  test('an impossible combination fails at construction, before anything is written', () => {
    expect(errorOf(() => makeApp({ mesh: pp.Mesh.istio({ cni: false }) }))).toContain("'environments[0].podSecurity' is 'restricted' (the default), but 'mesh' is Mesh.istio({ cni: false })");
  });

  test('the sidecar mesh keeps its Istio defaults with or without the CNI plugin; ambient has none', () => {
    expect(makeApp({ mesh: pp.Mesh.istio({ cni: false }), environments: [{ name: 'prod', namespace: 'shop', cluster: K, podSecurity: pp.PodSecurityLevel.PRIVILEGED }] }).app.sliSource?.kind).toBe('istio');
    expect(makeApp({ mesh: pp.Mesh.istioAmbient(), slos: [] }).app.sliSource).toBeUndefined();
  });
});

describe('a namespace shared by apps of one project has one owner (issue 11 item 8)', () => {
  const two = (cart: Partial<pp.PlatformAppProps> = {}) => {
    const project = pp.Testing.project();
    makeApp({}, 'checkout', project);
    new pp.PlatformApp(project, 'cart', appProps({ image: pp.ContainerImage.fromRegistry('ghcr.io/acme/cart'), ...cart }));
    return project;
  };

  test('the first app declaring an environment\'s namespace emits the Namespace; the other relies on it', () => {
    const out = pp.Testing.synth(two());
    for (const env of ['staging', 'production']) {
      expect(namespaceOf(out, 'checkout', env)).toBeDefined();
      expect(namespaceOf(out, 'cart', env)).toBeUndefined();
      // the rest of the other app's manifests stays
      expect(out.yamlDocuments(`deploy/cart/${env}.k8s.yaml`)!.map((d) => d.kind)).toEqual(['PodDisruptionBudget']);
    }
    const kinds = ['checkout', 'cart'].flatMap((a) => ['staging', 'production'].flatMap((e) => out.yamlDocuments(`deploy/${a}/${e}.k8s.yaml`)!.filter((d) => d.kind === 'Namespace')));
    expect(kinds.map((d) => d.metadata.name)).toEqual(['platform-staging', 'platform-prod']);
    // nothing of the other app is applied before Helm: its deploy does not prepare a namespace it does not own
    expect(workflowOf(out, 'cart').jobs['cart-deploy-staging'].steps.map((s: any) => s.id)).not.toContain('prepare-namespace');
    expect(workflowOf(out, 'checkout').jobs['checkout-deploy-staging'].steps.map((s: any) => s.id)).toContain('prepare-namespace');
  });

  test('another environment name is another deploy target: each emits its own Namespace', () => {
    const out = pp.Testing.synth(two({ environments: [{ name: 'qa', namespace: 'platform-staging', cluster: K }] }));
    expect(namespaceOf(out, 'checkout', 'staging')).toBeDefined();
    expect(namespaceOf(out, 'cart', 'qa')).toBeDefined();
  });

  test('an app that does not manage namespaces claims none', () => {
    const project = pp.Testing.project();
    makeApp({ manageNamespaces: false }, 'checkout', project);
    new pp.PlatformApp(project, 'cart', appProps({ mesh: pp.Mesh.NONE, slos: [] }));
    const out = pp.Testing.synth(project);
    expect(namespaceOf(out, 'cart', 'staging').metadata.labels['istio-injection']).toBeUndefined();
  });

  test('conflicting labels in one namespace are refused at synth, naming both apps, the labels and the fix', () => {
    const msg = errorOf(() => pp.Testing.synth(two({ mesh: pp.Mesh.istioAmbient(), slos: [] })));
    expect(msg).toContain('platform-pipeline: the definition has problems; nothing was written (2 problems):');
    expect(msg).toContain("  - cart: namespace 'platform-staging' of environment 'staging' is shared with app checkout, which owns the Namespace object with other labels "
      + "(istio-injection: 'enabled' vs unset, istio.io/dataplane-mode: unset vs 'ambient'; checkout: mesh Mesh.istio(), podSecurity 'restricted', cart: mesh Mesh.istioAmbient(), podSecurity 'restricted'). "
      + 'A namespace has one set of labels: declare the same mesh and podSecurity in both apps, use another namespace, or set manageNamespaces: false on one app');
    expect(msg).toContain("  - cart: namespace 'platform-prod' of environment 'production'");
    const pss = errorOf(() => pp.Testing.synth(two({
      environments: [{ name: 'staging', namespace: 'platform-staging', cluster: K, podSecurity: pp.PodSecurityLevel.BASELINE }],
    })));
    expect(pss).toContain("(pod-security.kubernetes.io/enforce: 'restricted' vs 'baseline'; checkout: mesh Mesh.istio(), podSecurity 'restricted', cart: mesh Mesh.istio(), podSecurity 'baseline')");
    expect(pss).toContain('(1 problem)');
  });
});
