/**
 * A GitHub Actions expression evaluator, for the script harness: `if:` conditions and `${{ }}` in `env:`,
 * `with:` and job outputs. It implements the documented language (literals, contexts with `.x` and `['x']`,
 * `!`, `<`, `<=`, `>`, `>=`, `==`, `!=`, `&&`, `||`, parentheses, and the functions the generated workflows
 * use), with GitHub's loose equality (case-insensitive strings, numeric coercion) and truthiness.
 * An unknown function or a syntax error throws: a workflow the harness cannot read is a failed test.
 */

/** What the status functions answer for the step or job being evaluated. */
export interface StatusContext {
  /** A previous step (or a needed job) failed. */
  readonly failed: boolean;
  /** The run was cancelled. */
  readonly cancelled: boolean;
}

/** The contexts an expression reads (`github`, `env`, `steps`, `needs`, `job`, `runner`, `secrets`, `vars`, …). */
export type Contexts = Record<string, unknown>;

type Token = { t: 'num' | 'str' | 'id' | 'op' | 'punc'; v: string };

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) { i++; continue; }
    if (c === "'") {
      let s = '';
      i++;
      for (;;) {
        if (i >= src.length) throw new Error(`unterminated string in ${JSON.stringify(src)}`);
        if (src[i] === "'") {
          if (src[i + 1] === "'") { s += "'"; i += 2; continue; }
          i++;
          break;
        }
        s += src[i++];
      }
      out.push({ t: 'str', v: s });
      continue;
    }
    const two = src.slice(i, i + 2);
    if (['==', '!=', '<=', '>=', '&&', '||'].includes(two)) { out.push({ t: 'op', v: two }); i += 2; continue; }
    if ('!<>'.includes(c)) { out.push({ t: 'op', v: c }); i++; continue; }
    if ('()[],.*'.includes(c)) { out.push({ t: 'punc', v: c }); i++; continue; }
    const num = /^(0x[0-9a-fA-F]+|-?\d+(\.\d+)?([eE][+-]?\d+)?)/.exec(src.slice(i));
    if (num && (out.length === 0 || out[out.length - 1].v !== '.')) { out.push({ t: 'num', v: num[0] }); i += num[0].length; continue; }
    const id = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(src.slice(i));
    if (id) { out.push({ t: 'id', v: id[0] }); i += id[0].length; continue; }
    throw new Error(`unexpected ${JSON.stringify(c)} in expression ${JSON.stringify(src)}`);
  }
  return out;
}

/** GitHub's truthiness: false, 0, -0, '', null and NaN are false. */
export function truthy(v: unknown): boolean {
  if (v === null || v === undefined || v === false || v === '') return false;
  if (typeof v === 'number') return v !== 0 && !Number.isNaN(v);
  return true;
}

function toNumber(v: unknown): number {
  if (v === null || v === undefined) return 0;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    if (v.trim() === '') return 0;
    const n = Number(v);
    return Number.isNaN(n) ? NaN : n;
  }
  return NaN;
}

function looseEquals(a: unknown, b: unknown): boolean {
  if (a === undefined) a = null;
  if (b === undefined) b = null;
  if (typeof a === 'string' && typeof b === 'string') return a.toLowerCase() === b.toLowerCase();
  if (typeof a === typeof b && (typeof a !== 'object' || a === null || b === null)) return a === b;
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) return a === b;
  return toNumber(a) === toNumber(b);
}

function compare(a: unknown, b: unknown): number {
  if (typeof a === 'string' && typeof b === 'string') {
    const x = a.toLowerCase();
    const y = b.toLowerCase();
    return x < y ? -1 : x > y ? 1 : 0;
  }
  const x = toNumber(a);
  const y = toNumber(b);
  if (Number.isNaN(x) || Number.isNaN(y)) return NaN;
  return x - y;
}

/** How GitHub turns a value into a string (`format`, `${{ }}` interpolation). */
export function stringify(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean' || typeof v === 'number') return String(v);
  return JSON.stringify(v, null, 2);
}

function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') {
      if (glob[i + 1] === '*') { re += '.*'; i++; } else {re += '[^/]*';}
    } else if (c === '?') {re += '[^/]';} else {re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');}
  }
  return new RegExp(`^${re}$`);
}

/** Functions GitHub offers; `hashFiles` is answered by the caller (it needs the workspace). */
export interface EvalOptions {
  readonly status?: StatusContext;
  /** `hashFiles(patterns...)`: a hash, or '' when no file matches. */
  readonly hashFiles?: (patterns: string[]) => string;
}

