/**
 * The graph of `docs/<app>-pipeline.md`: the transitive reduction of the jobs' needs (an edge a → c is
 * left out when a path a → b → … → c exists), and the human waits before jobs (environment approvals,
 * manual canary gates, change approvals), which are not job time.
 */
import type { Environment } from '../../model/environment';
import { JobKind, type PipelineJob } from '../pipeline-job';

/** A wait for a person before (or inside) a job. @internal */
export interface HumanWait {
  /** What the job waits for, e.g. `approval by sre-leads`. */
  readonly what: string;
}

/** Id of the Mermaid subgraph that groups the gates (job ids always carry the app name and a dash). @internal */
export const GATES_SUBGRAPH = 'gates';

/**
 * The transitive reduction of `needs`: for each job, the needs not reachable through another of its
 * needs. `needs` must be acyclic (the pipeline checks this before it renders). @internal
 */
export function transitiveReduction<T>(nodes: readonly T[], needs: ReadonlyMap<T, readonly T[]>): Map<T, T[]> {
  const ancestors = new Map<T, Set<T>>();
  const ancestorsOf = (n: T): Set<T> => {
    const known = ancestors.get(n);
    if (known) return known;
    const all = new Set<T>();
    for (const m of needs.get(n) ?? []) {
      all.add(m);
      for (const a of ancestorsOf(m)) all.add(a);
    }
    ancestors.set(n, all);
    return all;
  };
  const reduced = new Map<T, T[]>();
  for (const n of nodes) {
    const direct = [...new Set(needs.get(n) ?? [])];
    reduced.set(n, direct.filter((d) => !direct.some((o) => o !== d && ancestorsOf(o).has(d))));
  }
  return reduced;
}

/** The human waits of each job, in a stable order. @internal */
export function humanWaits(jobs: readonly PipelineJob[], environments: readonly Environment[]): Map<PipelineJob, HumanWait[]> {
  const result = new Map<PipelineJob, HumanWait[]>();
  for (const job of jobs) {
    const waits: HumanWait[] = [];
    const env = job.environment !== undefined && job.githubEnvironment ? environments.find((e) => e.name === job.environment) : undefined;
    if (env && env.approval.required) {
      const gate = job.kind === JobKind.DEPLOY && job._steps().some((s) => s.id === 'promote') ? 'manual canary gate: ' : '';
      const who = env.approval.reviewers.length > 0 ? `approval by ${env.approval.reviewers.join(', ')}` : '';
      const timer = env.approval.wait && env.approval.wait.toSeconds() > 0 ? `wait timer ${env.approval.wait.toHumanString()}` : '';
      waits.push({ what: `${gate}${[who, timer].filter(Boolean).join(' and ')} (${env.name})` });
    }
    for (const s of job._steps()) {
      // the step that polls the change system until the change is approved (the closing step only reads it)
      const stepEnv = s.env as Record<string, string> | undefined;
      if (stepEnv?.APPROVAL_ATTEMPTS !== undefined && stepEnv.APPROVAL_TIMEOUT !== undefined) waits.push({ what: `change approval, up to ${stepEnv.APPROVAL_TIMEOUT} (step \`${s.id}\`)` });
    }
    if (waits.length > 0) result.set(job, waits);
  }
  return result;
}

/**
 * The Mermaid lines of the graph: gates in a subgraph, one node per job (a job preceded by a human wait
 * is marked), the edges of the transitive reduction. A job that needs every gate directly gets one edge
 * from the subgraph instead of one per gate. @internal
 */
export function mermaidGraph(jobs: readonly PipelineJob[], needs: ReadonlyMap<PipelineJob, PipelineJob[]>,
  waits: ReadonlyMap<PipelineJob, HumanWait[]>, criticalIds: readonly string[], label: (j: PipelineJob) => string): string[] {
  const lines = ['flowchart LR'];
  const node = (j: PipelineJob) => {
    const w = waits.get(j);
    const text = `${label(j)}${w ? `<br/>⏸ waits: ${w.map((x) => x.what).join('; ')}` : ''}`;
    return `${j.id}["${text.replace(/"/g, '#quot;')}"]`;
  };
  const gates = jobs.filter((j) => j.kind === JobKind.GATE);
  const others = jobs.filter((j) => j.kind !== JobKind.GATE);
  for (const j of others.filter((o) => o.kind === JobKind.BUILD)) lines.push(`  ${node(j)}`);
  if (gates.length > 0) {
    lines.push(`  subgraph ${GATES_SUBGRAPH}["gates: must pass before any deploy"]`);
    for (const j of gates) lines.push(`    ${node(j)}`);
    lines.push('  end');
  }
  for (const j of others.filter((o) => o.kind !== JobKind.BUILD)) lines.push(`  ${node(j)}`);
  const reduced = transitiveReduction(jobs, needs);
  for (const j of jobs) {
    const direct = reduced.get(j) ?? [];
    const allGates = gates.length > 1 && gates.every((g) => direct.includes(g));
    if (allGates) lines.push(`  ${GATES_SUBGRAPH} --> ${j.id}`);
    for (const n of direct) {
      if (allGates && n.kind === JobKind.GATE) continue;
      lines.push(`  ${n.id} --> ${j.id}`);
    }
  }
  lines.push('  classDef critical stroke:#d9480f,stroke-width:3px');
  lines.push('  classDef wait stroke-dasharray:5 5');
  if (criticalIds.length > 0) lines.push(`  class ${criticalIds.join(',')} critical`);
  const waiting = jobs.filter((j) => waits.has(j)).map((j) => j.id);
  if (waiting.length > 0) lines.push(`  class ${waiting.join(',')} wait`);
  return lines;
}
