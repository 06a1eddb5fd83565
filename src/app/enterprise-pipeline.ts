import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { fail, show } from '../core/errors';
import { ArgoCdGitOps, ArgoCdGitOpsProps } from '../deploy/argo-cd-gitops';
import { CanaryDeploy, CanaryDeployProps } from '../deploy/canary-deploy';
import { ChangeRequest, ChangeRequestProps } from '../deploy/change-request';
import { DeliveryStrategy } from '../deploy/delivery-strategy';
import { AlertRouting, AlertRoutingProps } from '../observability/alert-routing';
import { GrafanaDashboard, GrafanaDashboardProps } from '../observability/grafana-dashboard';
import { PrometheusRules, PrometheusRulesProps } from '../observability/prometheus-rules';
import { appOf, IPlatformApp } from '../platform/platform-app-contract';
import { ComplianceStage, ComplianceStageProps } from '../policy/compliance-stage';
import { KyvernoPolicies, KyvernoPoliciesProps } from '../policy/kyverno-policies';
import { NetworkPolicies, NetworkPoliciesProps } from '../policy/network-policies';
import { BuildStage, BuildStageProps } from '../stages/build-stage';
import { KindE2EStage, KindE2EStageProps } from '../stages/kind-e2e-stage';
import { LoadTestStage, LoadTestStageProps } from '../stages/load-test-stage';
import { SecurityScanStage, SecurityScanStageProps } from '../stages/security-scan-stage';
import { TestStage, TestStageProps } from '../stages/test-stage';

/**
 * A stage of the reference pipeline that {@link EnterprisePipeline} adds by default and that
 * `EnterprisePipelineProps.without` can leave out. The build (stage 2) cannot be left out: every app has one.
 */
export enum EnterpriseStage {
  /** Stage 1: `SecurityScanStage` (`pipeline.security`). */
  SECURITY = 'SECURITY',
  /** Stage 3: `TestStage` (`pipeline.test`). */
  TEST = 'TEST',
  /** Stage 3/6: `KyvernoPolicies` (`pipeline.policies`). */
  POLICIES = 'POLICIES',
  /** Stage 3/6: `NetworkPolicies` (`pipeline.networkPolicies`). */
  NETWORK_POLICIES = 'NETWORK_POLICIES',
  /** Stage 4: `KindE2EStage` (`pipeline.e2e`). */
  E2E = 'E2E',
  /** Stage 5: `LoadTestStage` (`pipeline.load`). */
  LOAD = 'LOAD',
  /** Stage 6: `ComplianceStage` (`pipeline.compliance`); its cluster checks run in the E2E job. */
  COMPLIANCE = 'COMPLIANCE',
  /** Stage 7: `CanaryDeploy` (`pipeline.canary`). */
  CANARY = 'CANARY',
  /** Stage 8: `PrometheusRules` (`pipeline.rules`). */
  RULES = 'RULES',
  /** Stage 8: `GrafanaDashboard` (`pipeline.dashboard`). */
  DASHBOARD = 'DASHBOARD',
}

/**
 * Properties of {@link EnterprisePipeline}. Every stage is on by default with its own defaults; pass a
 * stage's props to tune it, or name it in `without` to leave it out.
 */
