/**
 * Built-in Kubernetes kinds: `kubernetes-models` (CJS 4.x) `.validate()` for types, enums and
 * required fields (validators.md §3.2), plus a TypeScript excess-property check for unknown fields,
 * which the models' validators do not reject (§3.3).
 */
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';
import { repoRoot, tmpDir } from './paths';
import { reusableProgram } from './ts-program';

interface ModelClass {
  readonly apiVersion: string;
  readonly kind: string;
  new (data: unknown): { validate(): void };
}
interface ValidationErrorLike { instancePath?: string; message?: string; params?: Record<string, unknown> }

/** Where a kind's runtime model and TypeScript interface live. */
export interface CoreModel {
  /** module specifier, e.g. `kubernetes-models/apps/v1` */
  readonly module: string;
  /** interface name, e.g. `IDeployment` */
  readonly typeName: string;
  /** the model class */
  readonly model: ModelClass;
}

/** Model packages for CR groups that have typed models (used by {@link unknownFieldErrors}). */
const CR_PACKAGES: Record<string, string> = {
  'argoproj.io': '@kubernetes-models/argo-rollouts',
  'monitoring.coreos.com': '@kubernetes-models/prometheus-operator',
};

const API_VERSION = /^(?:([a-z0-9](?:[a-z0-9.-]*[a-z0-9])?)\/)?(v\d+(?:(?:alpha|beta)\d+)?)$/;
const KIND = /^[A-Z][A-Za-z0-9]*$/;
const models = new Map<string, CoreModel | null>();

/**
 * Finds the `kubernetes-models` (or `@kubernetes-models/*`) class for an apiVersion/kind, e.g.
 * `apps/v1` `Deployment` → `kubernetes-models/apps/v1` `Deployment`/`IDeployment`.
 * @returns the model, or undefined if no package provides one
 */
export function coreModel(apiVersion: string, kind: string): CoreModel | undefined {
  const key = `${apiVersion}/${kind}`;
  if (!models.has(key)) models.set(key, lookup(apiVersion, kind) ?? null);
  return models.get(key) ?? undefined;
}

function lookup(apiVersion: string, kind: string): CoreModel | undefined {
  const m = API_VERSION.exec(apiVersion);
  if (!m || !KIND.test(kind)) return undefined;
  const group = m[1];
  const pkg = group && CR_PACKAGES[group] ? CR_PACKAGES[group] : 'kubernetes-models';
  const module = `${pkg}/${apiVersion}`;
  try {
    require.resolve(pkg, { paths: [repoRoot()] });
  } catch {
    throw new Error(`${pkg} is not installed; run \`npm ci\` (devDependency of the conformance validators)`);
  }
  let exports: Record<string, unknown>;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    exports = require(require.resolve(module, { paths: [repoRoot()] })) as Record<string, unknown>;
  } catch (e) {
    if ((e as { code?: string }).code === 'MODULE_NOT_FOUND') return undefined; // no such apiVersion
    throw e;
  }
  const model = exports[kind] as ModelClass | undefined;
  if (typeof model !== 'function' || model.kind !== kind || model.apiVersion !== apiVersion) return undefined;
  return { module, typeName: `I${kind}`, model };
}

function label(o: { kind?: unknown; metadata?: { name?: unknown } }): string {
  return `${String(o.kind)}/${String(o.metadata?.name ?? '<no name>')}`;
}

/**
 * Validates a built-in object with its `kubernetes-models` class: types, enums, required fields.
 * Unknown fields pass here; see {@link unknownFieldErrors}.
 * @param obj the object
 * @returns findings like `Deployment/web/spec/replicas must be integer`; an apiVersion/kind without
 *   a model is a finding
 */
export function coreErrors(obj: unknown): string[] {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) return [`not a Kubernetes object: ${JSON.stringify(obj)}`];
  const o = obj as { apiVersion?: unknown; kind?: unknown; metadata?: { name?: unknown } };
  if (typeof o.apiVersion !== 'string' || typeof o.kind !== 'string') return [`${label(o)}: apiVersion and kind must be strings`];
  const model = coreModel(o.apiVersion, o.kind);
  if (!model) return [`${label(o)}: unknown or unsupported kind ${o.apiVersion} ${o.kind} (no kubernetes-models class)`];
  try {
    new model.model(obj).validate();
    return [];
  } catch (e) {
    const err = e as Error & { errors?: ValidationErrorLike[] };
    if (!Array.isArray(err.errors) || err.errors.length === 0) return [`${label(o)}: ${err.message}`];
    return err.errors.map((x) => {
      const allowed = Array.isArray(x.params?.allowedValues) ? `: ${x.params.allowedValues.map((v) => JSON.stringify(v)).join(', ')}` : '';
      return `${label(o)}${x.instancePath || '/'} ${x.message ?? 'is invalid'}${allowed}`;
    });
  }
}

const TS_OPTIONS: ts.CompilerOptions = {
  strict: true,
  noEmit: true,
  skipLibCheck: true,
  types: [],
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  target: ts.ScriptTarget.ES2022,
};
/**
 * TypeScript excess-property check: emits one object literal per document typed with its model's
 * interface into a temp dir under `<repo>/.tmp/` and type-checks them in ONE program (the first program of
 * a process costs ~2–5 s, later ones reuse its parsed declaration files), so batch documents where you can. TypeScript reports the first unknown property per object literal,
 * and type mismatches too. Documents without a typed model are reported as findings.
 * @param docs Kubernetes objects (built-ins, Argo Rollouts, prometheus-operator kinds)
 * @returns findings like `Deployment/web: Object literal may only specify known properties, and
 *   '"imagePullPolicyy"' does not exist in type 'IContainer'.`
 */
export function unknownFieldErrors(docs: readonly unknown[]): string[] {
  const findings: string[] = [];
  const lines: string[] = [];
  const lineToDoc = new Map<number, string>();
  docs.forEach((doc, i) => {
    const o = (doc ?? {}) as { apiVersion?: unknown; kind?: unknown; metadata?: { name?: unknown } };
    const model = typeof o.apiVersion === 'string' && typeof o.kind === 'string' ? coreModel(o.apiVersion, o.kind) : undefined;
    if (!model) {
      findings.push(`${label(o)}: no TypeScript model for ${String(o.apiVersion)} ${String(o.kind)}; unknown fields not checked`);
      return;
    }
    lines.push(`import type { ${model.typeName} as T${i} } from '${model.module}';`);
    lineToDoc.set(lines.length, label(o));
    lines.push(`export const d${i}: T${i} = ${JSON.stringify(doc)};`);
  });
  if (lines.length === 0) return findings;
  const dir = fs.mkdtempSync(path.join(tmpDir('tscheck'), 'docs-'));
  try {
    const file = path.join(dir, 'docs.ts');
    fs.writeFileSync(file, lines.join('\n') + '\n');
    const program = reusableProgram([file], TS_OPTIONS);
    for (const d of ts.getPreEmitDiagnostics(program)) {
      const msg = ts.flattenDiagnosticMessageText(d.messageText, '\n').split('\n')[0];
      const line = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line : -1;
      findings.push(`${lineToDoc.get(line) ?? `docs.ts:${line + 1}`}: ${msg}`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return findings;
}
