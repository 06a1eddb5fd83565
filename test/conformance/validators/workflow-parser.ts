/**
 * GitHub's own workflow parser (`@actions/workflow-parser`, ESM-only) run from a CommonJS bundle that
 * esbuild builds once and caches in `node_modules/.cache/` (validators.md §2.1).
 */
import * as fs from 'fs';
import * as path from 'path';
import * as esbuild from 'esbuild';
import { repoRoot } from './paths';

interface ParserError { readonly message: string }
interface TemplateError { readonly Message: string }
interface ParseResult {
  readonly context: { readonly errors: { getErrors(): ParserError[] } };
  readonly value: unknown;
}
interface WorkflowParserModule {
  NoOperationTraceWriter: new () => unknown;
  parseWorkflow(file: { name: string; content: string }, trace: unknown): ParseResult;
  convertWorkflowTemplate(context: ParseResult['context'], value: unknown): Promise<{ errors?: TemplateError[] }>;
}

let loaded: WorkflowParserModule | undefined;

/**
 * Version of the installed parser. Its `exports` map has only an `import` condition, so
 * `require.resolve` cannot find it: look in the `node_modules` folders above the repository root.
 */
function installedVersion(root: string): string {
  for (let dir = root; ; dir = path.dirname(dir)) {
    const pkg = path.join(dir, 'node_modules', '@actions', 'workflow-parser', 'package.json');
    if (fs.existsSync(pkg)) return (JSON.parse(fs.readFileSync(pkg, 'utf8')) as { version: string }).version;
    if (path.dirname(dir) === dir) throw new Error('@actions/workflow-parser is not installed (npm ci)');
  }
}

/**
 * Path of the cached CommonJS bundle, keyed by the installed parser version; built on first use.
 * Written to a temp name and renamed, so parallel jest workers never read a half-written file.
 * @returns absolute path of the bundle
 */
export function workflowParserBundle(): string {
  const root = repoRoot();
  const version = installedVersion(root);
  const out = path.join(root, 'node_modules', '.cache', 'platform-pipeline-conformance', `workflow-parser-${version}.cjs`);
  if (fs.existsSync(out)) return out;
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const tmp = `${out}.${process.pid}.tmp`;
  esbuild.buildSync({
    stdin: { contents: 'export * from "@actions/workflow-parser";', resolveDir: root, loader: 'js' },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    outfile: tmp,
    logLevel: 'error',
  });
  fs.renameSync(tmp, out);
  return out;
}

function parser(): WorkflowParserModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  loaded ??= require(workflowParserBundle()) as WorkflowParserModule;
  return loaded;
}

/**
 * Validates a workflow with `@actions/workflow-parser`: schema (unknown keys, types, required keys),
 * expression syntax, then the semantic pass (`needs` graph and cycles, cron, job dependencies).
 * @param name file name used in the messages (e.g. `ci.yml`)
 * @param content the workflow YAML text
 * @returns findings like `ci.yml (Line: 5, Col: 5): Unexpected value 'foo-bar'`; empty when valid
 */
export async function workflowErrors(name: string, content: string): Promise<string[]> {
  const wp = parser();
  const parsed = wp.parseWorkflow({ name, content }, new wp.NoOperationTraceWriter());
  const errors = parsed.context.errors.getErrors().map((e) => e.message);
  if (parsed.value !== undefined && parsed.value !== null) {
    // shares parsed.context, so it repeats the parse errors; the Set below de-duplicates them
    const tpl = await wp.convertWorkflowTemplate(parsed.context, parsed.value);
    for (const e of tpl.errors ?? []) errors.push(e.Message);
  } else if (errors.length === 0) {
    errors.push(`${name}: the parser returned no workflow and no error`);
  }
  return [...new Set(errors)];
}
