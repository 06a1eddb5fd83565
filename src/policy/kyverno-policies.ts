import { ApiObject, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { addPolicyGate, PolicyPlan, renderPolicyFiles } from './private/kyverno-gate';
import { fail, show } from '../core/errors';
import { MeshDataplane } from '../model/mesh';
import { SigningIdentity } from '../model/signing-identity';
import { PipelineJob } from '../pipeline/pipeline-job';
import { commonLabels, SYSTEM_NAMESPACES } from '../platform/base-manifests';
import { imageVerificationOf, REPOSITORY_PLACEHOLDER } from '../platform/image-verification';
import { appOf, IPlatformApp } from '../platform/platform-app-contract';
import {
  ALL_CONTAINERS, disallowLatestTag, podSecurityBaseline, podSecurityRestricted, requireImageDigest, requireProbes,
  requireRequestsLimits, restrictRegistries, SBOM_PREDICATES, ValidatingRule,
} from './private/kyverno-rules';

/** The rules of a KyvernoPolicies set (each is one policy, with its own enforcement per environment). */
export enum KyvernoRule {
  /** Pod Security Standards `baseline`: no privileged containers, host namespaces, hostPath, host ports, extra capabilities. */
  POD_SECURITY_BASELINE = 'pod-security-baseline',
  /** Pod Security Standards `restricted`: no privilege escalation, non-root, drop ALL capabilities, a seccomp profile. */
  POD_SECURITY_RESTRICTED = 'pod-security-restricted',
  /** No `latest` tag and no image without a tag or digest. */
  DISALLOW_LATEST_TAG = 'disallow-latest-tag',
  /** Images by digest only (the mesh's injected sidecar excepted). */
  REQUIRE_IMAGE_DIGEST = 'require-image-digest',
  /** CPU and memory requests and a memory limit on every container. */
  REQUIRE_REQUESTS_LIMITS = 'require-requests-limits',
  /** A liveness, readiness or startup probe on every container. */
  REQUIRE_PROBES = 'require-probes',
  /** Images from the app's registry path (and the mesh's) only. */
  RESTRICT_IMAGE_REGISTRIES = 'restrict-image-registries',
  /** The app's images carry a signature (and SBOM attestations) by the build stage's signing identity. */
  VERIFY_IMAGE_SIGNATURES = 'verify-image-signatures',
  /** A default-deny NetworkPolicy and a DNS egress policy generated in the namespace (a ClusterPolicy). */
  DEFAULT_DENY_NETWORK_POLICY = 'default-deny-network-policy',
}

/** What a failed rule does. */
export enum PolicyAction {
  /** Report the violation (PolicyReport), admit the resource. */
  AUDIT = 'Audit',
  /** Refuse the resource at admission. */
  ENFORCE = 'Enforce',
}

/** Per-environment enforcement. */
export interface PolicyEnvironmentProps {
  /** The environment (by name). */
  readonly environment: string;
  /**
   * What every rule of this environment does unless listed in `enforce` or `audit`.
   * @default - PolicyAction.ENFORCE in the last environment, PolicyAction.AUDIT in the others
   */
  readonly action?: PolicyAction;
  /**
   * Rules enforced in this environment whatever `action` says.
   * @default - none
   */
  readonly enforce?: KyvernoRule[];
  /**
   * Rules only audited in this environment whatever `action` says.
   * @default - none
   */
  readonly audit?: KyvernoRule[];
}

/** A temporary exception from some rules, for the resources a CEL condition selects. */
export interface PolicyExceptionProps {
  /** The exception's name (a DNS label), e.g. `legacy-batch`. */
  readonly name: string;
  /** The rules it exempts from. */
  readonly rules: KyvernoRule[];
  /** A CEL condition selecting the exempted resources, e.g. `object.metadata.labels['app.kubernetes.io/component'] == 'migrations'`. */
  readonly matchCondition: string;
  /** Why (an annotation on the exception). */
  readonly reason: string;
  /**
   * Last day it applies, `YYYY-MM-DD` (UTC). The policy gate job fails from the next day on, until it is
   * renewed or removed.
   */
  readonly expires: string;
  /**
   * Environments it applies to.
   * @default - every environment
   */
  readonly environments?: string[];
}

/** Properties of KyvernoPolicies. */
export interface KyvernoPoliciesProps {
  /**
   * Rules left out.
   * @default - none: every rule (VERIFY_IMAGE_SIGNATURES only when the build signs)
   */
  readonly disabledRules?: KyvernoRule[];
  /**
   * Image repositories (path prefixes, e.g. `ghcr.io/acme` or `ghcr.io/acme/*`) allowed besides the app's
   * own registry path and the mesh's images.
   * @default - only the app's registry path (`ghcr.io/acme/` for `ghcr.io/acme/checkout`) and the mesh's
   */
  readonly allowedRegistries?: string[];
  /**
   * Enforcement per environment.
   * @default - Enforce in the last environment, Audit in the others
   */
  readonly environments?: PolicyEnvironmentProps[];
  /**
   * Temporary exceptions, each with an expiry.
   * @default - none
   */
  readonly exceptions?: PolicyExceptionProps[];
  /**
   * Admission webhook timeout of the validating policies (1–30 s; image verification always gets 30 s).
   * @default 10
   */
  readonly webhookTimeoutSeconds?: number;
  /**
   * Kyverno CLI release the gate job installs (`kyverno/action-install-cli`'s `release`); 1.16 or newer
   * reads the CEL policy kinds.
   * @default 'v1.16.1'
   */
  readonly cliVersion?: string;
}

/** Images Istio's injector adds (`istio-proxy`, `istio-init`), by their release registries. */
const ISTIO_REGISTRIES = ['docker.io/istio/', 'gcr.io/istio-release/'];
const REPOSITORY_PATTERN = /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d+)?(\/[a-z0-9]([a-z0-9._-]*[a-z0-9])?)+$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
/** Kyverno's own namespace: never matched, so a Kyverno outage cannot lock itself out. */
const KYVERNO_NAMESPACE = 'kyverno';

