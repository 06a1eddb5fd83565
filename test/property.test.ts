/**
 * Property test: generated app definitions, valid and invalid. Each one either synthesizes output that the
 * validators accept (checked on a sample), or fails with the library's own PlatformPipelineError naming
 * what is wrong — never a TypeError or another error from inside the library.
 */
import * as path from 'path';
import { Duration } from 'cdk8s';
import * as fc from 'fast-check';
import * as pp from '../src';
import { k8sDocErrors, sharedDir, shellcheckWorkflow, workflowErrors } from './conformance/validators';
import { dataFlowProblems } from './harness/data-flow';

/** mostly valid, sometimes not: a definition has several values, and one bad value refuses it */
function mostly<T>(valid: fc.Arbitrary<T>, invalid: fc.Arbitrary<T>): fc.Arbitrary<T> {
  return fc.oneof({ weight: 40, arbitrary: valid }, { weight: 1, arbitrary: invalid });
}
const label = mostly(
  fc.oneof(fc.constantFrom('staging', 'production', 'dev', 'qa', 'eu-1'), fc.stringMatching(/^[a-z][a-z0-9-]{0,12}[a-z0-9]$/)),
  fc.constantFrom('', 'Prod', 'prod_1', '-x', 'a'.repeat(70), '../etc', 'ünï'),
);
const secret = mostly(fc.constantFrom('STAGING_KUBECONFIG', 'KUBE'), fc.constantFrom('', 'GITHUB_TOKEN', '1BAD', 'with space'));
const cluster = mostly(
  fc.oneof(
    secret.map((s) => () => pp.ClusterAccess.kubeconfigSecret(s)),
    mostly(fc.constant('arn:aws:iam::123456789012:role/deploy'), fc.constant('not-an-arn')).map((arn) => () => pp.ClusterAccess.eks({ roleArn: arn, clusterName: 'prod', region: 'eu-west-1' })),
  ),
  fc.constant((): pp.ClusterAccess | undefined => undefined),
);
const env = fc.record({
  name: label,
  namespace: label,
  url: fc.option(mostly(fc.constantFrom('https://acme.dev', 'http://10.0.0.1:8080/x'), fc.constantFrom('acme.dev', '')), { nil: undefined }),
  replicas: fc.option(mostly(fc.integer({ min: 1, max: 12 }), fc.constantFrom(0, -2, 1.5)), { nil: undefined }),
  cluster,
  reviewers: fc.option(mostly(fc.array(fc.constantFrom('sre-leads', 'acme/platform', 'alice'), { minLength: 1, maxLength: 6 }), fc.constantFrom([], ['@bad'], ['a', 'b', 'c', 'd', 'e', 'f', 'g'])), { nil: undefined }),
});
const slo = fc.oneof(
  fc.record({ kind: fc.constant('availability'), name: label, objective: mostly(fc.double({ min: 0.5, max: 99.999, noNaN: true }), fc.constantFrom(0, 100, -1, 105)) }),
  fc.record({ kind: fc.constant('latency'), name: label, objective: mostly(fc.constantFrom(99, 95), fc.constant(100)), ms: mostly(fc.constantFrom(250, 1000, 5), fc.constantFrom(300, 0)) }),
);
const definition = fc.record({
  appName: label,
  port: mostly(fc.integer({ min: 1, max: 65535 }), fc.constantFrom(0, -1, 70000)),
  mesh: mostly(fc.constant(true), fc.constant(false)),
  envs: mostly(fc.uniqueArray(env, { minLength: 1, maxLength: 4, selector: (e) => e.name }), fc.array(env, { maxLength: 3 })),
  slos: mostly(fc.uniqueArray(slo, { maxLength: 2, selector: (x) => x.name }), fc.array(slo, { maxLength: 3 })),
  branchPerEnv: fc.boolean(),
  branch: mostly(fc.constantFrom('main', 'release/*', 'trunk'), fc.constantFrom('feature/**', '')),
});

type Definition = typeof definition extends fc.Arbitrary<infer T> ? T : never;

