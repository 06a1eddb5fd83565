/**
 * The samples in README.md and docs/*.md compile: every ```ts block becomes one module of a single
 * TypeScript program against the built library (lib/*.d.ts, as a user's `.projenrc.ts` sees it), with a
 * preamble that declares what a sample uses without defining it (`pp`, `app`, `project`, `Duration`, …).
 * A block fenced ```ts fragment is a cheat sheet of call shapes, not a program: it is listed, not compiled.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';
import { assertLibraryBuilt } from './example-harness';
import { repoRoot } from './validators';

interface Sample { readonly doc: string; readonly line: number; readonly code: string; readonly fragment: boolean }

function samples(): Sample[] {
  const root = repoRoot();
  const docs = ['README.md', ...fs.readdirSync(path.join(root, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)];
  const result: Sample[] = [];
  for (const doc of docs) {
    const lines = fs.readFileSync(path.join(root, doc), 'utf8').split('\n');
    for (let i = 0; i < lines.length; i++) {
      const open = /^```ts( fragment)?\s*$/.exec(lines[i]);
      if (!open) continue;
      const end = lines.indexOf('```', i + 1);
      result.push({ doc, line: i + 2, code: lines.slice(i + 1, end).join('\n'), fragment: open[1] !== undefined });
      i = end;
    }
  }
  return result;
}

/** Declarations for what a sample uses and neither imports nor defines. */
function preamble(code: string): string {
  const defines = (name: string) => new RegExp(`(import[^;]*\\b${name}\\b[^;]*from|(const|let|function|class) ${name}\\b)`).test(code);
  const lines: string[] = [];
  if (!defines('pp')) lines.push("import * as pp from 'platform-pipeline';");
  if (!defines('Duration')) lines.push("import { Duration } from 'cdk8s';");
  if (!defines('ApiObject')) lines.push("import { ApiObject } from 'cdk8s';");
  if (!defines('github') && !defines('typescript') && !defines('javascript')) lines.push("import { github, javascript, typescript } from 'projen';");
  if (!defines('project')) lines.push('declare const project: typescript.TypeScriptProject;');
  if (!defines('app')) lines.push('declare const app: pp.PlatformApp;');
  if (!defines('props')) lines.push('declare const props: pp.PlatformAppProps;');
  if (!defines('expect')) lines.push('declare function expect(actual: unknown): { toBe(expected: unknown): void; toEqual(expected: unknown): void };');
  lines.push('export {};');
  return lines.join('\n') + '\n';
}

test('every ```ts sample of README.md and docs/*.md type-checks against the built library (one program)', () => {
  assertLibraryBuilt();
  const root = repoRoot();
  const all = samples();
  const compiled = all.filter((s) => !s.fragment);
  expect(compiled.length).toBeGreaterThan(20); // the construct pages each have one; a parser that finds none fails
  expect(all.filter((s) => s.fragment).map((s) => `${s.doc}:${s.line}`)).toEqual(['README.md:151']);

  const files = new Map<string, { sample: Sample; offset: number; text: string }>();
  compiled.forEach((s, i) => {
    const pre = preamble(s.code);
    files.set(path.join(root, '.tmp', 'doc-samples', `sample-${i}.ts`), { sample: s, offset: pre.split('\n').length - 1, text: pre + s.code + '\n' });
  });
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    esModuleInterop: true,
    types: ['node'],
    lib: ['lib.es2022.d.ts'],
    baseUrl: root,
    paths: { 'platform-pipeline': ['lib/index.d.ts'] },
    typeRoots: [path.join(root, 'node_modules', '@types')],
  };
  const host = ts.createCompilerHost(options);
  const read = host.readFile.bind(host);
  const exists = host.fileExists.bind(host);
  host.readFile = (f) => files.get(path.resolve(f))?.text ?? read(f);
  host.fileExists = (f) => files.has(path.resolve(f)) || exists(f);
  host.getSourceFile = ((orig) => (f: string, lang: ts.ScriptTarget, ...rest: any[]) => {
    const own = files.get(path.resolve(f));
    return own ? ts.createSourceFile(f, own.text, lang, true) : (orig as any)(f, lang, ...rest);
  })(host.getSourceFile.bind(host));
  const program = ts.createProgram([...files.keys()], options, host);
  const problems = ts.getPreEmitDiagnostics(program).map((d) => {
    const own = d.file ? files.get(path.resolve(d.file.fileName)) : undefined;
    const msg = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    if (!own || d.start === undefined) return `${d.file?.fileName ?? ''}: ${msg}`;
    const { line } = d.file!.getLineAndCharacterOfPosition(d.start);
    return `${own.sample.doc}:${own.sample.line + line - own.offset}: ${msg}`;
  });
  expect(problems).toEqual([]);
});

test('every construct in API.md has its page in docs/ (the two the app creates itself on PlatformApp\'s)', () => {
  const root = repoRoot();
  const api = fs.readFileSync(path.join(root, 'API.md'), 'utf8');
  const section = api.slice(api.indexOf('\n## Constructs'), api.indexOf('\n## Structs'));
  const constructs = [...section.matchAll(/^### (\w+) <a/gm)].map((m) => m[1]);
  expect(constructs.length).toBeGreaterThan(15);
  const pages = new Set(fs.readdirSync(path.join(root, 'docs')));
  const kebab = (name: string) => name.replace(/E2E/g, 'E2e').replace(/GitOps/g, 'Gitops').replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
  const onAppPage = ['Pipeline', 'ReleasePath'];
  const appPage = fs.readFileSync(path.join(root, 'docs', 'platform-app.md'), 'utf8');
  const missing = constructs.filter((c) => (onAppPage.includes(c) ? !appPage.includes(`(\`${c}\`)`) : !pages.has(`${kebab(c)}.md`)));
  expect(missing).toEqual([]);
});
