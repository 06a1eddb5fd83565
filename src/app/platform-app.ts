import { App, Chart } from 'cdk8s';
import { ContainerResources } from 'cdk8s-plus-27';
import { IConstruct } from 'constructs';
import { Component, Project } from 'projen';
import { Approval } from './approval';
import { ClusterAccess } from './cluster-access';
import { ContainerImage } from './container-image';
import { EnvironmentProps } from './environment';
import { HelmChart } from './helm-chart';
import { Mesh } from './mesh';
import { ObservabilityProps } from './observability';
import { Promotion } from './promotion';
import { SliSource } from './sli-source';
import { Slo } from './slo';
import { addBaseManifests } from '../deploy/base-manifests';
import { HelmValues } from '../deploy/helm-values';
import { ReleasePath } from '../deploy/release-path';
import { ActionManifest, ActionPin } from '../pipeline/action-manifest';
import { Pipeline } from '../pipeline/pipeline';
import { JobKind, PipelineJob } from '../pipeline/pipeline-job';
import { Runner } from '../pipeline/runner';
import { synthesizeApps } from '../private/app-synthesizer';
import { PlatformPipelineError, ProblemList, pathOf, problem, show } from '../private/errors';
import { MarkerStyle } from '../private/generated-file';
import { dnsLabelProblem, MAX_APP_NAME } from '../private/names';
import { validateAppProps } from '../private/validate-app-props';
import { BuildStage, DEFAULT_BUILD_ID } from '../stages/build-stage';

const APP_SYMBOL = Symbol.for('platform-pipeline.PlatformApp');

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
   * The service mesh.
   * @default Mesh.ISTIO
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
   * @default - `SliSource.istio()` with Istio; none without a mesh (SLOs must then name one)
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
   * Manage each environment's namespace: restricted Pod Security labels, sidecar injection with Istio.
   * Turn off when namespaces are managed elsewhere; Helm then creates missing ones.
   * @default true
   */
  readonly manageNamespaces?: boolean;
  /**
   * Emit a PodDisruptionBudget (`maxUnavailable: 1`) for the chart's pods. Turn off when the chart has one.
   * @default true
   */
  readonly podDisruptionBudget?: boolean;
}

/** One environment of an app, with defaults resolved. */
export class Environment {
  /** Name. */
  public readonly name: string;
  /** Namespace. */
  public readonly namespace: string;
  /** Cluster access. */
  public readonly cluster: ClusterAccess;
  /** Public URL, if any. */
  public readonly url?: string;
  /** Replica count. */
  public readonly replicas: number;
  /** Container resources, if set. */
  public readonly resources?: ContainerResources;
  /** Approval. */
  public readonly approval: Approval;
  /** The branch (pattern) that deploys it. */
  public readonly branch: string;
  /** Where its deploy and promotion jobs run, if not on the app's runner. */
  public readonly runner?: Runner;

  /** @internal */
  constructor(props: EnvironmentProps, branch: string) {
    this.name = props.name;
    this.namespace = props.namespace;
    this.cluster = props.cluster!;
    this.url = props.url;
    this.replicas = props.replicas ?? 2;
    this.resources = props.resources;
    this.approval = props.approval ?? Approval.none();
    this.branch = branch;
    this.runner = props.runner;
  }
}

interface SideFile {
  readonly path: string;
  readonly marker: MarkerStyle;
  readonly executable: boolean;
  readonly render: () => string;
  readonly owner: IConstruct;
}

/**
 * The typed definition of one app and the root of everything generated for it: the pipeline, the Helm
 * values and Kubernetes manifests per environment, and the side files (scripts, docs, rules, tests).
 * Stages and constructs are created inside it and contribute; nothing is rendered before synth, so the
 * order of declarations does not matter. Several apps may live in one project; every path, job id and
 * resource name carries the app name.
 */
export class PlatformApp extends Component {
  /** Whether `x` is a PlatformApp (works across copies of the library). */
  public static isPlatformApp(x: any): x is PlatformApp {
    return x !== null && typeof x === 'object' && APP_SYMBOL in x;
  }

  /** The app that `scope` belongs to. */
  public static of(scope: IConstruct): PlatformApp {
    const app = [...scope.node.scopes].reverse().find((s) => PlatformApp.isPlatformApp(s));
    if (!app) {
      throw new PlatformPipelineError(problem(scope, 'is not inside a PlatformApp: create stages and constructs with the app as their scope, e.g. new SecurityScanStage(app, \'Security\')'));
    }
    return app as PlatformApp;
  }

