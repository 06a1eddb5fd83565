import * as fs from 'fs';
import * as path from 'path';
import { LAYERS } from '../projenrc/layers';

// The shape of src/ (DESIGN.md §2 "Layers"), measured on the import graph with type-only imports counted:
// no cycle, one dependency direction, helpers never exported. ESLint's import/no-restricted-paths enforces
// the layers as you type; this test also finds cycles inside a folder, which lint cannot see.

const SRC = path.join(__dirname, '..', 'src');
const RANK = new Map(LAYERS.flatMap((layer, rank) => layer.map((area) => [area, rank] as [string, number])));

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

/** Every relative module a file imports or re-exports, `import type` and `import()` included. */
export function importsOf(file: string, text: string): string[] {
  const specs = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+'(\.[^']+)'|import\(\s*'(\.[^']+)'\s*\)/g)]
    .map((m) => m[1] ?? m[2]);
  return specs.map((s) => {
    const base = path.resolve(path.dirname(file), s);
    return fs.existsSync(`${base}.ts`) ? `${base}.ts` : path.join(base, 'index.ts');
  });
}

/** The cycles of a directed graph (Tarjan's strongly connected components of size > 1, or a self-import). */
export function cyclesOf(graph: Map<string, string[]>): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index); low.set(v, index); index++;
    stack.push(v); on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) {
        low.set(v, Math.min(low.get(v)!, idx.get(w)!));
      }
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w: string;
      do { w = stack.pop()!; on.delete(w); scc.push(w); } while (w !== v);
      if (scc.length > 1 || (graph.get(v) ?? []).includes(v)) out.push(scc.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return out;
}

const rel = (f: string) => path.relative(SRC, f).split(path.sep).join('/');
const areaOf = (f: string) => rel(f).split('/')[0];

const files = sourceFiles(SRC);
const graph = new Map(files.map((f) => [f, importsOf(f, fs.readFileSync(f, 'utf8'))]));

describe('architecture of src/', () => {
  test('the cycle finder finds cycles, type-only imports included (so the next test can fail)', () => {
    const text = "import type { A } from './a';\nexport { B } from './b';\nconst c = import('./c');";
    expect(importsOf(path.join(SRC, 'x.ts'), text).map(rel)).toEqual(['a/index.ts', 'b/index.ts', 'c/index.ts']);
    expect(cyclesOf(new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['a']]]))).toEqual([['a', 'b', 'c']]);
    expect(cyclesOf(new Map([['a', ['a']], ['b', []]]))).toEqual([['a']]);
    expect(cyclesOf(new Map([['a', ['b']], ['b', []]]))).toEqual([]);
  });

  test('no import cycle among src/ files', () => {
    expect(files.length).toBeGreaterThan(50);
    expect(cyclesOf(graph).map((c) => c.map(rel).join(' -> '))).toEqual([]);
  });

  test('one dependency direction: a file imports only its own area or a lower layer, and no other area\'s private/', () => {
    const violations: string[] = [];
    for (const [file, deps] of graph) {
      const area = areaOf(file);
      if (!RANK.has(area)) continue; // index.ts and testing.ts sit on top
      for (const dep of deps) {
        const target = areaOf(dep);
        if (target === area) continue;
        if (!RANK.has(target) || RANK.get(target)! >= RANK.get(area)!) violations.push(`${rel(file)} imports ${rel(dep)}`);
        else if (rel(dep).split('/')[1] === 'private') violations.push(`${rel(file)} imports ${rel(dep)} (private to ${target})`);
      }
    }
    expect(violations).toEqual([]);
  });

  test('index.ts exports by name, only classes, interfaces and enums, and nothing from a private/ folder', () => {
    const index = fs.readFileSync(path.join(SRC, 'index.ts'), 'utf8');
    expect(index).not.toMatch(/export \*/);
    const problems: string[] = [];
    let count = 0;
    for (const m of index.matchAll(/export \{([^}]+)\} from '([^']+)';/g)) {
      const file = path.resolve(SRC, `${m[2]}.ts`);
      if (rel(file).includes('/private/')) problems.push(`${m[2]} is private`);
      const text = fs.readFileSync(file, 'utf8');
      for (const name of m[1].split(',').map((n) => n.trim()).filter(Boolean)) {
        count++;
        const decl = new RegExp(`(/\\*\\*(?:(?!\\*/)[\\s\\S])*\\*/\\s*)?export (?:abstract )?(class|interface|enum) ${name}\\b`).exec(text);
        if (!decl) problems.push(`${name} (${m[2]}) is not a class, interface or enum: helpers are never exported`);
        else if (decl[1]?.includes('@internal')) problems.push(`${name} (${m[2]}) is @internal`);
      }
    }
    expect(problems).toEqual([]);
    expect(count).toBeGreaterThan(100);
  });

  // `<file>.test.ts` tests src/<area>/<file>.ts; `<file>.<aspect>.test.ts` tests one aspect of it at length
  // (e.g. prometheus-rules.scenarios.test.ts: the generated rules under promtool scenarios and mutations)
  test('test/ mirrors src/: each test file of an area is named after the one src/ file it tests', () => {
    const TEST = path.join(__dirname);
    const orphans: string[] = [];
    let count = 0;
    for (const area of RANK.keys()) {
      const dir = path.join(TEST, area);
      if (!fs.existsSync(dir)) continue;
      for (const t of sourceFiles(dir).filter((f) => f.endsWith('.test.ts'))) {
        count++;
        const testFile = path.relative(TEST, t);
        const tested = [testFile.replace(/\.test\.ts$/, '.ts'), testFile.replace(/\.[a-z][a-z-]*\.test\.ts$/, '.ts')];
        if (!tested.some((f) => fs.existsSync(path.join(SRC, f)))) orphans.push(testFile);
      }
    }
    expect(orphans).toEqual([]);
    expect(count).toBeGreaterThan(20);
  });
});
