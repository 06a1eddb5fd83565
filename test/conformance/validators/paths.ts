/**
 * Locations the conformance validators depend on: the repository root, the shared reference data
 * (`PP_SHARED`), the scratch directory and the external tool binaries.
 */
import * as fs from 'fs';
import * as path from 'path';

/** Hint appended to every "tool missing" error. */
export const INSTALL_HINT = 'Run `bash scripts/install-test-tools.sh` from the repository root to install the test tools.';

/** Environment variables that override the lookup of a tool binary. */
const TOOL_ENV: Record<string, string> = {
  promtool: 'PROMTOOL',
  helm: 'HELM',
  shellcheck: 'SHELLCHECK',
  yamllint: 'YAMLLINT',
};

let cachedRoot: string | undefined;

/**
 * The repository root: the closest ancestor of this file that holds a `package.json`.
 * @returns absolute path of the repository root
 */
export function repoRoot(): string {
  if (cachedRoot) return cachedRoot;
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${__dirname}`);
    dir = parent;
  }
  cachedRoot = dir;
  return dir;
}

/**
 * The shared reference folder (`PP_SHARED`, default `<repo>/../shared`) holding `schemas/` and
 * `reference/`. Throws an explanatory error if it or one of those subfolders is missing.
 * @returns absolute path of the shared folder
 */
export function sharedDir(): string {
  const fromEnv = process.env.PP_SHARED;
  const dir = path.resolve(fromEnv && fromEnv.length > 0 ? fromEnv : path.join(repoRoot(), '..', 'shared'));
  const source = fromEnv ? `PP_SHARED=${fromEnv}` : 'the default <repo>/../shared (PP_SHARED is unset)';
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw new Error(
      `Shared reference folder not found: ${dir} (from ${source}). The conformance validators need its ` +
      '`schemas/` (CRD JSON schemas) and `reference/` (pinned actions) subfolders. Check out the shared ' +
      'folder next to the repository, or set PP_SHARED to its absolute path.');
  }
  for (const sub of ['schemas', 'reference']) {
    const p = path.join(dir, sub);
    if (!fs.existsSync(p) || !fs.statSync(p).isDirectory()) {
      throw new Error(`Shared reference folder ${dir} (from ${source}) has no \`${sub}/\` subfolder; ` +
        'it is required by the conformance validators. Point PP_SHARED at a complete copy.');
    }
  }
  return dir;
}

/**
 * `<repo>/.tmp/<sub>` (git-ignored), created if needed.
 * @param sub sub-directory name
 * @returns absolute path of the directory
 */
export function tmpDir(sub: string): string {
  const dir = path.join(repoRoot(), '.tmp', sub);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

function isExecutable(p: string): boolean {
  try {
    fs.accessSync(p, fs.constants.X_OK);
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

/**
 * Absolute path of a tool binary: the env override (`PROMTOOL`, `HELM`, `SHELLCHECK`, `YAMLLINT`)
 * if set, else `<repo>/.tools/bin/<name>`, else the first match on `PATH`.
 * Throws (never returns a guess) when the binary cannot be found.
 * @param name binary name, e.g. `promtool`
 * @returns absolute path of an executable file
 */
export function toolPath(name: string): string {
  const envName = TOOL_ENV[name];
  const override = envName ? process.env[envName] : undefined;
  if (override) {
    const resolved = override.includes('/') ? path.resolve(override) : findOnPath(override);
    if (!resolved || !isExecutable(resolved)) {
      throw new Error(`${envName}=${override} does not point to an executable ${name}. ${INSTALL_HINT}`);
    }
    return resolved;
  }
  const local = path.join(repoRoot(), '.tools', 'bin', name);
  if (isExecutable(local)) return local;
  const onPath = findOnPath(name);
  if (onPath) return onPath;
  throw new Error(`Required test tool \`${name}\` not found in ${path.dirname(local)} nor on PATH` +
    (envName ? ` (override with ${envName}=/path/to/${name})` : '') + `. ${INSTALL_HINT}`);
}

function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const p = path.join(dir, name);
    if (isExecutable(p)) return p;
  }
  return undefined;
}
