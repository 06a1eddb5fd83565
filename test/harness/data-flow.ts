/**
 * The static data-flow check (DESIGN §2b "Data flows"): over a parsed workflow, without running it.
 * - every `steps.<id>.outputs.<x>` names an earlier step of the same job (any step, for job `outputs:`) that
 *   writes `<x>`: a `run:` script through `GITHUB_OUTPUT`, or an action whose manifest (or recorded dynamic
 *   outputs) has `<x>`;
 * - every `needs.<job>.outputs.<x>` names a job in `needs` that declares output `<x>`;
 * - every `actions/download-artifact` finds an upload of its `name` (or one matching its `pattern`) in a job it
 *   needs, directly or through others, or earlier in its own job;
 * - every file a later step reads under a download's `path` (in `run:`, `with:`, `env:` or `if:`, `hashFiles`
 *   included) is a file the download puts there, named as the uploading action names it (ACTION_FILES).
 * Each problem names the job, the step and the reference, and says what is wrong.
 */
import * as path from 'path';
import { parse } from 'yaml';
import { globMatches } from './expressions';
import { ACTION_DYNAMIC_OUTPUTS, ACTION_FILES } from '../../src/core/action-artifacts';
import { ACTION_PINS } from '../../src/core/action-pins.generated';

/** One string of a job, where it is and whether it is an expression as a whole (`if:`). */
interface Site {
  /** The step's index and id (or `#<n>`), for strings of a step. */
  readonly step?: number;
  readonly stepId?: string;
  /** Job-level (not a step, not `outputs:`, not `environment.url`): the steps context is not available there. */
  readonly jobLevel: boolean;
  /** The key inside the step or job (`run`, `env.X`, `with.path`, `if`, `outputs.x`). */
  readonly field: string;
  readonly value: string;
  readonly condition: boolean;
}

/** A `steps.…` or `needs.…` reference: its root, up to three segments, and its text. */
interface Ref {
  readonly root: 'steps' | 'needs';
  readonly segments: string[];
  readonly text: string;
}

/** An artifact some step uploads, and the files it holds (undefined: not known statically). */
interface Upload {
  readonly job: string;
  readonly step: number;
  readonly name: string;
  readonly files: string[] | undefined;
}

/** Files a download put under its `path`. */
interface Download {
  readonly step: number;
  readonly label: string;
  readonly dest: string;
  readonly files: Set<string>;
  /** Some matched upload's contents are not known: reads under `dest` are not checked. */
  readonly open: boolean;
}

const needsOf = (job: any): string[] => (job?.needs === undefined ? [] : [job.needs].flat().map(String));
const usesOf = (step: any): string => String(step?.uses ?? '').replace(/@.*$/, '');
const stepLabel = (step: any, i: number): string => (step?.id ? String(step.id) : `#${i + 1}`);

/** Every string leaf under `value`, with its key path. */
function leaves(value: any, key: string, out: Array<[string, string]>): Array<[string, string]> {
  if (typeof value === 'string') out.push([key, value]);
  else if (typeof value === 'number' || typeof value === 'boolean') out.push([key, String(value)]);
  else if (Array.isArray(value)) value.forEach((v, i) => leaves(v, `${key}[${i}]`, out));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) leaves(v, key ? `${key}.${k}` : k, out);
  return out;
}

/** The strings of a job, by where they are. */
function sites(job: any): Site[] {
  const out: Site[] = [];
  for (const [key, value] of Object.entries(job ?? {})) {
    if (key === 'steps' || key === 'outputs') continue;
    // the environment's url is evaluated after the steps, like outputs (the docs' context availability table)
    for (const [field, v] of leaves(value, key, [])) out.push({ jobLevel: field !== 'environment.url', field, value: v, condition: field === 'if' });
  }
  for (const [name, value] of Object.entries(job?.outputs ?? {})) {
    out.push({ jobLevel: false, field: `outputs.${name}`, value: String(value), condition: false });
  }
  (job?.steps ?? []).forEach((step: any, i: number) => {
    for (const [field, v] of leaves(step, '', [])) {
      out.push({ step: i, stepId: stepLabel(step, i), jobLevel: false, field, value: v, condition: field === 'if' });
    }
  });
  return out;
}

/** The expressions of a string: an `if:` is one as a whole (unless it wraps itself in `${{ }}`). */
function expressions(site: Site): string[] {
  const embedded = [...site.value.matchAll(/\$\{\{([\s\S]*?)\}\}/g)].map((m) => m[1]);
  return site.condition && embedded.length === 0 ? [site.value] : embedded;
}