/**
 * Stage 3/6: admission policies per environment, as Kyverno CEL policies (`policies.kyverno.io/v1`
 * ValidatingPolicy, one per rule so each has its own Audit/Enforce per environment; an ImageValidatingPolicy
 * for signatures, with the identity the build stage signs with) and a ClusterPolicy generating the
 * namespace's default-deny and DNS NetworkPolicies. They match only the environment's namespace (never a
 * system namespace or Kyverno's), with bounded webhook timeouts. Beside them: `policies/<app>/` with the
 * policies of each environment, fixtures that must pass and fail each rule, and `kyverno-test.yaml`, run by
 * a gate job of its own with `kyverno test`.
 */
export class KyvernoPolicies extends Construct {
  /** The rules emitted. */
  public readonly rules: KyvernoRule[];
  /** The gate job running `kyverno test`. */
  public readonly gateJob: PipelineJob;

  private readonly app: IPlatformApp;

  constructor(scope: Construct, id: string, props: KyvernoPoliciesProps = {}) {
    super(scope, id);
    const app = appOf(scope);
    this.app = app;
    const problems: string[] = [];
    const known = Object.values(KyvernoRule) as string[];
    const disabled = new Set<string>(props.disabledRules ?? []);
    for (const r of disabled) if (!known.includes(r)) problems.push(`'disabledRules' names no rule: ${show(r)}; rules are ${show(known)}`);
    this.rules = (known as KyvernoRule[]).filter((r) => !disabled.has(r));
    if (this.rules.length === 0) problems.push("'disabledRules' disables every rule; remove the construct instead");

    const prefixes = [registryPathOf(app.image.repository)];
    (props.allowedRegistries ?? []).forEach((r, i) => {
      const bare = typeof r === 'string' ? r.replace(/\/\*$/, '') : '';
      if (!REPOSITORY_PATTERN.test(bare) || !/[.:]/.test(bare.split('/')[0]) && bare.split('/')[0] !== 'localhost') {
        problems.push(`'allowedRegistries[${i}]' must be an image repository prefix with a registry host, such as 'ghcr.io/acme' or 'ghcr.io/acme/*', got ${show(r)}; a pattern that is not an image reference would admit every registry`);
      } else {
        prefixes.push(`${bare}/`);
      }
    });
    if (app.mesh.dataplane === MeshDataplane.SIDECAR) prefixes.push(...ISTIO_REGISTRIES);

    const timeout = props.webhookTimeoutSeconds ?? 10;
    if (!(Number.isInteger(timeout) && timeout >= 1 && timeout <= 30)) problems.push(`'webhookTimeoutSeconds' must be a whole number from 1 to 30, got ${show(timeout)}`);
    const cliVersion = props.cliVersion ?? 'v1.16.1';
    if (!/^v1\.(1[6-9]|[2-9]\d)\.\d+$/.test(cliVersion)) problems.push(`'cliVersion' must be a Kyverno release v1.16.0 or newer (the first to read policies.kyverno.io/v1), got ${show(cliVersion)}`);

    const actions = this.resolveActions(props.environments ?? [], problems);
    const exceptions = (props.exceptions ?? []).map((e, i) => this.checkException(e, i, problems));
    if (problems.length > 0) fail(this, problems.join('; '));

    const validating: ValidatingRule[] = [];
    const add = (rule: KyvernoRule, make: () => ValidatingRule) => {
      if (this.rules.includes(rule)) validating.push(make());
    };
    add(KyvernoRule.POD_SECURITY_BASELINE, podSecurityBaseline);
    add(KyvernoRule.POD_SECURITY_RESTRICTED, podSecurityRestricted);
    add(KyvernoRule.DISALLOW_LATEST_TAG, disallowLatestTag);
    add(KyvernoRule.REQUIRE_IMAGE_DIGEST, () => requireImageDigest(app.mesh.dataplane === MeshDataplane.SIDECAR ? ISTIO_REGISTRIES : []));
    add(KyvernoRule.REQUIRE_REQUESTS_LIMITS, requireRequestsLimits);
    add(KyvernoRule.REQUIRE_PROBES, requireProbes);
    add(KyvernoRule.RESTRICT_IMAGE_REGISTRIES, () => restrictRegistries(prefixes));

    const plan: PolicyPlan = {
      app,
      validating,
      actions,
      exceptions: exceptions.filter((e): e is ResolvedException => e !== undefined),
      timeout,
      generateNetworkPolicies: this.rules.includes(KyvernoRule.DEFAULT_DENY_NETWORK_POLICY),
      identity: () => this.signingIdentity(),
      verifyImages: this.rules.includes(KyvernoRule.VERIFY_IMAGE_SIGNATURES),
      cliVersion,
    };
    for (const env of app.environments) {
      const chart = app.chartFor(env.name);
      for (const o of policyObjects(plan, env.name, true)) new ApiObject(chart, `${this.node.id}-${o.metadata.name}`, o);
    }
    this.node.addValidation({ validate: () => this.identityProblems() });
    const name = (env: string, rule: string) => policyName(app.name, env, rule);
    renderPolicyFiles(this, plan, (env) => policyObjects(plan, env), name);
    this.gateJob = addPolicyGate(this, plan, name);
  }

