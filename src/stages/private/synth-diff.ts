import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';

/**
 * The rendered diff of two synthesized trees (the base and the head of a pull request): per app and per
 * environment, what changes in the Helm values, the Kubernetes objects, the policies, the alert rules and
 * the workflow's jobs; and, flagged, the changes a reviewer must not miss (wider permissions, new secrets,
 * changed approvals, lower gate thresholds). Run by the synth-check job as `platform-pipeline-diff`.
 * @internal
 */

/** What a change is about. */
export type DiffArea = 'environment' | 'helm values' | 'kubernetes' | 'policies' | 'alert rules' | 'workflow';

/** One change of one subject. */
export interface DiffChange {
  /** The app (`<app>` of the generated paths). */
  readonly app: string;
  /** The environment, or '' for what concerns the whole app. */
  readonly environment: string;
  readonly area: DiffArea;
  /** `Kind/name`, a job id, a values file, an alert name. */
  readonly subject: string;
  readonly change: 'added' | 'removed' | 'changed';
  /** Changed fields (dotted paths) or what changed, in order. */
  readonly details: string[];
}

/** A change flagged at the top. */
export interface DiffFlag {
  readonly app: string;
  readonly reason: 'wider permission' | 'new secret' | 'approval changed' | 'lower threshold';
  readonly detail: string;
}

/** The diff of two trees. */
export interface SynthDiff {
  readonly flags: DiffFlag[];
  readonly changes: DiffChange[];
  /** Other generated files added, removed or changed (docs, scripts, tests, projen's own files). */
  readonly otherFiles: string[];
}

const LEVEL: Record<string, number> = { none: 0, read: 1, write: 2 };
const SEVERITY_RANK: Record<string, number> = {
  unknown: 0, negligible: 0, info: 0, note: 0, low: 1, medium: 2, moderate: 2, warning: 2, high: 3, error: 3, critical: 4,
};
const MAX_DETAILS = 12;

/** Files projen generated in a synthesized tree (its `.projen/files.json`). */
export function generatedFiles(dir: string): string[] {
  const list = path.join(dir, '.projen', 'files.json');
  if (!fs.existsSync(list)) throw new Error(`${dir} is not a synthesized projen tree: ${path.join('.projen', 'files.json')} is missing (run the synth there first)`);
  const files = JSON.parse(fs.readFileSync(list, 'utf8')).files;
  if (!Array.isArray(files)) throw new Error(`${list}: no 'files' list`);
  return [...files.map(String), '.projen/files.json'];
}

