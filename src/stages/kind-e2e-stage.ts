import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { github } from 'projen';
import { PUSH_CONDITION } from './private/build-publish-jobs';
import {
  canaryDryRunScript, chaosScript, ChaosComponent, DENIED_NS, deployReleaseScript, diagnosticsScript, EgressProbe, imagePullTimeScript,
  installPlatformScript, kindConfig, mtlsScript, networkTestScript, NetworkProbe, NetworkTestPlan, PlatformNeeds, portForwardScript, E2E_LOCAL_PORT,
  rbacScript, RbacCheck,
} from './private/kind-e2e-scripts';
import { addCheckout } from './private/scan-steps';
import { fail, show } from '../core/errors';
import { MarkerStyle } from '../core/generated-file';
import { dnsLabelProblem, REPO_PATH } from '../core/names';
import { paths } from '../core/paths';
import { installToolsScript } from '../core/tool-install';
import { DEFAULT_KIND_KUBERNETES_VERSION, HELM_VERSION, KIND_NODE_IMAGES, TOOLS } from '../core/versions';
import { stringifyYaml } from '../core/yaml-writer';
import { MeshDataplane } from '../model/mesh';
import { NetworkPeerKind } from '../model/network';
import { Runner } from '../model/runner';
import { JobKind, PipelineJob } from '../pipeline/pipeline-job';
import { APPLY_PHASE_LABEL, BEFORE_HELM, selectorLabels } from '../platform/base-manifests';
import { e2eContributionsOf } from '../platform/e2e-contributions';
import { HelmValues } from '../platform/helm-values';
import { builtImageDigest } from '../platform/image-verification';
import { networkOf } from '../platform/network-paths';
import { canPushFrom, notePushedMetrics, PipelineMetrics, pushgatewayEnv } from '../platform/pipeline-metrics';
import { appOf, IPlatformApp } from '../platform/platform-app-contract';
import { ContributionKind, registerSingleton } from '../platform/registry';
import { registryLoginSteps } from '../platform/registry-login';

/** Options of Cilium in the kind cluster. */
export interface CiliumOptions {
  /**
   * Cilium replaces kube-proxy (kind then starts without it: `kubeProxyMode: none`).
   * @default true
   */
  readonly kubeProxyReplacement?: boolean;
}

/** The CNI of the kind E2E cluster. */
export class KindCni {
  /** Cilium (kind's own CNI disabled), replacing kube-proxy unless told otherwise. The default. */
  public static cilium(options: CiliumOptions = {}): KindCni {
    return new KindCni('cilium', options.kubeProxyReplacement ?? true);
  }

  /** kind's default CNI (kindnetd) and kube-proxy. */
  public static kindnet(): KindCni {
    return new KindCni('kindnet', false);
  }

  /** `cilium` or `kindnet`. */
  public readonly name: string;
  /** Whether Cilium replaces kube-proxy. */
  public readonly kubeProxyReplacement: boolean;

  private constructor(name: string, kubeProxyReplacement: boolean) {
    this.name = name;
    this.kubeProxyReplacement = kubeProxyReplacement;
  }
}

/** The kind cluster of the E2E job (`e2e/<app>/kind-config.yaml`). */
export interface KindClusterOptions {
  /**
   * Nodes of the cluster: one control plane and `nodes - 1` workers.
   * @default 3
   */
  readonly nodes?: number;
  /**
   * Kubernetes version of the nodes; the kindest/node image of that version is pinned by digest. Known:
   * 1.35.0, 1.34.3, 1.33.7 (the images of kind v0.31.0).
   * @default '1.35.0'
   */
  readonly kubernetesVersion?: string;
  /**
   * The CNI.
   * @default KindCni.cilium()
   */
  readonly cni?: KindCni;
  /**
   * Pod subnet.
   * @default '10.244.0.0/16'
   */
  readonly podSubnet?: string;
  /**
   * Service subnet.
   * @default '10.96.0.0/16'
   */
  readonly serviceSubnet?: string;
}

/** One RBAC expectation: may the service account do this in the environment's namespace? */
export interface RbacExpectation {
  /** A service account the app declares (a ServiceAccount in the environment's manifests, or listed in `serviceAccounts`). */
  readonly serviceAccount: string;
  /** The verb, e.g. `get`, `list`, `delete`. */
  readonly verb: string;
  /** The resource, e.g. `configmaps`, `secrets`, `pods/exec`. */
  readonly resource: string;
  /** Whether it is allowed (`kubectl auth can-i` answers yes) or must be refused. */
  readonly allowed: boolean;
}

