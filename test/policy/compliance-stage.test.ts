import * as path from 'path';
import { ApiObject, Duration } from 'cdk8s';
import * as pp from '../../src';
import { crdErrors, sharedDir } from '../conformance/validators';
import { errorOf, makeApp, workflowOf } from '../util';

const STRIPE = () => pp.SecretReference.externalSecret({
  name: 'checkout-stripe', store: 'aws-secrets-manager', keys: [{ secretKey: 'STRIPE_API_KEY', remoteKey: 'checkout/stripe', property: 'api_key' }],
});

/** An app with everything the checks need: the E2E stage, Kyverno policies and NetworkPolicies, managed namespaces. */
function full(props: pp.ComplianceStageProps = {}, build?: (app: pp.PlatformApp) => void) {
  const { project, app } = makeApp({ repository: 'acme/checkout' });
  new pp.KindE2EStage(app, 'E2E', { environment: 'staging' });
  new pp.KyvernoPolicies(app, 'Policies');
  new pp.NetworkPolicies(app, 'Network');
  build?.(app);
  new pp.ComplianceStage(app, 'Compliance', props);
  return { project, app };
}

const stepIds = (out: pp.SynthOutput) => workflowOf(out).jobs['checkout-e2e'].steps.map((s: any) => s.id);

describe('ComplianceStage', () => {
  test('snapshot: the Falco rules for the app\'s containers in the E2E namespace', () => {
    const out = pp.Testing.synth(full().project);
    expect(out.file('compliance/checkout/falco-rules.yaml')).toMatchSnapshot();
  });

  test('its steps sit in the kind E2E job: Falco before the release, checks after the tests, Falco\'s verdict and the report last', () => {
    const out = pp.Testing.synth(full().project);
    const ids = stepIds(out);
    const at = (id: string) => ids.indexOf(id);
    expect(at('install-platform')).toBeLessThan(at('install-falco'));
    expect(at('install-falco')).toBeLessThan(at('deploy-release'));
    expect(ids.slice(at('kube-bench'), at('kube-bench') + 3)).toEqual(['kube-bench', 'enforcement', 'check-secrets']);
    expect(ids.slice(-6)).toEqual(['falco-check', 'compliance-report', 'upload-compliance-report', 'diagnostics', 'upload-diagnostics', 'delete-cluster']);
    const job = workflowOf(out).jobs['checkout-e2e'];
    expect(job.steps.find((s: any) => s.id === 'compliance-report').if).toBe('${{ !cancelled() }}');
    expect(job.steps.find((s: any) => s.id === 'falco-check').if).toBe('${{ !cancelled() }}');
    // the secrets gate job gates the deploys, also on pull requests
    const gate = workflowOf(out).jobs['checkout-secrets-check'];
    expect(gate.steps.map((s: any) => s.id)).toEqual(['checkout', 'secrets', 'verdict']);
    expect(gate.permissions).toEqual({ contents: 'read' });
  });

  test('the props: Falco\'s threshold, kube-bench\'s bound, image and benchmark, the enforcement checks', () => {
    const out = pp.Testing.synth(full({
      falco: { minimumPriority: pp.FalcoPriority.ERROR },
      kubeBench: { maxFailures: 7, image: `docker.io/aquasec/kube-bench@sha256:${'a'.repeat(64)}`, benchmark: 'cis-1.10' },
      enforcement: { networkPolicy: false, admissionPolicy: false },
    }).project);
    // Error is rank 3 (emergency 0 … debug 7): Error, Critical, Alert and Emergency fail
    expect(out.file('compliance/checkout/falco-check.sh')).toContain("--argjson max 3 '");
    expect(out.file('compliance/checkout/kube-bench.sh')).toContain('max_failures=7\n');
    const job = out.yaml('compliance/checkout/kube-bench-job.yaml');
    expect(job.spec.template.spec.containers[0].image).toBe(`docker.io/aquasec/kube-bench@sha256:${'a'.repeat(64)}`);
    expect(job.spec.template.spec.containers[0].command).toEqual(['kube-bench', 'run', '--targets', 'master,node,etcd,policies', '--benchmark', 'cis-1.10', '--json']);
    const enforcement = out.file('compliance/checkout/enforcement.sh')!;
    expect(enforcement).not.toContain('network-deny');
    expect(enforcement).not.toContain('policy-privileged');
    expect(enforcement).toContain('signature_policy=checkout-staging-verify-image-signatures');
    expect(enforcement).toContain('record pod-security');
    const report = out.file('compliance/checkout/report.sh')!;
    expect(report.split('\n').filter((l) => /^[a-z-]+\t/.test(l)).map((l) => l.split('\t')[0])).toEqual(['falco', 'kube-bench', 'unsigned-image', 'pod-security', 'secrets']);

    // the defaults: Warning (rank 4), no FAIL accepted, the tag-pinned image, every check
    const defaults = pp.Testing.synth(full().project);
    expect(defaults.file('compliance/checkout/falco-check.sh')).toContain("--argjson max 4 '");
    expect(defaults.file('compliance/checkout/kube-bench.sh')).toContain('max_failures=0\n');
    expect(defaults.yaml('compliance/checkout/kube-bench-job.yaml').spec.template.spec.containers[0].image).toBe('docker.io/aquasec/kube-bench:v0.15.6');
    expect(defaults.file('compliance/checkout/enforcement.sh')).toContain('baseline_policy=checkout-staging-pod-security-baseline');

    // Falco and kube-bench off: no files, no steps
    const off = pp.Testing.synth(full({ falco: { enabled: false }, kubeBench: { enabled: false } }).project);
    expect(off.file('compliance/checkout/install-falco.sh')).toBeUndefined();
    expect(off.file('compliance/checkout/kube-bench-job.yaml')).toBeUndefined();
    expect(stepIds(off)).not.toEqual(expect.arrayContaining(['install-falco', 'falco-check', 'kube-bench']));
  });

  test('secret references render only as ExternalSecrets, valid against the external-secrets.io schema', () => {
    const vault = pp.SecretReference.vault({
      name: 'checkout-db',
      store: 'vault',
      storeKind: pp.SecretStoreKind.SECRET_STORE,
      path: 'checkout/database',
      keys: [{ secretKey: 'DB_USER', field: 'username' }, { secretKey: 'DB_PASSWORD', field: 'password' }],
      refreshInterval: Duration.minutes(15),
    });
    const out = pp.Testing.synth(full({ secrets: [STRIPE(), vault] }).project);
    for (const env of ['staging', 'production']) {
      const docs = out.yamlDocuments(`deploy/checkout/${env}.k8s.yaml`)!;
      expect(docs.filter((d) => d.kind === 'Secret')).toEqual([]);
      const es = docs.filter((d) => d.kind === 'ExternalSecret');
      expect(es.map((d) => d.metadata.name)).toEqual(['checkout-stripe', 'checkout-db']);
      expect(es.flatMap((d) => crdErrors(d, path.join(sharedDir(), 'schemas')))).toEqual([]);
    }
    const [stripe, db] = out.yamlDocuments('deploy/checkout/production.k8s.yaml')!.filter((d) => d.kind === 'ExternalSecret');
    expect(stripe.metadata.namespace).toBe('platform-prod');
    expect(stripe.spec).toEqual({
      refreshInterval: '3600s',
      secretStoreRef: { name: 'aws-secrets-manager', kind: 'ClusterSecretStore' },
      target: { name: 'checkout-stripe', creationPolicy: 'Owner' },
      data: [{ secretKey: 'STRIPE_API_KEY', remoteRef: { key: 'checkout/stripe', property: 'api_key' } }],
    });
    expect(db.spec.secretStoreRef).toEqual({ name: 'vault', kind: 'SecretStore' });
    expect(db.spec.refreshInterval).toBe('900s');
    expect(db.spec.data).toEqual([
      { secretKey: 'DB_USER', remoteRef: { key: 'checkout/database', property: 'username' } },
      { secretKey: 'DB_PASSWORD', remoteRef: { key: 'checkout/database', property: 'password' } },
    ]);
    // a reference holds names and keys only: there is no value to give it
    expect(Object.keys(STRIPE()).sort()).toEqual(['keys', 'name', 'problems', 'props', 'source', 'store']);
  });

  test('synth-time secrets check: a Secret literal in the manifests or a password in the values stops the synth', () => {
    const literal = full({}, (app) => {
      new ApiObject(app.chartFor('staging'), 'leak', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'stripe', namespace: 'platform-staging' }, stringData: { key: 'sk_live_0' } });
      app.valuesFor('production').set('stripe.apiKey', 'sk_live_1');
      app.valuesFor('production').set('stripe.existingSecret', 'checkout-stripe');
    });
    const err = errorOf(() => pp.Testing.synth(literal.project));
    expect(err).toMatch(/nothing was written/);
    expect(err).toContain("checkout/Compliance: the staging manifests carry Secret platform-staging/stripe with literal data (['key'])");
    expect(err).toContain("checkout/Compliance: the production Helm values carry literal secret values at ['stripe.apiKey']");
    expect(err).not.toContain('existingSecret');
  });

  test('bad input gives a clear error naming the construct path, the prop and the value, and writes nothing', () => {
    // a fresh app each time: a construct that failed keeps its id in the tree
    const err = (props: pp.ComplianceStageProps) => errorOf(() => new pp.ComplianceStage(makeApp().app, 'Compliance', props));
    expect(err({ falco: { minimumPriority: 'Loud' as any } })).toContain("checkout/Compliance: 'falco.minimumPriority' must be a FalcoPriority (Emergency, Alert, Critical, Error, Warning, Notice, Informational, Debug), got 'Loud'");
    expect(err({ kubeBench: { maxFailures: -1 } })).toContain("'kubeBench.maxFailures' must be a whole number from 0 to 500, got -1");
    expect(err({ kubeBench: { maxFailures: 1.5 } })).toContain('got 1.5');
    expect(err({ kubeBench: { image: 'aquasec/kube-bench' } })).toContain("'kubeBench.image' must be an image reference with a tag or a digest");
    expect(err({ kubeBench: { image: 'docker.io/aquasec/kube-bench:latest' } })).toContain("'kubeBench.image' must not be 'latest'");
    expect(err({ kubeBench: { benchmark: 'CIS 1.10' } })).toContain("'kubeBench.benchmark' must be a kube-bench benchmark name such as 'cis-1.10', got 'CIS 1.10'");
    expect(err({ enforcement: { podSecurity: 'yes' as any } })).toContain("'enforcement.podSecurity' must be true or false, got 'yes'");
    expect(err({ secretScanPaths: ['../outside'] })).toContain("'secretScanPaths[0]' must be a path inside the repository, got '../outside'");
    expect(err({ secrets: [{ name: 'x' } as any] })).toContain("'secrets[0]' must be a SecretReference");
    expect(err({ secrets: [STRIPE(), STRIPE()] })).toContain("'secrets[1].name' 'checkout-stripe' is used by another secret");
    expect(err({ secrets: [pp.SecretReference.externalSecret({ name: 'Bad_Name', store: '', keys: [] })] }))
      .toMatch(/'secrets\[0\]' \(external-secret\): 'name' must be a Kubernetes object name such as 'checkout-db', got 'Bad_Name'.*'store' must name a SecretStore.*'keys' must list at least one key/);
    expect(err({ secrets: [pp.SecretReference.vault({ name: 'db', store: 'vault', path: '/secret/db', keys: [{ secretKey: 'a b', field: '' }] })] }))
      .toMatch(/'keys\[0\]\.secretKey' must be a Secret key.*got 'a b'.*'path' must be a Vault KV path.*got '\/secret\/db'.*'keys\[0\]\.field' must name a field/);
    expect(err({ secrets: [pp.SecretReference.externalSecret({ name: 'x', store: 's', keys: [{ secretKey: 'K', remoteKey: 'r' }], refreshInterval: Duration.seconds(5) })] }))
      .toContain("'refreshInterval' must be from 1 minute to 7 days, got 5s");

    // at synth: no E2E cluster; checks whose enforcement nothing provides ("Enforce with no policy")
    const alone = makeApp({ repository: 'acme/checkout' });
    new pp.ComplianceStage(alone.app, 'Compliance');
    expect(errorOf(() => pp.Testing.synth(alone.project)))
      .toMatch(/nothing was written[\s\S]*checkout\/Compliance: the compliance checks run in the kind E2E cluster, but the app has no KindE2EStage/);
    const bare = makeApp({ repository: 'acme/checkout', manageNamespaces: false });
    new pp.KindE2EStage(bare.app, 'E2E');
    new pp.ComplianceStage(bare.app, 'Compliance');
    const e = errorOf(() => pp.Testing.synth(bare.project));
    expect(e).toContain("'enforcement.networkPolicy' checks that an undeclared caller is denied, but the staging manifests (the E2E environment) carry no NetworkPolicy; add NetworkPolicies, or set 'enforcement.networkPolicy: false'");
    expect(e).toContain("'enforcement.podSecurity' checks that Pod Security refuses a privileged pod in platform-staging, but the staging manifests set no 'pod-security.kubernetes.io/enforce' label");
    expect(e).toContain("'enforcement.admissionPolicy' checks that the Kyverno policy refuses a privileged pod, but the staging manifests carry no pod-security-baseline policy to enforce");
    expect(e).toContain("'enforcement.imageSignature' checks that an unsigned image is refused, but the staging manifests carry no signature policy to enforce");
    // a rule the policies disable is no policy to enforce either
    const disabled = makeApp({ repository: 'acme/checkout' });
    new pp.KindE2EStage(disabled.app, 'E2E');
    new pp.NetworkPolicies(disabled.app, 'Network');
    new pp.KyvernoPolicies(disabled.app, 'Policies', { disabledRules: [pp.KyvernoRule.POD_SECURITY_BASELINE] });
    new pp.ComplianceStage(disabled.app, 'Compliance');
    expect(errorOf(() => pp.Testing.synth(disabled.project))).toContain("'enforcement.admissionPolicy' checks that the Kyverno policy refuses a privileged pod");
  });
});
