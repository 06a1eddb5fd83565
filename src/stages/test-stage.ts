import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { github } from 'projen';
import { addCheckout, addRenderChart, addSetupHelm, addToolInstall } from './private/scan-steps';
import { checkCoverage, UnitTests } from './unit-tests';
import { fail, show } from '../core/errors';
import { REPO_PATH, secretNameProblem } from '../core/names';
import { paths } from '../core/paths';
import { TOOLS } from '../core/versions';
import { Runner } from '../model/runner';
import { JobKind, PipelineJob } from '../pipeline/pipeline-job';
import { PipelineMetrics } from '../platform/pipeline-metrics';
import { appOf, IPlatformApp } from '../platform/platform-app-contract';

/** kube-score settings. */
export interface KubeScoreOptions {
  /**
   * Run kube-score on the rendered chart (with the environment's manifests).
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * Fail on warnings too, not only on critical findings.
   * @default false
   */
  readonly failOnWarning?: boolean;
  /**
   * kube-score tests to skip, e.g. `['container-image-tag']`.
   * @default - none
   */
  readonly ignoreTests?: string[];
}

/** kubeconform settings. */
export interface KubeconformOptions {
  /**
   * Kubernetes version whose schemas the native kinds are checked against.
   * @default '1.33.0'
   */
  readonly kubernetesVersion?: string;
  /**
   * Schema location template of CRDs.
   * @default - the datreeio CRDs-catalog, pinned to a commit
   */
  readonly crdSchemaLocation?: string;
  /**
   * Skip kinds that have no schema instead of failing.
   * @default false
   */
  readonly ignoreMissingSchemas?: boolean;
}

/** Network-policy validation settings. */
export interface NetworkPolicyCheckOptions {
  /**
   * Check that every NetworkPolicy of an environment names its policy types and pod selector.
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * Also require a default-deny ingress policy (empty pod selector) per environment.
   * @default false
   */
  readonly requireDefaultDeny?: boolean;
}

/** An Argo CD sync dry-run per environment. */
export interface ArgoCdDryRunOptions {
  /** Argo CD API server, e.g. `argocd.acme.dev`. */
  readonly server: string;
  /** The secret holding an Argo CD API token (a project role token with `applications, sync`). */
  readonly authTokenSecret: string;
  /**
   * Application name per environment; `{env}` is replaced by the environment name.
   * @default '<app>-{env}'
   */
  readonly applicationName?: string;
  /**
   * Talk gRPC-web (through ingresses that do not pass HTTP/2).
   * @default true
   */
  readonly grpcWeb?: boolean;
}

/** Properties of the test stage. */
export interface TestStageProps {
  /**
   * Unit tests, one job per entry.
   * @default - none
   */
  readonly unitTests?: UnitTests[];
  /**
   * Minimum line coverage in percent, for unit tests that do not set their own.
   * @default 80
   */
  readonly coverageThreshold?: number;
  /**
   * kube-score settings.
   * @default - on, failing on critical findings
   */
  readonly kubeScore?: KubeScoreOptions;
  /**
   * kubeconform settings.
   * @default - Kubernetes 1.33.0 schemas and the pinned CRD catalog, strict
   */
  readonly kubeconform?: KubeconformOptions;
  /**
   * Network-policy validation settings.
   * @default - on, without requiring default deny
   */
  readonly networkPolicies?: NetworkPolicyCheckOptions;
  /**
   * Argo CD sync dry-run, when the app is deployed with Argo CD.
   * @default - none
   */
  readonly argoCd?: ArgoCdDryRunOptions;
  /**
   * A directory of Rego policies that conftest checks the rendered chart and manifests against.
   * @default - none
   */
  readonly opaPolicies?: string;
  /**
   * Where the test jobs run.
   * @default - the app's runner
   */
  readonly runner?: Runner;
}

/** CRD schemas: datreeio/CRDs-catalog at a fixed commit (the one the library's own tests use). @internal */
export const CRD_CATALOG = 'https://raw.githubusercontent.com/datreeio/CRDs-catalog/7b1e26ef9deea49293714d204c1a2270aab1178f/{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json';

const READ = github.workflows.JobPermission.READ;

/**
 * Stage 3: unit tests with a coverage gate per language, and the chart's tests — helm lint and template
 * per environment, kube-score, kubeconform on the rendered chart and the generated manifests (CRDs
 * included), network-policy validation — plus an Argo CD sync dry-run and conftest when configured. Every
 * job is a gate that runs beside the build; deploys wait for all of them.
 */