/** A platform component the chaos test deletes along with the app's pods. */
export enum ChaosPlatformComponent {
  /** CoreDNS (kube-system). */
  COREDNS = 'coredns',
  /** istiod (istio-system); needs a mesh. */
  ISTIOD = 'istiod',
  /** The Cilium operator (kube-system); needs Cilium. */
  CILIUM_OPERATOR = 'cilium-operator',
}

/** The chaos test: the app's pods deleted under traffic. */
export interface ChaosOptions {
  /**
   * How many of the app's pods are deleted at once.
   * @default 1
   */
  readonly podsToDelete?: number;
  /**
   * New pods must be Ready within this bound.
   * @default Duration.minutes(2)
   */
  readonly recoveryTimeout?: Duration;
  /**
   * The error budget: the highest share of failed requests (percent) while the pods recover.
   * @default 5
   */
  readonly maxErrorRate?: number;
  /**
   * Platform components deleted at the same time.
   * @default - none
   */
  readonly platformComponents?: ChaosPlatformComponent[];
}

/** Properties of the kind E2E stage. */
export interface KindE2EStageProps {
  /**
   * The environment whose values and manifests (`deploy/<app>/<env>.k8s.yaml`) the release under test uses.
   * @default - the first environment
   */
  readonly environment?: string;
  /**
   * The kind cluster.
   * @default - 3 nodes, Kubernetes 1.35.0, Cilium replacing kube-proxy
   */
  readonly cluster?: KindClusterOptions;
  /**
   * Your E2E command (pytest, jest, newman, …). It runs with `E2E_BASE_URL` (the app's service on
   * 127.0.0.1), `E2E_NAMESPACE` and the cluster's kubeconfig.
   * @default - no E2E command
   */
  readonly testCommand?: string;
  /**
   * Directory the E2E command runs in.
   * @default - the repository root
   */
  readonly testWorkingDirectory?: string;
  /**
   * The mTLS test (STRICT PeerAuthentication: a client outside the mesh is refused, one inside answered).
   * @default - on when the app has a mesh
   */
  readonly mtls?: boolean;
  /**
   * Service accounts the app's chart creates, beyond the ServiceAccount objects of the environment's manifests.
   * @default - none
   */
  readonly serviceAccounts?: string[];
  /**
   * RBAC expectations, checked with `kubectl auth can-i`.
   * @default - no RBAC test
   */
  readonly rbac?: RbacExpectation[];
  /**
   * The network test (`e2e/<app>/test-network.sh`): from the app's declared callers and dependencies
   * (`PlatformAppProps.network`, and the other apps' declarations about it), a client as each declared
   * caller gets an answer, clients in an undeclared namespace or without a calling app's labels time out,
   * and the app's pods reach each declared external host. It checks the NetworkPolicies of the environment's
   * manifests (e.g. from `NetworkPolicies`), which must be there: `true` without them is an error.
   * @default - on when the app declares network paths and the environment's manifests carry NetworkPolicies
   */
  readonly networkTests?: boolean;
  /**
   * The chaos test.
   * @default - no chaos test
   */
  readonly chaos?: ChaosOptions;
  /**
   * The canary dry run (a second revision through the Rollout, then aborted), when the environment's
   * manifests carry an Argo Rollout.
   * @default true
   */
  readonly canaryDryRun?: boolean;
  /**
   * `timeout-minutes` of the job.
   * @default Duration.minutes(45)
   */
  readonly timeout?: Duration;
  /**
   * Where the job runs (it needs Docker).
   * @default - the app's runner
   */
  readonly runner?: Runner;
}

const READ = github.workflows.JobPermission.READ;
const CIDR = /^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/;
const RBAC_WORD = /^[a-z*][a-z0-9.*/-]*$/;

/** The API group of a manifest document (`argoproj.io` of `argoproj.io/v1alpha1`; '' for the core group). */
const apiGroup = (d: any): string => String(d.apiVersion ?? '').split('/')[0];
/** A Kyverno object (`kyverno.io`, `policies.kyverno.io`, …). */
const isKyverno = (d: any): boolean => /(^|\.)kyverno\.io$/.test(apiGroup(d));
/** A NetworkPolicy, Kubernetes' or Cilium's. */
const isNetworkPolicy = (d: any): boolean => d.kind === 'NetworkPolicy' || d.kind === 'CiliumNetworkPolicy';

