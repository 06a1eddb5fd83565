/** Dispatches Kubernetes documents to the right validator (built-in kinds vs custom resources). */
import { coreErrors, coreModel, unknownFieldErrors } from './core-kinds';
import { crdErrors } from './crd-schema';

/** API groups of built-in kinds besides the core group and `*.k8s.io`. */
const BUILTIN_GROUPS = new Set(['apps', 'batch', 'policy', 'autoscaling', 'extensions']);

/**
 * True for built-in kinds: core group (`v1`), `apps`, `batch`, `policy`, `autoscaling` and `*.k8s.io`
 * (networking, rbac.authorization, …).
 * @param apiVersion e.g. `apps/v1`
 */
export function isBuiltinApiVersion(apiVersion: string): boolean {
  if (!apiVersion.includes('/')) return true;
  const group = apiVersion.split('/')[0];
  return BUILTIN_GROUPS.has(group) || group.endsWith('.k8s.io');
}

/**
 * Validates a set of documents: built-in kinds with {@link coreErrors} plus one batched
 * {@link unknownFieldErrors} pass; everything else with {@link crdErrors} against `schemaDir`.
 * `null` documents (empty YAML documents) are ignored; unknown kinds are findings.
 * @param docs parsed Kubernetes objects
 * @param schemaDir `<PP_SHARED>/schemas`
 * @returns all findings; empty when every document is valid
 */
export function k8sDocErrors(docs: readonly unknown[], schemaDir: string): string[] {
  const findings: string[] = [];
  const typed: unknown[] = [];
  docs.forEach((doc, i) => {
    if (doc === null || doc === undefined) return;
    if (typeof doc !== 'object' || Array.isArray(doc)) {
      findings.push(`document ${i}: not a mapping: ${JSON.stringify(doc).slice(0, 80)}`);
      return;
    }
    const o = doc as { apiVersion?: unknown; kind?: unknown };
    if (typeof o.apiVersion !== 'string' || typeof o.kind !== 'string') {
      findings.push(`document ${i}: missing apiVersion or kind`);
      return;
    }
    if (isBuiltinApiVersion(o.apiVersion)) {
      findings.push(...coreErrors(doc));
      if (coreModel(o.apiVersion, o.kind)) typed.push(doc);
    } else {
      findings.push(...crdErrors(doc, schemaDir));
    }
  });
  if (typed.length > 0) findings.push(...unknownFieldErrors(typed));
  return findings;
}
