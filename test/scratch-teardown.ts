/** Jest global teardown of the unit and harness projects: removes the run's scratch directory (see scratch.ts). */
import { removeScratch } from './scratch';

export default function teardown(): void {
  removeScratch();
}