const SEGMENT = String.raw`(?:\.([A-Za-z_*][\w-]*)|\[\s*'([^']*)'\s*\])`;
const REF = new RegExp(String.raw`(?<![\w.-])(steps|needs)${SEGMENT}(?:${SEGMENT})?(?:${SEGMENT})?`, 'g');

/** The `steps.…` and `needs.…` references of one expression (string literals are not references). */
function references(expr: string): Ref[] {
  const code = expr.replace(/(\[\s*)?'(?:[^']|'')*'/g, (m, bracket) => (bracket ? m : "''"));
  return [...code.matchAll(REF)].map((m) => ({
    root: m[1] as 'steps' | 'needs',
    segments: [m[2] ?? m[3], m[4] ?? m[5], m[6] ?? m[7]].filter((s) => s !== undefined),
    text: m[0],
  }));
}

const OUTPUT_FILE = /[>]{1,2}\s*"?\$\{?GITHUB_OUTPUT\}?"?|\btee\s+(?:-a\s+)?"?\$\{?GITHUB_OUTPUT\}?"?/;
const NAME = '([A-Za-z_][A-Za-z0-9_-]*)(?:=|<<)';
const ECHO = new RegExp(String.raw`\becho\s+(?:-[neE]+\s+)*["']?${NAME}`, 'g');
const PRINTF = new RegExp(String.raw`\bprintf\s+(?:--\s+)?(?:["']${NAME}|(["'])[^"']*\2\s+["']?${NAME})`, 'g');

/** The output names a `run:` script writes to `GITHUB_OUTPUT`: lines and `{ … }` / `( … )` groups redirected there, heredocs. */
function runOutputs(script: string): Set<string> {
  const lines = script.split('\n');
  const names = new Set<string>();
  const take = (line: string) => {
    for (const m of line.matchAll(ECHO)) names.add(m[1]);
    for (const m of line.matchAll(PRINTF)) names.add(m[1] ?? m[3]);
  };
  lines.forEach((line, i) => {
    if (!OUTPUT_FILE.test(line)) return;
    const heredoc = /<<-?\s*(['"]?)([A-Za-z_]\w*)\1/.exec(line.replace(ECHO, '').replace(PRINTF, ''));
    const close = /^(\s*)[})]\s*(?:>|\|)/.exec(line);
    if (heredoc) {
      for (let j = i + 1; j < lines.length && lines[j].trim() !== heredoc[2]; j++) {
        const m = new RegExp(`^\\s*${NAME}`).exec(lines[j]);
        if (m) names.add(m[1]);
      }
    } else if (close) {
      // the group opens at the same indentation: `{` or `(` alone on its line
      for (let j = i - 1; j >= 0; j--) {
        if (new RegExp(`^${close[1]}[{(]\\s*$`).test(lines[j])) {
          lines.slice(j + 1, i).forEach(take);
          break;
        }
      }
    } else {
      take(line);
    }
  });
  return names;
}

/** The outputs a step sets, or why they are not known. */
function stepOutputs(step: any): { names: Set<string> } | { unknown: string } {
  if (typeof step?.run === 'string') return { names: runOutputs(step.run) };
  const uses = usesOf(step);
  const pin = ACTION_PINS.find((a) => a.uses.toLowerCase() === uses.toLowerCase());
  if (!pin) return { unknown: `its action ${uses || '(none)'} has no pinned manifest` };
  const names = new Set(pin.outputs);
  const pf = ACTION_DYNAMIC_OUTPUTS.pathsFilter;
  if (pin.uses.toLowerCase() === pf.uses.toLowerCase()) {
    const filters = String(step.with?.filters ?? '');
    // paths-filter reads a file when the input has neither a newline nor a colon (src/main.ts isPathInput)
    if (!filters.includes('\n') && !filters.includes(':')) return { unknown: `its filters come from the file ${filters || '(none)'}` };
    let parsed: unknown;
    try {
      parsed = parse(filters);
    } catch (e: any) {
      return { unknown: `its filters YAML does not parse (${e.message})` };
    }
    for (const filter of Object.keys(parsed && typeof parsed === 'object' ? parsed : {})) {
      for (const o of pf.outputsOfFilter(filter, String(step.with?.['list-files'] ?? ''))) names.add(o);
    }
  }
  return { names };
}

