/**
 * k6 scripts type-checked as JavaScript (`checkJs`) against `@types/k6` with the TypeScript 5 API
 * (validators.md §6). Needs the devDependency `@types/k6`; without it every call throws.
 */
import * as path from 'path';
import * as ts from 'typescript';
import { repoRoot } from './paths';
import { reusableProgram } from './ts-program';

/**
 * Directory of the installed `@types/k6` package.
 * @returns its absolute path; throws "install @types/k6" when it is not installed
 */
export function k6TypesDir(): string {
  try {
    return path.dirname(require.resolve('@types/k6/package.json', { paths: [repoRoot()] }));
  } catch {
    throw new Error('k6 validator unavailable: install @types/k6 (add it to devDeps in .projenrc.ts and run `npx projen`).');
  }
}

/**
 * Type-checks k6 scripts (`.js`) in one program: syntax errors, API typos (`http.gett`), Node-only
 * imports and, with a `/** @type {import("k6/options").Options} *\/` annotation, option typos.
 * @param files k6 script paths
 * @returns findings like `load.js:4:8: Property 'gett' does not exist on type 'typeof import("k6/http")'.`
 */
export function k6TypeErrors(files: readonly string[]): string[] {
  const typeRoot = path.dirname(k6TypesDir());
  if (files.length === 0) throw new Error('k6TypeErrors: no files given');
  const program = reusableProgram(files.map((f) => path.resolve(f)), {
    allowJs: true,
    checkJs: true,
    noEmit: true,
    strict: false,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2020,
    lib: ['lib.es2020.d.ts'],
    types: ['k6'],
    typeRoots: [typeRoot],
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
  });
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const msg = ts.flattenDiagnosticMessageText(d.messageText, '\n').split('\n')[0];
    if (!d.file || d.start === undefined) return msg;
    const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
    return `${path.relative(process.cwd(), d.file.fileName)}:${line + 1}:${character + 1}: ${msg}`;
  });
}
