/**
 * Custom resources validated with ajv against the kubeconform-layout JSON schemas in
 * `<PP_SHARED>/schemas/<group>/<kind>_<version>.json` (validators.md §3.1). Those schemas carry
 * `additionalProperties: false`, so unknown fields fail. Not enforced: CEL rules
 * (`x-kubernetes-validations`) and list-map key uniqueness.
 */
import * as fs from 'fs';
import * as path from 'path';
import Ajv, { ErrorObject, ValidateFunction } from 'ajv';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonObj = { [k: string]: Json };

/**
 * Translates a Go (RE2) regex to JavaScript: `\PC` → `\P{C}`, `(?i)` → the `i` flag (applied to the
 * whole pattern, an approximation). Plugged into ajv as `code.regExp`.
 */
function goRegExp(pattern: string, flags: string): RegExp {
  let p = pattern.replace(/\\PC/g, '\\P{C}');
  let f = flags;
  if (p.includes('(?i)')) {
    p = p.replace(/\(\?i\)/g, '');
    if (!f.includes('i')) f += 'i';
  }
  return new RegExp(p, f);
}
goRegExp.code = 'new RegExp';

/** Keywords whose value is a map from names to schemas (their keys are names, not keywords). */
const NAME_MAPS = new Set(['properties', 'patternProperties', 'definitions', '$defs', 'dependencies']);
/** Keywords whose value is data, copied verbatim. */
const DATA = new Set(['enum', 'const', 'default', 'example', 'examples']);

/**
 * Makes a Kubernetes-flavoured OpenAPI schema digestible for ajv: drops `x-kubernetes-*` and
 * `$schema`, maps `x-kubernetes-int-or-string` to `anyOf [integer, string]`, turns
 * `nullable: true` into a type union.
 * @param node schema node
 * @returns a normalized copy
 */
export function normalizeSchema(node: Json): Json {
  if (Array.isArray(node)) return node.map(normalizeSchema);
  if (node === null || typeof node !== 'object') return node;
  const out: JsonObj = {};
  for (const [k, v] of Object.entries(node)) {
    if (k.startsWith('x-kubernetes-') || k === 'nullable' || k === '$schema') continue;
    if (DATA.has(k)) {
      out[k] = v;
    } else if (NAME_MAPS.has(k) && v !== null && typeof v === 'object' && !Array.isArray(v)) {
      out[k] = Object.fromEntries(Object.entries(v).map(([name, s]) => [name, normalizeSchema(s)]));
    } else {
      out[k] = normalizeSchema(v);
    }
  }
  if (node['x-kubernetes-int-or-string'] === true && !out.anyOf) {
    delete out.type;
    out.anyOf = [{ type: 'integer' }, { type: 'string' }];
  }
  if (node.nullable === true) {
    if (typeof out.type === 'string') out.type = [out.type, 'null'];
    else if (Array.isArray(out.type) && !out.type.includes('null')) out.type = [...out.type, 'null'];
  }
  return out;
}

const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false, code: { regExp: goRegExp as never } });
const cache = new Map<string, ValidateFunction>();

/**
 * Schema file for an object: `<schemaDir>/<group>/<kind lowercased>_<version>.json`.
 * @param apiVersion e.g. `argoproj.io/v1alpha1`
 * @param kind e.g. `Rollout`
 * @param schemaDir `<PP_SHARED>/schemas`
 */
export function crdSchemaFile(apiVersion: string, kind: string, schemaDir: string): string {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/', 2) : ['', apiVersion];
  return path.join(schemaDir, group, `${kind.toLowerCase()}_${version}.json`);
}

function validatorFor(file: string): ValidateFunction {
  let v = cache.get(file);
  if (!v) {
    v = ajv.compile(normalizeSchema(JSON.parse(fs.readFileSync(file, 'utf8')) as Json) as object);
    cache.set(file, v);
  }
  return v;
}

function describe(prefix: string, e: ErrorObject): string {
  const p = e.params as Record<string, unknown>;
  let msg = `${prefix}${e.instancePath || '/'} ${e.message ?? e.keyword}`;
  if (typeof p.additionalProperty === 'string') msg += ` '${p.additionalProperty}'`;
  if (Array.isArray(p.allowedValues)) msg += `: ${p.allowedValues.map((x) => JSON.stringify(x)).join(', ')}`;
  return msg;
}

/**
 * Validates one custom resource against its catalog schema (validators are compiled once per
 * schema file and cached for the process).
 * @param obj the resource as a plain object
 * @param schemaDir `<PP_SHARED>/schemas` (see `sharedDir()`)
 * @returns findings like `Rollout/a/spec/strategy/canary/steps/0 must NOT have additional properties 'setWeigth'`;
 *   a missing schema file is a finding too, never a silent pass
 */
export function crdErrors(obj: unknown, schemaDir: string): string[] {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) return [`not a Kubernetes object: ${JSON.stringify(obj)}`];
  const o = obj as { apiVersion?: unknown; kind?: unknown; metadata?: { name?: unknown } };
  const name = `${String(o.kind)}/${String(o.metadata?.name ?? '<no name>')}`;
  if (typeof o.apiVersion !== 'string' || typeof o.kind !== 'string') return [`${name}: apiVersion and kind must be strings`];
  if (!fs.existsSync(schemaDir)) throw new Error(`schema directory ${schemaDir} does not exist`);
  const file = crdSchemaFile(o.apiVersion, o.kind, schemaDir);
  if (!fs.existsSync(file)) {
    return [`${name}: no schema for ${o.apiVersion} ${o.kind} (looked for ${path.relative(schemaDir, file)} in ${schemaDir}); add one or validate it another way`];
  }
  const v = validatorFor(file);
  if (v(obj)) return [];
  return (v.errors ?? []).map((e) => describe(name, e));
}
