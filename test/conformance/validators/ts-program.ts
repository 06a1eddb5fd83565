/**
 * TypeScript programs for the type-check validators (core kinds, Grafana dashboards, k6 scripts), built so
 * that a run pays for parsing the declaration files once per process instead of once per check.
 */
import * as path from 'path';
import * as ts from 'typescript';

interface Reuse {
  readonly host: ts.CompilerHost;
  last?: ts.Program;
}
const reuse = new Map<string, Reuse>();

/**
 * A program over `rootNames`. Declaration files under `node_modules` and TypeScript's own lib files never
 * change during a run: their parsed source files are cached per process and per option set, and each program
 * is created from the previous one with the same options (TypeScript reuses what did not change). Every other
 * file, in particular the generated file under check, is read from disk each time, so a finding is never
 * stale: the first program of a process costs seconds, later ones a fraction.
 * @param rootNames the files to check
 * @param options compiler options (programs are reused only between calls with equal options)
 */
export function reusableProgram(rootNames: readonly string[], options: ts.CompilerOptions): ts.Program {
  const key = JSON.stringify(options);
  let r = reuse.get(key);
  if (!r) {
    const base = ts.createCompilerHost(options, true);
    const cache = new Map<string, ts.SourceFile | undefined>();
    const libDir = path.dirname(base.getDefaultLibFileName(options));
    const shared = (f: string) => f.endsWith('.d.ts') && (f.includes('/node_modules/') || path.dirname(f) === libDir);
    const host: ts.CompilerHost = {
      ...base,
      getSourceFile(fileName, languageVersion, onError, shouldCreate) {
        if (!shared(fileName)) return base.getSourceFile(fileName, languageVersion, onError, shouldCreate);
        const k = `${fileName}\0${JSON.stringify(languageVersion)}`;
        if (!cache.has(k)) cache.set(k, base.getSourceFile(fileName, languageVersion, onError, shouldCreate));
        return cache.get(k);
      },
    };
    r = { host };
    reuse.set(key, r);
  }
  r.last = ts.createProgram({ rootNames, options, host: r.host, oldProgram: r.last });
  return r.last;
}
