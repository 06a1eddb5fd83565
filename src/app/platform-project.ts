import { Duration } from 'cdk8s';
import { javascript, SampleDir, SampleFile, typescript } from 'projen';
import { EnterprisePipeline, EnterprisePipelineProps } from './enterprise-pipeline';
import { PlatformApp } from './platform-app';
import { STARTER_CHART, STARTER_DOCKERFILE } from './private/starter-files';
import { PlatformPipelineError, show } from '../core/errors';
import { dnsLabelProblem, MAX_APP_NAME, suggestLabel } from '../core/names';
import { paths } from '../core/paths';
import { ClusterAccess } from '../model/cluster-access';
import { ContainerImage } from '../model/container-image';
import { EnvironmentProps } from '../model/environment';
import { HelmChart } from '../model/helm-chart';
import { Slo } from '../model/slo';

// The versions a new platform repository pins: the same lines the library is built and tested with
// (DESIGN.md §6: an unpinned `typescript` resolves to 7.x, which breaks ts-node and so `npx projen`).
const TYPESCRIPT_VERSION = '~5.9.3';
const PEER_DEPS = ['cdk8s@^2.70.106', 'cdk8s-plus-27@^2.9.5', 'constructs@^10.8.1'];
// the Node line the project runs on (projen's default, the `ts5.9` dist-tag, is missing on some registry mirrors)
const NODE_TYPES = '@types/node@^20';

/** Options of a {@link PlatformProject}: a TypeScript projen project that holds one platform app. */
export interface PlatformProjectOptions extends typescript.TypeScriptProjectOptions {
  /**
   * The app's name: the Helm release, the prefix of every job, the folder of every generated file.
   * A DNS-1123 label of at most 40 characters.
   * @default - the project `name`, lower-cased, without an npm scope, with every other character a '-'
   */
  readonly appName?: string;

  /**
   * The image the pipeline builds and deploys.
   * @default - `ContainerImage.fromRegistry('ghcr.io/example/<appName>', { context: 'app' })`, built from the starter `app/Dockerfile`
   */
  readonly image?: ContainerImage;

  /**
   * The folder of the Helm chart that deploys the app. When the folder does not exist yet, a starter chart
   * (the shape `helm create` gives, with a values schema) is written there once; after that it is yours.
   * @default 'charts/<appName>'
   */
  readonly chartPath?: string;

  /**
   * The environments, in promotion order.
   * @default - `staging` (namespace `<appName>-staging`, URL `https://<appName>.staging.example.com`) then
   * `production` (namespace `<appName>`, URL `https://<appName>.example.com`), each reached
   * with a kubeconfig secret (`STAGING_KUBECONFIG`, `PRODUCTION_KUBECONFIG`)
   */
  readonly environments?: EnvironmentProps[];

  /**
   * The GitHub repository, `owner/name`: keyless signing identities and the admission policy that verifies
   * them name it.
   * @default - read from `repository` when that is a GitHub URL, else `example/<appName>` (a placeholder: the
   * signature policy then refuses every image until it is set)
   */
  readonly githubRepository?: string;

  /**
   * The service level objectives: the canary analysis, the load-test thresholds, the alerts and the
   * dashboards read them.
   * @default - 99.9 % of requests succeed, and 99 % are answered within 250 ms, over 30 days
   */
  readonly slos?: Slo[];

  /**
   * Tuning of the pipeline's stages (each stage's props, `without` to leave stages out).
   * @default - every stage of EnterprisePipeline with its defaults
   */
  readonly pipeline?: EnterprisePipelineProps;
}

/**
 * A platform repository as a projen project type: a TypeScript project whose `.projenrc.ts` holds one
 * {@link PlatformApp} with its pipeline, so that `npx projen new --from platform-pipeline platform-app` in an
 * empty folder gives a repository whose first `npx projen` writes the whole pipeline, the values and the
 * manifests. Only the name is required. projen's own build, release and upgrade workflows, its
 * pull-request lint and mergify are off: they use `pull_request_target`, persisted credentials and tag pins,
 * which the library's own audit rejects; the app's pipeline replaces them.
 *
 * @pjid platform-app
 */
export class PlatformProject extends typescript.TypeScriptProject {
  /** The app this repository defines: add constructs to it in `.projenrc.ts`. */
  public readonly app: PlatformApp;
  /** Every stage of the reference pipeline on the app (`project.pipeline.e2e`, `project.pipeline.load`, …). */
  public readonly pipeline: EnterprisePipeline;

  constructor(options: PlatformProjectOptions) {
    const appName = options.appName ?? defaultAppName(options.name);
    const problem = dnsLabelProblem('appName', appName, MAX_APP_NAME);
    if (problem) {
      throw new PlatformPipelineError(`PlatformProject ${show(options.name)}: ${problem}${options.appName === undefined ? " (derived from 'name'; set 'appName')" : ''}`);
    }
    const chartPath = options.chartPath ?? `charts/${appName}`;
    const environments = options.environments ?? defaultEnvironments(appName);
    super({
      projenrcTs: true,
      packageManager: javascript.NodePackageManager.NPM,
      sampleCode: false,
      // a platform repository holds no TypeScript of its own to lint or test; turn these on when you add src/
      jest: false,
      eslint: false,
      // projen's own workflows fail the audit that the app's pipeline passes (DESIGN.md §6)
      buildWorkflow: false,
      release: false,
      depsUpgrade: false,
      pullRequestTemplate: false,
      ...options,
      githubOptions: { pullRequestLint: false, mergify: false, ...options.githubOptions },
      typescriptVersion: options.typescriptVersion ?? TYPESCRIPT_VERSION,
      readme: options.readme ?? { contents: readme(appName, chartPath, environments.map((e) => e.name)) },
    });
    this.addDevDeps(...PEER_DEPS, NODE_TYPES);

    const image = options.image ?? ContainerImage.fromRegistry(`ghcr.io/example/${appName}`, { context: 'app' });
    this.app = new PlatformApp(this, appName, {
      image,
      chart: HelmChart.fromPath(chartPath),
      environments,
      slos: options.slos ?? defaultSlos(),
      repository: options.githubRepository ?? githubRepositoryOf(options.repository) ?? `example/${appName}`,
    });
    this.pipeline = new EnterprisePipeline(this.app, 'Pipeline', options.pipeline);

    // starter files, written once when missing and never overwritten (projen sample files)
    const files: Record<string, string> = {};
    for (const [rel, text] of Object.entries(STARTER_CHART)) {
      files[rel] = text.replace(/__CHART__/g, appName).replace(/__IMAGE__/g, image.repository);
    }
    new SampleDir(this, chartPath, { files });
    if (options.image === undefined) new SampleFile(this, 'app/Dockerfile', { contents: STARTER_DOCKERFILE });
  }
}

