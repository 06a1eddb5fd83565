/** Jest global setup of the unit and harness projects: the run's scratch directory (see scratch.ts). */
import { useScratch } from './scratch';

export default function setup(): void {
  useScratch();
}
