import { Construct } from 'constructs';
import { commonLabels } from '../platform/base-manifests';
import { Workload } from './private/delivery-plan';
import { ReleasePath } from './release-path';
import { ProblemList, show } from '../core/errors';
import { MarkerStyle } from '../core/generated-file';
import { dnsLabelProblem } from '../core/names';
import { paths } from '../core/paths';
import { stringifyYaml } from '../core/yaml-writer';
import type { Environment } from '../model/environment';
import { undeclaredEnvironment } from '../platform/environments';
import { appOf, IPlatformApp } from '../platform/platform-app-contract';

/** Properties of `ArgoCdGitOps`. */
export interface ArgoCdGitOpsProps {
  /**
   * The Git repository Argo CD reads the chart, the values and the manifests from.
   * @default - `https://github.com/<app repository>.git` (the app's `repository` must be set)
   */
  readonly repoUrl?: string;
  /**
   * Namespace Argo CD runs in (where the Applications live).
   * @default 'argocd'
   */
  readonly namespace?: string;
  /**
   * Argo CD project of the Applications.
   * @default 'default'
   */
  readonly project?: string;
  /**
   * API server of the destination cluster, as Argo CD knows it.
   * @default 'https://kubernetes.default.svc' (the cluster Argo CD runs in)
   */
  readonly destinationServer?: string;
  /**
   * Let Argo CD sync on its own (automated sync with prune and self-heal). When false the deploy job
   * triggers the sync; either way it waits for the result.
   * @default false
   */
  readonly autoSync?: boolean;
  /**
   * Environments delivered through Argo CD.
   * @default - every environment
   */
  readonly environments?: string[];
}

/**
 * GitOps instead of deploying from the workflow: an Argo CD `Application` per environment
 * (`deploy/<app>/argocd/<env>.yaml`) with three sources — the chart, the generated values (`$values`) and
 * the environment's manifests. The deploy job no longer runs Helm: it applies the Application pinned to
 * the commit being deployed with the build's digest as a Helm parameter, syncs (or lets Argo CD sync),
 * waits for the result, and on a failed verification returns to the previous version in the
 * Application's history. Argo CD must run in the environment's cluster, reachable with its credentials.
 */
export class ArgoCdGitOps extends Construct {
  /** The environments delivered through Argo CD. */
  public readonly environments: string[];
  /** The Argo CD namespace. */
  public readonly argoCdNamespace: string;

  constructor(scope: Construct, id: string, props: ArgoCdGitOpsProps = {}) {
    super(scope, id);
    const app = appOf(this);
    const problems = new ProblemList(this);
    const repoUrl = props.repoUrl ?? (app.repository ? `https://github.com/${app.repository}.git` : undefined);
    if (!repoUrl) problems.add("'repoUrl' is required when the app declares no 'repository'; pass e.g. 'https://github.com/acme/platform.git'");
    else if (!/^(https:\/\/|ssh:\/\/|git@)[^\s]+$/.test(repoUrl)) problems.add(`'repoUrl' must be an https, ssh or git@ URL, got ${show(repoUrl)}`);
    const namespace = props.namespace ?? 'argocd';
    const np = dnsLabelProblem('namespace', namespace);
    if (np) problems.add(np);
    const project = props.project ?? 'default';
    const pp = dnsLabelProblem('project', project);
    if (pp) problems.add(pp);
    const server = props.destinationServer ?? 'https://kubernetes.default.svc';
    if (!/^https:\/\/[^\s]+$/.test(server)) problems.add(`'destinationServer' must be an https URL, got ${show(server)}`);
    const envs = props.environments ?? app.environments.map((e) => e.name);
    for (const e of envs) {
      const undeclared = undeclaredEnvironment(app, 'environments', e);
      if (undeclared) problems.add(undeclared);
      else if (ReleasePath.of(app)._delivery(e).gitOps) problems.add(`environment ${show(e)} is already delivered through Argo CD; declare one ArgoCdGitOps`);
    }
    problems.throwIfAny();
    this.environments = envs;
    this.argoCdNamespace = namespace;

    for (const name of envs) {
      const env = app.environment(name);
      const file = paths.argoCdApplication(app.name, env.name);
      const application = `${app.name}-${env.name}`;
      const options = { name: application, namespace, project, server, repoUrl: repoUrl!, autoSync: props.autoSync ?? false };
      // rendered at synth, when every construct has said how the environment is delivered
      app._addFile(this, file, MarkerStyle.HASH, () => stringifyYaml(applicationFor(app, env, options)));
      ReleasePath.of(app)._configure(env.name, { gitOps: { application, namespace, file, autoSync: props.autoSync ?? false } });
    }
  }
}

interface ApplicationOptions {
  readonly name: string;
  readonly namespace: string;
  readonly project: string;
  readonly server: string;
  readonly repoUrl: string;
  readonly autoSync: boolean;
}

/** The Application of one environment. @internal */
export function applicationFor(app: IPlatformApp, env: Environment, o: ApplicationOptions): Record<string, any> {
  // the deploy job pins every source to the commit it deploys; this is the revision of a manual sync
  const revision = env.branch.includes('*') ? 'HEAD' : env.branch;
  const progressive = ReleasePath.of(app)._delivery(env.name).workload !== Workload.DEPLOYMENT;
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name: o.name, namespace: o.namespace, labels: commonLabels(app.name) },
    spec: {
      project: o.project,
      destination: { server: o.server, namespace: env.namespace },
      sources: [
        {
          repoURL: o.repoUrl,
          targetRevision: revision,
          path: app.chart.path,
          helm: { releaseName: app.releaseName, valueFiles: [`$values/${app.valuesPath(env.name)}`] },
        },
        { repoURL: o.repoUrl, targetRevision: revision, ref: 'values' },
        { repoURL: o.repoUrl, targetRevision: revision, path: paths.manifestDir(app.name), directory: { include: `${env.name}.k8s.yaml` } },
      ],
      syncPolicy: {
        ...(o.autoSync ? { automated: { prune: true, selfHeal: true } } : {}),
        syncOptions: ['ServerSideApply=true'],
      },
      // the Rollout controller owns the route weights (argo-rollouts docs, "Integrating with GitOps")
      ...(progressive ? {
        ignoreDifferences: [{
          group: 'networking.istio.io',
          kind: 'VirtualService',
          jsonPointers: ['/spec/http/0/route/0/weight', '/spec/http/0/route/1/weight'],
        }],
      } : {}),
    },
  };
}
