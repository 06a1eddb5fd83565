/** Runs the external validator binaries; a missing or crashing binary throws, never passes. */
import { spawnSync, SpawnSyncOptions } from 'child_process';
import { INSTALL_HINT, toolPath } from './paths';

/** Result of one tool run. */
export interface ToolResult {
  /** exit status */
  readonly rc: number;
  /** captured standard output */
  readonly stdout: string;
  /** captured standard error */
  readonly stderr: string;
}

/**
 * Runs `name` (resolved with {@link toolPath}) synchronously.
 * @param name tool name (`shellcheck`, `promtool`, …)
 * @param args command-line arguments
 * @param opts extra spawn options (`input`, `env`, `cwd`)
 * @returns exit status and output; throws if the process could not start or was killed
 */
export function runTool(name: string, args: readonly string[], opts: Pick<SpawnSyncOptions, 'input' | 'env' | 'cwd'> = {}): ToolResult {
  const bin = toolPath(name);
  const r = spawnSync(bin, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 120_000, ...opts });
  if (r.error) throw new Error(`failed to run ${bin}: ${r.error.message}. ${INSTALL_HINT}`);
  if (r.status === null) throw new Error(`${bin} ${args.join(' ')} was killed by ${r.signal}`);
  return { rc: r.status, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? '') };
}
