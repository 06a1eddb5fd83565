/**
 * Kyverno CEL policies evaluated against resources (kyverno-cel-eval.mjs, run in one child `node` process per
 * call: @marcbachmann/cel-js is ESM only, which jest's CommonJS runtime cannot load).
 */
import { spawnSync } from 'child_process';
import * as path from 'path';

/** A resource as admission sees it. */
export interface CelResource {
  /** The object. */
  readonly object: any;
  /** @default 'CREATE' */
  readonly operation?: string;
  /** Labels of its namespace besides `kubernetes.io/metadata.name`. */
  readonly namespaceLabels?: Record<string, string>;
}

/** Who signed an image, and which attestations it carries (signed by whom). */
export interface ImageSignatures {
  readonly signatures: Array<{ issuer?: string; subject?: string; publicKey?: string }>;
  readonly attestations?: Array<{ type: string; signer: { issuer?: string; subject?: string; publicKey?: string } }>;
}

/** One policy's verdict on one resource. */
export interface CelVerdict {
  readonly policy: string;
  /** `<Kind>/<namespace>/<name>` */
  readonly resource: string;
  readonly result: 'pass' | 'fail' | 'skip' | 'error';
  /** messages of the failed validations */
  readonly failed?: string[];
  /** why it was skipped */
  readonly why?: string;
  readonly error?: string;
}

/**
 * Every ValidatingPolicy and ImageValidatingPolicy of `policies` (PolicyExceptions among them apply) on every
 * resource. `signatures` answers the image verification functions, by image reference.
 */
export function evaluateKyvernoCel(policies: readonly any[], resources: readonly CelResource[],
  signatures: Record<string, ImageSignatures> = {}): CelVerdict[] {
  return evaluateKyvernoCelCases([{ policies, resources, signatures }])[0];
}

/** One evaluation case. */
export interface CelCase {
  readonly policies: readonly any[];
  readonly resources: readonly CelResource[];
  readonly signatures?: Record<string, ImageSignatures>;
}

/** Several cases in one process (each case's verdicts, in order). */
export function evaluateKyvernoCelCases(cases: readonly CelCase[]): CelVerdict[][] {
  const script = path.join(__dirname, 'kyverno-cel-eval.mjs');
  const r = spawnSync(process.execPath, [script], {
    input: JSON.stringify({ cases }),
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    timeout: 60_000,
  });
  if (r.error) throw new Error(`failed to run ${script}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${script} exited ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}