/** Evaluates one expression (without the `${{ }}`). */
export function evaluate(expr: string, ctx: Contexts, opts: EvalOptions = {}): unknown {
  const tokens = tokenize(expr);
  let pos = 0;
  const peek = () => tokens[pos];
  const eat = (v?: string) => {
    const tok = tokens[pos];
    if (!tok || (v !== undefined && tok.v !== v)) throw new Error(`expected ${v ?? 'a token'} at ${pos} in ${JSON.stringify(expr)}`);
    pos++;
    return tok;
  };
  const status = opts.status ?? { failed: false, cancelled: false };

  const call = (name: string, args: unknown[]): unknown => {
    switch (name.toLowerCase()) {
      case 'success': return !status.failed && !status.cancelled;
      case 'failure': return status.failed;
      case 'always': return true;
      case 'cancelled': return status.cancelled;
      case 'contains': {
        const [hay, needle] = args;
        if (Array.isArray(hay)) return hay.some((x) => looseEquals(x, needle));
        return stringify(hay).toLowerCase().includes(stringify(needle).toLowerCase());
      }
      case 'startswith': return stringify(args[0]).toLowerCase().startsWith(stringify(args[1]).toLowerCase());
      case 'endswith': return stringify(args[0]).toLowerCase().endsWith(stringify(args[1]).toLowerCase());
      case 'format': return stringify(args[0]).replace(/\{(\d+)\}/g, (_, n) => stringify(args[1 + Number(n)]));
      case 'join': return Array.isArray(args[0]) ? args[0].map(stringify).join(args.length > 1 ? stringify(args[1]) : ',') : stringify(args[0]);
      case 'tojson': return JSON.stringify(args[0] ?? null, null, 2);
      case 'fromjson': return JSON.parse(stringify(args[0]));
      case 'hashfiles':
        if (!opts.hashFiles) throw new Error('hashFiles() is not available here');
        return opts.hashFiles(args.map(stringify));
      default: throw new Error(`unknown function ${name}() in ${JSON.stringify(expr)}`);
    }
  };

  const primary = (): unknown => {
    const tok = eat();
    let value: unknown;
    if (tok.t === 'num') {value = Number(tok.v);} else if (tok.t === 'str') {value = tok.v;} else if (tok.v === '(') { value = or(); eat(')'); } else if (tok.t === 'op' && tok.v === '!') {return !truthy(primary());} else if (tok.t === 'id') {
      if (peek()?.v === '(') {
        eat('(');
        const args: unknown[] = [];
        if (peek()?.v !== ')') {
          args.push(or());
          while (peek()?.v === ',') { eat(','); args.push(or()); }
        }
        eat(')');
        value = call(tok.v, args);
      } else if (tok.v === 'true') {value = true;} else if (tok.v === 'false') {value = false;} else if (tok.v === 'null') {value = null;} else {value = ctx[tok.v];}
    } else {throw new Error(`unexpected ${tok.v} in ${JSON.stringify(expr)}`);}
    // property access
    for (;;) {
      const next = peek();
      if (next?.v === '.') {
        eat('.');
        const name = eat();
        if (name.v === '*') throw new Error(`object filters (.*) are not supported: ${JSON.stringify(expr)}`);
        value = prop(value, name.v);
      } else if (next?.v === '[') {
        eat('[');
        const key = or();
        eat(']');
        value = prop(value, stringify(key));
      } else {break;}
    }
    return value;
  };
  const prop = (obj: unknown, key: string): unknown => {
    if (obj === null || obj === undefined || typeof obj !== 'object') return null;
    const rec = obj as Record<string, unknown>;
    if (key in rec) return rec[key];
    const found = Object.keys(rec).find((k) => k.toLowerCase() === key.toLowerCase());
    return found === undefined ? null : rec[found];
  };
  const unary = (): unknown => {
    if (peek()?.v === '!') { eat('!'); return !truthy(unary()); }
    return primary();
  };
  const comparison = (): unknown => {
    let left = unary();
    while (peek() && ['<', '<=', '>', '>='].includes(peek().v) && peek().t === 'op') {
      const op = eat().v;
      const right = unary();
      const c = compare(left, right);
      left = Number.isNaN(c) ? false : op === '<' ? c < 0 : op === '<=' ? c <= 0 : op === '>' ? c > 0 : c >= 0;
    }
    return left;
  };
  const equality = (): unknown => {
    let left = comparison();
    while (peek() && (peek().v === '==' || peek().v === '!=')) {
      const op = eat().v;
      const right = comparison();
      left = op === '==' ? looseEquals(left, right) : !looseEquals(left, right);
    }
    return left;
  };
  const and = (): unknown => {
    let left = equality();
    while (peek()?.v === '&&') { eat('&&'); const right = equality(); left = truthy(left) ? right : left; }
    return left;
  };
  const or = (): unknown => {
    let left = and();
    while (peek()?.v === '||') { eat('||'); const right = and(); left = truthy(left) ? left : right; }
    return left;
  };
  const result = or();
  if (pos !== tokens.length) throw new Error(`unexpected ${tokens[pos].v} in ${JSON.stringify(expr)}`);
  return result;
}

/** Whether an expression reads a status function (otherwise GitHub wraps `if:` in `success() && (...)`). */
export function usesStatusFunction(expr: string): boolean {
  return /\b(success|failure|always|cancelled)\s*\(/i.test(expr);
}

/**
 * Evaluates an `if:` as GitHub does: `${{ }}` is optional, and a condition without a status function is
 * `success() && (condition)`.
 */
export function evaluateCondition(cond: string | undefined, ctx: Contexts, opts: EvalOptions = {}): boolean {
  const status = opts.status ?? { failed: false, cancelled: false };
  if (cond === undefined || cond === null || String(cond).trim() === '') return !status.failed && !status.cancelled;
  let expr = String(cond).trim();
  const m = /^\$\{\{([\s\S]*)\}\}$/.exec(expr);
  if (m) expr = m[1];
  const value = truthy(evaluate(expr, ctx, opts));
  if (usesStatusFunction(expr)) return value;
  return !status.failed && !status.cancelled && value;
}

/** Replaces every `${{ expr }}` in a string by its value. */
export function interpolate(text: string, ctx: Contexts, opts: EvalOptions = {}): string {
  return text.replace(/\$\{\{([\s\S]*?)\}\}/g, (_, e) => stringify(evaluate(e, ctx, opts)));
}

/** Whether a glob (GitHub's `*`, `**`, `?`) matches a name, e.g. artifact `pattern:`. */
export function globMatches(glob: string, name: string): boolean {
  return globToRegExp(glob).test(name);
}
