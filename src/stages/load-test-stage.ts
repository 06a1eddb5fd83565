import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { github } from 'projen';
import { KindE2EStage } from './kind-e2e-stage';
import { GatewayThroughputOptions, LoadScenario } from './load-scenario';
import {
  GatewayPlan, k6Thresholds, renderGatewayScript, renderK6Script, resolveGatewayThroughput, scenarioSeconds, validateScenarios,
} from './private/k6-script';
import { E2E_ENVIRONMENT_LABEL } from './private/kind-e2e-scripts';
import {
  LoadScriptContext, previousRunBaselineScript, regressionScript, reportScript, repositoryBaselineScript,
  RESULTS_DIR, runScript,
} from './private/load-test-scripts';
import { addCheckout } from './private/scan-steps';
import { fail, PlatformPipelineError, show } from '../core/errors';
import { MarkerStyle } from '../core/generated-file';
import { REPO_PATH } from '../core/names';
import { paths } from '../core/paths';
import { K6_VERSION, KUBECTL_VERSION } from '../core/versions';
import { Environment } from '../model/environment';
import { Runner } from '../model/runner';
import { JobKind, PipelineJob } from '../pipeline/pipeline-job';
import { selectorLabels } from '../platform/base-manifests';
import { notePushedMetrics, PipelineMetrics, pushgatewayEnv } from '../platform/pipeline-metrics';
import { appOf, IPlatformApp } from '../platform/platform-app-contract';

const READ = github.workflows.JobPermission.READ;

type StepWithPermissions = { step: github.workflows.JobStep; permissions?: github.workflows.JobPermissions };

/**
 * What a load test runs against: an environment after its deploy, or the release under test in the kind
 * cluster of a KindE2EStage.
 */
export class LoadTestTarget {
  /** The named environment, after its deploy: its `url` is the base URL, its namespace's pods are sampled. */
  public static environment(name: string): LoadTestTarget {
    if (typeof name !== 'string' || name.length === 0) throw new PlatformPipelineError(`LoadTestTarget.environment: give an environment name, got ${show(name)}`);
    return new LoadTestTarget(name, undefined);
  }

  /**
   * The release under test in the kind cluster of `stage`, inside its E2E job (after the deploy and the
   * tests, before the chaos test), instead of after a deploy. k6 runs on the runner against a port-forward
   * of the app's service: there is no k6 image to pin by digest, and the forward reaches the app through
   * its NetworkPolicies and STRICT mTLS, which an in-cluster client or a NodePort would have to be let
   * through. The tunnel and the single forwarded pod bound the throughput: the figures are a regression
   * signal of the release (compared run over run on the same path), not the capacity of an environment.
   * The environment needs no URL.
   */
  public static kindCluster(stage: KindE2EStage): LoadTestTarget {
    if (!(stage instanceof KindE2EStage)) throw new PlatformPipelineError(`LoadTestTarget.kindCluster: give the KindE2EStage whose cluster the load test runs in, got ${show(stage)}`);
    return new LoadTestTarget(stage.environment, stage);
  }

  /** The environment's name (for the kind cluster: the environment whose release it runs). */
  public readonly environmentName: string;
  /** The E2E stage whose kind cluster the load test runs in, if any. */
  public readonly kindStage?: KindE2EStage;

  private constructor(environmentName: string, kindStage: KindE2EStage | undefined) {
    this.environmentName = environmentName;
    this.kindStage = kindStage;
  }
}

/** Where the regression check's baseline comes from. */
export class LoadBaseline {
  /**
   * The summaries the last successful push run of the pipeline on the same branch uploaded. The first run
   * (or one after the artifacts expired) has none and skips the check. A run that regressed fails, so it
   * never becomes the next baseline.
   */
  public static previousRun(): LoadBaseline {
    return new LoadBaseline(undefined);
  }

  /** A directory in the repository holding one k6 summary per scenario (`<scenario>.json`, from `--summary-export`). */
  public static repositoryDirectory(directory: string): LoadBaseline {
    if (!REPO_PATH.test(directory ?? '')) throw new PlatformPipelineError(`LoadBaseline.repositoryDirectory: give a directory inside the repository such as 'load/baseline', got ${show(directory)}`);
    return new LoadBaseline(directory);
  }

  /** The repository directory, or undefined for the previous run's artifact. */
  public readonly directory?: string;

  private constructor(directory: string | undefined) {
    this.directory = directory;
  }
}