/** Compares the synthesized trees `baseDir` and `headDir`. */
export function diffTrees(baseDir: string, headDir: string): SynthDiff {
  const base = new Set(generatedFiles(baseDir));
  const head = new Set(generatedFiles(headDir));
  const read = (dir: string, f: string, present: Set<string>) => (present.has(f) && fs.existsSync(path.join(dir, f)) ? fs.readFileSync(path.join(dir, f), 'utf8') : undefined);
  const out: { flags: DiffFlag[]; changes: DiffChange[]; otherFiles: string[] } = { flags: [], changes: [], otherFiles: [] };
  const all = [...new Set([...base, ...head])].sort();
  // an environment added or removed: its values file exists on one side only
  const envFiles = new Map<string, 'added' | 'removed'>();
  for (const f of all) {
    const m = /^helm\/([^/]+)\/values-([^/]+)\.yaml$/.exec(f);
    if (m && base.has(f) !== head.has(f)) {
      const change = head.has(f) ? 'added' : 'removed';
      envFiles.set(`${m[1]}/${m[2]}`, change);
      out.changes.push({ app: m[1], environment: m[2], area: 'environment', subject: m[2], change, details: [] });
    }
  }
  // the files of an added or removed environment are listed with it
  const envOfFile = (f: string) => {
    const m = /^[^/]+\/([^/]+)\/(?:values-)?([^/.]+)\.[^/]+$/.exec(f);
    return m && envFiles.has(`${m[1]}/${m[2]}`) ? `${m[1]}/${m[2]}` : undefined;
  };
  const ruleFiles: Array<{ app: string; environment: string; path: string; a: any; b: any }> = [];
  for (const f of all) {
    const a = read(baseDir, f, base);
    const b = read(headDir, f, head);
    if (a === b) continue;
    const envKey = envOfFile(f);
    if (envKey) {
      const entry = out.changes.find((c) => c.area === 'environment' && `${c.app}/${c.environment}` === envKey)!;
      entry.details.push(f);
      continue;
    }
    let m: RegExpExecArray | null;
    if ((m = /^\.github\/workflows\/(.+)-pipeline\.yml$/.exec(f))) {
      diffWorkflow(m[1], parse(a), parse(b), out);
    } else if ((m = /^helm\/([^/]+)\/values-([^/]+)\.yaml$/.exec(f))) {
      const fields = changedPaths(parse(a), parse(b));
      if (fields.length > 0) out.changes.push({ app: m[1], environment: m[2], area: 'helm values', subject: f, change: 'changed', details: cap(fields) });
    } else if ((m = /^deploy\/([^/]+)\/([^/]+)\.k8s\.yaml$/.exec(f))) {
      diffObjects(m[1], m[2], parseAll(a), parseAll(b), out);
    } else if ((m = /^monitoring\/([^/]+)\/([^/]+)\.rules\.yml$/.exec(f))) {
      ruleFiles.push({ app: m[1], environment: m[2], path: f, a: parse(a), b: parse(b) });
    } else if ((m = /^scripts\/([^/]+)\/setup-environments\.sh$/.exec(f))) {
      diffApprovals(m[1], a ?? '', b ?? '', out);
      out.otherFiles.push(f);
    } else {
      out.otherFiles.push(f);
    }
  }
  // the rule file promtool tests holds the rules of the environment's PrometheusRule objects: when those
  // changed, the rules are listed once, from the manifest
  for (const r of ruleFiles) {
    const listed = out.changes.some((c) => c.app === r.app && c.environment === r.environment && c.area === 'alert rules');
    if (listed) out.otherFiles.push(r.path);
    else diffRules(r.app, r.environment, '', r.a?.groups, r.b?.groups, out);
  }
  out.otherFiles.sort();
  return out;
}

function diffWorkflow(app: string, a: any, b: any, out: { flags: DiffFlag[]; changes: DiffChange[] }): void {
  const jobsA: Record<string, any> = a?.jobs ?? {};
  const jobsB: Record<string, any> = b?.jobs ?? {};
  const envOf = (job: any): string => String(job?.environment?.name ?? job?.environment ?? '');
  for (const id of [...new Set([...Object.keys(jobsA), ...Object.keys(jobsB)])].sort()) {
    const ja = jobsA[id];
    const jb = jobsB[id];
    const environment = envOf(jb ?? ja);
    const push = (change: DiffChange['change'], details: string[]) => out.changes.push({ app, environment, area: 'workflow', subject: id, change, details });
    if (!ja || !jb) {
      push(ja ? 'removed' : 'added', [`permissions ${showPerms(jb?.permissions ?? ja?.permissions)}`]);
      if (jb) {
        const writes = Object.entries<string>(jb.permissions ?? {}).filter(([, v]) => v === 'write').map(([k]) => k);
        if (writes.length > 0) out.flags.push({ app, reason: 'wider permission', detail: `new job ${id} asks for ${writes.map((k) => `${k}: write`).join(', ')}` });
      }
      continue;
    }
    const details: string[] = [];
    const pa = ja.permissions ?? {};
    const pb = jb.permissions ?? {};
    if (JSON.stringify(sortKeys(pa)) !== JSON.stringify(sortKeys(pb))) {
      details.push(`permissions ${showPerms(pa)} -> ${showPerms(pb)}`);
      const wider = Object.entries<string>(pb).filter(([k, v]) => (LEVEL[v] ?? 0) > (LEVEL[pa[k]] ?? 0)).map(([k, v]) => `${k}: ${v}`);
      if (wider.length > 0) out.flags.push({ app, reason: 'wider permission', detail: `job ${id} now asks for ${wider.join(', ')}` });
    }
    const pins = (job: any) => new Map<string, string>([...(job.uses ? [job.uses] : []), ...(job.steps ?? []).map((s: any) => s.uses).filter(Boolean)]
      .map((u: string) => [u.replace(/@.*$/, ''), u.replace(/^[^@]*@?/, '')] as [string, string]));
    const ua = pins(ja);
    const ub = pins(jb);
    for (const action of [...new Set([...ua.keys(), ...ub.keys()])].sort()) {
      if (ua.get(action) !== ub.get(action)) details.push(`${action}: ${ua.get(action) ?? '(none)'} -> ${ub.get(action) ?? '(none)'}`);
    }
    for (const t of thresholdChanges(ja, jb)) {
      details.push(t.detail);
      if (t.lower) out.flags.push({ app, reason: 'lower threshold', detail: `job ${id}: ${t.detail}` });
    }
    if (details.length > 0) push('changed', details);
  }
  const secretsA = secretNames(a);
  for (const s of secretNames(b)) {
    if (!secretsA.has(s)) out.flags.push({ app, reason: 'new secret', detail: `the workflow now reads secrets.${s}` });
  }
}