export class TestStage extends Construct {
  /** The unit-test jobs. */
  public readonly unitTestJobs: PipelineJob[] = [];
  /** The chart test job. */
  public readonly chartJob: PipelineJob;
  /** The Argo CD dry-run job, if configured. */
  public readonly argoCdJob?: PipelineJob;
  /** The conftest job, if configured. */
  public readonly policyJob?: PipelineJob;
  /** The stage-wide coverage threshold. */
  public readonly coverageThreshold: number;

  constructor(scope: Construct, id: string, props: TestStageProps = {}) {
    super(scope, id);
    const app = appOf(this);
    this.coverageThreshold = props.coverageThreshold ?? 80;
    try {
      checkCoverage('TestStage', this.coverageThreshold);
    } catch (e: any) {
      fail(this, e.message.replace(/^TestStage: /, ''));
    }
    const names = new Set<string>();
    for (const t of props.unitTests ?? []) {
      if (names.has(t.name)) fail(this, `two unit-test entries are named ${show(t.name)}; give one a 'name'`);
      names.add(t.name);
      this.unitTestJobs.push(this.addUnitTestJob(app, t, props.runner));
    }
    this.chartJob = this.addChartJob(app, props);
    if (props.argoCd) this.argoCdJob = this.addArgoCdJob(app, props.argoCd, props.runner);
    if (props.opaPolicies !== undefined) this.policyJob = this.addPolicyJob(app, props.opaPolicies, props.runner);
  }

  private addUnitTestJob(app: IPlatformApp, t: UnitTests, runner?: Runner): PipelineJob {
    const actions = app.pipeline.actions;
    const threshold = t.coverageThreshold ?? this.coverageThreshold;
    const dir = t.workingDirectory ?? app.image.context;
    const job = app.pipeline.addJob(`unit-${t.name}`, {
      kind: JobKind.GATE,
      name: `${app.name} / unit tests (${t.name})`,
      runner,
      permissions: { contents: READ },
      estimatedDuration: Duration.minutes(6),
    }, this);
    addCheckout(app, job);
    if (t.language === 'python') {
      job.addStep({ id: 'setup-python', name: 'Set up Python', uses: actions.ref('actions/setup-python'), with: { 'python-version': t.toolVersion } });
    } else if (t.language === 'node') {
      job.addStep({ id: 'setup-node', name: 'Set up Node.js', uses: actions.ref('actions/setup-node'), with: { 'node-version': t.toolVersion, 'package-manager-cache': false } });
    } else if (t.language === 'go') {
      job.addStep({
        id: 'setup-go',
        name: 'Set up Go',
        uses: actions.ref('actions/setup-go'),
        with: t.toolVersion ? { 'go-version': t.toolVersion } : { 'go-version-file': `${dir === '.' ? '' : `${dir}/`}go.mod`, 'cache-dependency-path': `${dir === '.' ? '' : `${dir}/`}go.sum` },
      });
    }
    if (t.installCommand) job.addStep({ id: 'install', name: 'Install test dependencies', workingDirectory: dir, run: t.installCommand });
    job.addStep({ id: 'test', name: 'Run the unit tests', workingDirectory: dir, run: t.command });
    job.addStep({
      id: 'coverage-gate',
      name: `Coverage gate (${threshold} %)`,
      workingDirectory: dir,
      env: { THRESHOLD: String(threshold) },
      run: [
        `coverage="$(${t.coverageCommand})"`,
        'if ! [[ "${coverage}" =~ ^[0-9]+([.][0-9]+)?$ ]]; then',
        '  echo "::error::could not read the line coverage (got \'${coverage}\')"',
        '  exit 1',
        'fi',
        '{',
        `  echo "### ${app.name} unit tests (${t.name})"`,
        '  echo ""',
        '  echo "| line coverage | gate |"',
        '  echo "|---|---|"',
        '  echo "| ${coverage} % | ${THRESHOLD} % |"',
        '} >> "${GITHUB_STEP_SUMMARY}"',
        `echo "${PipelineMetrics.COVERAGE_OUTPUT}=\${coverage}" >> "\${GITHUB_OUTPUT}"`,
        'if awk -v c="${coverage}" -v t="${THRESHOLD}" \'BEGIN { exit !(c < t) }\'; then',
        '  echo "::error::line coverage ${coverage} % is below the gate of ${THRESHOLD} %"',
        '  exit 1',
        'fi',
        'echo "line coverage ${coverage} % (gate ${THRESHOLD} %)"',
      ].join('\n'),
    });
    job.addOutput(PipelineMetrics.COVERAGE_OUTPUT, 'coverage-gate', PipelineMetrics.COVERAGE_OUTPUT);
    return job;
  }

