import * as path from 'path';
import { Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import { FileBase, Project } from 'projen';
import { renderSetupScript } from './setup-environments-script';
import { PlatformPipelineError, pathOf, throwProblems } from '../../core/errors';
import { GeneratedFile, handWrittenFiles, MarkerStyle } from '../../core/generated-file';
import { paths } from '../../core/paths';
import { stringifyCdk8sDocuments, stringifyYaml } from '../../core/yaml-writer';
import { ReleasePath } from '../../deploy/release-path';
import type { Runner } from '../../model/runner';
import { PipelineRenderContext } from '../../pipeline/pipeline';
import { APPLY_PHASE_LABEL, BEFORE_HELM, sharedNamespaceProblems } from '../../platform/base-manifests';
import { renderValues } from '../../platform/default-values';
import { HelmValues } from '../../platform/helm-values';
import { networkProblems } from '../../platform/network-paths';
import { appsOf, IPlatformApp } from '../../platform/platform-app-contract';
import { ContributionKind, contributionOf } from '../../platform/registry';
import { BuildStage } from '../../stages/build-stage';
import { SynthCheck } from '../../stages/synth-check';

interface Planned {
  readonly app: RenderableApp;
  readonly path: string;
  readonly marker: MarkerStyle;
  readonly executable: boolean;
  readonly content: string;
}

/** What the synthesizer reads of a PlatformApp beyond the contract every construct sees. */
export interface RenderableApp extends IPlatformApp {
  readonly releasePath: ReleasePath;
  readonly _sideFiles: ReadonlyArray<SideFile>;
  readonly _charts: ReadonlyMap<string, Chart>;
  readonly _values: ReadonlyMap<string, HelmValues>;
  _rendered: boolean;
  _documentCache?: Map<string, any[]>;
}

/** A generated side file registered with `_addFile`. */
export interface SideFile {
  readonly path: string;
  readonly marker: MarkerStyle;
  readonly executable: boolean;
  readonly render: () => string;
  readonly owner: IConstruct;
}

/** Construct id of the build stage created at synth for an app that declares none. */
export const DEFAULT_BUILD_ID = 'DefaultBuild';
/** Construct id of the drift gate created at synth for an app that declares none. */
export const DEFAULT_SYNTH_CHECK_ID = 'SynthCheck';

/**
 * Completes each app's contributions, once: the build stage with its defaults when none was declared,
 * then the release path from the delivery every construct registered.
 */
function completeContributions(app: RenderableApp): void {
  if (!contributionOf(app, ContributionKind.BUILD)) new BuildStage(app, DEFAULT_BUILD_ID);
  if (!SynthCheck.tryFind(app)) new SynthCheck(app, DEFAULT_SYNTH_CHECK_ID);
  app.releasePath._render();
}

/**
 * Renders every PlatformApp of `project` in one pass, before projen deletes or writes any file:
 * validates the whole tree, renders all content into memory, refuses to overwrite hand-written files,
 * and only then creates the projen files. Any problem throws with every problem listed, and the files
 * of the previous synth stay as they were.
 * @internal
 */
export function synthesizeApps(project: Project): void {
  const apps = appsOf(project) as RenderableApp[];
  const pending = apps.filter((a) => !a._rendered);
  if (pending.length === 0) return;

  const problems: string[] = [];
  for (const app of pending) {
    try {
      completeContributions(app);
    } catch (e: any) {
      if (e instanceof PlatformPipelineError) problems.push(e.message);
      else throw e;
    }
  }
  throwProblems('platform-pipeline: the definition has problems; nothing was written', problems);
  // from here the trees do not change: each chart is resolved once for every check and the render
  for (const app of pending) app._documentCache = new Map();
  try {
    renderPending(project, apps, pending, problems);
  } finally {
    for (const app of pending) app._documentCache = undefined;
  }
}

function renderPending(project: Project, apps: RenderableApp[], pending: RenderableApp[], problems: string[]): void {
  for (const app of pending) problems.push(...validateTree(app));
  problems.push(...crossAppProblems(project));
  throwProblems('platform-pipeline: the definition has problems; nothing was written', problems);

  // the project's own generated files (projen's, before the apps add theirs): a hand edit of any of them
  // is drift, so they trigger the pipelines that check it (each app's workflow triggers its own pipeline only)
  const otherWorkflows = new Set(apps.map((a) => a.pipeline.workflowPath));
  const projectFiles = project.files.map((f) => f.path).filter((f) => !otherWorkflows.has(f) && !/^(\.projen|projenrc)\//.test(f));
  const planned: Planned[] = [];
  for (const app of pending) {
    try {
      planned.push(...renderApp(app, problems, projectFiles));
    } catch (e: any) {
      if (e instanceof PlatformPipelineError) problems.push(e.message);
      else throw e;
    }
  }
  const lintConfig = actionlintConfig(apps);
  if (lintConfig && !project.tryFindFile(ACTIONLINT_CONFIG)) {
    planned.push({ app: pending[0], path: ACTIONLINT_CONFIG, marker: MarkerStyle.HASH, executable: false, content: lintConfig });
  }
  const hand = handWrittenFiles(project.outdir, planned.map((p) => p.path));
  for (const h of hand) {
    const owner = planned.find((p) => p.path === h)!.app;
    problems.push(`${owner.name}: ${h} exists and was not generated by projen (no marker, not in .projen/files.json); platform-pipeline will not overwrite it. Move it away (e.g. merge its content into the definition) and synthesize again`);
  }
  throwProblems('platform-pipeline: synthesis failed; nothing was written', problems);

  createFiles(project, planned);
  for (const app of pending) app._rendered = true;
}

/**
 * Creates the projen files of `planned`. projen's FileBase constructor checks that its path is unique
 * with `root.tryFindFile`, a walk of the whole tree per file, which made creating thousands of files
 * quadratic. While the files are created, the root's `tryFindFile` answers from an index built by one
 * walk (the files projen's walk finds, the first one per path) and extended with each created file.
 */
function createFiles(project: Project, planned: readonly Planned[]): void {
  const root = project.root;
  const index = new Map<string, FileBase>();
  const add = (f: FileBase) => {
    if (!index.has(f.absolutePath)) index.set(f.absolutePath, f);
  };
  for (const c of root.node.findAll()) if (c instanceof FileBase) add(c);
  const own = Object.getOwnPropertyDescriptor(root, 'tryFindFile');
  Object.defineProperty(root, 'tryFindFile', {
    configurable: true,
    writable: true,
    value: (filePath: string): FileBase | undefined => index.get(path.isAbsolute(filePath) ? filePath : path.resolve(root.outdir, filePath)),
  });
  try {
    for (const p of planned) {
      const file = new GeneratedFile(p.app, p.path, { marker: p.marker, executable: p.executable });
      file.setContent(p.content);
      add(file);
    }
  } finally {
    if (own) Object.defineProperty(root, 'tryFindFile', own);
    else delete (root as { tryFindFile?: unknown }).tryFindFile;
  }
}

/** actionlint's configuration: the custom runner labels of every app, so the lint gate knows them. */
const ACTIONLINT_CONFIG = paths.actionlintConfig();

function actionlintConfig(apps: RenderableApp[]): string | undefined {
  const labels = new Set<string>();
  const add = (r?: Runner) => {
    if (r?.customLabels) for (const l of r.labels) if (l !== 'self-hosted') labels.add(l);
  };
  for (const app of apps) {
    add(app.runner);
    for (const env of app.environments) add(env.runner);
    for (const job of app.pipeline.jobs) add(job.runner);
  }
  if (labels.size === 0) return undefined;
  return stringifyYaml({ 'self-hosted-runner': { labels: [...labels].sort() } });
}

function validateTree(app: RenderableApp): string[] {
  const out: string[] = [];
  const visit = (c: IConstruct) => {
    for (const msg of c.node.validate()) out.push(`${pathOf(c)}: ${msg}`);
  };
  app.node.findAll().forEach(visit);
  for (const chart of app._charts.values()) {
    for (const c of chart.node.findAll()) {
      for (const msg of c.node.validate()) out.push(`${app.name}/${c.node.path}: ${msg}`);
    }
  }
  return out;
}

function crossAppProblems(project: Project): string[] {
  return [...sharedNamespaceProblems(project), ...networkProblems(project)];
}

function renderApp(app: RenderableApp, problems: string[], projectFiles: readonly string[]): Planned[] {
  const files: Planned[] = [];
  // YAML.stringify(v, { indent: 2, lineWidth: 0 }), byte for byte (src/core/yaml-writer)
  const yaml = (v: unknown) => stringifyYaml(v);

  for (const env of app.environments) {
    const values = app._values.get(env.name)!._render(renderValues(app, env));
    files.push({ app, path: app.valuesPath(env.name), marker: MarkerStyle.HASH, executable: false, content: yaml(values) });
    const docs = app._documents(env.name);
    // nothing to apply before Helm (no Rollout, and the namespace is another app's or not managed)
    if (!docs.some((d) => d?.metadata?.labels?.[APPLY_PHASE_LABEL] === BEFORE_HELM)) app.pipeline.deployJob(env.name)?.removeStep('prepare-namespace');
    if (docs.length === 0) {
      app.pipeline.deployJob(env.name)?.removeStep('apply-manifests');
    } else {
      files.push({ app, path: app.manifestPath(env.name), marker: MarkerStyle.HASH, executable: false, content: stringifyCdk8sDocuments(docs) });
    }
  }

  const sidePlanned: Planned[] = app._sideFiles.map((f) => ({ app, path: f.path, marker: f.marker, executable: f.executable, content: f.render() }));
  files.push(...sidePlanned);
  const setupPath = paths.setupScript(app.name);
  files.push({ app, path: setupPath, marker: MarkerStyle.HASH, executable: true, content: renderSetupScript(app) });

  const ctx: PipelineRenderContext = {
    environments: app.environments.map((e) => e.name),
    environmentUrls: new Map(app.environments.map((e) => [e.name, e.url])),
    promotion: app.promotion,
    runner: app.runner,
    triggerPaths: [...new Set([...app.sourcePaths, `${app.chart.path}/**`, app.pipeline.workflowPath,
      ...files.filter((f) => f.path !== setupPath).map((f) => f.path),
      ...(app.pipeline.triggerPaths.length > 0 ? [...app.pipeline.triggerPaths, ...projectFiles] : [])])],
  };
  const pipelineProblems = app.pipeline._render(ctx);
  problems.push(...pipelineProblems);
  if (pipelineProblems.length === 0) {
    const doc = app.pipeline._renderDoc(ctx, app.environments);
    files.push({ app, path: paths.pipelineDoc(app.name), marker: MarkerStyle.HTML, executable: false, content: doc });
  }
  return files;
}