  /**
   * The identity the app's images are signed with, read from the build stage at synth (never retyped);
   * undefined when the rule is disabled.
   */
  private signingIdentity(): SigningIdentity | undefined {
    if (!this.rules.includes(KyvernoRule.VERIFY_IMAGE_SIGNATURES)) return undefined;
    return imageVerificationOf(this.app)?.identity;
  }

  private identityProblems(): string[] {
    if (!this.rules.includes(KyvernoRule.VERIFY_IMAGE_SIGNATURES)) return [];
    const id = imageVerificationOf(this.app)?.identity;
    if (!id) {
      return ["KyvernoRule.VERIFY_IMAGE_SIGNATURES verifies the build's signatures, but the build does not sign (Signing.none()); sign the image, or add the rule to 'disabledRules'"];
    }
    if (id.keyless && id.subjectRegExp?.includes(REPOSITORY_PLACEHOLDER)) {
      return ["the signature policy checks the certificate subject, which names the repository: set 'repository' ('owner/name') on the PlatformApp, or add KyvernoRule.VERIFY_IMAGE_SIGNATURES to 'disabledRules'"];
    }
    return [];
  }

  private resolveActions(envProps: PolicyEnvironmentProps[], problems: string[]): Map<string, Map<string, PolicyAction>> {
    const app = this.app;
    const out = new Map<string, Map<string, PolicyAction>>();
    const last = app.environments[app.environments.length - 1]?.name;
    envProps.forEach((p, i) => {
      if (!app.environments.some((e) => e.name === p.environment)) problems.push(`'environments[${i}].environment' ${show(p.environment)} is not an environment of the app; environments are ${show(app.environments.map((e) => e.name))}`);
      for (const [k, v] of [['enforce', p.enforce], ['audit', p.audit]] as const) {
        for (const r of v ?? []) {
          if (!this.rules.includes(r)) problems.push(`'environments[${i}].${k}' names ${show(r)}, which is no policy of this set (${show(this.rules)}); enable the rule or drop it from '${k}'`);
        }
      }
      for (const r of p.enforce ?? []) if (p.audit?.includes(r)) problems.push(`'environments[${i}]' lists ${show(r)} in both 'enforce' and 'audit'`);
      if (p.action !== undefined && p.action !== PolicyAction.AUDIT && p.action !== PolicyAction.ENFORCE) problems.push(`'environments[${i}].action' must be PolicyAction.AUDIT or PolicyAction.ENFORCE, got ${show(p.action)}`);
    });
    for (const env of app.environments) {
      const p = envProps.find((e) => e.environment === env.name);
      const base = p?.action ?? (env.name === last ? PolicyAction.ENFORCE : PolicyAction.AUDIT);
      const m = new Map<string, PolicyAction>();
      for (const rule of this.rules) {
        m.set(rule, p?.enforce?.includes(rule) ? PolicyAction.ENFORCE : p?.audit?.includes(rule) ? PolicyAction.AUDIT : base);
      }
      out.set(env.name, m);
    }
    return out;
  }