  private addChartJob(app: IPlatformApp, props: TestStageProps): PipelineJob {
    const score = props.kubeScore ?? {};
    const conform = props.kubeconform ?? {};
    const netpol = props.networkPolicies ?? {};
    const k8sVersion = conform.kubernetesVersion ?? '1.33.0';
    if (!/^\d+\.\d+\.\d+$/.test(k8sVersion)) fail(this, `'kubeconform.kubernetesVersion' must look like '1.33.0', got ${show(k8sVersion)}`);
    for (const t of score.ignoreTests ?? []) {
      if (!/^[a-z0-9-]+$/.test(t)) fail(this, `'kubeScore.ignoreTests' entries must be kube-score test ids such as 'container-image-tag', got ${show(t)}`);
    }
    const crd = conform.crdSchemaLocation ?? CRD_CATALOG;
    if (!/^https:\/\/[^\s"'$`]+$/.test(crd)) fail(this, `'kubeconform.crdSchemaLocation' must be an https URL template, got ${show(crd)}`);
    const job = app.pipeline.addJob('chart-tests', {
      kind: JobKind.GATE,
      name: `${app.name} / chart tests`,
      runner: props.runner,
      permissions: { contents: READ },
      estimatedDuration: Duration.minutes(3),
    }, this);
    addCheckout(app, job);
    addSetupHelm(app, job);
    addToolInstall(job, score.enabled === false ? [TOOLS.kubeconform] : [TOOLS.kubeconform, TOOLS.kubeScore]);
    const envs = app.environments;
    job.addStep({
      id: 'helm-lint',
      name: 'helm lint per environment',
      env: { CHART: app.chart.path },
      run: [
        ...(app.chart.buildDependencies ? ['helm dependency build "${CHART}"'] : []),
        ...envs.map((e) => `helm lint --strict "\${CHART}" --values ${app.valuesPath(e.name)}`),
      ].join('\n'),
    });
    addRenderChart(app, job);
    const inputs = (env: string) => `rendered/${env}.yaml $(manifest ${env})`;
    const manifestFn = `manifest() { if [ -f "${paths.manifest(app.name, '$1')}" ]; then echo "${paths.manifest(app.name, '$1')}"; fi; }`;
    if (score.enabled !== false) {
      const flags = [...(score.failOnWarning ? ['--exit-one-on-warning'] : []), ...(score.ignoreTests ?? []).map((t) => `--ignore-test ${t}`)].join(' ');
      job.addStep({
        id: 'kube-score',
        name: `kube-score (fails on critical${score.failOnWarning ? ' and warning' : ''} findings)`,
        run: [
          manifestFn,
          ...envs.map((e) => `# shellcheck disable=SC2046\nkube-score score --output-format ci${flags ? ` ${flags}` : ''} ${inputs(e.name)}`),
        ].join('\n'),
      });
    }
    job.addStep({
      id: 'kubeconform',
      name: `kubeconform (Kubernetes ${k8sVersion}, CRD schemas)`,
      env: { KUBERNETES_VERSION: k8sVersion, CRD_SCHEMAS: crd },
      run: [
        manifestFn,
        ...envs.map((e) => `# shellcheck disable=SC2046\nkubeconform -strict -summary${conform.ignoreMissingSchemas ? ' -ignore-missing-schemas' : ''} -kubernetes-version "\${KUBERNETES_VERSION}" -schema-location default -schema-location "\${CRD_SCHEMAS}" ${inputs(e.name)}`),
      ].join('\n'),
    });
    if (netpol.enabled !== false) {
      job.addStep({
        id: 'network-policies',
        name: `Validate NetworkPolicies${netpol.requireDefaultDeny ? ' (default deny required)' : ''}`,
        env: { REQUIRE_DEFAULT_DENY: netpol.requireDefaultDeny ? 'true' : 'false' },
        run: [
          'if ! command -v yq > /dev/null 2>&1; then echo "::error::yq (mikefarah) is not installed on this runner; GitHub\'s Ubuntu images ship it"; exit 1; fi',
          manifestFn,
          'failed=0',
          ...envs.map((e) => [
            '# shellcheck disable=SC2046',
            `incomplete="$(yq ea '"names:" + ([select(.kind == "NetworkPolicy") | select(.spec.podSelector == null or .spec.policyTypes == null) | .metadata.name] | join(", "))' ${inputs(e.name)})"`,
            '# shellcheck disable=SC2046',
            `deny="$(yq ea '[select(.kind == "NetworkPolicy") | select(((.spec.podSelector // {}) | length) == 0) | select(.spec.policyTypes[] == "Ingress")] | length' ${inputs(e.name)})"`,
            '# fails closed: an answer that is not what the query returns means yq did not run as expected',
            `if [[ "\${incomplete}" != names:* ]] || ! [[ "\${deny}" =~ ^[0-9]+$ ]]; then echo "::error::${e.name}: yq gave no usable answer (got '\${incomplete}' and '\${deny}')"; failed=1; fi`,
            `if [ -n "\${incomplete#names:}" ]; then echo "::error::${e.name}: NetworkPolicies without podSelector or policyTypes: \${incomplete#names:}"; failed=1; fi`,
            `if [ "\${REQUIRE_DEFAULT_DENY}" = "true" ] && [ "\${deny}" = 0 ]; then echo "::error::${e.name}: no default-deny ingress NetworkPolicy (empty podSelector)"; failed=1; fi`,
          ].join('\n')),
          'exit "${failed}"',
        ].join('\n'),
      });
    }
    return job;
  }

  private addArgoCdJob(app: IPlatformApp, o: ArgoCdDryRunOptions, runner?: Runner): PipelineJob {
    if (!o.server || !/^[A-Za-z0-9.-]+(:\d+)?$/.test(o.server)) fail(this, `'argoCd.server' must be a host[:port] such as 'argocd.acme.dev', got ${show(o.server)}`);
    const sp = secretNameProblem('argoCd.authTokenSecret', o.authTokenSecret);
    if (sp) fail(this, sp);
    const pattern = o.applicationName ?? `${app.name}-{env}`;
    if (!/^[a-z0-9{}-]+$/.test(pattern)) fail(this, `'argoCd.applicationName' must be a lowercase name with an optional {env}, got ${show(pattern)}`);
    const job = app.pipeline.addJob('argocd-dry-run', {
      kind: JobKind.GATE,
      name: `${app.name} / Argo CD sync dry-run`,
      runner,
      permissions: { contents: READ },
      estimatedDuration: Duration.minutes(2),
    }, this);
    addToolInstall(job, [TOOLS.argocd]);
    job.addStep({
      id: 'sync-dry-run',
      name: 'argocd app sync --dry-run per environment',
      env: { ARGOCD_SERVER: o.server, ARGOCD_AUTH_TOKEN: `\${{ secrets.${o.authTokenSecret} }}`, ...((o.grpcWeb ?? true) ? { ARGOCD_OPTS: '--grpc-web' } : {}) },
      run: app.environments.map((e) => `argocd app sync "${pattern.replace(/\{env\}/g, e.name)}" --dry-run --revision "\${GITHUB_SHA}"`).join('\n'),
    });
    return job;
  }

  private addPolicyJob(app: IPlatformApp, dir: string, runner?: Runner): PipelineJob {
    if (!REPO_PATH.test(dir)) fail(this, `'opaPolicies' must be a directory inside the repository, got ${show(dir)}`);
    const job = app.pipeline.addJob('opa-policies', {
      kind: JobKind.GATE,
      name: `${app.name} / OPA policies (conftest)`,
      runner,
      permissions: { contents: READ },
      estimatedDuration: Duration.minutes(2),
    }, this);
    addCheckout(app, job);
    addSetupHelm(app, job);
    addToolInstall(job, [TOOLS.conftest]);
    addRenderChart(app, job);
    job.addStep({
      id: 'conftest',
      name: `conftest against ${dir}`,
      env: { POLICY_DIR: dir },
      run: [
        'if [ ! -d "${POLICY_DIR}" ]; then echo "::error::no policy directory ${POLICY_DIR}; create it or remove \'opaPolicies\'"; exit 1; fi',
        'shopt -s nullglob',
        `files=(rendered/*.yaml ${paths.manifestDir(app.name)}/*.k8s.yaml)`,
        'conftest test --all-namespaces --policy "${POLICY_DIR}" "${files[@]}"',
      ].join('\n'),
    });
    return job;
  }
}