function build(d: Definition): pp.SynthOutput {
  const project = pp.Testing.project();
  new pp.PlatformApp(project, d.appName, {
    image: pp.ContainerImage.fromRegistry('ghcr.io/acme/app'),
    chart: pp.HelmChart.fromPath('charts/app'),
    port: d.port,
    mesh: d.mesh ? pp.Mesh.ISTIO : pp.Mesh.NONE,
    promotion: d.branchPerEnv
      ? pp.Promotion.branchPerEnvironment({ branches: d.envs.map((e, i) => ({ environment: e.name, branch: i === 0 ? d.branch : `${d.branch}-${i}` })) })
      : pp.Promotion.sequential({ branch: d.branch }),
    environments: d.envs.map((e) => ({
      name: e.name,
      namespace: e.namespace,
      url: e.url,
      replicas: e.replicas,
      cluster: e.cluster(),
      approval: e.reviewers ? pp.Approval.requiredReviewers(e.reviewers) : undefined,
    })),
    slos: d.slos.map((s: any) => s.kind === 'availability'
      ? pp.Slo.availability({ name: s.name, objective: s.objective })
      : pp.Slo.latency({ name: s.name, objective: s.objective, threshold: Duration.millis(s.ms) })),
  });
  return pp.Testing.synth(project);
}

/**
 * A new seed every run (printed, and named in fast-check's failure report), so the runs explore new
 * definitions over time; replay one with `PP_PROPERTY_SEED=<seed> npx jest test/property.test.ts`.
 */
function propertySeed(): number {
  const given = process.env.PP_PROPERTY_SEED;
  if (given === undefined || given === '') return Math.floor(Math.random() * 0x7fffffff);
  if (!/^-?\d+$/.test(given.trim())) throw new Error(`PP_PROPERTY_SEED must be an integer, got ${JSON.stringify(given)}`);
  return Number(given.trim());
}
const SEED = propertySeed();
/**
 * The property stops and FAILS (fast-check's report names the seed) once it has run this long. fast-check
 * checks the limit between runs; jest's own timeout (30 s later) cannot interrupt the property, whose runs
 * are synchronous work that never yields to jest's timer. Typical duration: 20-40 s on 2 busy cores.
 */
const TIME_LIMIT_MS = 150_000;

test(`every definition synthesizes valid output or fails with a clear PlatformPipelineError (seed ${SEED})`, async () => {
  console.log(`property test seed: ${SEED} (replay: PP_PROPERTY_SEED=${SEED} npx jest test/property.test.ts)`);
  const schemas = path.join(sharedDir(), 'schemas');
  let ok = 0;
  let refused = 0;
  let validated = 0;
  await fc.assert(fc.asyncProperty(definition, async (d) => {
    let out: pp.SynthOutput;
    try {
      out = build(d);
    } catch (e: any) {
      refused++;
      // the library's own error: named, lowercase, says what is wrong, no stack frames from inside
      expect({ name: e?.name, message: e?.message }).toEqual({ name: 'PlatformPipelineError', message: expect.stringMatching(/\S/) });
      expect(e.message).toMatch(/must|required|is not|needs|declared twice|used twice|same branch|names no branch|no SLI source|already/);
      expect(e.stack).not.toMatch(/\n\s+at /);
      return;
    }
    ok++;
    // the data-flow check is pure JS: every synthesized app workflow, not only the sample
    const workflows = new Map(out.paths.filter((p) => p.endsWith('-pipeline.yml')).map((p) => [p, out.yaml(p)]));
    expect(workflows.size).toBeGreaterThan(0);
    for (const [w, parsed] of workflows) expect({ workflow: w, problems: dataFlowProblems(parsed) }).toEqual({ workflow: w, problems: [] });
    if (ok % 5 !== 1) return; // validate a sample: the validators take ~1 s per output
    validated++;
    const wfPath = out.paths.find((p) => p.endsWith('-pipeline.yml'))!;
    expect(await workflowErrors(wfPath, out.file(wfPath)!)).toEqual([]);
    expect(shellcheckWorkflow(workflows.get(wfPath))).toEqual([]);
    for (const m of out.paths.filter((p) => p.endsWith('.k8s.yaml'))) expect(k8sDocErrors(out.yamlDocuments(m)!, schemas)).toEqual([]);
  }), {
    numRuns: 150,
    seed: SEED,
    interruptAfterTimeLimit: TIME_LIMIT_MS,
    markInterruptAsFailure: true,
  });
  console.log(`property test seed ${SEED}: ${ok} synthesized (${validated} of them validated), ${refused} refused`);
  // the generator reaches both outcomes, and the sample really ran the validators
  expect(ok).toBeGreaterThan(30);
  expect(refused).toBeGreaterThan(30);
  expect(validated).toBeGreaterThan(1);
}, TIME_LIMIT_MS + 30_000);