  private checkException(e: PolicyExceptionProps, i: number, problems: string[]): ResolvedException | undefined {
    const at = `'exceptions[${i}]`;
    const before = problems.length;
    if (!/^[a-z0-9]([-a-z0-9]{0,40}[a-z0-9])?$/.test(e?.name ?? '')) problems.push(`${at}.name' must be a DNS label of at most 42 characters, got ${show(e?.name)}`);
    if (!e?.rules?.length) problems.push(`${at}.rules' must name at least one rule`);
    for (const r of e?.rules ?? []) {
      if (!this.rules.includes(r) || r === KyvernoRule.DEFAULT_DENY_NETWORK_POLICY) problems.push(`${at}.rules' names ${show(r)}, which is no validating policy of this set`);
    }
    if (typeof e?.matchCondition !== 'string' || e.matchCondition.trim() === '') problems.push(`${at}.matchCondition' must be a CEL condition selecting the exempted resources`);
    if (typeof e?.reason !== 'string' || e.reason.trim() === '') problems.push(`${at}.reason' must say why the exception exists`);
    const m = DATE.exec(e?.expires ?? '');
    const d = m ? new Date(`${e.expires}T00:00:00Z`) : undefined;
    if (!d || isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== e.expires) {
      problems.push(`${at}.expires' is required: the last day the exception applies, as YYYY-MM-DD, got ${show(e?.expires)}; an exception without an expiry outlives its reason`);
    }
    for (const env of e?.environments ?? []) {
      if (!this.app.environments.some((x) => x.name === env)) problems.push(`${at}.environments' names ${show(env)}, which is not an environment of the app`);
    }
    if (problems.length > before) return undefined;
    return { ...e, environments: e.environments ?? this.app.environments.map((x) => x.name) };
  }
}

