/**
 * The Kyverno policies of examples/enterprise-platform, executed (DESIGN §2b "Rules and policies run"): every
 * CEL validation of every generated ValidatingPolicy and ImageValidatingPolicy is evaluated with a CEL
 * implementation (@marcbachmann/cel-js), honouring matchConstraints, autogen and matchConditions, against
 * - the fixtures of policies/checkout/kyverno-test.yaml: every expected pass passes, every expected fail
 *   fails that rule;
 * - the app's own rendered chart (helm template with the production values) and manifests: they pass every
 *   production Enforce policy, the signature policy included, when the image is signed by the identity
 *   written here by hand;
 * and broken rules (a signature policy with the wrong identity, a registry rule that admits any registry)
 * make these checks fail. The example is synthesized once by the conformance setup.
 */
import * as path from 'path';
import { ExampleOutput, exampleOutput } from './example-harness';
import { CelResource, CelVerdict, evaluateKyvernoCel, evaluateKyvernoCelCases, helmTemplate, ImageSignatures } from './validators';

const APP = 'checkout';
let out: ExampleOutput;
beforeAll(() => {
  out = exampleOutput('enterprise-platform');
}, 300_000);

/** Who signs checkout's images (written by hand: the example's repository, workflow, deploying branch). */
const PIPELINE_IDENTITY = {
  issuer: 'https://token.actions.githubusercontent.com',
  subject: 'https://github.com/acme/checkout-platform/.github/workflows/checkout-pipeline.yml@refs/heads/main',
};
const SBOM_TYPES = ['https://cyclonedx.org/bom', 'https://spdx.dev/Document'];
const signedBy = (signer: { issuer: string; subject: string }): ImageSignatures => ({
  signatures: [signer],
  attestations: SBOM_TYPES.map((type) => ({ type, signer })),
});

const docs = new Map<string, any[]>();
/** The parsed documents of a generated file (parsed once per run: read them, never change them). */
function docsOf(file: string): any[] {
  if (!docs.has(file)) docs.set(file, out.yamlDocs(file));
  return docs.get(file)!;
}