/** Regression detection against a baseline. */
export interface LoadRegressionOptions {
  /**
   * Where the baseline comes from.
   * @default LoadBaseline.previousRun()
   */
  readonly baseline?: LoadBaseline;
  /**
   * How much p95 and p99 may grow over the baseline, in percent, before the job fails.
   * @default 20
   */
  readonly latencyTolerancePercent?: number;
  /**
   * How much the share of failed requests may grow over the baseline, in percentage points.
   * @default 0.1
   */
  readonly errorRateTolerancePoints?: number;
  /**
   * Compare with the baseline at all.
   * @default true
   */
  readonly enabled?: boolean;
}

/** Properties of the load-test stage. */
export interface LoadTestStageProps {
  /** The scenarios; each becomes `load/<app>/<name>.js` and runs in the verify job, in order. */
  readonly scenarios: LoadScenario[];
  /**
   * What the load test runs against: an environment after its deploy, or the kind cluster of a
   * KindE2EStage (`LoadTestTarget.kindCluster(e2e)`).
   * @default - the environment named `staging`, or the first environment when there is none
   */
  readonly target?: LoadTestTarget;
  /**
   * Regression detection against a baseline.
   * @default - against the previous successful run, 20 % latency and 0.1 points error-rate tolerance
   */
  readonly regression?: LoadRegressionOptions;
  /**
   * A throughput test of the ingress gateway in front of the target environment: a `constant-arrival-rate`
   * scenario at a target rate, failing when k6 has to drop iterations or requests fail (the gateway cannot
   * sustain the rate). Needs an environment target: in the kind cluster, k6 reaches the app through a
   * port-forward, not through the gateway.
   * @default - no gateway throughput test (`EnterprisePipeline` adds one at 50 requests/s)
   */
  readonly gatewayThroughput?: GatewayThroughputOptions;
  /**
   * Interval of the `kubectl top` samples of the app's pods while k6 runs.
   * @default Duration.seconds(15)
   */
  readonly sampleInterval?: Duration;
  /**
   * Where the verify job runs (load generation wants a runner close to the environment).
   * @default - the environment's runner, else the app's
   */
  readonly runner?: Runner;
}

/**
 * Stage 5: k6 load tests whose thresholds come from the app's SLOs. Writes `load/<app>/<scenario>.js` per
 * scenario and adds a verify job after the target environment's deploy (the next environment waits for it):
 * grafana/setup-k6-action, each scenario with `kubectl top` samples of the app's pods, the k6 summaries
 * uploaded, a latency/throughput table in the job summary, the figures pushed to the Pushgateway, and a
 * regression check of p95, p99 and the error rate against a baseline. With `gatewayThroughput`, a
 * throughput test of the ingress gateway at a target rate runs last (`load/<app>/gateway-throughput.js`).
 */
export class LoadTestStage extends Construct {
  /** The verify job, or the E2E job for a kind-cluster target. */
  public readonly job: PipelineJob;
  /** The environment the load test runs against (for a kind-cluster target: the environment whose release runs there). */
  public readonly environment: string;
  /** The generated k6 scripts, in the order of the scenarios (the gateway throughput test's last). */
  public readonly scriptPaths: string[];
  /** Target requests per second of the gateway throughput test, if there is one. */
  public readonly gatewayRate?: number;