/**
 * Stage 4: the release under test in an ephemeral kind cluster. A gate job after the build (deploys wait for
 * it) creates the cluster from `e2e/<app>/kind-config.yaml` (helm/kind-action, node image pinned by digest),
 * installs the CNI, the app's mesh and what its manifests need (Argo Rollouts or Flagger, Kyverno, a
 * Prometheus), each chart pinned to a version, deploys the image this run built (pulled by digest) with the
 * app's chart, the environment's values plus `e2e/<app>/values.yaml`, and the environment's manifests, then
 * runs the tests the definition declares: the user's E2E command, mTLS, RBAC, chaos and a canary dry run. On
 * failure the cluster's state, events and logs are uploaded; the cluster is always deleted.
 *
 * The job runs where the build pushed the image (pushes, not pull requests or forks).
 */
export class KindE2EStage extends Construct {
  /** The E2E job. */
  public readonly job: PipelineJob;
  /** The environment whose values and manifests the release under test uses. */
  public readonly environment: string;
  /** The kind cluster's name (`<app>-e2e`). */
  public readonly clusterName: string;
  /** Helm values layered over the environment's for the E2E release (`e2e/<app>/values.yaml`). */
  public readonly values: HelmValues;

  private readonly app: IPlatformApp;
  private readonly props: KindE2EStageProps;
  private readonly cni: KindCni;
  private readonly dir: string;
  private finished = false;