export interface EnterprisePipelineProps {
  /**
   * Stages to leave out.
   * @default [] (every stage)
   */
  readonly without?: EnterpriseStage[];
  /**
   * Stage 1: secret, SAST, dependency, licence and lint scans.
   * @default - SecurityScanStage defaults
   */
  readonly security?: SecurityScanStageProps;
  /**
   * Stage 2: the build, SBOMs, image scan, signing, provenance, chart as OCI artifact.
   * @default - BuildStage defaults
   */
  readonly buildStage?: BuildStageProps;
  /**
   * Stage 3: unit tests with a coverage gate, chart and manifest validation.
   * @default - TestStage defaults
   */
  readonly test?: TestStageProps;
  /**
   * Stage 3/6: Kyverno admission policies with their test gate.
   * @default - KyvernoPolicies defaults
   */
  readonly policies?: KyvernoPoliciesProps;
  /**
   * Stage 3/6: the app's NetworkPolicies (default deny, DNS, declared callers and dependencies).
   * @default - NetworkPolicies defaults
   */
  readonly networkPolicies?: NetworkPoliciesProps;
  /**
   * Stage 4: the release in an ephemeral kind cluster (CNI, mesh, E2E, network, chaos, mTLS, RBAC tests).
   * @default - KindE2EStage defaults plus a chaos test (one pod deleted under traffic) and RBAC checks: the
   * namespace's `default` service account may not list secrets nor create `pods/exec`
   */
  readonly e2e?: KindE2EStageProps;
  /**
   * Stage 5: k6 load tests with SLO thresholds and regression detection.
   * @default - one scenario `smoke-load`: 10 virtual users for 2 minutes on the app's smoke-test path, and
   * the ingress gateway throughput test at 50 requests/s for 1 minute (`gatewayThroughput: {}`)
   */
  readonly load?: LoadTestStageProps;
  /**
   * Stage 6: runtime security and compliance (Falco, kube-bench, enforcement checks, secrets, the DISA STIG
   * scan of the image, the OWASP ZAP baseline).
   * @default - ComplianceStage defaults, with the enforcement checks of the policies this pipeline leaves out off,
   * the STIG scan on (an image without STIG content is reported N/A), and the ZAP baseline against the first
   * environment that has a `url` (none when no environment has one)
   */
  readonly compliance?: ComplianceStageProps;
  /**
   * Stage 7: progressive delivery analysed against the SLOs.
   * @default - a canary in every environment; with Istio sidecars, blue-green (auto-promoted, analysed) in
   * environments with a `url` until `trafficRouting` names the Istio Gateway that serves them
   */
  readonly canary?: CanaryDeployProps;
  /**
   * Stage 7: a change request (ServiceNow or Jira) per deploy. It needs the change system's address and
   * token, so it is added only when given.
   * @default - no change request
   */
  readonly changeRequest?: ChangeRequestProps;
  /**
   * Stage 7: GitOps delivery through Argo CD instead of the deploy jobs applying the release.
   * @default - the deploy jobs apply the release (helm, kubectl)
   */
  readonly gitOps?: ArgoCdGitOpsProps;
  /**
   * Stage 8: SLO burn-rate alerts, pipeline and delivery alerts, with promtool tests.
   * @default - PrometheusRules defaults
   */
  readonly rules?: PrometheusRulesProps;
  /**
   * Stage 8: Alertmanager routing of the alerts. It needs the receivers' secrets, so it is added only when given.
   * @default - no routing (the cluster's Alertmanager routes by the `severity` label)
   */
  readonly alertRouting?: AlertRoutingProps;
  /**
   * Stage 8: Grafana dashboards of the service and of its delivery.
   * @default - GrafanaDashboard defaults
   */
  readonly dashboard?: GrafanaDashboardProps;
}

/**
 * The default E2E tests beyond the stage's own (mTLS with a mesh, the canary dry run): one pod deleted
 * under traffic, and RBAC: the namespace's `default` service account (which Kubernetes creates in every
 * namespace, and which the app runs as unless its chart names another) may not read secrets or exec into pods.
 */
const DEFAULT_E2E: KindE2EStageProps = {
  chaos: {},
  serviceAccounts: ['default'],
  rbac: [
    { serviceAccount: 'default', verb: 'list', resource: 'secrets', allowed: false },
    { serviceAccount: 'default', verb: 'create', resource: 'pods/exec', allowed: false },
  ],
};

/** The default load scenario: light, on the path the smoke test already calls. */
const DEFAULT_LOAD_VUS = 10;
const DEFAULT_LOAD_DURATION = Duration.minutes(2);

/**
 * The delivery when `canary` is not given: a canary analysed against the SLOs. An Istio canary of an
 * environment reached at a public URL needs the name of the Istio Gateway that serves it (else requests
 * through the gateway bypass the weights), which only the user knows: such an environment ships
 * blue-green (no traffic split, the same SLO analysis after the switch) until `canary.trafficRouting`
 * names the gateway.
 */
function defaultDelivery(app: IPlatformApp): CanaryDeployProps {
  if (!app.mesh.sidecarInjection) return {};
  const reached = app.environments.filter((e) => e.url !== undefined);
  return { environments: reached.map((e) => ({ environment: e.name, strategy: DeliveryStrategy.blueGreen({ autoPromote: true }) })) };
}

const NEEDS_SLOS = [EnterpriseStage.LOAD, EnterpriseStage.CANARY, EnterpriseStage.RULES, EnterpriseStage.DASHBOARD];

/**
 * Every stage of the reference enterprise pipeline (`docs/enterprise-pipeline.md` maps each item of its
 * eight stages to a job or step) on one PlatformApp, with safe defaults. Each stage is a public property
 * for tuning (`pipeline.e2e`, `pipeline.load.job`, …); leave one out with `without`.
 *
 * @example
 * new EnterprisePipeline(app, 'Pipeline', { without: [EnterpriseStage.LOAD] });
 */
