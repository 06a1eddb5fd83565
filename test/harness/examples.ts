/**
 * The examples' committed output, as the harness runs it. The stale-output test
 * (test/conformance/examples-stale.test.ts) proves the committed files are what the library generates today.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';

/** One example's pipeline. */
export interface ExamplePipeline {
  /** Example name (`examples/<name>`). */
  readonly name: string;
  /** The app name (the workflow is `<app>-pipeline.yml`). */
  readonly app: string;
  /** The example's directory: the repository a job checks out. */
  readonly repo: string;
  /** The parsed workflow. */
  readonly workflow: any;
  /** Job ids of a kind, by the id's shape (`<app>-scan-*`, `<app>-deploy-*`, …). */
  jobs(pattern: RegExp): string[];
}

const ROOT = path.join(__dirname, '..', '..');

/** The app workflows of `examples/<name>`. */
function pipelineFiles(name: string): string[] {
  return fs.readdirSync(path.join(ROOT, 'examples', name, '.github', 'workflows')).filter((f) => f.endsWith('-pipeline.yml')).sort();
}

/**
 * Loads `examples/<name>`'s pipeline: the example's only app workflow, or app `app`'s in an example with
 * several apps (examples/platform-monorepo).
 */
export function loadExample(name: string, app?: string): ExamplePipeline {
  const repo = path.join(ROOT, 'examples', name);
  const dir = path.join(repo, '.github', 'workflows');
  const files = pipelineFiles(name).filter((f) => app === undefined || f === `${app}-pipeline.yml`);
  if (files.length !== 1) throw new Error(`examples/${name}: expected one *-pipeline.yml${app ? ` of app ${app}` : ''}, found ${files.join(', ') || 'none'}`);
  const workflow = parse(fs.readFileSync(path.join(dir, files[0]), 'utf8'));
  app = files[0].replace(/-pipeline\.yml$/, '');
  return {
    name,
    app,
    repo,
    workflow,
    jobs: (pattern) => Object.keys(workflow.jobs).filter((j) => pattern.test(j.slice(app.length + 1))),
  };
}

/**
 * Every example with a `.projenrc.ts` and one app: the per-example harness suites run these. The
 * several-app example (examples/platform-monorepo, every app only `new EnterprisePipeline(app, 'Pipeline')`)
 * has its own scenario (test/harness/enterprise-pipeline.test.ts), to keep the harness's time in budget.
 */
export function exampleNames(): string[] {
  const dir = path.join(ROOT, 'examples');
  return fs.readdirSync(dir).filter((n) => fs.existsSync(path.join(dir, n, '.projenrc.ts')) && pipelineFiles(n).length === 1).sort();
}