  constructor(scope: Construct, id: string, props: KindE2EStageProps = {}) {
    super(scope, id);
    const app = appOf(this);
    this.app = app;
    this.props = props;
    this.environment = props.environment ?? app.environments[0].name;
    if (!app.environments.some((e) => e.name === this.environment)) {
      fail(this, `'environment' must be one of the app's environments ${show(app.environments.map((e) => e.name))}, got ${show(this.environment)}`);
    }
    const env = app.environment(this.environment);
    const cluster = props.cluster ?? {};
    const nodes = cluster.nodes ?? 3;
    if (!Number.isInteger(nodes) || nodes < 1 || nodes > 10) {
      fail(this, `'cluster.nodes' must be a whole number from 1 (a control plane only) to 10, got ${show(nodes)}; kind needs at least the control-plane node`);
    }
    const version = cluster.kubernetesVersion ?? DEFAULT_KIND_KUBERNETES_VERSION;
    const nodeImage = KIND_NODE_IMAGES[version];
    if (!nodeImage) {
      fail(this, `'cluster.kubernetesVersion' must be one whose kindest/node image the library pins by digest (${Object.keys(KIND_NODE_IMAGES).join(', ')}), got ${show(version)}`);
    }
    for (const [k, v] of [['cluster.podSubnet', cluster.podSubnet], ['cluster.serviceSubnet', cluster.serviceSubnet]] as const) {
      if (v !== undefined && !CIDR.test(v)) fail(this, `'${k}' must be an IPv4 CIDR such as '10.244.0.0/16', got ${show(v)}`);
    }
    if (props.testWorkingDirectory !== undefined && !REPO_PATH.test(props.testWorkingDirectory)) {
      fail(this, `'testWorkingDirectory' must be a directory inside the repository, got ${show(props.testWorkingDirectory)}`);
    }
    if (props.testCommand !== undefined && props.testCommand.trim() === '') fail(this, "'testCommand' is empty; give the command that runs your E2E tests, or leave it out");
    const meshed = app.mesh.dataplane !== MeshDataplane.NONE;
    if (props.mtls === true && !meshed) fail(this, "'mtls: true' needs a mesh: the app declares Mesh.none(), so nothing enforces mTLS; declare the mesh or leave 'mtls' out");
    for (const sa of props.serviceAccounts ?? []) {
      const p = dnsLabelProblem('serviceAccounts', sa);
      if (p) fail(this, p);
    }
    (props.rbac ?? []).forEach((r, i) => {
      const p = dnsLabelProblem(`rbac[${i}].serviceAccount`, r.serviceAccount);
      if (p) fail(this, p);
      if (!RBAC_WORD.test(r.verb ?? '')) fail(this, `'rbac[${i}].verb' must be a Kubernetes verb such as 'get', got ${show(r.verb)}`);
      if (!RBAC_WORD.test(r.resource ?? '')) fail(this, `'rbac[${i}].resource' must be a resource such as 'configmaps' or 'pods/exec', got ${show(r.resource)}`);
      if (typeof r.allowed !== 'boolean') fail(this, `'rbac[${i}].allowed' must be true or false, got ${show(r.allowed)}`);
    });
    this.cni = cluster.cni ?? KindCni.cilium();
    const chaos = props.chaos ? this.chaosComponents(props.chaos) : undefined;

    this.clusterName = `${app.name}-e2e`;
    this.dir = paths.e2eDir(app.name);
    this.values = HelmValues._create('e2e');
    this.values.set('image.pullPolicy', 'IfNotPresent');

    const job = app.pipeline.addJob('e2e', {
      kind: JobKind.GATE,
      name: `${app.name} / kind E2E (${this.environment})`,
      runner: props.runner,
      needsImage: true,
      // the cluster pulls the image this run pushed: pull requests and forks push nothing
      condition: PUSH_CONDITION,
      permissions: { contents: READ },
      timeout: props.timeout ?? Duration.minutes(45),
      estimatedDuration: Duration.minutes(25),
    }, this);
    this.job = job;
    job.addEnv('CLUSTER_NAME', this.clusterName);
    job.addEnv('APP', app.name);
    job.addEnv('RELEASE', app.releaseName);
    job.addEnv('NAMESPACE', env.namespace);
    job.addEnv('PORT', String(app.port));
    job.addEnv('SMOKE_PATH', app.smokeTestPath);

    const actions = app.pipeline.actions;
    addCheckout(app, job);
    for (const l of registryLoginSteps(app, job.localId, 'pull')) job.addStep(l.step, { permissions: l.permissions });
    const kindConfigPath = `${this.dir}/kind-config.yaml`;
    job.addStep({
      id: 'kind',
      name: `Create the kind cluster (Kubernetes ${version}, ${nodes} node${nodes === 1 ? '' : 's'}, ${this.cni.name})`,
      uses: actions.ref('helm/kind-action'),
      with: {
        version: 'v0.31.0',
        cluster_name: this.clusterName,
        config: kindConfigPath,
        node_image: nodeImage,
        kubectl_version: `v${version}`,
        // without a CNI the nodes never become Ready: install-platform waits for them after Cilium
        wait: this.cni.name === 'cilium' ? '0s' : '120s',
      },
    });
    job.addStep({ id: 'setup-helm', name: 'Set up Helm', uses: actions.ref('Azure/setup-helm'), with: { version: HELM_VERSION } });
    job.addStep({ id: 'install-platform', name: 'Install the platform (CNI, mesh, controllers)', run: `bash ${this.dir}/install-platform.sh` });
    const imageValue = app.chart.digestValue
      ? `--set-string "${app.chart.digestValue}=\${IMAGE_DIGEST}"`
      : '--set-string "image.tag=${GITHUB_SHA}@${IMAGE_DIGEST}"';
    job.addStep({
      id: 'deploy-release',
      name: `Deploy the release under test (${this.environment}'s values and manifests)`,
      env: {
        IMAGE_DIGEST: `\${{ ${builtImageDigest(app)} }}`,
        CHART: app.chart.path,
        VALUES_FILE: app.valuesPath(this.environment),
        E2E_VALUES_FILE: `${this.dir}/values.yaml`,
        MANIFEST: app.manifestPath(this.environment),
      },
      run: `bash ${this.dir}/deploy-release.sh`,
    });
    const push = this._canPush();
    const pushEnv: Record<string, string> = push ? pushgatewayEnv(app) : {};
    if (push) notePushedMetrics(app, [PipelineMetrics.IMAGE_PULL_SECONDS]);
    job.addStep({
      id: 'image-pull-time',
      name: 'Registry performance: the image pull time',
      env: { IMAGE_DIGEST: `\${{ ${builtImageDigest(app)} }}`, ...pushEnv },
      run: `bash ${this.dir}/image-pull-time.sh`,
    });
    if (props.testCommand !== undefined) {
      for (const s of this._portForwardSteps()) job.addStep(s.step);
      job.addStep({
        id: 'e2e-tests',
        name: 'Run the E2E tests',
        env: { E2E_NAMESPACE: env.namespace },
        ...(props.testWorkingDirectory ? { workingDirectory: props.testWorkingDirectory } : {}),
        run: props.testCommand,
      });
    }
    const mtls = props.mtls ?? meshed;
    if (mtls) job.addStep({ id: 'mtls', name: 'mTLS: refused outside the mesh, answered inside', run: `bash ${this.dir}/test-mtls.sh` });
    if ((props.rbac ?? []).length > 0) job.addStep({ id: 'rbac', name: 'RBAC: kubectl auth can-i per service account', run: `bash ${this.dir}/test-rbac.sh` });
    // removed at synth when the app declares no network path or the manifests carry no NetworkPolicy
    if (props.networkTests !== false) job.addStep({ id: 'network', name: 'Network: declared callers answered, undeclared clients time out, egress reachable', run: `bash ${this.dir}/test-network.sh` });
    if (chaos) job.addStep({ id: 'chaos', name: 'Chaos: pods deleted under traffic recover within the bound', run: `bash ${this.dir}/test-chaos.sh` });
    if (props.canaryDryRun ?? true) {
      // removed at synth when the environment's manifests carry no Rollout
      job.addStep({ id: 'install-rollouts-plugin', name: `Install ${TOOLS.argoRollouts.name} ${TOOLS.argoRollouts.version} (sha256-pinned)`, run: installToolsScript([TOOLS.argoRollouts]) });
      job.addStep({ id: 'canary-dry-run', name: 'Canary dry run: revision 2 through the Rollout, aborted', run: `bash ${this.dir}/canary-dry-run.sh` });
    }
    job.addStep({ id: 'diagnostics', name: 'Collect the cluster state, events and logs', if: 'failure()', run: `bash ${this.dir}/diagnostics.sh` });
    job.addStep({
      id: 'upload-diagnostics',
      name: 'Upload the diagnostics',
      if: 'failure()',
      uses: actions.ref('actions/upload-artifact'),
      with: { 'name': `${app.name}-e2e-diagnostics`, 'path': 'e2e-diagnostics/', 'if-no-files-found': 'warn', 'retention-days': 14 },
    });
    job.addStep({ id: 'delete-cluster', name: 'Delete the kind cluster', if: 'always()', run: 'kind delete cluster --name "${CLUSTER_NAME}"' });

    const plan = {
      name: this.clusterName,
      nodes,
      cilium: this.cni.name === 'cilium',
      kubeProxyReplacement: this.cni.kubeProxyReplacement,
      podSubnet: cluster.podSubnet ?? '10.244.0.0/16',
      serviceSubnet: cluster.serviceSubnet ?? '10.96.0.0/16',
    };
    app._addFile(this, kindConfigPath, MarkerStyle.HASH, () => kindConfig(plan));
    app._addFile(this, `${this.dir}/values.yaml`, MarkerStyle.HASH, () => stringifyYaml(this.values._render({})));
    app._addFile(this, `${this.dir}/install-platform.sh`, MarkerStyle.HASH, () => installPlatformScript(this.platformNeeds()), true);
    app._addFile(this, `${this.dir}/deploy-release.sh`, MarkerStyle.HASH, () => deployReleaseScript(this.releasePlan(imageValue), `${APPLY_PHASE_LABEL}=${BEFORE_HELM}`), true);
    app._addFile(this, `${this.dir}/diagnostics.sh`, MarkerStyle.HASH, () => diagnosticsScript(), true);
    app._addFile(this, `${this.dir}/image-pull-time.sh`, MarkerStyle.HASH, () => imagePullTimeScript(push), true);
    if (mtls) app._addFile(this, `${this.dir}/test-mtls.sh`, MarkerStyle.HASH, () => mtlsScript(), true);
    if ((props.rbac ?? []).length > 0) app._addFile(this, `${this.dir}/test-rbac.sh`, MarkerStyle.HASH, () => rbacScript(this.rbacChecks()), true);
    if (chaos) app._addFile(this, `${this.dir}/test-chaos.sh`, MarkerStyle.HASH, () => chaosScript(chaos), true);

    registerSingleton(app, ContributionKind.KIND_E2E, this, 'an app has one kind E2E job; add test scripts to that one with addTestScript()');
    // what the other constructs put into the environment's manifests is known once every construct exists
    this.node.addValidation({ validate: () => this.finish() });
  }