/** The files of an `actions/upload-artifact` `path:` input, relative to the artifact root; undefined when not known statically. */
function uploadedFiles(input: unknown): string[] | undefined {
  const lines = String(input ?? '').split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const include = lines.filter((l) => !l.startsWith('!'));
  const exclude = lines.filter((l) => l.startsWith('!')).map((l) => path.posix.normalize(l.slice(1)));
  // a directory, a glob, or a name that may be either: its files are not known here
  if (include.length === 0 || include.some((l) => /[*?[]/.test(l) || l.endsWith('/') || !path.posix.basename(l).includes('.'))) return undefined;
  const files = include.map((l) => path.posix.normalize(l)).filter((f) => !exclude.some((x) => globMatches(x, f)));
  // upload-artifact: paths are kept relative to the least common ancestor of the search paths
  let root = path.posix.dirname(files[0] ?? '.');
  for (const f of files) while (root !== '.' && root !== '/' && !f.startsWith(`${root}/`)) root = path.posix.dirname(root);
  return files.map((f) => (root === '.' ? f : path.posix.relative(root, f)));
}

/** The artifacts a job's steps upload. */
function uploadsOf(jobId: string, job: any): Upload[] {
  const out: Upload[] = [];
  (job?.steps ?? []).forEach((step: any, i: number) => {
    const uses = usesOf(step).toLowerCase();
    const w = step.with ?? {};
    if (uses === 'actions/upload-artifact') {
      out.push({ job: jobId, step: i, name: String(w.name ?? 'artifact'), files: uploadedFiles(w.path) });
    } else if (uses === 'anchore/sbom-action' && String(w['upload-artifact'] ?? true) !== 'false' && w['artifact-name'] !== undefined) {
      // without artifact-name the name depends on the step's position: nothing can download it by name
      const name = String(w['artifact-name']);
      out.push({ job: jobId, step: i, name, files: [ACTION_FILES.sbomAction.fileInArtifact(name)] });
    }
  });
  return out;
}

/** Every job `jobId` needs, directly or through others. */
function needsClosure(jobs: Record<string, any>, jobId: string): Set<string> {
  const seen = new Set<string>();
  const walk = (id: string) => {
    for (const n of needsOf(jobs[id])) if (!seen.has(n)) { seen.add(n); walk(n); }
  };
  walk(jobId);
  return seen;
}

/** Where a step names the files it reads: its script, its inputs, its environment, its condition (`hashFiles`). */
const READING_FIELDS = /^(run|if|with\..*|env\..*)$/;
const normalizeDir = (p: unknown): string => path.posix.normalize(String(p ?? '.')).replace(/\/+$/, '');
const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Checks the downloads of one job and the reads of what they downloaded. */
function downloadProblems(jobs: Record<string, any>, jobId: string, uploads: Upload[]): string[] {
  const problems: string[] = [];
  const job = jobs[jobId];
  const upstream = needsClosure(jobs, jobId);
  const downloads: Download[] = [];
  (job?.steps ?? []).forEach((step: any, i: number) => {
    const at = `job ${jobId}, step ${stepLabel(step, i)}`;
    // the reads first: of what earlier downloads put under their paths
    const dests = [...new Set(downloads.filter((d) => d.step < i).map((d) => d.dest))];
    for (const dest of dests) {
      const ds = downloads.filter((d) => d.dest === dest && d.step < i);
      if (ds.some((d) => d.open)) continue;
      const files = ds.flatMap((d) => [...d.files]);
      const mention = new RegExp(String.raw`(?<![\w.$/}~-])(?:\./)?${escapeRe(dest)}/([A-Za-z0-9._/*?-]*)(\$?)`, 'g');
      for (const [field, value] of leaves(step, '', []).filter(([f]) => READING_FIELDS.test(f))) {
        for (const m of value.matchAll(mention)) {
          const rest = m[1].replace(/[./]+$/, '');
          if (rest === '') continue;
          const read = `${dest}/${rest}`;
          const found = m[2] === '$' ? files.some((f) => f.startsWith(read))
            : /[*?]/.test(read) ? files.some((f) => globMatches(read, f))
              : files.some((f) => f === read || f.startsWith(`${read}/`));
          if (!found) {
            problems.push(`${at}: ${field} reads ${read}, which the download into ${dest}/ does not produce `
              + `(${ds.map((d) => d.label).join('; ')} gives ${files.join(', ') || 'no file'})`);
          }
        }
      }
    }
    if (usesOf(step).toLowerCase() !== 'actions/download-artifact') return;
    const w = step.with ?? {};
    const available = uploads.filter((u) => upstream.has(u.job) || (u.job === jobId && u.step < i));
    const byName = w.name !== undefined;
    const wanted = byName ? String(w.name) : String(w.pattern ?? '*');
    const matched = available.filter((u) => (byName ? u.name === wanted : globMatches(wanted, u.name)));
    if (matched.length === 0) {
      const what = byName ? `artifact ${wanted}` : `pattern ${wanted}`;
      problems.push(`${at}: downloads ${what}, which no upload in a job it needs (or earlier in the job) `
        + `${byName ? 'has' : 'matches'} (uploads upstream: ${[...new Set(available.map((u) => u.name))].join(', ') || 'none'})`);
      return;
    }
    const dest = normalizeDir(w.path);
    // the workspace root, or a path only known at run time: reads there cannot be told from other files
    if (dest === '.' || dest.includes('$')) return;
    const merge = String(w['merge-multiple'] ?? false) === 'true';
    const files = new Set<string>();
    for (const u of matched) {
      for (const f of u.files ?? []) {
        files.add(byName ? ACTION_FILES.downloadArtifact.byName(dest, f) : ACTION_FILES.downloadArtifact.byPattern(dest, u.name, f, merge));
      }
    }
    const label = `${stepLabel(step, i)} (${byName ? 'name' : 'pattern'} ${wanted})`;
    downloads.push({ step: i, label, dest, files, open: matched.some((u) => u.files === undefined) });
  });
  return problems;
}

/** Checks the `steps.…` and `needs.…` references of one job. */
function referenceProblems(jobs: Record<string, any>, jobId: string): string[] {
  const problems: string[] = [];
  const job = jobs[jobId];
  const steps: any[] = job?.steps ?? [];
  const needs = needsOf(job);
  for (const site of sites(job)) {
    const at = site.step === undefined ? `job ${jobId}: ${site.field}` : `job ${jobId}, step ${site.stepId}: ${site.field}`;
    for (const expr of expressions(site)) {
      for (const ref of references(expr)) {
        const [name, prop, key] = ref.segments;
        const problem = (what: string) => problems.push(`${at} reads ${ref.text}, ${what}`);
        if (ref.root === 'steps') {
          if (site.jobLevel) { problem('but the steps context is not available at job level'); continue; }
          const j = steps.findIndex((s) => s?.id === name);
          if (j < 0) { problem(`but the job has no step ${name}`); continue; }
          if (site.step !== undefined && j >= site.step) { problem(`but step ${name} ${j === site.step ? 'is this step' : 'runs later'}`); continue; }
          if (prop !== 'outputs' || key === undefined) continue;
          const outputs = stepOutputs(steps[j]);
          if ('unknown' in outputs) { problem(`but the outputs of step ${name} are not known: ${outputs.unknown}`); continue; }
          if (outputs.names.has(key)) continue;
          const has = [...outputs.names].join(', ');
          problem(typeof steps[j].run === 'string'
            ? `but the script of step ${name} writes no ${key} to GITHUB_OUTPUT (it writes: ${has || 'nothing'})`
            : `but ${usesOf(steps[j])} has no output ${key} (it has: ${has || 'none'})`);
        } else {
          if (name === '*') continue;
          if (!needs.includes(name)) { problem(`but ${name} is not in this job's needs (${needs.join(', ') || 'none'})`); continue; }
          const upstream = jobs[name];
          if (upstream === undefined) { problem(`but the workflow has no job ${name}`); continue; }
          if (prop !== 'outputs' || key === undefined) continue;
          const declared = Object.keys(upstream.outputs ?? {});
          if (upstream.uses !== undefined) problem(`but ${name} calls the reusable workflow ${upstream.uses}, whose outputs are not recorded`);
          else if (!declared.includes(key)) problem(`but ${name} declares no output ${key} (it declares: ${declared.join(', ') || 'none'})`);
        }
      }
    }
  }
  return problems;
}

/** Every data-flow problem of a parsed workflow; [] when every reference, artifact and file read is satisfied. */
export function dataFlowProblems(workflow: any): string[] {
  const jobs: Record<string, any> = workflow?.jobs ?? {};
  const uploads = Object.entries(jobs).flatMap(([id, job]) => uploadsOf(id, job));
  return Object.keys(jobs).flatMap((id) => [...referenceProblems(jobs, id), ...downloadProblems(jobs, id, uploads)]);
}
