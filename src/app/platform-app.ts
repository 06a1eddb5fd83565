import { App, Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import { Component, github, Project } from 'projen';
import { PlatformAppProps } from './platform-app-props';
import { ActionManifest } from '../core/action-manifest';
import { PlatformPipelineError, ProblemList, pathOf, problem, show } from '../core/errors';
import { MarkerStyle } from '../core/generated-file';
import { dnsLabelProblem, MAX_APP_NAME } from '../core/names';
import { paths } from '../core/paths';
import { ReleasePath } from '../deploy/release-path';
import { ContainerImage } from '../model/container-image';
import { Environment } from '../model/environment';
import { HelmChart } from '../model/helm-chart';
import { Mesh } from '../model/mesh';
import { NetworkProps } from '../model/network';
import { ObservabilityProps, resolveObservability } from '../model/observability';
import { Promotion } from '../model/promotion';
import { Runner } from '../model/runner';
import { SliSource } from '../model/sli-source';
import { Slo } from '../model/slo';
import { Pipeline } from '../pipeline/pipeline';
import { JobKind, PipelineJob } from '../pipeline/pipeline-job';
import { addBaseManifests } from '../platform/base-manifests';
import { HelmValues } from '../platform/helm-values';
import { metricsPushProblems } from '../platform/pipeline-metrics';
import { appOf, appsOf, isPlatformApp, markPlatformApp } from '../platform/platform-app-contract';
import { SideFile, synthesizeApps } from './private/app-synthesizer';
import { validateAppProps } from './private/validate-app-props';

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
    return isPlatformApp(x);
  }

  /** The app that `scope` belongs to. */
  public static of(scope: IConstruct): PlatformApp {
    return appOf(scope) as PlatformApp;
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
  /** Who calls the app and what it calls. */
  public readonly network: NetworkProps;
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
  /** Whether each deploy's HTML report is also printed to PDF. */
  public readonly deployReportPdf: boolean;
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
  /**
   * The resolved documents per environment while the app is synthesized (see `_documents`), else undefined.
   * @internal
   */
  public _documentCache?: Map<string, any[]>;

  constructor(project: Project, name: string, props: PlatformAppProps) {
    const clash = appsOf(project).find((a) => a.name === name);
    if (clash) throw new PlatformPipelineError(`${name}: another PlatformApp is already named ${show(name)}; app names must be unique in a project`);
    super(project, name);
    markPlatformApp(this, project);
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
    this.network = { callers: [...(props.network?.callers ?? [])], dependencies: [...(props.network?.dependencies ?? [])] };
    this.promotion = props.promotion ?? Promotion.sequential();
    this.slos = [...(props.slos ?? [])];
    this.sliSource = props.sliSource ?? (this.mesh.sidecarInjection ? SliSource.istio() : undefined);
    this.observability = resolveObservability(props.observability ?? {});
    this.team = props.team;
    this.runbookBaseUrl = props.runbookBaseUrl;
    this.repository = props.repository;
    this.runner = props.runner ?? Runner.UBUNTU_24_04;
    this.sourcePaths = props.sourcePaths ?? [...new Set([`${props.image.context === '.' ? '' : `${props.image.context}/`}**`, `${props.chart.path}/**`])];
    this.smokeTestPath = props.smokeTestPath ?? '/';
    this.deployReportPdf = props.deployReportPdf ?? true;
    this.manageNamespaces = props.manageNamespaces ?? true;
    this.podDisruptionBudget = props.podDisruptionBudget ?? true;

    validateAppProps(this, props, problems);
    problems.throwIfAny();

    this.environments = props.environments.map((e) => Environment._create(e, this.promotion.branchFor(e.name)!));
    const actions = ActionManifest.bundled();
    for (const pin of props.actionOverrides ?? []) actions.override(pin);
    // 'Workflow', not 'Pipeline': that id is the one users give `new EnterprisePipeline(app, 'Pipeline')`
    this.pipeline = Pipeline._create(this, 'Workflow', { appName: name, actions });
    // a cluster-local Pushgateway and the runners of the jobs that push: checked once every job exists
    this.node.addValidation({ validate: () => metricsPushProblems(this) });
    this.k8sApp = new App({ outdir: project.outdir });
    for (const env of this.environments) {
      const chart = new Chart(this.k8sApp, `${name}-${env.name}`, { disableResourceNameHashes: true });
      this.charts.set(env.name, chart);
      this.values.set(env.name, HelmValues._create(env.name));
      addBaseManifests(chart, {
        appName: name,
        releaseName: this.releaseName,
        environment: env.name,
        namespace: env.namespace,
        mesh: this.mesh,
        podSecurity: env.podSecurity,
        manageNamespace: this.manageNamespaces,
        podDisruptionBudget: this.podDisruptionBudget,
        project,
      });
    }
    // the one build job; its BuildStage (declared, or created with the defaults at synth) fills it
    this.pipeline.addJob('build', { kind: JobKind.BUILD, permissions: { contents: github.workflows.JobPermission.READ } }, this);
    this.releasePath = ReleasePath._create(this, 'Release');
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

  /** @internal */
  public _documents(environment: string): any[] {
    const chart = this.chartFor(environment);
    if (!this._documentCache) return chart.toJson();
    let docs = this._documentCache.get(environment);
    if (!docs) {
      docs = chart.toJson();
      this._documentCache.set(environment, docs);
    }
    return docs;
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
    return paths.manifest(this.name, environment);
  }

  /** Path of an environment's Helm values. */
  public valuesPath(environment: string): string {
    return paths.values(this.name, environment);
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
