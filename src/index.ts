// The public API, by name and by layer (see DESIGN.md §2 "Layers"): core <- model <- pipeline <- platform
// <- stages | deploy | observability <- app. Helpers are never exported: they live in `<area>/private/`
// or are module-internal; test/index.test.ts fails when a name here is not a jsii type.

// core: action pins
export { ActionManifest, ActionPin } from './core/action-manifest';

// model: the typed definition
export { Approval, RequiredReviewersOptions } from './model/approval';
export { AksAccessProps, ClusterAccess, EksAccessProps, GkeAccessProps } from './model/cluster-access';
export { ContainerImage, ContainerImageOptions, EcrCredentialsProps, RegistryCredentials, RegistrySecretsProps } from './model/container-image';
export { Environment, EnvironmentProps, PodSecurityLevel } from './model/environment';
export { HelmChart, HelmChartOptions } from './model/helm-chart';
export { Label } from './model/label';
export { IstioAmbientOptions, IstioSidecarOptions, Mesh, MeshDataplane } from './model/mesh';
export { AppPeerOptions, ExternalHostOptions, IngressGatewayOptions, NetworkPeer, NetworkPeerKind, NetworkProps } from './model/network';
export { ExternalMetricsPushProps, InClusterMetricsPushProps, MetricsPush } from './model/metrics-push';
export { ObservabilityProps } from './model/observability';
export { BranchPerEnvironmentOptions, EnvironmentBranch, Promotion, SequentialPromotionOptions } from './model/promotion';
export { Runner } from './model/runner';
export { SigningIdentity } from './model/signing-identity';
export {
  ExternalSecretReferenceProps, SecretKeyReference, SecretReference, SecretStoreKind, VaultKeyReference, VaultSecretReferenceProps,
} from './model/secret-reference';
export { CustomSliSourceProps, LatencyUnit, SliSource } from './model/sli-source';
export { AvailabilitySloProps, LatencySloProps, Slo, SloBaseProps, SloKind } from './model/slo';

// pipeline: the job DAG and its rendering
export { DeploySlot, JobKind, PipelineJob, PipelineJobOptions, StepOptions } from './pipeline/pipeline-job';
export { CriticalPath, Pipeline, PipelineProps } from './pipeline/pipeline';

// platform: what constructs contribute to
export { HelmValues } from './platform/helm-values';
export { PipelineMetrics } from './platform/pipeline-metrics';

// stages
export { BuildStage, BuildStageProps, ImageScanOptions, TestImageOptions } from './stages/build-stage';
export { CheckovOptions, DependencyReviewOptions, FossaOptions, GitleaksOptions, IacValidationOptions, KubesecOptions, LicenseScanOptions, LintOptions, NpmAuditOptions, OsvScannerOptions, PipAuditOptions, Scanner, SchemaCheck, SemgrepOptions, SnykOptions, SonarQubeOptions, ThresholdOptions, TrufflehogOptions } from './stages/scanner';
export { LoadBaseline, LoadRegressionOptions, LoadTestStage, LoadTestStageProps, LoadTestTarget } from './stages/load-test-stage';
export { GatewayThroughputOptions, HttpMethod, LoadEndpoint, LoadScenario } from './stages/load-scenario';
export { SecurityScanStage, SecurityScanStageProps } from './stages/security-scan-stage';
export { ChaosOptions, ChaosPlatformComponent, CiliumOptions, KindClusterOptions, KindCni, KindE2EStage, KindE2EStageProps, RbacExpectation } from './stages/kind-e2e-stage';
export { Severity } from './stages/severity';
export { BuildCache, KeySigningProps, Provenance, Signing } from './stages/signing';
export { ArgoCdDryRunOptions, KubeScoreOptions, KubeconformOptions, NetworkPolicyCheckOptions, TestStage, TestStageProps } from './stages/test-stage';
export { SynthCheck, SynthCheckProps } from './stages/synth-check';
export { CustomTestOptions, GoTestOptions, NodeTestOptions, PythonTestOptions, UnitTestOptions, UnitTests } from './stages/unit-tests';

// deploy: the release path and progressive delivery
export { ArgoCdGitOps, ArgoCdGitOpsProps } from './deploy/argo-cd-gitops';
export { RolloutAutoscaling } from './deploy/argo-rollout-manifests';
export { AnalysisOptions, CanaryMetric } from './deploy/canary-analysis';
export { CanaryDeploy, CanaryDeployProps, EnvironmentDeliveryOptions } from './deploy/canary-deploy';
export { ChangeApproval, ChangeApprovalWaitOptions, ChangeRequest, ChangeRequestProps, ChangeSystem, JiraChangeOptions, ServiceNowChangeOptions } from './deploy/change-request';
export { Backend, BlueGreenStrategyOptions, CanaryStrategyOptions, DeliveryStrategy, DeliveryStrategyKind, FlaggerOptions, IstioRoutingOptions, TrafficRouting } from './deploy/delivery-strategy';
export { ReleasePath } from './deploy/release-path';

// observability: SLO alerts, routing, dashboards
export { AlertReceiver, AlertRouting, AlertRoutingProps, OpsgenieReceiverProps, PagerDutyReceiverProps, SecretKeyProps, SlackReceiverProps } from './observability/alert-routing';
export { AlertTier, BurnRateWindowProps, BurnRateWindows } from './observability/burn-rate-windows';
export { DashboardProvisioning, GrafanaDashboard, GrafanaDashboardProps, GrafanaOperatorProvisioningProps, SidecarProvisioningProps } from './observability/grafana-dashboard';
export { CustomAlertProps, PrometheusRules, PrometheusRulesProps, SliQueryProps } from './observability/prometheus-rules';

// app: the composition root
export { PlatformAppProps } from './app/platform-app-props';
export { PlatformApp } from './app/platform-app';
export { EnterprisePipeline, EnterprisePipelineProps, EnterpriseStage } from './app/enterprise-pipeline';
export { PlatformProject, PlatformProjectOptions } from './app/platform-project';

// testing
export { SynthOutput, TestProjectOptions, Testing } from './testing';

// policy: admission policies and the app's network
export {
  KyvernoPolicies, KyvernoPoliciesProps, KyvernoRule, PolicyAction, PolicyEnvironmentProps, PolicyExceptionProps,
} from './policy/kyverno-policies';
export { NetworkPolicies, NetworkPoliciesProps } from './policy/network-policies';
export {
  ComplianceStage, ComplianceStageProps, EnforcementChecksOptions, FalcoOptions, FalcoPriority, KubeBenchOptions,
} from './policy/compliance-stage';
export { StigOptions, ZapOptions, ZapRule, ZapRuleAction } from './policy/compliance-scans';
export { AppNetwork, NetworkPath } from './platform/network-paths';