/** `@acme/Checkout_API` -> `checkout-api`. */
function defaultAppName(name: string): string {
  return suggestLabel(String(name ?? '').replace(/^@[^/]*\//, '')).slice(0, MAX_APP_NAME).replace(/-+$/, '');
}

function defaultEnvironments(app: string): EnvironmentProps[] {
  return [
    { name: 'staging', namespace: `${app}-staging`, url: `https://${app}.staging.example.com`, cluster: ClusterAccess.kubeconfigSecret('STAGING_KUBECONFIG') },
    { name: 'production', namespace: app, url: `https://${app}.example.com`, cluster: ClusterAccess.kubeconfigSecret('PRODUCTION_KUBECONFIG') },
  ];
}

/** `owner/name` of a GitHub repository URL (`https://github.com/o/n.git`, `git@github.com:o/n`), else undefined. */
function githubRepositoryOf(url: string | undefined): string | undefined {
  const m = /github\.com[/:]([A-Za-z0-9-]+)\/([A-Za-z0-9._-]+?)(?:\.git)?\/?$/.exec(url ?? '');
  return m ? `${m[1]}/${m[2]}` : undefined;
}

function defaultSlos(): Slo[] {
  return [
    Slo.availability({ name: 'availability', objective: 99.9 }),
    Slo.latency({ name: 'latency', objective: 99, threshold: Duration.millis(250) }),
  ];
}

function readme(app: string, chartPath: string, envs: string[]): string {
  const list = (f: (env: string) => string) => envs.map((e) => `\`${f(e)}\``).join(', ');
  return [
    `# ${app}`,
    '',
    'This repository was created with `npx projen new --from platform-pipeline platform-app`. Its whole CI/CD is',
    'defined in one place, `.projenrc.ts`; `npx projen` writes everything below from it.',
    '',
    '## What is generated (do not edit: change `.projenrc.ts` and run `npx projen`)',
    '',
    '| file | what it is |',
    '|---|---|',
    `| \`${paths.workflow(app)}\` | the pipeline: gates, the build (once), one deploy per environment, in order |`,
    `| \`${paths.pipelineDoc(app)}\` | the pipeline as a graph, with its critical path |`,
    `| ${list((e) => paths.values(app, e))} | Helm values per environment |`,
    `| ${list((e) => paths.manifest(app, e))} | Kubernetes objects applied after Helm per environment |`,
    `| \`${paths.setupScript(app)}\` | creates the GitHub environments with their approvals: run it once as a repository admin |`,
    `| \`policies/${app}/\`, \`e2e/${app}/\`, \`load/${app}/\`, \`compliance/${app}/\` | admission-policy tests, the kind E2E cluster and its scripts, k6 scenarios, the compliance checks |`,
    `| \`monitoring/${app}/\` | SLO recording and alert rules with their promtool tests, Grafana dashboards |`,
    '',
    'The pipeline is `new EnterprisePipeline(app, ...)`: every stage of the reference enterprise pipeline (scans, build,',
    'tests and policies, kind E2E, load test, compliance, canary delivery, monitoring). Tune a stage with the',
    '`pipeline` option (its props, or `without` to leave stages out) or through `project.pipeline.<stage>`.',
    '',
    'These files are read-only and carry a "generated by projen" marker; a change made by hand is undone by',
    'the next `npx projen`, and the pipeline\'s drift gate fails on it.',
    '',
    '## What is yours (written once, never overwritten)',
    '',
    '| file | change it to |',
    '|---|---|',
    '| `.projenrc.ts` | the definition: image, chart, environments, SLOs, stages (`PlatformProjectOptions`, and `project.app` for constructs) |',
    `| \`${chartPath}/\` | your Helm chart (a starter in the shape \`helm create\` gives) |`,
    '| `app/Dockerfile` | your service (a stand-in that serves HTTP on port 8080) |',
    '| `README.md` | this file |',
    '',
    '## Next steps',
    '',
    '1. Set `image` to your registry, `environments` to your clusters and URLs, `slos` to your objectives and',
    '   `githubRepository` (or `repository`) in `.projenrc.ts`, then run `npx projen`. Until then the placeholders',
    '   (`ghcr.io/example/...`, `*.example.com`, `example/<app>`) make the pipeline fail closed.',
    '2. Add the cluster credentials as secrets (by default `STAGING_KUBECONFIG`, `PRODUCTION_KUBECONFIG`).',
    `3. Run \`${paths.setupScript(app)}\` once, commit, push.`,
    '',
  ].join('\n');
}