  /**
   * Adds a test script of its own kind (e.g. network tests from the app's declared callers and dependencies):
   * `e2e/<app>/<id>.sh` with `body` (bash, after the shebang and projen's marker), run as step `id` after the
   * release is deployed and before the chaos test. Its settings come from the job's environment (`APP`,
   * `RELEASE`, `NAMESPACE`, `PORT`, `SMOKE_PATH`, `CLUSTER_NAME`).
   */
  public addTestScript(id: string, name: string, body: string): void {
    const p = dnsLabelProblem('addTestScript id', id);
    if (p) fail(this, p);
    const file = `${this.dir}/${id}.sh`;
    this.app._addFile(this, file, MarkerStyle.HASH, () => `#!/usr/bin/env bash\n${body}`, true);
    this._insertTestSteps([{ step: { id, name, run: `bash ${file}` } }]);
  }

  /**
   * Whether this job can push figures to the app's Pushgateway: there is one, and the job's runner can
   * resolve it (a cluster-local name only from a self-hosted runner). @internal
   */
  public _canPush(): boolean {
    return canPushFrom(this.app, this.props.runner ?? this.app.runner);
  }

  /** Lengthens the job: its timeout by `timeoutMinutes`, its estimate by `estimateMinutes` (for steps others add). @internal */
  public _extendRun(timeoutMinutes: number, estimateMinutes: number = timeoutMinutes): void {
    this.job.timeout = Duration.minutes(this.job.timeout.toMinutes() + timeoutMinutes);
    this.job.estimatedDuration = Duration.minutes(this.job.estimatedDuration.toMinutes() + estimateMinutes);
  }

