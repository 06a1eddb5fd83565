/**
 * The side files and the gate job of KyvernoPolicies (never exported from the package):
 * - `policies/<app>/<env>.policies.yaml`: the environment's ValidatingPolicies (what `kyverno test` runs;
 *   the image signature policy needs the registry and the transparency log, so only the conformance suite
 *   evaluates it, with its verification functions stubbed);
 * - `policies/<app>/resources.yaml`: per environment, the app's own pod (from its values) that must pass
 *   every rule, and per rule a pod that differs from it in one way and must fail that rule;
 * - `policies/<app>/values.yaml`: the namespaces' labels, for the policies' namespaceSelector;
 * - `policies/<app>/kyverno-test.yaml`: the expected result of every rule on every fixture;
 * - the gate job: exceptions past their expiry fail it, then `kyverno test`, judged by its summary line
 *   (several Kyverno releases exit 0 on "want fail, got pass").
 */
import { Duration } from 'cdk8s';
import { IConstruct } from 'constructs';
import { github } from 'projen';
import { FixtureChange, ValidatingRule } from './kyverno-rules';
import { MarkerStyle } from '../../core/generated-file';
import { stringifyYaml } from '../../core/yaml-writer';
import type { SigningIdentity } from '../../model/signing-identity';
import { JobKind, PipelineJob } from '../../pipeline/pipeline-job';
import { addCheckout } from '../../platform/checkout-step';
import { renderValues } from '../../platform/default-values';
import type { IPlatformApp } from '../../platform/platform-app-contract';

/** An exception as the files and the gate read it. */
export interface PlanException {
  readonly name: string;
  readonly rules: string[];
  readonly matchCondition: string;
  readonly reason: string;
  readonly expires: string;
  readonly environments: string[];
}

/** Everything KyvernoPolicies renders from. */
export interface PolicyPlan {
  readonly app: IPlatformApp;
  readonly validating: ValidatingRule[];
  /** Environment → rule → `Audit` | `Enforce`. */
  readonly actions: Map<string, Map<string, string>>;
  readonly exceptions: PlanException[];
  readonly timeout: number;
  readonly generateNetworkPolicies: boolean;
  readonly verifyImages: boolean;
  readonly cliVersion: string;
  /** The build's signing identity, read at synth. */
  identity(): SigningIdentity | undefined;
}

/** Local id of the gate job. */
export const POLICY_GATE_ID = 'policy-tests';

/** `policies/<app>` */
export function policyDir(app: string): string {
  return `policies/${app}`;
}

/** The fixture that must pass every rule: the app's own pod, built from the environment's values. */
export function goodPod(app: IPlatformApp, env: string): any {
  const values = app.valuesFor(env)._render(renderValues(app, app.environment(env)));
  const probe = { httpGet: { path: app.smokeTestPath, port: 'http' } };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `${app.name}-good`, namespace: app.environment(env).namespace, labels: { 'app.kubernetes.io/name': app.name } },
    spec: {
      securityContext: values.podSecurityContext,
      containers: [{
        name: app.name,
        image: `${values.image.repository}@sha256:${'a'.repeat(64)}`,
        ports: [{ name: 'http', containerPort: app.port, protocol: 'TCP' }],
        securityContext: values.securityContext,
        resources: values.resources,
        livenessProbe: probe,
        readinessProbe: probe,
      }],
    },
  };
}

/** The fixture that must fail `rule`: the good pod with the rule's one change. */
export function badPod(good: any, rule: ValidatingRule): any {
  const change: FixtureChange = rule.failWith;
  const pod = JSON.parse(JSON.stringify(good));
  pod.metadata.name = `bad-${rule.id}`;
  const c = pod.spec.containers[0];
  for (const k of change.removeFromContainer ?? []) delete c[k];
  Object.assign(c, change.container ?? {});
  Object.assign(pod.spec, change.spec ?? {});
  return pod;
}

/** The test file's expected results: per environment and rule, the good pod passes and the bad one fails. */
export function expectedResults(plan: PolicyPlan, policyName: (env: string, rule: string) => string): any[] {
  const out: any[] = [];
  for (const env of plan.app.environments) {
    for (const rule of plan.validating) {
      const policy = policyName(env.name, rule.id);
      out.push({ policy, isValidatingPolicy: true, kind: 'Pod', resources: [`${env.namespace}/${plan.app.name}-good`], result: 'pass' });
      out.push({ policy, isValidatingPolicy: true, kind: 'Pod', resources: [`${env.namespace}/bad-${rule.id}`], result: 'fail' });
    }
  }
  return out;
}

