import { github } from 'projen';
import { ActionManifest } from '../core/action-manifest';
import { PipelineJob } from '../pipeline/pipeline-job';

/**
 * Adds the `actions/checkout` step every job of ours starts with: the token is not persisted in the
 * checkout's git config (a later step cannot push with it), and the step asks for `contents: read`.
 * `fullHistory` fetches every commit (secret scanners read the history). The deploy jobs build their own
 * (slotted, with the full history only when Helm compares commits: deploy/release-path.ts).
 * @internal
 */
export function addCheckout(actions: ActionManifest, job: PipelineJob, fullHistory = false): void {
  job.addStep({
    id: 'checkout',
    name: fullHistory ? 'Check out (full history)' : 'Check out',
    uses: actions.ref('actions/checkout'),
    with: { 'persist-credentials': false, ...(fullHistory ? { 'fetch-depth': 0 } : {}) },
  }, { permissions: { contents: github.workflows.JobPermission.READ } });
}