  /** Local port of the port-forward (`E2E_BASE_URL`). @internal */
  public get _localPort(): number {
    return E2E_LOCAL_PORT;
  }

  /**
   * Steps of another test (e.g. the load test in this cluster) after the release is deployed and the tests
   * ran, before the chaos test and the canary dry run (which replace the app's pods). @internal
   */
  public _insertTestSteps(steps: Array<{ step: github.workflows.JobStep; permissions?: github.workflows.JobPermissions }>): void {
    const ids = this.job.stepIds;
    const anchor = ['chaos', 'install-rollouts-plugin', 'diagnostics'].find((i) => ids.includes(i))!;
    for (const s of steps) this.job.addStepBefore(anchor, s.step, { permissions: s.permissions });
  }

  /** Adds `step` before step `stepId` (before the diagnostics when there is no such step). */
  private insertBefore(stepId: string, step: github.workflows.JobStep): void {
    this.job.addStepBefore(this.job.tryFindStep(stepId) ? stepId : 'diagnostics', step);
  }

  /** The port-forward of the app's service to 127.0.0.1, unless the job has it already (for the E2E command). @internal */
  public _portForwardSteps(): Array<{ step: github.workflows.JobStep }> {
    if (this.job.tryFindStep('port-forward')) return [];
    this.app._addFile(this, `${this.dir}/port-forward.sh`, MarkerStyle.HASH, () => portForwardScript(), true);
    return [{ step: { id: 'port-forward', name: 'Forward the app\'s service to 127.0.0.1', run: `bash ${this.dir}/port-forward.sh` } }];
  }

  private chaosComponents(o: ChaosOptions): { pods: number; recoverySeconds: number; maxErrorPercent: number; components: ChaosComponent[] } {
    const pods = o.podsToDelete ?? 1;
    if (!Number.isInteger(pods) || pods < 1) fail(this, `'chaos.podsToDelete' must be a whole number of at least 1, got ${show(pods)}`);
    const recovery = (o.recoveryTimeout ?? Duration.minutes(2)).toSeconds();
    if (recovery < 10 || recovery > 1800) fail(this, `'chaos.recoveryTimeout' must be from 10 seconds to 30 minutes, got ${recovery}s`);
    const budget = o.maxErrorRate ?? 5;
    if (typeof budget !== 'number' || !(budget >= 0 && budget < 100)) fail(this, `'chaos.maxErrorRate' must be a percentage from 0 to below 100, got ${show(budget)}`);
    const components: ChaosComponent[] = [];
    for (const c of o.platformComponents ?? []) {
      if (c === ChaosPlatformComponent.ISTIOD) {
        if (this.app.mesh.dataplane === MeshDataplane.NONE) fail(this, "'chaos.platformComponents' names ISTIOD, but the app declares no mesh");
        components.push({ namespace: 'istio-system', selector: 'app=istiod', workload: 'deployment/istiod' });
      } else if (c === ChaosPlatformComponent.CILIUM_OPERATOR) {
        if ((this.props.cluster?.cni ?? KindCni.cilium()).name !== 'cilium') fail(this, "'chaos.platformComponents' names CILIUM_OPERATOR, but the cluster's CNI is not Cilium");
        components.push({ namespace: 'kube-system', selector: 'io.cilium/app=operator', workload: 'deployment/cilium-operator' });
      } else if (c === ChaosPlatformComponent.COREDNS) {
        components.push({ namespace: 'kube-system', selector: 'k8s-app=kube-dns', workload: 'deployment/coredns' });
      } else {
        fail(this, `'chaos.platformComponents' has an unknown component ${show(c)}`);
      }
    }
    return { pods, recoverySeconds: recovery, maxErrorPercent: budget, components };
  }

  /** The environment's manifests, as the deploy job applies them. */
  private docs(): any[] {
    return this.app._documents(this.environment).filter((d: any) => d && typeof d === 'object');
  }

  private platformNeeds(): PlatformNeeds {
    const docs = this.docs();
    const mesh = this.app.mesh;
    const prometheus = docs.some((d) => apiGroup(d) === 'monitoring.coreos.com' || (d.kind === 'AnalysisTemplate' && JSON.stringify(d.spec ?? {}).includes('"prometheus"')));
    return {
      cilium: this.cni.name === 'cilium',
      kubeProxyReplacement: this.cni.kubeProxyReplacement,
      mesh: mesh.dataplane,
      istioCni: mesh.dataplane !== MeshDataplane.NONE && mesh.cni,
      argoRollouts: docs.some((d) => d.kind === 'Rollout' && apiGroup(d) === 'argoproj.io'),
      flagger: docs.some((d) => apiGroup(d) === 'flagger.app'),
      kyverno: docs.some(isKyverno),
      prometheus,
      prometheusService: prometheus ? clusterService(this.app.observability.prometheusUrl) : undefined,
    };
  }

