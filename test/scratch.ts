/**
 * Where the tests write throwaway files. The suite creates and deletes a few hundred thousand files (harness
 * workspaces, synthesized projects, validator inputs); on this machine's disk that costs several times what
 * it costs in memory (2,000 files written, copied and removed: about 4 s on the disk, 1 s in /dev/shm). So
 * the jest global setup of every project points `PP_SCRATCH` and `TMPDIR` at a directory of its own in
 * /dev/shm, when /dev/shm exists and runs executables (the harness's stub tools run from there), and the
 * global teardown removes it. Files that must stay after the run (reports) and files that must resolve
 * modules from the repository's node_modules stay under `<repo>/.tmp` (`tmpDir` in
 * conformance/validators/paths.ts).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** The scratch directory of this test run (set by the global setup, inherited by the workers). */
export const SCRATCH_ENV = 'PP_SCRATCH';
const MEMORY = '/dev/shm';
const PREFIX = 'pp-test-';

/** Whether `dir` is a writable directory whose files can be executed (tmpfs may be mounted noexec). */
function runsExecutables(dir: string): boolean {
  try {
    const probe = fs.mkdtempSync(path.join(dir, `${PREFIX}probe-`));
    try {
      const script = path.join(probe, 'probe.sh');
      fs.writeFileSync(script, '#!/bin/sh\nexit 0\n', { mode: 0o755 });
      return spawnSync(script).status === 0;
    } finally {
      fs.rmSync(probe, { recursive: true, force: true });
    }
  } catch {
    return false;
  }
}

/** Removes scratch directories of runs whose jest process is gone (a run that was killed keeps its files). */
function removeStale(): void {
  for (const name of fs.readdirSync(MEMORY)) {
    const pid = Number(/^pp-test-(\d+)$/.exec(name)?.[1]);
    if (!pid) continue;
    try {
      process.kill(pid, 0);
    } catch {
      fs.rmSync(path.join(MEMORY, name), { recursive: true, force: true });
    }
  }
}

/**
 * Points `PP_SCRATCH` and `TMPDIR` at a fresh directory in memory for this run, unless the caller set
 * `PP_SCRATCH` (an explicit directory, or `disk` for the system's temp dir). Idempotent: each jest project's
 * global setup calls it, and the first one decides.
 */
export function useScratch(): void {
  const given = process.env[SCRATCH_ENV];
  if (given === 'disk') {
    process.env[SCRATCH_ENV] = os.tmpdir();
    return;
  }
  if (given) return;
  if (!fs.existsSync(MEMORY) || !runsExecutables(MEMORY)) {
    process.env[SCRATCH_ENV] = os.tmpdir();
    return;
  }
  removeStale();
  const dir = path.join(MEMORY, `${PREFIX}${process.pid}`);
  fs.mkdirSync(path.join(dir, 'tmp'), { recursive: true });
  process.env[SCRATCH_ENV] = dir;
  process.env.TMPDIR = path.join(dir, 'tmp');
}

/** Removes this run's scratch directory, if the setup made one in memory. */
export function removeScratch(): void {
  const dir = process.env[SCRATCH_ENV];
  if (dir && dir === path.join(MEMORY, `${PREFIX}${process.pid}`)) fs.rmSync(dir, { recursive: true, force: true });
}

/** `<scratch>/<sub>`, created if needed; the system temp dir when no global setup ran. */
export function scratchDir(sub: string): string {
  const dir = path.join(process.env[SCRATCH_ENV] ?? os.tmpdir(), sub);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}
