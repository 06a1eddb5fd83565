import * as path from 'path';
import { Project } from 'projen';
import * as pp from '../../src';
import { crdErrors, sharedDir } from '../conformance/validators';
import { errorOf, makeApp } from '../util';

const N = pp.NetworkPeer;

/** Three apps of one project: checkout calls payments (port 9090); ledger declares nothing. */
function shop(checkoutNetwork: pp.NetworkProps, paymentsNetwork: pp.NetworkProps = {},
  mesh: pp.Mesh = pp.Mesh.ISTIO): { project: Project; out: () => pp.SynthOutput } {
  const { project, app } = makeApp({ network: checkoutNetwork, mesh, ...(mesh === pp.Mesh.NONE ? { slos: [] } : {}) });
  const payments = makeApp({ image: pp.ContainerImage.fromRegistry('ghcr.io/acme/payments', { context: 'services/payments' }), port: 9090, network: paymentsNetwork, mesh, ...(mesh === pp.Mesh.NONE ? { slos: [] } : {}) }, 'payments', project).app;
  makeApp({ image: pp.ContainerImage.fromRegistry('ghcr.io/acme/ledger', { context: 'services/ledger' }), mesh, ...(mesh === pp.Mesh.NONE ? { slos: [] } : {}) }, 'ledger', project);
  new pp.NetworkPolicies(app, 'Network');
  new pp.NetworkPolicies(payments, 'Network');
  return { project, out: () => pp.Testing.synth(project) };
}

function objectsOf(out: pp.SynthOutput, app: string, env: string, kind: string): any[] {
  return out.yamlDocuments(`deploy/${app}/${env}.k8s.yaml`)!.filter((d) => d.kind === kind && d.metadata.name.startsWith(`${app}-`));
}
const allow = (out: pp.SynthOutput, app: string, env = 'production') => objectsOf(out, app, env, 'NetworkPolicy').find((p) => p.metadata.name === `${app}-allow`).spec;

// written by hand: the peers as NetworkPolicy rules
const DNS = { to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }], ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }] };
const ISTIOD = { to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'istio-system' } } }], ports: [{ protocol: 'TCP', port: 15012 }] };
const pods = (app: string) => ({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'platform-prod' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': app, 'app.kubernetes.io/instance': app } } });
const scrape = (port: number, mesh = true) => ({
  from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }],
  ports: [{ protocol: 'TCP', port }, ...(mesh ? [{ protocol: 'TCP', port: 15020 }, { protocol: 'TCP', port: 15090 }] : [])],
});