  constructor(scope: Construct, id: string, props: LoadTestStageProps) {
    super(scope, id);
    const app = appOf(this);
    validateScenarios(this, props?.scenarios);
    const env = this.resolveTarget(app, props.target);
    this.environment = env.name;
    const thresholds = k6Thresholds(this, app.slos);
    const regression = props.regression ?? {};
    const tolerance = regression.latencyTolerancePercent ?? 20;
    const errorTolerance = regression.errorRateTolerancePoints ?? 0.1;
    if (!(typeof tolerance === 'number' && tolerance >= 0 && tolerance <= 1000)) fail(this, `'regression.latencyTolerancePercent' must be a percentage between 0 and 1000, got ${show(tolerance)}; use e.g. 20`);
    if (!(typeof errorTolerance === 'number' && errorTolerance >= 0 && errorTolerance <= 100)) fail(this, `'regression.errorRateTolerancePoints' must be percentage points between 0 and 100, got ${show(errorTolerance)}; use e.g. 0.1`);
    const interval = props.sampleInterval?.toSeconds({ integral: false }) ?? 15;
    if (!(Number.isInteger(interval) && interval >= 1)) fail(this, `'sampleInterval' must be whole seconds and at least 1 second, got ${show(props.sampleInterval?.toHumanString())}`);

    const kind = props.target?.kindStage;
    let gateway: GatewayPlan | undefined;
    if (props.gatewayThroughput !== undefined) {
      if (kind) fail(this, "'gatewayThroughput' measures the ingress gateway in front of an environment, but 'target' is the kind cluster, which k6 reaches through a port-forward of the app's service, not through a gateway; target an environment with a 'url' (LoadTestTarget.environment('staging')), or remove 'gatewayThroughput'");
      gateway = resolveGatewayThroughput(this, props.gatewayThroughput, app.slos, app.smokeTestPath, props.scenarios.map((s) => s.name));
      this.gatewayRate = gateway.rate;
    }

    this.scriptPaths = props.scenarios.map((s) => paths.loadTest(app.name, s.name));
    props.scenarios.forEach((s, i) => app._addFile(this, this.scriptPaths[i], MarkerStyle.SLASH, () => renderK6Script(app.name, s, thresholds)));
    if (gateway) {
      const g = gateway;
      const script = paths.loadTest(app.name, g.name);
      this.scriptPaths.push(script);
      app._addFile(this, script, MarkerStyle.SLASH, () => renderGatewayScript(app.name, g, thresholds));
    }

    const ctx: LoadScriptContext = {
      appName: app.name,
      environment: kind ? `the kind E2E cluster (${env.name}'s release)` : env.name,
      scenarios: [
        ...props.scenarios.map((s) => ({ name: s.name, seconds: scenarioSeconds(s) })),
        ...(gateway ? [{ name: gateway.name, seconds: gateway.seconds }] : []),
      ],
      sampleInterval: interval,
      // the E2E job pushes only where its runner can reach the Pushgateway
      pushMetrics: kind ? kind._canPush() : app.observability.pushgatewayUrl !== undefined,
      gateway,
    };
    if (ctx.pushMetrics) {
      notePushedMetrics(app, [
        PipelineMetrics.LOAD_TEST_LATENCY, PipelineMetrics.LOAD_TEST_ERROR_RATIO, PipelineMetrics.LOAD_TEST_THROUGHPUT,
        ...(gateway ? [PipelineMetrics.LOAD_TEST_TARGET_THROUGHPUT, PipelineMetrics.LOAD_TEST_DROPPED_ITERATIONS] : []),
      ]);
    }
    const totalMinutes = Math.ceil(ctx.scenarios.reduce((sum, s) => sum + s.seconds + 30, 0) / 60);
    const baseline = regression.enabled === false ? undefined : (regression.baseline ?? LoadBaseline.previousRun());
    if (kind) {
      if (appOf(kind) !== app) fail(this, `'target' is the kind cluster of ${appOf(kind).name}/${kind.node.id}, a stage of another app; give this app's KindE2EStage`);
      this.job = kind.job;
      // the E2E job runs the scenarios too
      kind._extendRun(totalMinutes + 5, totalMinutes + 1);
      kind._insertTestSteps(this.steps(app, env, ctx, baseline, { tolerance, errorTolerance }, kind));
      return;
    }
    this.job = app.pipeline.addJob(`load-test-${env.name}`, {
      kind: JobKind.VERIFY,
      environment: env.name,
      githubEnvironment: true,
      name: `${app.name} / load test (${env.name})`,
      runner: props.runner ?? env.runner,
      permissions: { contents: READ },
      timeout: Duration.minutes(totalMinutes + 15),
      estimatedDuration: Duration.minutes(totalMinutes + 2),
    }, this);
    this.job.addEnv('APP', app.name);
    this.job.addEnv('ENVIRONMENT', env.name);
    this.job.addEnv('NAMESPACE', env.namespace);
    addCheckout(app, this.job);
    for (const s of this.steps(app, env, ctx, baseline, { tolerance, errorTolerance }, undefined)) {
      this.job.addStep(s.step, { permissions: s.permissions });
    }
  }

  private resolveTarget(app: IPlatformApp, target: LoadTestTarget | undefined): Environment {
    const names = app.environments.map((e) => e.name);
    const name = target?.environmentName ?? (names.includes('staging') ? 'staging' : names[0]);
    if (!names.includes(name)) fail(this, `'target' names environment ${show(name)}, which the app does not declare; environments are ${show(names)}`);
    const env = app.environment(name);
    if (!env.url && !target?.kindStage) {
      fail(this, `a load test against environment ${show(name)} needs its URL, and the environment has none; set 'url' on environment ${show(name)} (e.g. 'https://${name}.example.com') or target another environment with 'target'`);
    }
    return env;
  }