/** An exception with its environments resolved. @internal */
export interface ResolvedException extends PolicyExceptionProps {
  readonly environments: string[];
}

/** `ghcr.io/acme/checkout` → `ghcr.io/acme/` (the app's registry path: its owner's images, not the whole registry). */
function registryPathOf(repository: string): string {
  const parts = repository.split('/');
  return `${parts.slice(0, Math.max(parts.length - 1, 1)).join('/')}/`;
}

/** Every object of one environment: the policies, then the exceptions. @internal */
export function policyObjects(plan: PolicyPlan, env: string, lazy: boolean = false): any[] {
  const app = plan.app;
  const namespace = app.environment(env).namespace;
  const actions = plan.actions.get(env)!;
  const labels = commonLabels(app.name);
  const namespaceSelector = {
    matchExpressions: [
      { key: 'kubernetes.io/metadata.name', operator: 'In', values: [namespace] },
      { key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: [...SYSTEM_NAMESPACES, KYVERNO_NAMESPACE] },
    ],
  };
  const podRules = [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['pods'] }];
  const action = (rule: string) => (actions.get(rule) === PolicyAction.ENFORCE ? ['Deny'] : ['Audit']);
  const objects: any[] = plan.validating.map((rule) => ({
    apiVersion: 'policies.kyverno.io/v1',
    kind: 'ValidatingPolicy',
    metadata: {
      name: policyName(app.name, env, rule.id),
      labels,
      annotations: { 'policies.kyverno.io/title': rule.title, 'platform-pipeline.dev/rule': rule.id },
    },
    spec: {
      validationActions: action(rule.id),
      failurePolicy: actions.get(rule.id) === PolicyAction.ENFORCE ? 'Fail' : 'Ignore',
      webhookConfiguration: { timeoutSeconds: plan.timeout },
      matchConstraints: { namespaceSelector, resourceRules: podRules },
      autogen: { podControllers: { controllers: ['deployments', 'statefulsets', 'daemonsets', 'jobs', 'cronjobs'] } },
      variables: [{ name: 'allContainers', expression: ALL_CONTAINERS }],
      validations: rule.validations.map((v) => ({ expression: v.expression, message: v.message })),
    },
  }));
  if (plan.verifyImages) {
    const image = () => imagePolicy(plan, env, namespaceSelector, podRules, action(KyvernoRule.VERIFY_IMAGE_SIGNATURES));
    // the signing identity is the build stage's, read at synth (the build may be declared later, or be the default one)
    objects.push(lazy ? { apiVersion: IMAGE_POLICY_API, kind: 'ImageValidatingPolicy', metadata: imagePolicyMetadata(app.name, env), spec: Lazy.any({ produce: () => image().spec }) } : image());
  }
  if (plan.generateNetworkPolicies) objects.push(networkPolicyGenerator(app.name, env, namespace, labels));
  for (const e of plan.exceptions) {
    if (!e.environments.includes(env)) continue;
    objects.push({
      apiVersion: 'policies.kyverno.io/v1',
      kind: 'PolicyException',
      metadata: {
        name: `${app.name}-${e.name}`,
        namespace,
        labels,
        annotations: { 'platform-pipeline.dev/expires': e.expires, 'platform-pipeline.dev/reason': e.reason },
      },
      spec: {
        policyRefs: e.rules.map((r) => ({
          name: policyName(app.name, env, r),
          kind: r === KyvernoRule.VERIFY_IMAGE_SIGNATURES ? 'ImageValidatingPolicy' : 'ValidatingPolicy',
        })),
        matchConditions: [{ name: 'exempted', expression: e.matchCondition }],
      },
    });
  }
  return objects;
}

/** `<app>-<env>-<rule>`: policies are cluster-scoped, and two environments may share a cluster. */
export function policyName(app: string, env: string, rule: string): string {
  return `${app}-${env}-${rule}`;
}

const IMAGE_POLICY_API = 'policies.kyverno.io/v1';