describe('NetworkPolicies', () => {
  test('a declared dependency on an app of the project opens exactly its path, on both sides, and nothing else', () => {
    const out = shop({ dependencies: [N.app('payments')] }).out();
    expect(allow(out, 'checkout').egress).toEqual([DNS, ISTIOD, { to: [pods('payments')], ports: [{ protocol: 'TCP', port: 9090 }] }]);
    expect(allow(out, 'checkout').ingress).toEqual([scrape(8080)]);
    expect(allow(out, 'payments').ingress).toEqual([{ from: [pods('checkout')], ports: [{ protocol: 'TCP', port: 9090 }] }, scrape(9090)]);
    expect(allow(out, 'payments').egress).toEqual([DNS, ISTIOD]);
    // the app that declares nothing gets no policies, and no other policy names it
    expect(out.file('deploy/ledger/production.k8s.yaml')).not.toMatch(/NetworkPolicy/);
    expect(out.file('deploy/checkout/production.k8s.yaml')).not.toMatch(/ledger/);
    // default deny for the app's pods in each environment
    expect(objectsOf(out, 'checkout', 'staging', 'NetworkPolicy').find((p) => p.metadata.name === 'checkout-default-deny').spec)
      .toEqual({ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'checkout', 'app.kubernetes.io/instance': 'checkout' } }, policyTypes: ['Ingress', 'Egress'] });
  });

  test('a caller declared on the callee opens the caller\'s egress too; declared on both sides, once', () => {
    const fromCallee = shop({}, { callers: [N.app('checkout')] }).out();
    expect(allow(fromCallee, 'checkout').egress).toEqual([DNS, ISTIOD, { to: [pods('payments')], ports: [{ protocol: 'TCP', port: 9090 }] }]);
    const both = shop({ dependencies: [N.app('payments')] }, { callers: [N.app('checkout')] }).out();
    expect(allow(both, 'payments').ingress).toEqual([{ from: [pods('checkout')], ports: [{ protocol: 'TCP', port: 9090 }] }, scrape(9090)]);
    expect(allow(both, 'checkout').egress).toHaveLength(3);
  });

  test('the ingress gateway and external hosts; the AuthorizationPolicy admits exactly the callers', () => {
    const out = shop({
      callers: [N.ingressGateway({ namespace: 'istio-ingress', serviceAccount: 'public-gw' })],
      dependencies: [N.externalHost('api.stripe.com'), N.externalHost('db.acme.internal.example.com', { port: 5432, cidrs: ['10.20.0.0/16'] })],
    }).out();
    expect(allow(out, 'checkout').ingress).toEqual([
      { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'istio-ingress' } } }], ports: [{ protocol: 'TCP', port: 8080 }] },
      scrape(8080),
    ]);
    expect(allow(out, 'checkout').egress.slice(2)).toEqual([
      { to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16', '100.64.0.0/10'] } }], ports: [{ protocol: 'TCP', port: 443 }] },
      { to: [{ ipBlock: { cidr: '10.20.0.0/16' } }], ports: [{ protocol: 'TCP', port: 5432 }] },
    ]);
    const [authz] = objectsOf(out, 'checkout', 'production', 'AuthorizationPolicy');
    expect(authz.spec).toEqual({
      selector: { matchLabels: { 'app.kubernetes.io/name': 'checkout', 'app.kubernetes.io/instance': 'checkout' } },
      action: 'ALLOW',
      rules: [
        { from: [{ source: { principals: ['cluster.local/ns/istio-ingress/sa/public-gw'] } }], to: [{ operation: { ports: ['8080'] } }] },
        { from: [{ source: { namespaces: ['monitoring'] } }], to: [{ operation: { ports: ['8080'] } }] },
      ],
    });
    const docs = [...objectsOf(out, 'checkout', 'production', 'AuthorizationPolicy')];
    expect(docs.flatMap((d) => crdErrors(d, path.join(sharedDir(), 'schemas')))).toEqual([]);
  });

  test('without the mesh: no AuthorizationPolicy, no istiod egress, no proxy ports', () => {
    const out = shop({ dependencies: [N.app('payments')] }, {}, pp.Mesh.NONE).out();
    expect(objectsOf(out, 'checkout', 'production', 'AuthorizationPolicy')).toEqual([]);
    expect(allow(out, 'checkout').egress).toEqual([DNS, { to: [pods('payments')], ports: [{ protocol: 'TCP', port: 9090 }] }]);
    expect(allow(out, 'checkout').ingress).toEqual([scrape(8080, false)]);
    const { app } = makeApp({ mesh: pp.Mesh.NONE, slos: [] }, 'web');
    expect(errorOf(() => new pp.NetworkPolicies(app, 'Network', { authorizationPolicy: true }))).toContain("'authorizationPolicy' needs the mesh, but the app declares Mesh.none()");
  });

  test('cilium: the same paths at L3/L4, external hosts by name, valid against the CRD schema', () => {
    const { project, app } = makeApp({ network: { callers: [N.ingressGateway()], dependencies: [N.app('payments'), N.externalHost('api.stripe.com')] } });
    makeApp({ image: pp.ContainerImage.fromRegistry('ghcr.io/acme/payments', { context: 'p' }), port: 9090 }, 'payments', project);
    new pp.NetworkPolicies(app, 'Network', { cilium: true });
    const out = pp.Testing.synth(project);
    const [cnp] = objectsOf(out, 'checkout', 'production', 'CiliumNetworkPolicy');
    const NS = 'k8s:io.kubernetes.pod.namespace';
    const tcp = (...ports: string[]) => [{ ports: ports.map((port) => ({ port, protocol: 'TCP' })) }];
    expect(cnp.spec).toEqual({
      endpointSelector: { matchLabels: { 'app.kubernetes.io/name': 'checkout', 'app.kubernetes.io/instance': 'checkout' } },
      ingress: [
        { fromEndpoints: [{ matchLabels: { [NS]: 'istio-ingress' } }], toPorts: tcp('8080') },
        { fromEndpoints: [{ matchLabels: { [NS]: 'monitoring' } }], toPorts: tcp('8080', '15020', '15090') },
      ],
      egress: [
        { toEndpoints: [{ matchLabels: { [NS]: 'kube-system', 'k8s:k8s-app': 'kube-dns' } }], toPorts: [{ ports: [{ port: '53', protocol: 'ANY' }], rules: { dns: [{ matchPattern: '*' }] } }] },
        { toEndpoints: [{ matchLabels: { [NS]: 'istio-system' } }], toPorts: tcp('15012') },
        { toEndpoints: [{ matchLabels: { [NS]: 'platform-prod', 'app.kubernetes.io/name': 'payments', 'app.kubernetes.io/instance': 'payments' } }], toPorts: tcp('9090') },
        { toFQDNs: [{ matchName: 'api.stripe.com' }], toPorts: tcp('443') },
      ],
    });
    expect(crdErrors(cnp, path.join(sharedDir(), 'schemas'))).toEqual([]);
    expect(objectsOf(pp.Testing.synth(shop({}).project), 'checkout', 'production', 'CiliumNetworkPolicy')).toEqual([]);
  });

  test('pathsFor: the declarations the E2E network tests probe', () => {
    const { project, app } = makeApp({ network: { callers: [N.ingressGateway()], dependencies: [N.app('payments', { port: 7000 })] } });
    makeApp({ image: pp.ContainerImage.fromRegistry('ghcr.io/acme/payments', { context: 'p' }) }, 'payments', project);
    const np = new pp.NetworkPolicies(app, 'Network');
    const paths = np.pathsFor('staging');
    expect(paths.ingress.map((p) => [p.kind, p.peer, p.namespace, p.principal, p.port])).toEqual([['ingress-gateway', 'istio-ingress', 'istio-ingress', 'cluster.local/ns/istio-ingress/sa/istio-ingress', 8080]]);
    expect(paths.egress.map((p) => [p.kind, p.peer, p.namespace, p.port])).toEqual([['app', 'payments', 'platform-staging', 7000]]);
  });

  test('bad input gives a clear error and writes nothing', () => {
    const undeclared = makeApp({ network: { dependencies: [N.app('billing')] } });
    new pp.NetworkPolicies(undeclared.app, 'Network');
    expect(errorOf(() => pp.Testing.synth(undeclared.project)))
      .toMatch(/nothing was written[\s\S]*checkout: 'network.dependencies\[0\]' NetworkPeer.app\('billing'\) names no app of this project \(apps: \['checkout'\]\)/);
    const envs = makeApp({ network: { callers: [N.app('batch')] } });
    makeApp({ environments: [{ name: 'staging', namespace: 'batch-staging', cluster: pp.ClusterAccess.kubeconfigSecret('STAGING_KUBECONFIG') }] }, 'batch', envs.project);
    expect(errorOf(() => pp.Testing.synth(envs.project))).toContain("app batch has no environment ['production'], so its namespace there is unknown");
    expect(errorOf(() => makeApp({ network: { callers: [N.externalHost('api.stripe.com')] } })))
      .toContain("'network.callers[0]' is NetworkPeer.externalHost('api.stripe.com'), which cannot be a caller");
    expect(errorOf(() => makeApp({ network: { dependencies: [N.ingressGateway()] } }))).toContain("'network.dependencies[0]' is NetworkPeer.ingressGateway({ namespace: 'istio-ingress' }), which cannot be a dependency");
    expect(errorOf(() => makeApp({ network: { dependencies: [N.app('checkout')] } }))).toContain("'network.dependencies[0]' names the app itself ('checkout')");
    expect(errorOf(() => makeApp({ network: { dependencies: [N.app('payments'), N.app('payments')] } }))).toContain("'network.dependencies[1]' declares NetworkPeer.app('payments') twice");
    const { app } = makeApp();
    expect(errorOf(() => new pp.NetworkPolicies(app, 'Network', { monitoringNamespace: 'Monitoring' }))).toContain("'monitoringNamespace'");
  });
});

describe('NetworkPeer', () => {
  test('refuses what no policy can express', () => {
    expect(errorOf(() => N.externalHost('https://api.stripe.com'))).toContain("'host' must be a lowercase DNS name such as 'api.stripe.com', got 'https://api.stripe.com'");
    expect(errorOf(() => N.externalHost('api.stripe.com', { port: 70000 }))).toContain("'port' must be a whole number from 1 to 65535, got 70000");
    expect(errorOf(() => N.externalHost('api.stripe.com', { cidrs: ['10.0.0.0/33'] }))).toContain("'cidrs' must list address ranges such as '203.0.113.0/24', got '10.0.0.0/33'");
    expect(errorOf(() => N.app('Payments'))).toContain('NetworkPeer.app:');
    expect(errorOf(() => N.ingressGateway({ namespace: 'istio_ingress' }))).toContain('NetworkPeer.ingressGateway:');
    expect(N.externalHost('api.stripe.com', { cidrs: ['2001:db8::/32'] }).cidrs).toEqual(['2001:db8::/32']);
  });
});