  /** The app name (the construct id), a DNS-1123 label. */
  public readonly name: string;
  /** The image. */
  public readonly image: ContainerImage;
  /** The chart. */
  public readonly chart: HelmChart;
  /** Helm release name. */
  public readonly releaseName: string;
  /** Environments in promotion order. */
  public readonly environments: Environment[];
  /** Service port. */
  public readonly port: number;
  /** Mesh. */
  public readonly mesh: Mesh;
  /** Promotion model. */
  public readonly promotion: Promotion;
  /** SLOs. */
  public readonly slos: Slo[];
  /** Default SLI source, if any. */
  public readonly sliSource?: SliSource;
  /** Telemetry endpoints. */
  public readonly observability: ObservabilityProps;
  /** Owning team. */
  public readonly team?: string;
  /** Runbook base URL. */
  public readonly runbookBaseUrl?: string;
  /** Default runner. */
  public readonly runner: Runner;
  /** The GitHub repository `owner/name`, if declared. */
  public readonly repository?: string;
  /** Paths that trigger the pipeline (besides the generated files). */
  public readonly sourcePaths: string[];
  /** Smoke-test path. */
  public readonly smokeTestPath: string;
  /** Whether namespaces are managed. */
  public readonly manageNamespaces: boolean;
  /** Whether a PodDisruptionBudget is emitted. */
  public readonly podDisruptionBudget: boolean;
  /** The pipeline. */
  public readonly pipeline: Pipeline;
  /** The release path (deploy jobs). */
  public readonly releasePath: ReleasePath;

  private readonly k8sApp: App;
  private readonly charts = new Map<string, Chart>();
  private readonly values = new Map<string, HelmValues>();
  private readonly sideFiles: SideFile[] = [];
  /** @internal */
  public _rendered = false;

  constructor(project: Project, name: string, props: PlatformAppProps) {
    const clash = project.components.find((c) => PlatformApp.isPlatformApp(c) && (c as PlatformApp).name === name);
    if (clash) throw new PlatformPipelineError(`${name}: another PlatformApp is already named ${show(name)}; app names must be unique in a project`);
    super(project, name);
    Object.defineProperty(this, APP_SYMBOL, { value: true });
    const problems = new ProblemList(name);
    const nameProblem = dnsLabelProblem('name (the construct id)', name, MAX_APP_NAME);
    if (nameProblem) problems.add(nameProblem);
    if (!props || !props.image) problems.add("'image' is required: ContainerImage.fromRegistry('ghcr.io/acme/app', { context: '.' })");
    if (!props || !props.chart) problems.add("'chart' is required: HelmChart.fromPath('helm/app')");
    problems.throwIfAny();

    this.name = name;
    this.image = props.image;
    this.chart = props.chart;
    this.releaseName = props.chart.releaseName ?? name;
    this.port = props.port ?? 8080;
    this.mesh = props.mesh ?? Mesh.ISTIO;
    this.promotion = props.promotion ?? Promotion.sequential();
    this.slos = [...(props.slos ?? [])];
    this.sliSource = props.sliSource ?? (this.mesh === Mesh.ISTIO ? SliSource.istio() : undefined);
    this.observability = props.observability ?? {};
    this.team = props.team;
    this.runbookBaseUrl = props.runbookBaseUrl;
    this.repository = props.repository;
    this.runner = props.runner ?? Runner.UBUNTU_24_04;
    this.sourcePaths = props.sourcePaths ?? [...new Set([`${props.image.context === '.' ? '' : `${props.image.context}/`}**`, `${props.chart.path}/**`])];
    this.smokeTestPath = props.smokeTestPath ?? '/';
    this.manageNamespaces = props.manageNamespaces ?? true;
    this.podDisruptionBudget = props.podDisruptionBudget ?? true;

    validateAppProps(this, props, problems);
    problems.throwIfAny();

    this.environments = props.environments.map((e) => new Environment(e, this.promotion.branchFor(e.name)!));
    const actions = ActionManifest.bundled();
    for (const pin of props.actionOverrides ?? []) actions.override(pin);
    this.pipeline = new Pipeline(this, 'Pipeline', { appName: name, actions });
    this.k8sApp = new App({ outdir: project.outdir });
    for (const env of this.environments) {
      const chart = new Chart(this.k8sApp, `${name}-${env.name}`, { disableResourceNameHashes: true });
      this.charts.set(env.name, chart);
      this.values.set(env.name, new HelmValues(env.name));
      addBaseManifests(chart, {
        appName: name,
        releaseName: this.releaseName,
        namespace: env.namespace,
        istio: this.mesh === Mesh.ISTIO,
        manageNamespace: this.manageNamespaces,
        podDisruptionBudget: this.podDisruptionBudget,
      });
    }
    new BuildStage(this, DEFAULT_BUILD_ID);
    this.releasePath = new ReleasePath(this, 'Release');
    addSummaryJob(this);
  }

