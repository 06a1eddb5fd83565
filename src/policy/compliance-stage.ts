import { ApiObject, Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { github } from 'projen';
import { StigOptions, ZapOptions } from './compliance-scans';
import { COMPLIANCE_CHECKS, ComplianceCheck, ZAP_CHECK } from './private/compliance-controls';
import { resolveStig, resolveZap, stigStep, zapJob } from './private/compliance-dast-jobs';
import {
  enforcementScript, falcoCheckScript, falcoRules, installFalcoScript, kubeBenchJob, kubeBenchScript, reportScript, secretsCheckScript,
} from './private/compliance-scripts';
import { secretLiteralProblems } from './private/compliance-secrets';
import { fail, show } from '../core/errors';
import { MarkerStyle } from '../core/generated-file';
import { IMAGE_DIGEST_OUTPUT, REPO_PATH, unpinnedImageProblem } from '../core/names';
import { E2E_CHARTS, E2E_CLIENT_IMAGE, KUBE_BENCH_IMAGE } from '../core/versions';
import { SecretReference } from '../model/secret-reference';
import { JobKind, PipelineJob } from '../pipeline/pipeline-job';
import { commonLabels } from '../platform/base-manifests';
import { addCheckout } from '../platform/checkout-step';
import { contributeToE2E, e2eClusterOf } from '../platform/e2e-contributions';
import { appOf, IPlatformApp } from '../platform/platform-app-contract';

/** Falco's priorities, most severe first. */
export enum FalcoPriority {
  /** The system is unusable. */
  EMERGENCY = 'Emergency',
  /** Action must be taken at once. */
  ALERT = 'Alert',
  /** A critical condition. */
  CRITICAL = 'Critical',
  /** An error condition. */
  ERROR = 'Error',
  /** A warning condition (Falco's default rules report most suspicious behaviour at this level). */
  WARNING = 'Warning',
  /** A normal but significant condition. */
  NOTICE = 'Notice',
  /** Information. */
  INFORMATIONAL = 'Informational',
  /** Debugging output. */
  DEBUG = 'Debug',
}

/** Falco in the kind E2E cluster. */
export interface FalcoOptions {
  /**
   * Whether Falco runs.
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * An alert in the app's namespace of this priority or a more severe one fails the job.
   * @default FalcoPriority.WARNING
   */
  readonly minimumPriority?: FalcoPriority;
}

/** kube-bench (CIS Kubernetes Benchmark) on the kind E2E cluster. */
export interface KubeBenchOptions {
  /**
   * Whether kube-bench runs.
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * The most FAIL results accepted (a kind cluster is a test cluster: some CIS checks fail by design, e.g.
   * its kubelet's settings); more fail the job.
   * @default 0
   */
  readonly maxFailures?: number;
  /**
   * The kube-bench image. Give one pinned by digest (`…@sha256:…`) once you have verified it.
   * @default 'docker.io/aquasec/kube-bench:v0.15.6' (pinned by tag: its digest could not be verified)
   */
  readonly image?: string;
  /**
   * The benchmark (`--benchmark`), e.g. `cis-1.10`.
   * @default - kube-bench picks the one of the cluster's Kubernetes version
   */
  readonly benchmark?: string;
}

/** The enforcement checks in the kind E2E cluster. */
export interface EnforcementChecksOptions {
  /**
   * A client in a namespace that is no declared caller gets no connection to the app (needs NetworkPolicies).
   * @default true
   */
  readonly networkPolicy?: boolean;
  /**
   * A privileged pod is refused by Pod Security admission in the app's namespace (needs the namespace's
   * `pod-security.kubernetes.io/enforce` label, which the app sets when it manages namespaces).
   * @default true
   */
  readonly podSecurity?: boolean;
  /**
   * A privileged pod is refused by the Kyverno `pod-security-baseline` policy, enforced (needs KyvernoPolicies
   * with that rule; an audited policy is switched to Deny for the check).
   * @default true
   */
  readonly admissionPolicy?: boolean;
  /**
   * An image of the app's repository without the build's signature is refused by the signature policy
   * (needs KyvernoPolicies with VERIFY_IMAGE_SIGNATURES).
   * @default true
   */
  readonly imageSignature?: boolean;
}

/** Properties of the ComplianceStage. */
export interface ComplianceStageProps {
  /**
   * Falco.
   * @default - on, failing on Warning or more severe
   */
  readonly falco?: FalcoOptions;
  /**
   * kube-bench.
   * @default - on, no FAIL accepted
   */
  readonly kubeBench?: KubeBenchOptions;
  /**
   * The enforcement checks.
   * @default - all on
   */
  readonly enforcement?: EnforcementChecksOptions;
  /**
   * OpenSCAP / DISA STIG scan of the image this run built, in the kind E2E job (its result is in the report).
   * @default - no STIG scan
   */
  readonly stig?: StigOptions;
  /**
   * OWASP ZAP baseline against an environment's URL, as a verify job after its deploy.
   * @default - no ZAP baseline
   */
  readonly zap?: ZapOptions;
  /**
   * Secrets the app uses, as references to an external store: each renders as an ExternalSecret in every
   * environment's manifests (never as a Secret).
   * @default - none
   */
  readonly secrets?: SecretReference[];
  /**
   * More repository paths (files or directories) whose YAML the secrets check reads, besides the app's
   * manifests, its Helm values and its chart.
   * @default - none
   */
  readonly secretScanPaths?: string[];
  /**
   * `timeout-minutes` of the secrets gate job.
   * @default Duration.minutes(5)
   */
  readonly secretsCheckTimeout?: Duration;
}

const READ = github.workflows.JobPermission.READ;
/** What the STIG scan adds to the E2E job's run: the packages, the image's pull and export, the evaluation. */
const STIG_MINUTES = 8;

/**
 * Stage 6: security hardening and compliance. In the kind E2E cluster (the KindE2EStage's job; this stage adds
 * its steps there through the E2E contract): Falco watches the whole run with rules for the app's containers
 * and an alert at or above a threshold fails the job; kube-bench runs the CIS Kubernetes Benchmark (results
 * as artifact and summary, failing above a bound); the enforcement checks prove that a denied network path
 * is denied, that a privileged pod is refused by Pod Security and by the Kyverno policy, and that an unsigned
 * image is refused by the signature policy. Secrets: no Secret literals in the manifests or values (checked
 * at synth and by a gate job), and secrets as typed references rendered as ExternalSecrets. With `stig`, the
 * E2E job also evaluates the DISA STIG profile of the image's OS on the image this run built (OpenSCAP with
 * the SCAP Security Guide from Ubuntu's packages, `oscap-chroot` on its exported file system). Last, a
 * compliance report (job summary and an HTML artifact) lists each control, its check, its result and the
 * NIST SP 800-53 controls of the checks that ran; it fails the job unless every check passed (or, for the
 * STIG scan of an image without STIG content, was not applicable). With `zap`, a verify job runs the OWASP
 * ZAP baseline (spider and passive scan: a DAST baseline, not a penetration test) against an environment's
 * URL after its deploy; the next environment waits for it.
 */
export class ComplianceStage extends Construct {
  /** The checks this stage runs, in report order. */
  public readonly checks: string[];
  /** The secrets gate job. */
  public readonly secretsJob: PipelineJob;
  /** The ZAP baseline job, when `zap` is on. */
  public readonly zapJob?: PipelineJob;

  private readonly app: IPlatformApp;
  private readonly dir: string;

  constructor(scope: Construct, id: string, props: ComplianceStageProps = {}) {
    super(scope, id);
    const app = appOf(this);
    this.app = app;
    this.dir = `compliance/${app.name}`;
    const problems: string[] = [];

    const falco = props.falco ?? {};
    const falcoOn = falco.enabled ?? true;
    const priority = falco.minimumPriority ?? FalcoPriority.WARNING;
    if (!Object.values(FalcoPriority).includes(priority)) problems.push(`'falco.minimumPriority' must be a FalcoPriority (${Object.values(FalcoPriority).join(', ')}), got ${show(priority)}`);
    const bench = props.kubeBench ?? {};
    const benchOn = bench.enabled ?? true;
    const maxFailures = bench.maxFailures ?? 0;
    if (!Number.isInteger(maxFailures) || maxFailures < 0 || maxFailures > 500) problems.push(`'kubeBench.maxFailures' must be a whole number from 0 to 500, got ${show(maxFailures)}`);
    const image = bench.image ?? KUBE_BENCH_IMAGE;
    const unpinned = unpinnedImageProblem('kubeBench.image', image, 'docker.io/aquasec/kube-bench@sha256:…');
    if (unpinned) {
      problems.push(unpinned);
    } else if (/:latest(@|$)/.test(image)) {
      problems.push(`'kubeBench.image' must not be 'latest', got ${show(image)}; pin a version or a digest`);
    }
    if (bench.benchmark !== undefined && !/^[a-z0-9][a-z0-9.-]*$/.test(bench.benchmark)) problems.push(`'kubeBench.benchmark' must be a kube-bench benchmark name such as 'cis-1.10', got ${show(bench.benchmark)}`);
    const enf = props.enforcement ?? {};
    for (const k of ['networkPolicy', 'podSecurity', 'admissionPolicy', 'imageSignature'] as const) {
      if (enf[k] !== undefined && typeof enf[k] !== 'boolean') problems.push(`'enforcement.${k}' must be true or false, got ${show(enf[k])}`);
    }
    (props.secretScanPaths ?? []).forEach((p, i) => {
      if (typeof p !== 'string' || !REPO_PATH.test(p)) problems.push(`'secretScanPaths[${i}]' must be a path inside the repository, got ${show(p)}`);
    });
    const names = new Set<string>();
    (props.secrets ?? []).forEach((s, i) => {
      if (!s || typeof (s as any)._problems !== 'function') {
        problems.push(`'secrets[${i}]' must be a SecretReference (SecretReference.externalSecret(...) or SecretReference.vault(...)), got ${show(s)}`);
        return;
      }
      for (const p of s._problems()) problems.push(`'secrets[${i}]' (${s.source}): ${p}`);
      if (names.has(s.name)) problems.push(`'secrets[${i}].name' ${show(s.name)} is used by another secret; each Secret has one source`);
      names.add(s.name);
    });
    const stig = props.stig !== undefined && props.stig.enabled !== false ? resolveStig(props.stig, problems) : undefined;
    const zap = props.zap !== undefined && props.zap.enabled !== false ? resolveZap(app, props.zap, problems) : undefined;
    const checks: ComplianceCheck[] = [];
    if (falcoOn) checks.push(COMPLIANCE_CHECKS.falco);
    if (benchOn) checks.push(COMPLIANCE_CHECKS['kube-bench']);
    if (stig) checks.push(COMPLIANCE_CHECKS.stig);
    if (enf.networkPolicy ?? true) checks.push(COMPLIANCE_CHECKS['network-deny']);
    if (enf.imageSignature ?? true) checks.push(COMPLIANCE_CHECKS['unsigned-image']);
    if (enf.podSecurity ?? true) checks.push(COMPLIANCE_CHECKS['pod-security']);
    if (enf.admissionPolicy ?? true) checks.push(COMPLIANCE_CHECKS['policy-privileged']);
    checks.push(COMPLIANCE_CHECKS.secrets);
    if (problems.length > 0) fail(this, problems.join('; '));
    this.checks = checks.map((c) => c.id);

    // the secrets, by reference only
    for (const env of app.environments) {
      for (const s of props.secrets ?? []) {
        new ApiObject(app.chartFor(env.name), `${this.node.id}-secret-${s.name}`, s._render(env.namespace, commonLabels(app.name)));
      }
    }

    const scanPaths = [`deploy/${app.name}`, `helm/${app.name}`, app.chart.path, ...(props.secretScanPaths ?? [])];
    const file = (name: string, render: () => string, executable = true) => app._addFile(this, `${this.dir}/${name}`, MarkerStyle.HASH, render, executable);
    file('check-secrets.sh', () => secretsCheckScript([...new Set(scanPaths)]));
    this.secretsJob = app.pipeline.addJob('secrets-check', {
      kind: JobKind.GATE,
      name: `${app.name} / no secret literals`,
      permissions: { contents: READ },
      timeout: props.secretsCheckTimeout ?? Duration.minutes(5),
      estimatedDuration: Duration.minutes(1),
    }, this);
    addCheckout(app.pipeline.actions, this.secretsJob);
    this.secretsJob.addStep({ id: 'secrets', name: 'No Secret literals in the manifests and values', run: `bash ${this.dir}/check-secrets.sh` });
    this.secretsJob.addStep({
      id: 'verdict',
      name: 'Fail unless the check passed',
      run: 'grep -q "^PASS" compliance-results/secrets.tsv || { cat compliance-results/secrets.tsv; exit 1; }',
    });

    // the checks in the kind E2E cluster, through the E2E contract
    const step = (sid: string, name: string, env?: Record<string, string>): github.workflows.JobStep =>
      ({ id: sid, name, ...(env ? { env } : {}), run: `bash ${this.dir}/${sid}.sh` });
    const before: github.workflows.JobStep[] = [];
    const tests: github.workflows.JobStep[] = [];
    if (falcoOn) {
      before.push(step('install-falco', `Install Falco ${E2E_CHARTS.falco.version} (chart) with the app's rules`));
      file('falco-rules.yaml', () => falcoRules({ app: app.name, namespace: this.namespace(), imageRepository: app.image.repository }), false);
      file('install-falco.sh', () => installFalcoScript({ ...E2E_CHARTS.falco, rulesFile: `${this.dir}/falco-rules.yaml` }));

      file('falco-check.sh', () => falcoCheckScript(priority));
    }
    if (benchOn) {
      tests.push(step('kube-bench', `CIS Kubernetes Benchmark (kube-bench): at most ${maxFailures} FAIL`));
      file('kube-bench-job.yaml', () => kubeBenchJob({ image, benchmark: bench.benchmark, labels: commonLabels(app.name) }), false);
      file('kube-bench.sh', () => kubeBenchScript({ jobFile: `${this.dir}/kube-bench-job.yaml`, maxFailures }));
    }
    const enforcement = checks.some((c) => ['network-deny', 'pod-security', 'policy-privileged', 'unsigned-image'].includes(c.id));
    if (enforcement) {
      tests.push(step('enforcement', 'Enforcement: denied path, privileged pod, unsigned image', { IMAGE_REPOSITORY: app.image.repository }));
      file('enforcement.sh', () => enforcementScript({
        network: enf.networkPolicy ?? true,
        podSecurity: enf.podSecurity ?? true,
        baselinePolicy: (enf.admissionPolicy ?? true) ? this.policyName('ValidatingPolicy', 'pod-security-baseline') : undefined,
        signaturePolicy: (enf.imageSignature ?? true) ? this.policyName('ImageValidatingPolicy', 'verify-image-signatures') : undefined,
        probeImage: E2E_CLIENT_IMAGE,
        imageRepository: app.image.repository,
      }));
    }
    tests.push(step('check-secrets', 'Secrets: no Secret literals in the manifests and values'));
    // the ZAP baseline runs after a deploy, later than this report: the report names its job and controls
    const later = () => (zap && this.zapJob
      ? [`${ZAP_CHECK.control}: OWASP ZAP baseline against ${zap.environment} (${zap.url}) in job ${this.zapJob.id}, after its deploy (${ZAP_CHECK.nist.join('; ')})`]
      : []);
    file('report.sh', () => reportScript(app.name, checks, later()));
    const always = '${{ !cancelled() }}';
    const final: github.workflows.JobStep[] = [
      // last, so Falco has watched every test (chaos and the canary dry run included)
      ...(falcoOn ? [{ ...step('falco-check', `Falco: no alert of priority ${priority} or higher during the run`), if: always }] : []),
      ...(stig ? [stigStep(app, this.dir, stig, file)] : []),
      { id: 'compliance-report', name: 'Compliance report (summary and HTML)', if: always, run: `bash ${this.dir}/report.sh` },
      {
        id: 'upload-compliance-report',
        name: 'Upload the compliance report',
        if: always,
        uses: app.pipeline.actions.ref('actions/upload-artifact'),
        with: { 'name': `${app.name}-compliance-report`, 'path': 'compliance-report/', 'if-no-files-found': 'warn', 'retention-days': 90 },
      },
    ];
    contributeToE2E(app, { owner: this, beforeRelease: before, tests, final, minutes: stig ? STIG_MINUTES : 0 });
    this.zapJob = zap ? zapJob(app, this, this.dir, zap, file) : undefined;
    this.node.addValidation({ validate: () => this.validate(checks) });
  }

  /** The namespace of the E2E cluster's environment. */
  private namespace(): string {
    const cluster = e2eClusterOf(this.app);
    return this.app.environment(cluster?.environment ?? this.app.environments[0].name).namespace;
  }

  private docs(): any[] {
    const cluster = e2eClusterOf(this.app);
    if (!cluster) return [];
    return this.app._documents(cluster.environment).filter((d: any) => d && typeof d === 'object');
  }

  /** The name of the E2E environment's Kyverno policy of `rule`, or undefined. */
  private policyName(kind: string, rule: string): string | undefined {
    const doc = this.docs().find((d) => d.kind === kind && d.metadata?.annotations?.['platform-pipeline.dev/rule'] === rule);
    return doc?.metadata?.name;
  }

  /** Cross-construct checks, in the app's validation pass (before any file is written). */
  private validate(checks: ComplianceCheck[]): string[] {
    const problems: string[] = [];
    const cluster = e2eClusterOf(this.app);
    if (!cluster) {
      return ['the compliance checks run in the kind E2E cluster, but the app has no KindE2EStage; add one (new KindE2EStage(app, \'E2E\'))'];
    }
    const env = cluster.environment;
    const docs = this.docs();
    const ids = checks.map((c) => c.id);
    const ns = this.app.environment(env).namespace;
    if (ids.includes('network-deny') && !docs.some((d) => d.kind === 'NetworkPolicy')) {
      problems.push(`'enforcement.networkPolicy' checks that an undeclared caller is denied, but the ${env} manifests (the E2E environment) carry no NetworkPolicy; add NetworkPolicies, or set 'enforcement.networkPolicy: false'`);
    }
    if (ids.includes('pod-security') && !docs.some((d) => d.kind === 'Namespace' && d.metadata?.name === ns && d.metadata?.labels?.['pod-security.kubernetes.io/enforce'])) {
      problems.push(`'enforcement.podSecurity' checks that Pod Security refuses a privileged pod in ${ns}, but the ${env} manifests set no 'pod-security.kubernetes.io/enforce' label on it; let the app manage its namespaces, or set 'enforcement.podSecurity: false'`);
    }
    if (ids.includes('policy-privileged') && !this.policyName('ValidatingPolicy', 'pod-security-baseline')) {
      problems.push(`'enforcement.admissionPolicy' checks that the Kyverno policy refuses a privileged pod, but the ${env} manifests carry no pod-security-baseline policy to enforce; add KyvernoPolicies with KyvernoRule.POD_SECURITY_BASELINE, or set 'enforcement.admissionPolicy: false'`);
    }
    if (ids.includes('unsigned-image') && !this.policyName('ImageValidatingPolicy', 'verify-image-signatures')) {
      problems.push(`'enforcement.imageSignature' checks that an unsigned image is refused, but the ${env} manifests carry no signature policy to enforce; add KyvernoPolicies with KyvernoRule.VERIFY_IMAGE_SIGNATURES (the build must sign), or set 'enforcement.imageSignature: false'`);
    }
    for (const e of this.app.environments) problems.push(...secretLiteralProblems(this.app, e.name));
    const build = this.app.pipeline.buildJob;
    if (ids.includes('stig') && build && !build.outputNames.includes(IMAGE_DIGEST_OUTPUT)) {
      problems.push(`'stig' scans the image this run built, but the build job ${build.id} has no '${IMAGE_DIGEST_OUTPUT}' output; build the image with BuildStage, or leave 'stig' out`);
    }
    return problems;
  }
}