/** `secrets.NAME` read anywhere in a workflow, but the token GitHub gives every run. */
function secretNames(wf: any): Set<string> {
  const text = JSON.stringify(wf ?? {});
  return new Set([...text.matchAll(/secrets\.([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]).filter((s) => s !== 'GITHUB_TOKEN'));
}

/** Threshold-like step inputs and env values that changed, and whether the gate became more lenient. */
function thresholdChanges(ja: any, jb: any): Array<{ detail: string; lower: boolean }> {
  const values = (job: any) => {
    const m = new Map<string, string>();
    for (const [k, v] of Object.entries<any>(job.env ?? {})) m.set(`env.${k}`, String(v));
    for (const s of job.steps ?? []) {
      for (const [k, v] of Object.entries<any>(s.env ?? {})) m.set(`${s.id}.env.${k}`, String(v));
      for (const [k, v] of Object.entries<any>(s.with ?? {})) m.set(`${s.id}.with.${k}`, String(v));
    }
    return m;
  };
  const va = values(ja);
  const vb = values(jb);
  const out: Array<{ detail: string; lower: boolean }> = [];
  for (const [k, before] of va) {
    const after = vb.get(k);
    const name = k.replace(/^.*\./, '');
    if (after === undefined || after === before || !/threshold|min|severity|cutoff|score|coverage/i.test(name)) continue;
    let lower = false;
    if (/severity|cutoff/i.test(name)) {
      lower = severityFloor(after) > severityFloor(before);
    } else if (!isNaN(Number(before)) && !isNaN(Number(after))) {
      lower = /max/i.test(name) ? Number(after) > Number(before) : Number(after) < Number(before);
    }
    out.push({ detail: `${k}: ${before} -> ${after}`, lower });
  }
  return out;
}

/** The least severe level a severity setting fails on ('CRITICAL,HIGH' -> high). */
function severityFloor(v: string): number {
  const ranks = v.toLowerCase().split(/[,\s]+/).map((s) => SEVERITY_RANK[s]).filter((r) => r !== undefined);
  return ranks.length === 0 ? -1 : Math.min(...ranks);
}

function diffObjects(app: string, environment: string, a: any[], b: any[], out: { changes: DiffChange[] }): void {
  const key = (o: any) => `${o?.kind ?? '?'}/${o?.metadata?.namespace ? `${o.metadata.namespace}/` : ''}${o?.metadata?.name ?? '?'}`;
  const ma = new Map(a.map((o) => [key(o), o]));
  const mb = new Map(b.map((o) => [key(o), o]));
  for (const k of [...new Set([...ma.keys(), ...mb.keys()])].sort()) {
    const oa = ma.get(k);
    const ob = mb.get(k);
    const area = areaOfKind(String((ob ?? oa)?.kind ?? ''));
    if (!oa || !ob) {
      out.changes.push({ app, environment, area, subject: k, change: oa ? 'removed' : 'added', details: [] });
      continue;
    }
    if (area === 'alert rules') {
      const { spec: sa, ...restA } = oa;
      const { spec: sb, ...restB } = ob;
      const fields = changedPaths({ ...restA, spec: { ...sa, groups: undefined } }, { ...restB, spec: { ...sb, groups: undefined } });
      if (fields.length > 0) out.changes.push({ app, environment, area, subject: k, change: 'changed', details: cap(fields) });
      diffRules(app, environment, `${k} `, sa?.groups, sb?.groups, out);
      continue;
    }
    const fields = changedPaths(oa, ob);
    if (fields.length > 0) out.changes.push({ app, environment, area, subject: k, change: 'changed', details: cap(fields) });
  }
}

function areaOfKind(kind: string): DiffArea {
  if (kind === 'PrometheusRule') return 'alert rules';
  if (/Policy$|PolicyException$|^PeerAuthentication$/.test(kind)) return 'policies';
  return 'kubernetes';
}

/** Rules by `group/alert` (or `group/record`, numbered when a group records one name more than once). */
function diffRules(app: string, environment: string, prefix: string, a: any[] | undefined, b: any[] | undefined,
  out: { changes: DiffChange[] }): void {
  const rules = (groups: any[] | undefined) => {
    const m = new Map<string, any>();
    for (const g of groups ?? []) {
      for (const r of g.rules ?? []) {
        const name = `${prefix}${g.name}/${r.alert ?? r.record}`;
        let key = name;
        for (let i = 2; m.has(key); i++) key = `${name}#${i}`;
        m.set(key, r);
      }
    }
    return m;
  };
  const ra = rules(a);
  const rb = rules(b);
  for (const k of [...new Set([...ra.keys(), ...rb.keys()])].sort()) {
    const x = ra.get(k);
    const y = rb.get(k);
    if (!x || !y) {
      out.changes.push({ app, environment, area: 'alert rules', subject: k, change: x ? 'removed' : 'added', details: [] });
      continue;
    }
    const fields = changedPaths(x, y);
    if (fields.length > 0) out.changes.push({ app, environment, area: 'alert rules', subject: k, change: 'changed', details: cap(fields) });
  }
}

/** Reviewers and wait timers are written into the setup script; any change of those lines is flagged. */
function diffApprovals(app: string, a: string, b: string, out: { flags: DiffFlag[] }): void {
  const lines = (s: string) => s.split('\n').filter((l) => /reviewers|wait_timer/.test(l) && !/^\s*#/.test(l));
  const la = lines(a);
  const lb = lines(b);
  const added = lb.filter((l) => !la.includes(l));
  const removed = la.filter((l) => !lb.includes(l));
  if (added.length + removed.length === 0) return;
  const configured = (ls: string[]) => ls.map((l) => /configured environment ([^"]*)/.exec(l)?.[1]).filter(Boolean);
  const what = [...configured(removed).map((c) => `was: ${c}`), ...configured(added).map((c) => `now: ${c}`)];
  out.flags.push({ app, reason: 'approval changed', detail: `environment protection changed in scripts/${app}/setup-environments.sh${what.length ? ` (${what.join('; ')})` : ''}` });
}

/** Dotted paths of the leaves that differ (lists by index; a list of named objects by name). */
export function changedPaths(a: unknown, b: unknown, prefix = ''): string[] {
  if (JSON.stringify(a) === JSON.stringify(b)) return [];
  const isObj = (x: unknown) => x !== null && typeof x === 'object';
  if (Array.isArray(a) && Array.isArray(b)) {
    const named = (l: unknown[]) => l.every((x) => isObj(x) && typeof (x as any).name === 'string');
    if (named(a) && named(b)) {
      const ma = new Map(a.map((x: any) => [x.name, x]));
      const mb = new Map(b.map((x: any) => [x.name, x]));
      return [...new Set([...ma.keys(), ...mb.keys()])].flatMap((n) => changedPaths(ma.get(n), mb.get(n), `${prefix}[${n}]`));
    }
    const n = Math.max(a.length, b.length);
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push(...changedPaths(a[i], b[i], `${prefix}[${i}]`));
    return out;
  }
  if (isObj(a) && isObj(b) && !Array.isArray(a) && !Array.isArray(b)) {
    const keys = [...new Set([...Object.keys(a as object), ...Object.keys(b as object)])].sort();
    return keys.flatMap((k) => changedPaths((a as any)[k], (b as any)[k], prefix ? `${prefix}.${k}` : k));
  }
  return [prefix || '(root)'];
}

function cap(fields: string[]): string[] {
  return fields.length <= MAX_DETAILS ? fields : [...fields.slice(0, MAX_DETAILS), `… and ${fields.length - MAX_DETAILS} more`];
}

function parse(text: string | undefined): any {
  if (text === undefined) return undefined;
  return YAML.parse(text, { maxAliasCount: -1 });
}

function parseAll(text: string | undefined): any[] {
  if (text === undefined) return [];
  return YAML.parseAllDocuments(text).map((d) => d.toJSON()).filter((d) => d !== null && d !== undefined);
}

function sortKeys(o: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(o).sort(([x], [y]) => x.localeCompare(y)));
}

function showPerms(p: Record<string, string> | undefined): string {
  const e = Object.entries(p ?? {});
  return e.length === 0 ? '{}' : `{ ${e.sort(([x], [y]) => x.localeCompare(y)).map(([k, v]) => `${k}: ${v}`).join(', ')} }`;
}

/** The marker that finds the one comment the job keeps up to date on a pull request. */
export const COMMENT_MARKER = '<!-- platform-pipeline:synth-diff -->';

const FLAG_TITLE: Record<DiffFlag['reason'], string> = {
  'wider permission': 'Wider permission',
  'new secret': 'New secret',
  'approval changed': 'Approval changed',
  'lower threshold': 'Lower gate threshold',
};

/** The diff as Markdown: the flags first, then per app and environment, then the other files. */
export function renderMarkdown(d: SynthDiff): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|').replace(/</g, '&lt;');
  const lines: string[] = [COMMENT_MARKER, '## What this pull request changes in the generated pipeline', ''];
  if (d.flags.length > 0) {
    lines.push('> [!WARNING]', '> Changes that need a careful review:');
    for (const f of d.flags) lines.push(`> - **${FLAG_TITLE[f.reason]}** (${esc(f.app)}): ${esc(f.detail)}`);
    lines.push('');
  }
  if (d.changes.length === 0 && d.otherFiles.length === 0) {
    lines.push('The definition generates the same files as the base branch.');
    return lines.join('\n') + '\n';
  }
  const apps = [...new Set(d.changes.map((c) => c.app))].sort();
  for (const app of apps) {
    lines.push(`### ${esc(app)}`, '');
    const ofApp = d.changes.filter((c) => c.app === app);
    const envs = [...new Set(ofApp.map((c) => c.environment))].sort((x, y) => (x === '' ? -1 : y === '' ? 1 : x.localeCompare(y)));
    for (const env of envs) {
      lines.push(`#### ${env === '' ? 'every environment' : `environment ${esc(env)}`}`, '', '| area | what | change | details |', '|---|---|---|---|');
      for (const c of ofApp.filter((x) => x.environment === env)) {
        lines.push(`| ${c.area} | \`${esc(c.subject)}\` | ${c.change} | ${c.details.map((x) => esc(x)).join('<br>')} |`);
      }
      lines.push('');
    }
  }
  if (d.otherFiles.length > 0) {
    lines.push('<details><summary>Other generated files that change</summary>', '', ...d.otherFiles.map((f) => `- \`${esc(f)}\``), '', '</details>');
  }
  return lines.join('\n') + '\n';
}
