/** Global teardown of the jest `conformance` project: removes the examples synthesized by examples-setup.ts. */
import * as fs from 'fs';
import { SYNTH_RUN_ENV } from './example-harness';
import { removeScratch } from '../scratch';

export default async function teardown(): Promise<void> {
  const runDir = process.env[SYNTH_RUN_ENV];
  if (runDir) fs.rmSync(runDir, { recursive: true, force: true });
  removeScratch();
}
