import type { Duration } from 'cdk8s';
import { paths } from '../../core/paths';
import type { Environment } from '../../model/environment';
import type { Runner } from '../../model/runner';
import type { PipelineJob } from '../pipeline-job';
import { GATES_SUBGRAPH, humanWaits, mermaidGraph } from './pipeline-doc-graph';

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
 * `docs/<app>-pipeline.md`: a Mermaid graph of the jobs (the transitive reduction of their needs, gates
 * grouped, human waits marked) with the critical path highlighted, and a table of
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
  ];
  const waits = humanWaits(jobs, environments);
  lines.push(...mermaidGraph(jobs, needs, waits, critical.jobIds, (j) => `${j.localId}<br/>${j.kind} · ${minutes(j.estimatedDuration.toSeconds())}`));
  lines.push('```', '');
  lines.push('Edges are the transitive reduction of the jobs\' `needs` (a job also waits for everything its needs wait for);',
    `an edge from \`${GATES_SUBGRAPH}\` stands for one from every gate. ⏸ marks a human wait before a job (an environment's`,
    'reviewers or wait timer, a manual canary gate, a change approval): it is not job time.', '');
  const byId = new Map(jobs.map((j) => [j.id, j] as const));
  const pathWaits = critical.jobIds.flatMap((id) => waits.get(byId.get(id)!) ?? []);
  const steps = critical.jobIds.flatMap((id) => [...(waits.get(byId.get(id)!) ?? []).map((w) => `⏸ *${w.what}*`), `\`${id}\``]);
  const waitText = pathWaits.length === 0 ? '' : `, plus ${pathWaits.length} human wait${pathWaits.length > 1 ? 's' : ''}`;
  lines.push(`**Critical path** (${minutes(critical.total.toSeconds())} estimated${waitText}): ${steps.join(' → ')}.`);
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