  private releasePlan(imageValue: string) {
    const docs = this.docs();
    const env = this.app.environment(this.environment);
    const workload = docs.some((d) => d.kind === 'Rollout') ? 'argo-rollout' : docs.some((d) => d.kind === 'Canary') ? 'flagger' : 'deployment';
    return {
      manifests: docs.length > 0,
      beforeHelm: docs.some((d) => d.metadata?.labels?.[APPLY_PHASE_LABEL] === BEFORE_HELM),
      namespaceInManifest: docs.some((d) => d.kind === 'Namespace' && d.metadata?.name === env.namespace),
      namespaceLabels: this.app.mesh._namespaceLabels(),
      imageValue,
      workload,
      isolated: this.isolated(docs),
      authorization: docs.some((d) => d.kind === 'AuthorizationPolicy' && String(d.apiVersion).startsWith('security.istio.io/')
        && (d.spec?.action ?? 'ALLOW') === 'ALLOW' && (d.metadata?.namespace ?? env.namespace) === env.namespace),
    };
  }

  /** The manifests isolate pods of the namespace: NetworkPolicies, or a Kyverno policy that generates them. */
  private isolated(docs: any[]): boolean {
    return docs.some((d) => isNetworkPolicy(d) || (isKyverno(d) && JSON.stringify(d.spec ?? {}).includes('"kind":"NetworkPolicy"')));
  }

  /**
   * The network test's clients, from the resolved paths of the environment: each declared caller (its
   * namespace, labels and mesh identity) expects an answer; a client in a namespace nothing declares (with a
   * calling app's labels when there is one) and, per calling app, one in its namespace without its labels
   * expect a timeout; each external host must be reachable from the app's pods. Undefined when nothing is
   * declared.
   */
  private networkPlan(docs: any[]): NetworkTestPlan | undefined {
    const app = this.app;
    const env = app.environment(this.environment);
    const net = networkOf(app, this.environment);
    if (net.ingress.length === 0 && net.egress.length === 0) return undefined;
    const meshed = app.mesh.dataplane !== MeshDataplane.NONE;
    const target = `${app.name}:${app.port}`;
    const ingress: NetworkProbe[] = [];
    const firstAppCaller = net.ingress.find((p) => p.kind === NetworkPeerKind.APP);
    for (const p of net.ingress) {
      if (p.kind === NetworkPeerKind.INGRESS_GATEWAY) {
        const sa = p.principal?.split('/sa/')[1];
        ingress.push({ path: `ingress gateway (${p.namespace}) -> ${target}`, client: `${p.namespace}, service account ${sa}`, namespace: p.namespace!, labels: {}, serviceAccount: sa, meshed, expect: 'answer' });
      } else {
        const path = `app ${p.peer} (${p.namespace}) -> ${target}`;
        ingress.push({ path, client: `${p.namespace}, labels of ${p.peer}`, namespace: p.namespace!, labels: { ...p.podLabels }, meshed, expect: 'answer' });
        ingress.push({ path, client: `${p.namespace}, without the labels of ${p.peer}`, namespace: p.namespace!, labels: { 'app.kubernetes.io/name': 'e2e-undeclared' }, meshed: false, expect: 'timeout' });
      }
    }
    ingress.push({
      path: `undeclared namespace -> ${target}`,
      client: firstAppCaller ? `${app.name}-e2e-denied, labels of ${firstAppCaller.peer}` : `${app.name}-e2e-denied`,
      namespace: DENIED_NS,
      labels: firstAppCaller ? { ...firstAppCaller.podLabels } : { 'app.kubernetes.io/name': 'e2e-undeclared' },
      meshed: false,
      expect: 'timeout',
    });
    const egress: EgressProbe[] = [];
    const notProbed: string[] = [];
    for (const p of net.egress) {
      if (p.kind === NetworkPeerKind.EXTERNAL_HOST) {
        const url = p.port === 443 ? `https://${p.peer}/` : p.port === 80 ? `http://${p.peer}/` : `https://${p.peer}:${p.port}/`;
        egress.push({ path: `${app.name} -> ${p.peer}:${p.port}`, url });
      } else {
        notProbed.push(`${app.name} -> app ${p.peer} (${p.namespace}):${p.port} (${p.peer} is not deployed in the E2E cluster)`);
      }
    }
    const policies = docs
      .filter((d) => isNetworkPolicy(d) && (d.metadata?.namespace ?? env.namespace) === env.namespace)
      .map((d) => `${d.kind === 'NetworkPolicy' ? 'networkpolicies.networking.k8s.io' : 'ciliumnetworkpolicies.cilium.io'}/${d.metadata?.name}`);
    const appLabels = selectorLabels(app.name, app.releaseName);
    return { policies, meshLabels: app.mesh._namespaceLabels(), appLabels, meshed, ingress, egress, notProbed };
  }

