import * as path from 'path';
import * as pp from '../../src';
import { crdErrors, evaluateKyvernoCel, sharedDir } from '../conformance/validators';
import { errorOf, makeApp } from '../util';

const R = pp.KyvernoRule;
const PUBLIC_KEY = '-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEharness\n-----END PUBLIC KEY-----';

function synth(props: pp.KyvernoPoliciesProps = {}, overrides: Partial<pp.PlatformAppProps> = {},
  build?: (app: pp.PlatformApp) => void): pp.SynthOutput {
  const { project, app } = makeApp({ repository: 'acme/checkout', ...overrides });
  build?.(app);
  new pp.KyvernoPolicies(app, 'Policies', props);
  return pp.Testing.synth(project);
}

/** Kyverno objects of an environment's manifests, by kind. */
function policies(out: pp.SynthOutput, env: string, kind?: string): any[] {
  return out.yamlDocuments(`deploy/checkout/${env}.k8s.yaml`)!.filter((d) => /kyverno\.io\//.test(d.apiVersion) && (!kind || d.kind === kind));
}

/** rule → validationActions, for the CEL policies of an environment. */
function actions(out: pp.SynthOutput, env: string): Record<string, string> {
  return Object.fromEntries(policies(out, env).filter((p) => p.apiVersion === 'policies.kyverno.io/v1' && p.kind !== 'PolicyException')
    .map((p) => [p.metadata.annotations['platform-pipeline.dev/rule'], p.spec.validationActions.join()]));
}

const ALL_RULES = ['pod-security-baseline', 'pod-security-restricted', 'disallow-latest-tag', 'require-image-digest',
  'require-requests-limits', 'require-probes', 'restrict-image-registries', 'verify-image-signatures'];

describe('KyvernoPolicies', () => {
  test('snapshot: the production policies kyverno test reads, one rule', () => {
    const keep = [R.REQUIRE_PROBES];
    const out = synth({ disabledRules: Object.values(R).filter((r) => !keep.includes(r)) });
    expect(out.file('policies/checkout/production.policies.yaml')).toMatchSnapshot();
  });

  test('by default staging audits and production enforces, every rule', () => {
    const out = synth();
    expect(actions(out, 'staging')).toEqual(Object.fromEntries(ALL_RULES.map((r) => [r, 'Audit'])));
    expect(actions(out, 'production')).toEqual(Object.fromEntries(ALL_RULES.map((r) => [r, 'Deny'])));
    // failing closed only where enforced: an unavailable Kyverno does not block staging
    expect(new Set(policies(out, 'staging', 'ValidatingPolicy').map((p) => p.spec.failurePolicy))).toEqual(new Set(['Ignore']));
    expect(new Set(policies(out, 'production', 'ValidatingPolicy').map((p) => p.spec.failurePolicy))).toEqual(new Set(['Fail']));
  });

  test('environments switch Audit and Enforce per environment and per rule', () => {
    const out = synth({
      environments: [
        { environment: 'staging', action: pp.PolicyAction.ENFORCE, audit: [R.REQUIRE_PROBES] },
        { environment: 'production', enforce: [R.REQUIRE_IMAGE_DIGEST], audit: [R.POD_SECURITY_RESTRICTED] },
      ],
    });
    expect(actions(out, 'staging')).toEqual({ ...Object.fromEntries(ALL_RULES.map((r) => [r, 'Deny'])), 'require-probes': 'Audit' });
    expect(actions(out, 'production')).toEqual({ ...Object.fromEntries(ALL_RULES.map((r) => [r, 'Deny'])), 'pod-security-restricted': 'Audit' });
    const audited = synth({ environments: [{ environment: 'production', action: pp.PolicyAction.AUDIT, enforce: [R.VERIFY_IMAGE_SIGNATURES] }] });
    expect(actions(audited, 'production')).toEqual({ ...Object.fromEntries(ALL_RULES.map((r) => [r, 'Audit'])), 'verify-image-signatures': 'Deny' });
  });

  test('the signature policy follows the build stage\'s signing identity (keyless: the workflow on its deploying refs)', () => {
    const identity = (out: pp.SynthOutput) => policies(out, 'production', 'ImageValidatingPolicy')[0].spec.attestors[0].cosign;
    const main = identity(synth());
    expect(main.keyless.identities).toHaveLength(1);
    expect(main.keyless.identities[0].issuer).toBe('https://token.actions.githubusercontent.com');
    const re = new RegExp(main.keyless.identities[0].subjectRegExp);
    expect(re.test('https://github.com/acme/checkout/.github/workflows/checkout-pipeline.yml@refs/heads/main')).toBe(true);
    for (const other of [
      'https://github.com/acme/checkout/.github/workflows/checkout-pipeline.yml@refs/heads/feature',
      'https://github.com/acme/checkout/.github/workflows/other.yml@refs/heads/main',
      'https://github.com/evil/checkout/.github/workflows/checkout-pipeline.yml@refs/heads/main',
      'https://github.com/acme/checkout/.github/workflows/checkout-pipeline.yml@refs/pull/1/merge',
    ]) expect([other, re.test(other)]).toEqual([other, false]);

    // another deploying branch and repository: the policy follows, nothing retyped
    const release = identity(synth({}, { repository: 'acme/shop', promotion: pp.Promotion.sequential({ branch: 'release' }) }));
    const re2 = new RegExp(release.keyless.identities[0].subjectRegExp);
    expect(re2.test('https://github.com/acme/shop/.github/workflows/checkout-pipeline.yml@refs/heads/release')).toBe(true);
    expect(re2.test('https://github.com/acme/checkout/.github/workflows/checkout-pipeline.yml@refs/heads/main')).toBe(false);

    // key-based signing: the build's public key
    const keyed = synth({}, {}, (app) => new pp.BuildStage(app, 'Build', {
      signing: pp.Signing.key({ privateKeySecret: 'COSIGN_KEY', passwordSecret: 'COSIGN_PASSWORD', publicKey: PUBLIC_KEY }),
    }));
    expect(identity(keyed)).toEqual({ key: { data: PUBLIC_KEY } });
    expect(crdErrors(policies(keyed, 'production', 'ImageValidatingPolicy')[0], path.join(sharedDir(), 'schemas'))).toEqual([]);
  });

  test('the signature policy covers the app\'s repository and its SBOM attestations, with the longest webhook timeout', () => {
    const ivp = policies(synth(), 'production', 'ImageValidatingPolicy')[0];
    expect(ivp.spec.matchImageReferences).toEqual([{ glob: 'ghcr.io/acme/checkout*' }]);
    expect(ivp.spec.attestations.map((a: any) => a.intoto.type)).toEqual(['https://cyclonedx.org/bom', 'https://spdx.dev/Document']);
    expect(ivp.spec.webhookConfiguration).toEqual({ timeoutSeconds: 30 });
    const noSbom = policies(synth({}, {}, (app) => new pp.BuildStage(app, 'Build', { sbom: false })), 'production', 'ImageValidatingPolicy')[0];
    expect(noSbom.spec.attestations).toBeUndefined();
    expect(noSbom.spec.validations).toHaveLength(1);
  });

  test('registries: the app\'s registry path, the mesh\'s images and the declared ones; a pattern must be an image repository', () => {
    const expr = (out: pp.SynthOutput) => policies(out, 'production', 'ValidatingPolicy').find((p) => p.metadata.name.endsWith('restrict-image-registries')).spec.validations[0].expression;
    expect(expr(synth({ allowedRegistries: ['registry.acme.io/base/*', 'localhost:5000/tools'] })))
      .toContain("['ghcr.io/acme/', 'registry.acme.io/base/', 'localhost:5000/tools/', 'docker.io/istio/', 'gcr.io/istio-release/']");
    expect(expr(synth({}, { mesh: pp.Mesh.NONE, slos: [] }))).toContain("['ghcr.io/acme/']");
    for (const bad of ['*', 'ghcr.io*', 'checkout', 'ghcr.io/acme/**', 'GHCR.io/acme', '']) {
      const { app } = makeApp({ repository: 'acme/checkout' });
      expect(errorOf(() => new pp.KyvernoPolicies(app, 'Policies', { allowedRegistries: [bad] })))
        .toContain(`'allowedRegistries[0]' must be an image repository prefix with a registry host, such as 'ghcr.io/acme' or 'ghcr.io/acme/*', got '${bad}'`);
    }
  });

  test('policies match the environment\'s namespace only, never a system namespace or Kyverno\'s, with bounded timeouts', () => {
    const vp = policies(synth({ webhookTimeoutSeconds: 5 }), 'staging', 'ValidatingPolicy')[0];
    expect(vp.spec.matchConstraints.namespaceSelector.matchExpressions).toEqual([
      { key: 'kubernetes.io/metadata.name', operator: 'In', values: ['platform-staging'] },
      { key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kube-system', 'kube-public', 'kube-node-lease', 'istio-system', 'kyverno'] },
    ]);
    expect(vp.spec.webhookConfiguration).toEqual({ timeoutSeconds: 5 });
    const { app } = makeApp();
    expect(errorOf(() => new pp.KyvernoPolicies(app, 'Policies', { webhookTimeoutSeconds: 31 }))).toContain("'webhookTimeoutSeconds' must be a whole number from 1 to 30, got 31");
  });

  test('every emitted object validates against its schema', () => {
    const out = synth({ exceptions: [{ name: 'migrations', rules: [R.REQUIRE_PROBES, R.VERIFY_IMAGE_SIGNATURES], matchCondition: "object.metadata.labels['job'] == 'migrate'", reason: 'one-off job', expires: '2027-01-31' }] });
    const docs = [...policies(out, 'staging'), ...policies(out, 'production')];
    expect(docs.map((d) => d.kind).sort()).toEqual([...Array(2).fill('ClusterPolicy'), ...Array(2).fill('ImageValidatingPolicy'), ...Array(2).fill('PolicyException'), ...Array(14).fill('ValidatingPolicy')]);
    expect(docs.flatMap((d) => crdErrors(d, path.join(sharedDir(), 'schemas')))).toEqual([]);
  });

  test('a policy exception: typed, expiring, referencing the environment\'s policies, checked by the gate', () => {
    const out = synth({ exceptions: [{ name: 'migrations', rules: [R.REQUIRE_PROBES], matchCondition: "object.metadata.labels['job'] == 'migrate'", reason: 'one-off job', expires: '2027-01-31', environments: ['production'] }] });
    expect(policies(out, 'staging', 'PolicyException')).toEqual([]);
    const [e] = policies(out, 'production', 'PolicyException');
    expect(e.metadata).toMatchObject({ name: 'checkout-migrations', namespace: 'platform-prod', annotations: { 'platform-pipeline.dev/expires': '2027-01-31', 'platform-pipeline.dev/reason': 'one-off job' } });
    expect(e.spec).toEqual({ policyRefs: [{ name: 'checkout-production-require-probes', kind: 'ValidatingPolicy' }], matchConditions: [{ name: 'exempted', expression: "object.metadata.labels['job'] == 'migrate'" }] });
    // the exception works: the pod it selects passes, another one does not
    const pod = (name: string, labels: Record<string, string>) => ({ object: { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'platform-prod', labels }, spec: { containers: [{ name: 'x', image: 'x' }] } } });
    const probes = policies(out, 'production').filter((p) => p.metadata.name === 'checkout-production-require-probes' || p.kind === 'PolicyException');
    expect(evaluateKyvernoCel(probes, [pod('migrate', { job: 'migrate' }), pod('web', {})]).map((v) => [v.resource, v.result]))
      .toEqual([['Pod/platform-prod/migrate', 'skip'], ['Pod/platform-prod/web', 'fail']]);
    const job = out.yaml('.github/workflows/checkout-pipeline.yml').jobs['checkout-policy-tests'];
    expect(job.steps.find((s: any) => s.id === 'check-exceptions').env).toEqual({ EXCEPTIONS: 'checkout-migrations 2027-01-31' });
  });

  test('bad input gives a clear error and writes nothing', () => {
    const { app } = makeApp({ repository: 'acme/checkout' });
    const err = (props: pp.KyvernoPoliciesProps) => errorOf(() => new pp.KyvernoPolicies(app, `P${Math.random()}`, props));
    expect(err({ disabledRules: [R.DISALLOW_LATEST_TAG], environments: [{ environment: 'production', enforce: [R.DISALLOW_LATEST_TAG] }] }))
      .toContain("'environments[0].enforce' names 'disallow-latest-tag', which is no policy of this set");
    expect(err({ environments: [{ environment: 'prod' }] })).toContain("'environments[0].environment' 'prod' is not an environment of the app; environments are ['staging', 'production']");
    expect(err({ exceptions: [{ name: 'x', rules: [R.REQUIRE_PROBES], matchCondition: 'true', reason: 'r', expires: undefined as any }] }))
      .toContain("'exceptions[0].expires' is required: the last day the exception applies, as YYYY-MM-DD, got nothing");
    expect(err({ exceptions: [{ name: 'x', rules: [R.REQUIRE_PROBES], matchCondition: 'true', reason: 'r', expires: '2027-02-30' }] })).toContain("'exceptions[0].expires' is required");
    expect(err({ exceptions: [{ name: 'x', rules: [], matchCondition: '', reason: '', expires: '2027-01-01' }] }))
      .toMatch(/'exceptions\[0\]\.rules' must name at least one rule.*'exceptions\[0\]\.matchCondition' must be a CEL condition.*'exceptions\[0\]\.reason' must say why/);
    expect(err({ cliVersion: 'v1.13.0' })).toContain("'cliVersion' must be a Kyverno release v1.16.0 or newer");

    // at synth, with every other problem: a build that does not sign, a keyless identity without a repository
    const unsigned = makeApp({ repository: 'acme/checkout' });
    new pp.BuildStage(unsigned.app, 'Build', { signing: pp.Signing.none(), provenance: pp.Provenance.none() });
    new pp.KyvernoPolicies(unsigned.app, 'Policies');
    expect(errorOf(() => pp.Testing.synth(unsigned.project)))
      .toMatch(/nothing was written[\s\S]*checkout\/Policies: KyvernoRule.VERIFY_IMAGE_SIGNATURES verifies the build's signatures, but the build does not sign/);
    const anonymous = makeApp();
    new pp.KyvernoPolicies(anonymous.app, 'Policies');
    expect(errorOf(() => pp.Testing.synth(anonymous.project))).toMatch(/set 'repository' \('owner\/name'\) on the PlatformApp/);
  });

  test('kyverno-test.yaml: per environment and rule, the app\'s pod passes and its one-change copy fails', () => {
    const out = synth();
    const test = out.yaml('policies/checkout/kyverno-test.yaml');
    expect(test.policies).toEqual(['staging.policies.yaml', 'production.policies.yaml']);
    expect(test.results).toHaveLength(28);
    const fixtures = out.yamlDocuments('policies/checkout/resources.yaml')!;
    const good = fixtures.find((f) => f.metadata.name === 'checkout-good' && f.metadata.namespace === 'platform-prod');
    // the app's own pod: its image repository, its environment's resources and security context
    expect(good.spec.containers[0]).toMatchObject({
      image: `ghcr.io/acme/checkout@sha256:${'a'.repeat(64)}`,
      resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } },
      securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: true, runAsNonRoot: true },
    });
    expect(fixtures.filter((f) => f.metadata.namespace === 'platform-prod').map((f) => f.metadata.name)).toEqual([
      'checkout-good', ...ALL_RULES.filter((r) => r !== 'verify-image-signatures').map((r) => `bad-${r}`),
    ]);
  });
});