/** Registers the side files. `objects(env)` are the environment's policy objects. */
export function renderPolicyFiles(owner: IConstruct, plan: PolicyPlan, objects: (env: string) => any[],
  policyName: (env: string, rule: string) => string): void {
  const app = plan.app;
  const dir = policyDir(app.name);
  const yaml = (docs: any[]) => docs.map((d) => stringifyYaml(d)).join('---\n');
  for (const env of app.environments) {
    app._addFile(owner, `${dir}/${env.name}.policies.yaml`, MarkerStyle.HASH,
      () => yaml(objects(env.name).filter((o) => o.kind === 'ValidatingPolicy')));
  }
  app._addFile(owner, `${dir}/resources.yaml`, MarkerStyle.HASH, () => yaml(app.environments.flatMap((env) => {
    const good = goodPod(app, env.name);
    return [good, ...plan.validating.map((r) => badPod(good, r))];
  })));
  app._addFile(owner, `${dir}/values.yaml`, MarkerStyle.HASH, () => stringifyYaml({
    apiVersion: 'cli.kyverno.io/v1alpha1',
    kind: 'Values',
    metadata: { name: 'values' },
    namespaceSelector: app.environments.map((e) => ({ name: e.namespace, labels: { 'kubernetes.io/metadata.name': e.namespace } })),
  }));
  app._addFile(owner, `${dir}/kyverno-test.yaml`, MarkerStyle.HASH, () => stringifyYaml({
    apiVersion: 'cli.kyverno.io/v1alpha1',
    kind: 'Test',
    metadata: { name: app.name },
    policies: app.environments.map((e) => `${e.name}.policies.yaml`),
    resources: ['resources.yaml'],
    variables: 'values.yaml',
    results: expectedResults(plan, policyName),
  }));
}

/** The exception check: any exception past its last day fails the job, naming it. */
export function exceptionCheckScript(): string {
  return [
    'today="$(date -u +%F)"',
    'expired=0',
    'while read -r name expires; do',
    '  [ -n "${name}" ] || continue',
    '  if [[ ! "${expires}" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}$ ]]; then',
    '    echo "::error::policy exception ${name} has no valid expiry (${expires})"',
    '    expired=1',
    '  elif [[ "${today}" > "${expires}" ]]; then',
    '    echo "::error::policy exception ${name} expired on ${expires}: renew it (a later \'expires\') or remove it"',
    '    expired=1',
    '  else',
    '    echo "policy exception ${name}: applies until ${expires}"',
    '  fi',
    'done <<< "${EXCEPTIONS}"',
    'exit "${expired}"',
  ].join('\n');
}

/** `kyverno test`, judged by its summary: every expected result passed and none failed. */
export function kyvernoTestScript(): string {
  return [
    'out="${RUNNER_TEMP}/kyverno-test.txt"',
    'status=0',
    'kyverno test "${POLICY_DIR}" --detailed-results > "${out}" 2>&1 || status=$?',
    'cat "${out}"',
    '# some Kyverno releases count "want fail, got pass" as a pass and exit 0: the summary decides',
    'if ! grep -Eq "^Test Summary: ${EXPECTED_RESULTS} tests passed and 0 tests failed" "${out}"; then',
    '  echo "::error::kyverno test did not pass all ${EXPECTED_RESULTS} expected policy results"',
    '  exit 1',
    'fi',
    'exit "${status}"',
  ].join('\n');
}

/** Adds the gate job. */
export function addPolicyGate(owner: IConstruct, plan: PolicyPlan, policyName: (env: string, rule: string) => string): PipelineJob {
  const app = plan.app;
  const job = app.pipeline.addJob(POLICY_GATE_ID, {
    kind: JobKind.GATE,
    name: `${app.name} / policy tests`,
    permissions: { contents: github.workflows.JobPermission.READ },
    timeout: Duration.minutes(10),
    estimatedDuration: Duration.minutes(1),
  }, owner);
  addCheckout(app.pipeline.actions, job);
  if (plan.exceptions.length > 0) {
    job.addStep({
      id: 'check-exceptions',
      name: 'Policy exceptions are within their expiry',
      env: { EXCEPTIONS: plan.exceptions.map((e) => `${app.name}-${e.name} ${e.expires}`).join('\n') },
      run: exceptionCheckScript(),
    });
  }
  job.addStep({ id: 'install-kyverno', name: `Install the Kyverno CLI ${plan.cliVersion}`, uses: app.pipeline.actions.ref('kyverno/action-install-cli'), with: { release: plan.cliVersion } });
  job.addStep({
    id: 'kyverno-test',
    name: 'Test the policies against their fixtures (kyverno test)',
    env: { POLICY_DIR: policyDir(app.name), EXPECTED_RESULTS: String(expectedResults(plan, policyName).length) },
    run: kyvernoTestScript(),
  });
  return job;
}