function policiesOf(env: string): any[] {
  return docsOf(`deploy/${APP}/${env}.k8s.yaml`).filter((d) => /kyverno\.io\//.test(d?.apiVersion ?? ''));
}

/** Each expected result of kyverno-test.yaml compared with the evaluator's verdict; the mismatches. */
function testMismatches(policies: any[], signatures: Record<string, ImageSignatures> = {}): string[] {
  const test = docsOf(`policies/${APP}/kyverno-test.yaml`)[0];
  const fixtures: CelResource[] = docsOf(`policies/${APP}/resources.yaml`).map((object) => ({ object }));
  const verdicts = evaluateKyvernoCel(policies, fixtures, signatures);
  const mismatches: string[] = verdicts.filter((v) => v.result === 'error').map((v) => `${v.policy} on ${v.resource}: ${v.error}`);
  for (const r of test.results) {
    for (const res of r.resources) {
      const [ns, name] = res.split('/');
      const v = verdicts.find((x) => x.policy === r.policy && x.resource === `${r.kind}/${ns}/${name}`);
      if (!v) mismatches.push(`${r.policy} on ${res}: no verdict (no such policy or fixture)`);
      else if (v.result !== r.result) mismatches.push(`${r.policy} on ${res}: expected ${r.result}, got ${v.result}${v.why ? ` (${v.why})` : ''}`);
    }
  }
  return mismatches;
}

let rendered: CelResource[] | undefined;
/** The app's production workload: the chart rendered with the production values, and the manifests. */
function productionWorkload(): CelResource[] {
  if (!rendered) {
    const t = helmTemplate(APP, path.join(out.dir, 'helm/platform'), path.join(out.dir, `helm/${APP}/values-production.yaml`), 'platform-prod');
    expect(t.findings).toEqual([]);
    rendered = [...t.docs, ...docsOf(`deploy/${APP}/production.k8s.yaml`)].map((object) => ({ object }));
  }
  return rendered;
}

function imageOf(workload: CelResource[]): string {
  const d = workload.find((r) => r.object?.kind === 'Deployment')!.object;
  return d.spec.template.spec.containers[0].image;
}

/** Enforce policies that refuse or never see the workload: an empty list means every one admits it. */
function enforceProblems(policies: any[], signatures: Record<string, ImageSignatures>): string[] {
  return enforceProblemsEach(policies, [signatures])[0];
}

/** {@link enforceProblems} for several signature worlds, in one evaluator process. */
function enforceProblemsEach(policies: any[], worlds: Array<Record<string, ImageSignatures>>): string[][] {
  const enforced = policies.filter((p) => p.spec?.validationActions?.includes('Deny'));
  expect(enforced.length).toBeGreaterThanOrEqual(8);
  return evaluateKyvernoCelCases(worlds.map((signatures) => ({ policies: enforced, resources: productionWorkload(), signatures })))
    .map((verdicts) => problemsOf(enforced, verdicts));
}

function problemsOf(enforced: any[], verdicts: CelVerdict[]): string[] {
  const problems = verdicts.filter((v) => v.result === 'fail' || v.result === 'error').map(show);
  // vacuity guard: every Enforce policy evaluated the app's pod (through autogen on the chart's Deployment)
  for (const p of enforced) {
    if (!verdicts.some((v) => v.policy === p.metadata.name && v.result !== 'skip')) problems.push(`${p.metadata.name}: never evaluated the app's workload`);
  }
  return problems;
}

const show = (v: CelVerdict) => `${v.policy} on ${v.resource}: ${v.result} ${v.failed?.join('; ') ?? v.error ?? ''}`;

describe('examples/enterprise-platform: Kyverno policies, executed', () => {
  test('every expected result of kyverno-test.yaml holds under CEL evaluation (both environments, every rule)', () => {
    const policies = [...policiesOf('staging'), ...policiesOf('production')];
    const test = docsOf(`policies/${APP}/kyverno-test.yaml`)[0];
    // each validating rule of each environment has a pass and a fail fixture
    const validating = policies.filter((p) => p.kind === 'ValidatingPolicy');
    expect(validating.length).toBe(14);
    for (const p of validating) {
      expect(test.results.filter((r: any) => r.policy === p.metadata.name).map((r: any) => r.result).sort()).toEqual(['fail', 'pass']);
    }
    expect(testMismatches(policies)).toEqual([]);
  });

  test('the policy files kyverno test reads are the policies the manifests apply', () => {
    for (const env of ['staging', 'production']) {
      expect(out.yamlDocs(`policies/${APP}/${env}.policies.yaml`)).toEqual(policiesOf(env).filter((p) => p.kind === 'ValidatingPolicy'));
    }
  });

  test('the app\'s rendered chart and manifests pass every production Enforce policy, the signature included', () => {
    const policies = policiesOf('production');
    const image = imageOf(productionWorkload());
    expect(image).toMatch(/^ghcr\.io\/acme\/checkout@sha256:/);
    expect(enforceProblems(policies, { [image]: signedBy(PIPELINE_IDENTITY) })).toEqual([]);
  });

  test('staging audits, production enforces', () => {
    const actions = (env: string) => [...new Set(policiesOf(env).filter((p) => p.apiVersion === 'policies.kyverno.io/v1').map((p) => p.spec.validationActions.join()))];
    expect(actions('staging')).toEqual(['Audit']);
    expect(actions('production')).toEqual(['Deny']);
  });

  test('an image signed by another identity, unsigned, or without its SBOM attestations is refused in production', () => {
    const policies = policiesOf('production');
    const image = imageOf(productionWorkload());
    const fork = { ...PIPELINE_IDENTITY, subject: 'https://github.com/evil/checkout-platform/.github/workflows/checkout-pipeline.yml@refs/heads/main' };
    const pr = { ...PIPELINE_IDENTITY, subject: 'https://github.com/acme/checkout-platform/.github/workflows/checkout-pipeline.yml@refs/pull/7/merge' };
    const worlds = [{ [image]: signedBy(fork) }, { [image]: signedBy(pr) }, {}, { [image]: { signatures: [PIPELINE_IDENTITY] } }];
    for (const problems of enforceProblemsEach(policies, worlds)) {
      expect(problems).toEqual([expect.stringMatching(/^checkout-production-verify-image-signatures on Deployment\/platform-prod\/checkout: fail/)]);
    }
  });

  test('broken rules fail these checks: a signature policy with the wrong identity, a registry rule admitting any registry', () => {
    const policies = policiesOf('production');
    const image = imageOf(productionWorkload());
    const wrongIdentity = structuredClone(policies);
    const ivp = wrongIdentity.find((p: any) => p.kind === 'ImageValidatingPolicy');
    ivp.spec.attestors[0].cosign.keyless.identities[0].subjectRegExp = ivp.spec.attestors[0].cosign.keyless.identities[0].subjectRegExp.replace('checkout-platform', 'other-repo');
    expect(enforceProblems(wrongIdentity, { [image]: signedBy(PIPELINE_IDENTITY) })).toEqual([expect.stringMatching(/verify-image-signatures .*: fail/)]);

    const anyRegistry = structuredClone([...policiesOf('staging'), ...policies]);
    for (const p of anyRegistry.filter((x: any) => /restrict-image-registries$/.test(x.metadata.name))) {
      p.spec.validations[0].expression = p.spec.validations[0].expression.replace(/\[[^\]]*\]\.exists/, "['ghcr.io/acme/', ''].exists");
    }
    expect(testMismatches(anyRegistry)).toEqual([
      'checkout-staging-restrict-image-registries on platform-staging/bad-restrict-image-registries: expected fail, got pass',
      'checkout-production-restrict-image-registries on platform-prod/bad-restrict-image-registries: expected fail, got pass',
    ]);
  });

  test('policies match only their environment\'s namespace: a pod elsewhere, or in a system namespace, is not evaluated', () => {
    const policies = policiesOf('production').filter((p) => p.kind === 'ValidatingPolicy');
    const pod = (namespace: string) => ({ object: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x', namespace }, spec: { containers: [{ name: 'x', image: 'evil.example.com/x:latest', securityContext: { privileged: true } }] } } });
    const verdicts = evaluateKyvernoCel(policies, [pod('kube-system'), pod('platform-staging'), pod('platform-prod')]);
    expect(new Set(verdicts.filter((v) => !v.resource.includes('/platform-prod/')).map((v) => v.result))).toEqual(new Set(['skip']));
    expect(new Set(verdicts.filter((v) => v.resource.includes('/platform-prod/')).map((v) => v.result))).toEqual(new Set(['fail']));
  });
});