  /** The environment named `name`. */
  public environment(name: string): Environment {
    const env = this.environments.find((e) => e.name === name);
    if (!env) throw new PlatformPipelineError(problem(this, `no environment ${show(name)}; environments are ${show(this.environments.map((e) => e.name))}`));
    return env;
  }

  /** The cdk8s chart of an environment: objects added here go to `deploy/<app>/<env>.k8s.yaml`. */
  public chartFor(environment: string): Chart {
    this.environment(environment);
    return this.charts.get(environment)!;
  }

  /** The Helm values of an environment (`helm/<app>/values-<env>.yaml`). */
  public valuesFor(environment: string): HelmValues {
    this.environment(environment);
    return this.values.get(environment)!;
  }

  /** The SLI source an SLO reads: its own, else the app's. */
  public sliSourceFor(slo: Slo): SliSource {
    const s = slo.sli ?? this.sliSource;
    if (!s) throw new PlatformPipelineError(problem(this, `SLO ${show(slo.name)} has no SLI source; pass 'sliSource' to the app or 'sli' to the SLO`));
    return s;
  }

  /** Path of an environment's manifests. */
  public manifestPath(environment: string): string {
    return `deploy/${this.name}/${environment}.k8s.yaml`;
  }

  /** Path of an environment's Helm values. */
  public valuesPath(environment: string): string {
    return `helm/${this.name}/values-${environment}.yaml`;
  }

  /** The workflow file's path, e.g. `.github/workflows/checkout-pipeline.yml`. */
  public get workflowPath(): string {
    return this.pipeline.workflowPath;
  }

  /**
   * Registers a generated side file (rules, tests, scripts, dashboards). Its content is rendered at synth,
   * after every construct has contributed. The path must carry the app name.
   * @internal
   */
  public _addFile(owner: IConstruct, filePath: string, marker: MarkerStyle, render: () => string, executable: boolean = false): void {
    if (this.sideFiles.some((f) => f.path === filePath)) {
      const first = this.sideFiles.find((f) => f.path === filePath)!;
      throw new PlatformPipelineError(problem(owner, `file ${show(filePath)} is already generated by ${pathOf(first.owner)}`));
    }
    this.sideFiles.push({ path: filePath, marker, render, executable, owner });
  }

  /** @internal */
  public get _sideFiles(): readonly SideFile[] {
    return this.sideFiles;
  }

  /** @internal */
  public get _charts(): ReadonlyMap<string, Chart> {
    return this.charts;
  }

  /** @internal */
  public get _values(): ReadonlyMap<string, HelmValues> {
    return this.values;
  }

  /** Renders and validates every app of the project, once, before projen writes any file. */
  public preSynthesize(): void {
    synthesizeApps(this.project);
  }
}

function addSummaryJob(app: PlatformApp): PipelineJob {
  const job = app.pipeline.addJob('summary', { kind: JobKind.REPORT, name: `${app.name} / summary` }, app);
  job.addStep({
    id: 'summary',
    name: 'Summarize the run (the one status check to require)',
    env: { NEEDS_JSON: '${{ toJSON(needs) }}', APP: app.name },
    run: [
      '{',
      '  echo "## ${APP} pipeline"',
      '  echo ""',
      '  echo "| job | result |"',
      '  echo "|---|---|"',
      '  jq -r \'to_entries[] | "| \\(.key) | \\(.value.result) |"\' <<< "${NEEDS_JSON}"',
      '} >> "${GITHUB_STEP_SUMMARY}"',
      'if jq -e \'any(.[]; .result == "failure" or .result == "cancelled")\' <<< "${NEEDS_JSON}" > /dev/null; then',
      '  echo "::error::a job of the ${APP} pipeline failed or was cancelled"',
      '  exit 1',
      'fi',
    ].join('\n'),
  });
  return job;
}
