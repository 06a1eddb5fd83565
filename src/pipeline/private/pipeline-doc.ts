import type { Duration } from 'cdk8s';
import { paths } from '../../core/paths';
import type { Environment } from '../../model/environment';
import type { Runner } from '../../model/runner';
import type { PipelineJob } from '../pipeline-job';

/** What the document shows of a rendered pipeline (computed by `Pipeline._renderDoc`). */
export interface PipelineDocInput {
  readonly appName: string;
  readonly workflowPath: string;
  readonly tagPatterns: readonly string[];
  readonly deployingBranches: readonly string[];
  readonly runner: Runner;
  readonly jobs: readonly PipelineJob[];
  readonly needs: ReadonlyMap<PipelineJob, PipelineJob[]>;
  readonly critical: { readonly jobIds: readonly string[]; readonly total: Duration };
}

function minutes(seconds: number): string {
  return `${Math.round(seconds / 60)} min`;
}

function permissionsText(p: Record<string, string>): string {
  const entries = Object.entries(p).sort(([a], [b]) => a.localeCompare(b));
  return entries.length === 0 ? 'none' : entries.map(([k, v]) => `${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}: ${v}`).join(', ');
}

/**
 * `docs/<app>-pipeline.md`: a Mermaid graph of the jobs with the critical path highlighted, and a table of
 * every job (kind, needs, estimate, permissions, runner).
 * @internal
 */
export function renderPipelineDoc(doc: PipelineDocInput, environments: readonly Environment[]): string {
  const app = doc.appName;
  const { jobs, needs, critical } = doc;
  const lines = [
    `# ${app} pipeline`,
    '',
    `Generated from the \`${app}\` PlatformApp in \`.projenrc.ts\` into \`${doc.workflowPath}\`.`,
    `Triggers: pushes to ${doc.deployingBranches.map((b) => `\`${b}\``).join(', ')}${doc.tagPatterns.length > 0 ? ` and of tags ${doc.tagPatterns.map((t) => `\`${t}\``).join(', ')} (build only; deploys run from branches)` : ''}, pull requests against those branches that touch the app's paths, and manual runs.`,
    '',
    '```mermaid',
    'flowchart LR',
  ];
  for (const j of jobs) {
    lines.push(`  ${j.id}["${j.localId}<br/>${j.kind} · ${minutes(j.estimatedDuration.toSeconds())}"]`);
  }
  for (const j of jobs) {
    for (const n of needs.get(j) ?? []) lines.push(`  ${n.id} --> ${j.id}`);
  }
  lines.push('  classDef critical stroke:#d9480f,stroke-width:3px');
  if (critical.jobIds.length > 0) lines.push(`  class ${critical.jobIds.join(',')} critical`);
  lines.push('```', '');
  lines.push(`**Critical path** (${minutes(critical.total.toSeconds())} estimated): ${critical.jobIds.map((id) => `\`${id}\``).join(' → ')}.`);
  lines.push('Estimates are per-job defaults by kind; override them with `app.pipeline.setDurationEstimate(jobId, Duration)`.', '');
  lines.push('| job | kind | environment | needs | estimate | permissions | runs on |', '|---|---|---|---|---|---|---|');
  for (const j of jobs) {
    const runner = j.runner ?? doc.runner;
    const runsOn = j.uses ? `reusable workflow \`${j.uses.replace(/^.*\/\.github\/workflows\//, '')}\`` : runner.groupName ? `group ${runner.groupName}` : runner.labels.join(', ');
    lines.push(`| \`${j.id}\` | ${j.kind} | ${j.environment ?? ''} | ${(needs.get(j) ?? []).map((n) => `\`${n.id}\``).join(', ')} | ${minutes(j.estimatedDuration.toSeconds())} | ${permissionsText(j.permissions as Record<string, string>)} | ${runsOn} |`);
  }
  lines.push('', '## Environments', '', '| environment | namespace | branch | approval | cluster access |', '|---|---|---|---|---|');
  for (const e of environments) {
    const approval = e.approval.reviewers.length > 0 ? `reviewers: ${e.approval.reviewers.join(', ')}` : e.approval.required ? 'wait timer' : 'none';
    lines.push(`| ${e.name} | ${e.namespace} | \`${e.branch}\` | ${approval} | ${e.cluster.kind} |`);
  }
  lines.push('', `Approvals are repository settings: run \`${paths.setupScript(app)}\` after changing them.`);
  return lines.join('\n');
}
