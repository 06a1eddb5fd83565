/**
 * `docs/<app>-pipeline.md`: the graph is the transitive reduction of the workflow's needs, gates grouped,
 * and the critical path names the human waits. Reads the examples' committed output (kept current by
 * test/conformance/examples-stale.test.ts), so it costs no synthesis.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { transitiveReduction } from '../../../src/pipeline/private/pipeline-doc-graph';

const EXAMPLES = path.join(__dirname, '..', '..', '..', 'examples');

interface Doc { name: string; doc: string; needs: Map<string, string[]> }

/** Every app of every example: its document and its workflow's `needs`. */
function docs(): Doc[] {
  const result: Doc[] = [];
  for (const ex of fs.readdirSync(EXAMPLES).filter((n) => fs.existsSync(path.join(EXAMPLES, n, '.projenrc.ts'))).sort()) {
    const wfDir = path.join(EXAMPLES, ex, '.github', 'workflows');
    for (const f of fs.readdirSync(wfDir).filter((x) => x.endsWith('-pipeline.yml'))) {
      const app = f.replace(/-pipeline\.yml$/, '');
      const wf = parse(fs.readFileSync(path.join(wfDir, f), 'utf8'));
      const needs = new Map<string, string[]>(Object.entries<any>(wf.jobs).map(([id, j]) => [id, [j.needs ?? []].flat()]));
      result.push({ name: `${ex}/${app}`, doc: fs.readFileSync(path.join(EXAMPLES, ex, 'docs', `${app}-pipeline.md`), 'utf8'), needs });
    }
  }
  return result;
}

/** The drawn graph: nodes, the members of the `gates` subgraph, and edges with `gates` expanded. */
function drawn(doc: string): { nodes: string[]; gates: string[]; edges: Array<[string, string]>; raw: number } {
  const mermaid = doc.split('```mermaid\n')[1].split('\n```')[0].split('\n');
  const nodes: string[] = [];
  const gates: string[] = [];
  let inGates = false;
  const raw: Array<[string, string]> = [];
  for (const line of mermaid) {
    if (/^\s*subgraph gates\[/.test(line)) inGates = true;
    else if (/^\s*end$/.test(line)) inGates = false;
    const node = /^\s*([a-z0-9-]+)\["/.exec(line);
    if (node) {
      nodes.push(node[1]);
      if (inGates) gates.push(node[1]);
    }
    const edge = /^\s*([a-z0-9-]+) --> ([a-z0-9-]+)$/.exec(line);
    if (edge) raw.push([edge[1], edge[2]]);
  }
  const edges = raw.flatMap(([a, b]) => (a === 'gates' ? gates.map((g) => [g, b] as [string, string]) : [[a, b] as [string, string]]));
  return { nodes, gates, edges, raw: raw.length };
}

function closure(nodes: string[], edges: Map<string, string[]>): Set<string> {
  const pairs = new Set<string>();
  const reach = (from: string, n: string, seen: Set<string>) => {
    for (const m of edges.get(n) ?? []) {
      if (seen.has(m)) continue;
      seen.add(m);
      pairs.add(`${m}->${from}`);
      reach(from, m, seen);
    }
  };
  for (const n of nodes) reach(n, n, new Set());
  return pairs;
}

test('transitiveReduction drops exactly the edges implied by a longer path (hand-written graph)', () => {
  // a -> b -> c, a -> c (redundant), a -> d, d -> c, e -> c (not implied)
  const needs = new Map([['a', []], ['b', ['a']], ['c', ['a', 'b', 'd', 'e']], ['d', ['a']], ['e', []]]);
  const r = transitiveReduction(['a', 'b', 'c', 'd', 'e'], needs);
  expect(Object.fromEntries(r)).toEqual({ a: [], b: ['a'], c: ['b', 'd', 'e'], d: ['a'], e: [] });
});

describe.each(docs().map((d) => [d.name, d] as const))('%s pipeline document', (_, d) => {
  const g = drawn(d.doc);

  test('no redundant edge: no drawn a -> c where drawn edges also lead a -> ... -> c', () => {
    const into = new Map<string, string[]>();
    for (const [a, b] of g.edges) into.set(b, [...(into.get(b) ?? []), a]);
    const redundant = g.edges.filter(([a, c]) => (into.get(c) ?? []).some((b) => b !== a && closure(g.nodes, into).has(`${a}->${b}`)));
    expect(redundant).toEqual([]);
  });

  test('the drawing loses no dependency: its reachability equals the workflow\'s needs (among the drawn jobs)', () => {
    const into = new Map<string, string[]>();
    for (const [a, b] of g.edges) into.set(b, [...(into.get(b) ?? []), a]);
    const wfNeeds = new Map([...d.needs].filter(([id]) => g.nodes.includes(id)).map(([id, n]) => [id, n.filter((x) => g.nodes.includes(x))]));
    expect([...closure(g.nodes, into)].sort()).toEqual([...closure(g.nodes, wfNeeds)].sort());
  });

  test('gates are grouped; the drawing stays readable (fewer lines than jobs plus a few)', () => {
    expect(g.gates.length).toBeGreaterThan(0);
    expect(g.raw).toBeLessThanOrEqual(g.nodes.length + 2);
  });

  test('the critical path names each human wait before its job, and does not count it as job time', () => {
    const line = d.doc.split('\n').find((l) => l.startsWith('**Critical path**'))!;
    const waits = (line.match(/⏸ \*[^*]+\*/g) ?? []).length;
    expect(waits).toBeGreaterThan(0); // every example's production has reviewers
    expect(line).toMatch(new RegExp(`estimated, plus ${waits} human waits?\\): `));
    expect(line).toMatch(/→ ⏸ \*approval by [^*]+ \(production\)\* → (⏸ \*[^*]+\* → )*`[a-z-]+-deploy-production`/);
  });
});

test('the enterprise example names its manual canary gate and its change approval as waits', () => {
  const d = docs().find((x) => x.name === 'enterprise-platform/checkout')!;
  const line = d.doc.split('\n').find((l) => l.startsWith('**Critical path**'))!;
  expect(line).toContain('⏸ *manual canary gate: approval by sre-leads (production)* → `checkout-promote-production-50`');
  expect(line).toContain('⏸ *change approval, up to 10 minutes (step `change-request`)* → `checkout-deploy-production`');
  // the clean-up after an unfinished promotion runs only when it was rejected or expired: not on the path
  expect(line).not.toContain('abandon');
  expect(line).toMatch(/`checkout-promote-production-50` → `checkout-report-metrics`\.$/);
});
