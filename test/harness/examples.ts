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

/** Loads `examples/<name>`'s pipeline (each example has exactly one app workflow). */
export function loadExample(name: string): ExamplePipeline {
  const repo = path.join(ROOT, 'examples', name);
  const dir = path.join(repo, '.github', 'workflows');
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('-pipeline.yml'));
  if (files.length !== 1) throw new Error(`examples/${name}: expected one *-pipeline.yml, found ${files.join(', ') || 'none'}`);
  const workflow = parse(fs.readFileSync(path.join(dir, files[0]), 'utf8'));
  const app = files[0].replace(/-pipeline\.yml$/, '');
  return {
    name,
    app,
    repo,
    workflow,
    jobs: (pattern) => Object.keys(workflow.jobs).filter((j) => pattern.test(j.slice(app.length + 1))),
  };
}

/** Every example with a `.projenrc.ts`. */
export function exampleNames(): string[] {
  const dir = path.join(ROOT, 'examples');
  return fs.readdirSync(dir).filter((n) => fs.existsSync(path.join(dir, n, '.projenrc.ts'))).sort();
}
