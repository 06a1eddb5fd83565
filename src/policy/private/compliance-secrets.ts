import { show } from '../../core/errors';
import { IPlatformApp } from '../../platform/platform-app-contract';

/** A key whose literal value would be a secret (the same pattern as `check-secrets.sh`). @internal */
export const SECRET_KEY = /(password|passwd|secret|token|api[_-]?key|private[_-]?key|credentials?)$/i;

function literal(v: unknown): boolean {
  if (typeof v === 'number') return true;
  if (typeof v !== 'string') return false;
  const t = v.trim();
  return t !== '' && !['null', '~', 'true', 'false', 'yes', 'no'].includes(t.toLowerCase()) && !/(\{\{|\$\{)/.test(t);
}

function walk(value: unknown, at: string, out: string[]): void {
  if (Array.isArray(value)) {
    value.forEach((v, i) => walk(v, `${at}[${i}]`, out));
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const path = at ? `${at}.${k}` : k;
      if (SECRET_KEY.test(k) && !/^existing/i.test(k) && literal(v)) out.push(path);
      walk(v, path, out);
    }
  }
}

/**
 * The Secret literals of one environment, as the library renders it: Secret objects with `data` or
 * `stringData` in its manifests, and literal passwords, tokens and keys in its manifests and Helm values. @internal
 */
export function secretLiteralProblems(app: IPlatformApp, env: string): string[] {
  const problems: string[] = [];
  const docs = app._documents(env).filter((d: any) => d && typeof d === 'object');
  for (const d of docs) {
    const name = `${d.kind} ${d.metadata?.namespace ? `${d.metadata.namespace}/` : ''}${d.metadata?.name}`;
    if (d.kind === 'Secret' && d.apiVersion === 'v1' && (Object.keys(d.data ?? {}).length > 0 || Object.keys(d.stringData ?? {}).length > 0)) {
      problems.push(`the ${env} manifests carry ${name} with literal data (${show(Object.keys({ ...d.data, ...d.stringData }).sort())}); a secret's value never belongs in the repository: give it as a SecretReference in 'secrets' (an ExternalSecret)`);
      continue;
    }
    const keys: string[] = [];
    walk(d.kind === 'ExternalSecret' ? d.metadata : d, '', keys);
    if (keys.length > 0) problems.push(`the ${env} manifests carry literal secret values in ${name} at ${show(keys)}; reference them with a SecretReference instead`);
  }
  const keys: string[] = [];
  walk(app.valuesFor(env)._render({}), '', keys);
  if (keys.length > 0) problems.push(`the ${env} Helm values carry literal secret values at ${show(keys)}; set them from a Secret the chart reads (a SecretReference in 'secrets'), not in values`);
  return problems;
}
