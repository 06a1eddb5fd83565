import { ActionPin } from '../core/action-manifest';
import { ContainerImage } from '../model/container-image';
import { EnvironmentProps } from '../model/environment';
import { HelmChart } from '../model/helm-chart';
import { Mesh } from '../model/mesh';
import { NetworkProps } from '../model/network';
import { ObservabilityProps } from '../model/observability';
import { Promotion } from '../model/promotion';
import { Runner } from '../model/runner';
import { SliSource } from '../model/sli-source';
import { Slo } from '../model/slo';

/** The typed definition of one app. */
export interface PlatformAppProps {
  /** The container image: repository, build context, Dockerfile, registry credentials. */
  readonly image: ContainerImage;
  /** The Helm chart that owns the Deployment and Service. */
  readonly chart: HelmChart;
  /** Deployment environments, in promotion order. At least one. */
  readonly environments: EnvironmentProps[];
  /**
   * The GitHub repository, `owner/name`. Keyless signing identities (the certificate subject a policy
   * verifies), links and the setup script use it.
   * @default - unknown; constructs that need it ask for it
   */
  readonly repository?: string;
  /**
   * Paths (globs) whose changes trigger the pipeline. The generated files of the app are always added.
   * @default - the image's build context and the chart, each with `/**`
   */
  readonly sourcePaths?: string[];
  /**
   * The port the app's container and Service listen on (`service.port`).
   * @default 8080
   */
  readonly port?: number;
  /**
   * The service mesh and its data-plane mode. The default assumes Istio's CNI plugin (Istio's documented
   * set-up for Pod Security Admission): injected pods then pass the namespace's `restricted` Pod Security.
   * Without the CNI plugin declare `Mesh.istio({ cni: false })` (its `istio-init` needs a `privileged`
   * namespace); in ambient mode, `Mesh.istioAmbient()`.
   * @default Mesh.ISTIO (the same as `Mesh.istio()`: sidecars, Istio's CNI plugin)
   */
  readonly mesh?: Mesh;
  /**
   * How a build moves through the environments.
   * @default Promotion.sequential() (build once on `main`, promote the same digest in order)
   */
  readonly promotion?: Promotion;
  /**
   * Service-level objectives; every later construct reads them.
   * @default - none
   */
  readonly slos?: Slo[];
  /**
   * Where SLO events come from, for SLOs that do not name their own source.
   * @default - `SliSource.istio()` with Istio sidecars; none in ambient mode or without a mesh (SLOs must then name one)
   */
  readonly sliSource?: SliSource;
  /**
   * Telemetry endpoints.
   * @default - Prometheus at `http://prometheus-operated.monitoring.svc:9090`, no Pushgateway or Grafana
   */
  readonly observability?: ObservabilityProps;
  /**
   * Owning team (a label on alerts and objects).
   * @default - none
   */
  readonly team?: string;
  /**
   * Base URL of the runbooks; alerts link to `<base>/<alert name in lowercase>`.
   * @default - no runbook links
   */
  readonly runbookBaseUrl?: string;
  /**
   * Where jobs run unless a stage says otherwise.
   * @default Runner.UBUNTU_24_04
   */
  readonly runner?: Runner;
  /**
   * Pins that replace the bundled ones (e.g. a security release the library has not shipped yet).
   * @default - the bundled pins
   */
  readonly actionOverrides?: ActionPin[];
  /**
   * Path requested by the smoke test on each environment's URL.
   * @default '/'
   */
  readonly smokeTestPath?: string;
  /**
   * Print each deploy's HTML report to PDF as well (`deploy-<env>` › `deploy-report-pdf`), with the Google
   * Chrome that GitHub's Ubuntu runners have (headless, nothing downloaded), uploaded beside the HTML. Where
   * Chrome is absent (a self-hosted runner) or prints nothing, the step warns and says so in the job
   * summary; the HTML is uploaded either way.
   * @default true
   */
  readonly deployReportPdf?: boolean;
  /**
   * Manage each environment's namespace: Pod Security labels (`podSecurity` of the environment, `restricted`
   * by default) and the mesh's data-plane label. When apps of the project share a namespace, the first to
   * declare it (for the same environment name) owns the Namespace object and the others must need the same
   * labels. Turn off when namespaces are managed elsewhere; Helm then creates missing ones.
   * @default true
   */
  readonly manageNamespaces?: boolean;
  /**
   * Emit a PodDisruptionBudget (`maxUnavailable: 1`) for the chart's pods. Turn off when the chart has one.
   * @default true
   */
  readonly podDisruptionBudget?: boolean;
  /**
   * Who calls the app and what it calls (other apps of the project, the ingress gateway, external hosts).
   * NetworkPolicies and the E2E network tests read it; a dependency on another app of the project opens
   * both sides.
   * @default - no callers, no dependencies
   */
  readonly network?: NetworkProps;
}