  private rbacChecks(): RbacCheck[] {
    const ns = this.app.environment(this.environment).namespace;
    return (this.props.rbac ?? []).map((r) => ({
      serviceAccount: r.serviceAccount, namespace: ns, verb: r.verb, resource: r.resource, allowed: r.allowed,
    }));
  }

  /**
   * Once every construct contributed: the canary dry run only where the manifests carry a Rollout, and every
   * RBAC expectation names a declared service account. Runs in the app's validation pass, before any file is
   * written.
   */
  private finish(): string[] {
    if (this.finished) return [];
    this.finished = true;
    const docs = this.docs();
    const ns = this.app.environment(this.environment).namespace;
    const problems: string[] = [];
    const declared = new Set([
      ...docs.filter((d) => d.kind === 'ServiceAccount' && (d.metadata?.namespace ?? ns) === ns).map((d) => String(d.metadata?.name)),
      ...(this.props.serviceAccounts ?? []),
    ]);
    (this.props.rbac ?? []).forEach((r, i) => {
      if (!declared.has(r.serviceAccount)) {
        problems.push(`'rbac[${i}].serviceAccount' is ${show(r.serviceAccount)}, which the app does not declare in ${ns} (declared: ${show([...declared].sort())}); add a ServiceAccount to the ${this.environment} manifests, list the chart's in 'serviceAccounts', or fix the name`);
      }
    });
    if (this.job.tryFindStep('network')) {
      const plan = this.networkPlan(docs);
      const enforced = docs.some(isNetworkPolicy);
      if (this.props.networkTests === true && !plan) {
        problems.push('\'networkTests: true\' needs declared network paths, but the app declares no callers or dependencies (and no other app declares it as one); declare them in the app\'s \'network\', or leave \'networkTests\' out');
      } else if (this.props.networkTests === true && !enforced) {
        problems.push(`'networkTests: true' checks the NetworkPolicies of the ${this.environment} manifests, and they carry none; add NetworkPolicies(app, ...) (or your own NetworkPolicy objects), or leave 'networkTests' out`);
      }
      if (plan && enforced) {
        this.app._addFile(this, `${this.dir}/test-network.sh`, MarkerStyle.HASH, () => networkTestScript(plan), true);
      } else {
        this.job.removeStep('network');
      }
    }
    // other constructs' steps (e.g. the ComplianceStage's), placed around the release and its tests
    for (const c of e2eContributionsOf(this.app)) {
      for (const s of c.beforeRelease) this.insertBefore('deploy-release', s);
      this._insertTestSteps(c.tests.map((step) => ({ step })));
      for (const s of c.final) this.insertBefore('diagnostics', s);
      if (c.minutes) this._extendRun(c.minutes);
    }
    const rollout = docs.find((d) => d.kind === 'Rollout' && String(d.apiVersion).startsWith('argoproj.io/'));
    if (this.job.tryFindStep('canary-dry-run')) {
      if (!rollout) {
        this.job.removeStep('install-rollouts-plugin');
        this.job.removeStep('canary-dry-run');
      } else {
        this.app._addFile(this, `${this.dir}/canary-dry-run.sh`, MarkerStyle.HASH, () => canaryDryRunScript({
          workloadRef: !!rollout.spec?.workloadRef,
          strategy: rollout.spec?.strategy?.blueGreen ? 'blueGreen' : 'canary',
          postPromotionAnalysis: !!rollout.spec?.strategy?.blueGreen?.postPromotionAnalysis,
        }), true);
      }
    }
    // the validation pass prefixes each message with this construct's path
    return problems;
  }
}

/** `{ name, namespace, port }` of an in-cluster service URL such as `http://prometheus.monitoring:9090`. */
function clusterService(url: string | undefined): { name: string; namespace: string; port: number } | undefined {
  const m = /^http:\/\/([a-z0-9-]+)\.([a-z0-9-]+)(\.svc(\.cluster\.local)?)?(:(\d+))?\/?$/.exec(url ?? '');
  if (!m) return undefined;
  return { name: m[1], namespace: m[2], port: m[6] ? Number(m[6]) : 80 };
}