function imagePolicyMetadata(app: string, env: string): any {
  return {
    name: policyName(app, env, KyvernoRule.VERIFY_IMAGE_SIGNATURES),
    labels: commonLabels(app),
    annotations: { 'policies.kyverno.io/title': 'Verify image signatures', 'platform-pipeline.dev/rule': KyvernoRule.VERIFY_IMAGE_SIGNATURES },
  };
}

function imagePolicy(plan: PolicyPlan, env: string, namespaceSelector: unknown, resourceRules: unknown, actions: string[]): any {
  const app = plan.app;
  const v = imageVerificationOf(app);
  // a build without signing is refused by the construct's validation before anything renders
  const id: SigningIdentity = plan.identity() ?? { keyless: false, publicKey: '' };
  const sboms = [...new Set((v?.attestations ?? []).map((t) => SBOM_PREDICATES[t]).filter((t) => t))];
  const attestor = id.keyless
    ? { name: 'build', cosign: { keyless: { identities: [{ issuer: id.issuer, subjectRegExp: id.subjectRegExp }] }, ctlog: { url: 'https://rekor.sigstore.dev' } } }
    : { name: 'build', cosign: { key: { data: id.publicKey } } };
  const attestations = sboms.map((t, i) => ({ name: `sbom${i}`, intoto: { type: t } }));
  return {
    apiVersion: IMAGE_POLICY_API,
    kind: 'ImageValidatingPolicy',
    metadata: imagePolicyMetadata(app.name, env),
    spec: {
      validationActions: actions,
      failurePolicy: actions.includes('Deny') ? 'Fail' : 'Ignore',
      // verification reaches the registry and the transparency log: the longest timeout admission allows
      webhookConfiguration: { timeoutSeconds: 30 },
      matchConstraints: { namespaceSelector, resourceRules },
      autogen: { podControllers: { controllers: ['deployments', 'statefulsets', 'daemonsets', 'jobs', 'cronjobs'] } },
      matchImageReferences: [{ glob: `${app.image.repository}*` }],
      validationConfigurations: { mutateDigest: false, verifyDigest: true, required: true },
      attestors: [attestor],
      ...(attestations.length > 0 ? { attestations } : {}),
      validations: [
        {
          expression: 'images.containers.map(image, verifyImageSignatures(image, [attestors.build])).all(e, e > 0)',
          message: `the image must be signed by the ${app.name} build (${id.keyless ? id.subjectRegExp : 'its public key'})`,
        },
        ...attestations.map((a) => ({
          expression: `images.containers.map(image, verifyAttestationSignatures(image, attestations.${a.name}, [attestors.build])).all(e, e > 0)`,
          message: `the image must carry the build's signed ${a.intoto.type} attestation`,
        })),
      ],
    },
  };
}

function networkPolicyGenerator(app: string, env: string, namespace: string, labels: Record<string, string>): any {
  const rule = (name: string, spec: unknown) => ({
    name,
    match: { any: [{ resources: { kinds: ['Namespace'], names: [namespace] } }] },
    exclude: { any: [{ resources: { names: [...SYSTEM_NAMESPACES, KYVERNO_NAMESPACE] } }] },
    generate: {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      name,
      namespace: '{{request.object.metadata.name}}',
      synchronize: true,
      generateExisting: true,
      data: { spec },
    },
  });
  return {
    apiVersion: 'kyverno.io/v1',
    kind: 'ClusterPolicy',
    metadata: { name: policyName(app, env, KyvernoRule.DEFAULT_DENY_NETWORK_POLICY), labels, annotations: { 'policies.kyverno.io/title': 'Default-deny NetworkPolicy per namespace' } },
    spec: {
      background: true,
      webhookConfiguration: { failurePolicy: 'Ignore', timeoutSeconds: 10 },
      rules: [
        rule('default-deny', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] }),
        rule('allow-dns', {
          podSelector: {},
          policyTypes: ['Egress'],
          egress: [{
            to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
            ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }],
          }],
        }),
      ],
    },
  };
}