export class EnterprisePipeline extends Construct {
  /** Stage 1: code quality and security scans. */
  public readonly security?: SecurityScanStage;
  /** Stage 2: the build (`buildStage`: jsii reserves the name `build`). */
  public readonly buildStage: BuildStage;
  /** Stage 3: unit tests, chart and manifest validation. */
  public readonly test?: TestStage;
  /** Stage 3/6: admission policies. */
  public readonly policies?: KyvernoPolicies;
  /** Stage 3/6: network policies. */
  public readonly networkPolicies?: NetworkPolicies;
  /** Stage 4: kind cluster E2E tests. */
  public readonly e2e?: KindE2EStage;
  /** Stage 5: load tests. */
  public readonly load?: LoadTestStage;
  /** Stage 6: Falco, kube-bench, enforcement checks and the STIG scan in the E2E job, the secrets gate, the compliance report, the ZAP baseline. */
  public readonly compliance?: ComplianceStage;
  /** Stage 7: progressive delivery. */
  public readonly canary?: CanaryDeploy;
  /** Stage 7: the change request, when `changeRequest` is given. */
  public readonly changeRequest?: ChangeRequest;
  /** Stage 7: GitOps delivery, when `gitOps` is given. */
  public readonly gitOps?: ArgoCdGitOps;
  /** Stage 8: alert rules. */
  public readonly rules?: PrometheusRules;
  /** Stage 8: alert routing, when `alertRouting` is given. */
  public readonly alertRouting?: AlertRouting;
  /** Stage 8: dashboards. */
  public readonly dashboard?: GrafanaDashboard;

  constructor(scope: Construct, id: string, props: EnterprisePipelineProps = {}) {
    super(scope, id);
    const app = appOf(this);
    const without = new Set(props.without ?? []);
    for (const s of without) {
      if (!Object.values(EnterpriseStage).includes(s)) {
        fail(this, `'without' names ${show(s)}, which is not a stage; stages are ${show(Object.values(EnterpriseStage))}`);
      }
    }
    const on = (s: EnterpriseStage) => !without.has(s);
    const sloStages = NEEDS_SLOS.filter(on);
    if (app.slos.length === 0 && sloStages.length > 0) {
      fail(this, `the app declares no 'slos', and ${show(sloStages)} read them (canary analysis, load thresholds, alerts, dashboards); add them to the app, e.g. slos: [Slo.availability({ name: 'availability', objective: 99.9 })], or list those stages in 'without'`);
    }

    this.security = on(EnterpriseStage.SECURITY) ? new SecurityScanStage(this, 'Security', props.security) : undefined;
    this.buildStage = new BuildStage(this, 'Build', props.buildStage);
    this.test = on(EnterpriseStage.TEST) ? new TestStage(this, 'Test', props.test) : undefined;
    this.policies = on(EnterpriseStage.POLICIES) ? new KyvernoPolicies(this, 'Policies', props.policies) : undefined;
    this.networkPolicies = on(EnterpriseStage.NETWORK_POLICIES) ? new NetworkPolicies(this, 'Network', props.networkPolicies) : undefined;
    this.e2e = on(EnterpriseStage.E2E) ? new KindE2EStage(this, 'E2E', props.e2e ?? DEFAULT_E2E) : undefined;
    this.load = on(EnterpriseStage.LOAD)
      ? new LoadTestStage(this, 'Load', props.load ?? {
        scenarios: [{ name: 'smoke-load', endpoints: [{ path: app.smokeTestPath }], vus: DEFAULT_LOAD_VUS, duration: DEFAULT_LOAD_DURATION }],
        // the reference's "API gateway performance": the ingress gateway at a target rate (GatewayThroughputOptions' defaults)
        gatewayThroughput: {},
      })
      : undefined;
    if (on(EnterpriseStage.COMPLIANCE) && !on(EnterpriseStage.E2E)) {
      fail(this, `'without' leaves out ${show(EnterpriseStage.E2E)} but not ${show(EnterpriseStage.COMPLIANCE)}, whose Falco, kube-bench and enforcement checks run in the E2E cluster; list ${show(EnterpriseStage.COMPLIANCE)} in 'without' too, or keep the E2E stage`);
    }
    // the ZAP baseline scans the first environment reached at a URL, after its deploy
    const scanned = app.environments.find((e) => e.url !== undefined);
    this.compliance = on(EnterpriseStage.COMPLIANCE) ? new ComplianceStage(this, 'Compliance', props.compliance ?? {
      // the enforcement checks need what they check: the policies this pipeline adds
      enforcement: {
        networkPolicy: on(EnterpriseStage.NETWORK_POLICIES),
        admissionPolicy: on(EnterpriseStage.POLICIES),
        imageSignature: on(EnterpriseStage.POLICIES),
      },
      stig: {},
      zap: scanned ? { environment: scanned.name } : undefined,
    }) : undefined;
    this.canary = on(EnterpriseStage.CANARY) ? new CanaryDeploy(this, 'Canary', props.canary ?? defaultDelivery(app)) : undefined;
    this.changeRequest = props.changeRequest ? new ChangeRequest(this, 'Change', props.changeRequest) : undefined;
    this.gitOps = props.gitOps ? new ArgoCdGitOps(this, 'GitOps', props.gitOps) : undefined;
    this.rules = on(EnterpriseStage.RULES) ? new PrometheusRules(this, 'Rules', props.rules) : undefined;
    this.alertRouting = props.alertRouting ? new AlertRouting(this, 'AlertRouting', props.alertRouting) : undefined;
    this.dashboard = on(EnterpriseStage.DASHBOARD) ? new GrafanaDashboard(this, 'Dashboard', props.dashboard) : undefined;
  }
}