  /**
   * The steps: for an environment, its cluster login and kubectl, then k6; in the kind E2E job (which has
   * the cluster, kubectl and the app's settings) a port-forward of the app's service, then k6 against it.
   * Step ids are prefixed with `load-` there, beside the E2E job's own.
   */
  private steps(app: IPlatformApp, env: Environment, ctx: LoadScriptContext, baseline: LoadBaseline | undefined,
    { tolerance, errorTolerance }: { tolerance: number; errorTolerance: number }, kind: KindE2EStage | undefined): StepWithPermissions[] {
    const actions = app.pipeline.actions;
    const id = (x: string) => (kind ? `load-${x}` : x);
    const artifact = `${app.name}-load-test-${kind ? 'kind' : env.name}`;
    const notCancelled = `!cancelled() && steps.${id('k6')}.outcome != 'skipped'`;
    const steps: StepWithPermissions[] = [];
    const add = (step: github.workflows.JobStep, permissions?: github.workflows.JobPermissions) => {
      steps.push({ step: { ...step, id: id(step.id!) }, permissions });
    };
    // the figures of the kind cluster are pushed under an environment label of their own
    const environmentEnv: Record<string, string> = kind ? { ENVIRONMENT: E2E_ENVIRONMENT_LABEL } : {};
    if (kind) {
      steps.push(...kind._portForwardSteps());
    } else {
      for (const s of env.cluster._steps({ actions, appName: app.name, environment: env.name })) steps.push(s);
      add({ id: 'setup-kubectl', name: 'Set up kubectl', uses: actions.ref('Azure/setup-kubectl'), with: { version: KUBECTL_VERSION } });
    }
    add({ id: 'setup-k6', name: `Set up k6 ${K6_VERSION}`, uses: actions.ref('grafana/setup-k6-action'), with: { 'k6-version': K6_VERSION } });
    if (baseline) {
      add(baseline.directory === undefined ? {
        id: 'baseline',
        name: 'Fetch the baseline (the last successful run\'s summaries)',
        env: { GH_TOKEN: '${{ github.token }}', WORKFLOW: app.workflowPath.split('/').pop()!, ARTIFACT: artifact },
        run: previousRunBaselineScript(),
      } : {
        id: 'baseline',
        name: `Fetch the baseline (${baseline.directory})`,
        env: { BASELINE_SOURCE: baseline.directory },
        run: repositoryBaselineScript(),
      }, baseline.directory === undefined ? { actions: READ } : undefined);
    }
    add({
      id: 'k6',
      name: `k6: ${ctx.scenarios.map((s) => s.name).join(', ')} against ${kind ? 'the kind cluster (port-forward)' : env.name}`,
      env: {
        BASE_URL: kind ? `http://127.0.0.1:${kind._localPort}` : env.url!.replace(/\/+$/, ''),
        LOAD_DIR: `load/${app.name}`,
        POD_SELECTOR: Object.entries(selectorLabels(app.name, app.releaseName)).map(([k, v]) => `${k}=${v}`).join(','),
        SAMPLE_INTERVAL: String(ctx.sampleInterval),
      },
      run: runScript(ctx),
    });
    const pushEnv: Record<string, string> = ctx.pushMetrics ? pushgatewayEnv(app) : {};
    const stepEnv = { ...environmentEnv, ...pushEnv };
    add({
      id: 'report',
      name: 'Latency and throughput table, pod samples',
      if: notCancelled,
      env: Object.keys(stepEnv).length > 0 ? stepEnv : undefined,
      run: reportScript(ctx),
    });
    add({
      id: 'upload',
      name: 'Upload the k6 summaries',
      if: notCancelled,
      uses: actions.ref('actions/upload-artifact'),
      with: { 'name': artifact, 'path': `${RESULTS_DIR}/`, 'if-no-files-found': 'error', 'retention-days': 90 },
    });
    if (baseline) {
      add({
        id: 'regression',
        name: `Regression check against the baseline (latency +${tolerance} %, errors +${errorTolerance} points)`,
        if: `${notCancelled} && steps.${id('baseline')}.outcome == 'success'`,
        env: {
          BASELINE_FOUND: `\${{ steps.${id('baseline')}.outputs.found }}`,
          TOLERANCE_PERCENT: String(tolerance),
          ERROR_RATE_TOLERANCE: String(errorTolerance),
        },
        run: regressionScript(ctx),
      });
    }
    return steps;
  }
}
