/**
 * PromQL helpers shared by the rule, test and dashboard generators: synth-time syntax checks with
 * `@prometheus-io/lezer-promql`, exact number formatting, durations, `le` matchers that survive the
 * Prometheus 3 float normalization, and label-matcher parsing for synthetic test series.
 * Also the plain rule model the generators share (a subset of Prometheus' `rulefmt`, which the
 * PrometheusRule CRD mirrors). Nothing here is exported from the package.
 */
import type { SliSource } from '../../model/sli-source';
import type { Slo } from '../../model/slo';
import type { ResolvedWindow } from '../burn-rate-windows';


/** The part of lezer's parser API used here (the package is ESM-typed; its CommonJS build is required). */
interface PromqlParser {
  parse(input: string): { iterate(spec: { enter: (node: { type: { isError: boolean }; from: number }) => void }): void };
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { parser } = require('@prometheus-io/lezer-promql') as { parser: PromqlParser };

/** Escapes Go's `strconv.Unquote` accepts inside a double-quoted PromQL string. */
const VALID_ESCAPE = /^(?:[abfnrtv\\'"]|x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{3})/;

/**
 * Grafana and rule templates that are not PromQL, replaced before parsing: `{{window}}`-style
 * placeholders and `$__rate_interval`/`$__range` become `5m` inside a range, Grafana variables a word.
 */
export function withoutPlaceholders(expr: string): string {
  return expr
    .replace(/\$\{?__(?:rate_interval|interval|range)\}?(?!\w)/g, '5m')
    .replace(/\$\{?__(?:range_s|range_ms|interval_ms)\}?(?!\w)/g, '300')
    .replace(/\[\s*\{\{\s*\.?window\s*\}\}\s*\]/g, '[5m]')
    .replace(/\$\{[\w.:]+\}|\$[A-Za-z_]\w*/g, 'pp_variable');
}

/**
 * A syntax problem of `expr`, or undefined when it parses. The message points at the first error with a
 * caret line, e.g. `unexpected input at 14: sum(rate(x[5m])⟨here⟩`.
 */
export function promqlProblem(expr: string): string | undefined {
  if (typeof expr !== 'string' || expr.trim().length === 0) return 'the expression is empty';
  // Apps of one project share the shape of their expressions and differ in label values: an expression
  // whose string literals that are plain DNS labels (app names, namespaces) are replaced by one name
  // parses exactly when the original does, so a shape that parsed once is not parsed again.
  const shape = expr.replace(DNS_LABEL_LITERAL, '"x"');
  if (PARSED_SHAPES.has(shape)) return undefined;
  const problem = parseProblem(expr);
  if (!problem) {
    if (PARSED_SHAPES.size > 50_000) PARSED_SHAPES.clear();
    PARSED_SHAPES.add(shape);
  }
  return problem;
}

const DNS_LABEL_LITERAL = /"[a-z0-9](?:[-a-z0-9]*[a-z0-9])?"/g;
const PARSED_SHAPES = new Set<string>();

function parseProblem(expr: string): string | undefined {
  const at: number[] = [];
  parser.parse(expr).iterate({
    enter: (n) => {
      if (n.type.isError) at.push(n.from);
    },
  });
  if (at.length > 0) {
    const p = Math.min(...at);
    return `it does not parse as PromQL (at character ${p}: ${JSON.stringify(expr.slice(0, p))} ⟨here⟩ ${JSON.stringify(expr.slice(p, p + 20))})`;
  }
  const strings = expr.match(/"(?:[^"\\]|\\.)*"/g) ?? [];
  for (const s of strings) {
    for (let i = 1; i < s.length - 1; i++) {
      if (s[i] !== '\\') continue;
      if (!VALID_ESCAPE.test(s.slice(i + 1))) {
        return `string ${s} has the escape '\\${s[i + 1]}', which PromQL rejects; in a regex write [.] instead of \\. (or \\\\.)`;
      }
      i++;
    }
  }
  return undefined;
}

/** Go's `%.4g` (what Prometheus' `humanizePercentage` prints). */
export function goG4(value: number): string {
  if (value === 0) return '0';
  const exp = Math.floor(Math.log10(Math.abs(+value.toPrecision(4))));
  if (exp < -4 || exp >= 4) {
    const [m, e] = value.toExponential(3).split('e');
    const mantissa = m.includes('.') ? m.replace(/0+$/, '').replace(/\.$/, '') : m;
    const n = Number(e);
    return `${mantissa}e${n < 0 ? '-' : '+'}${String(Math.abs(n)).padStart(2, '0')}`;
  }
  const fixed = value.toPrecision(4);
  return fixed.includes('.') ? fixed.replace(/0+$/, '').replace(/\.$/, '') : fixed;
}

/** One parsed label matcher. */
export interface LabelMatcher {
  readonly name: string;
  readonly op: '=' | '!=' | '=~' | '!~';
  readonly value: string;
}

/** Parses `a="b", c=~"d.."` into matchers; returns undefined when the text is not a matcher list. */
export function parseMatchers(text: string): LabelMatcher[] | undefined {
  const out: LabelMatcher[] = [];
  const re = /\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*(,|$)/y;
  let pos = 0;
  const s = text.trim();
  while (pos < s.length) {
    re.lastIndex = pos;
    const m = re.exec(s);
    if (!m) return undefined;
    out.push({ name: m[1], op: m[2] as LabelMatcher['op'], value: m[3].replace(/\\(.)/g, '$1') });
    pos = re.lastIndex;
  }
  return out;
}

/** Whether `value` satisfies `m` (regexes fully anchored, as in PromQL). */
export function matches(m: LabelMatcher, value: string): boolean {
  switch (m.op) {
    case '=': return value === m.value;
    case '!=': return value !== m.value;
    case '=~': return anchored(m.value).test(value);
    default: return !anchored(m.value).test(value);
  }
}

function anchored(re: string): RegExp {
  try {
    return new RegExp(`^(?:${re})$`);
  } catch {
    return /^\b\B$/; // matches nothing
  }
}

const CANDIDATES = ['500', '503', '429', '200', '201', '404', 'error', 'ERROR', 'fail', 'failure', 'success', 'ok', 'OK',
  'true', 'false', '1', '0', 'x'];

/**
 * A label value that satisfies every matcher on one label (for synthetic test series), or undefined.
 * Tries the literal of an equality matcher, a value built from the first alternative of a regex, then
 * common values.
 */
export function valueSatisfying(ms: LabelMatcher[]): string | undefined {
  const tries: string[] = [];
  for (const m of ms) {
    if (m.op === '=') tries.push(m.value);
    if (m.op === '=~') tries.push(exampleOf(m.value));
  }
  tries.push(...CANDIDATES);
  return tries.find((v) => ms.every((m) => matches(m, v)));
}

/** A string a simple regex matches: first alternative, `.` → `0`, classes → their first member, optional parts dropped. */
function exampleOf(re: string): string {
  let depth = 0;
  let end = re.length;
  for (let i = 0; i < re.length; i++) {
    const c = re[i];
    if (c === '\\') {i++;} else if (c === '(' || c === '[') {depth++;} else if (c === ')' || c === ']') {depth--;} else if (c === '|' && depth === 0) {
      end = i;
      break;
    }
  }
  const s = re.slice(0, end);
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    let atom = c;
    let next = i + 1;
    if (c === '\\') {
      atom = s[i + 1] === 'd' ? '0' : s[i + 1] ?? '';
      next = i + 2;
    } else if (c === '[') {
      const close = s.indexOf(']', i + 1);
      atom = s[i + 1] === '^' ? 'x' : s[i + 1] === '\\' ? s[i + 2] : s[i + 1];
      next = close < 0 ? s.length : close + 1;
    } else if (c === '(') {
      let d = 0;
      let j = i;
      for (; j < s.length; j++) {
        if (s[j] === '\\') j++;
        else if (s[j] === '(') d++;
        else if (s[j] === ')' && --d === 0) break;
      }
      atom = exampleOf(s.slice(i + 1, j).replace(/^\?:/, ''));
      next = j + 1;
    } else if (c === '.') {
      atom = '0';
    } else if (c === '^' || c === '$') {
      atom = '';
    }
    const q = s[next];
    if (q === '?' || q === '*') {
      next++;
      atom = '';
    } else if (q === '+') {
      next++;
    } else if (q === '{') {
      const close = s.indexOf('}', next);
      const min = Number(s.slice(next + 1, close).split(',')[0]) || 0;
      atom = atom.repeat(min);
      next = close + 1;
    }
    out += atom;
    i = next - 1;
  }
  return out;
}

/** One recording or alerting rule. Key order is the order promtool and readers expect. */
export interface Rule {
  readonly record?: string;
  readonly alert?: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
}

/** One rule group. No group `labels`/`query_offset`: promtool 2.42 rejects them. */
export interface RuleGroup {
  readonly name: string;
  readonly interval?: string;
  readonly rules: Rule[];
}

/** An SLI as `{{window}}`-templated queries (Sloth's `events`, with `{{window}}` in place of the range). */
export interface SliTemplate {
  /** The error ratio (bad / total) over `{{window}}`. */
  readonly ratio: string;
  /** Total events per second over `{{window}}` (the minimum-traffic guard). */
  readonly totalRate: string;
  /** The series whose absence means the SLI cannot be computed, e.g. `istio_requests_total{...}`. */
  readonly absentSelector?: string;
}

/** Everything the SLO rule generator needs for one SLO in one environment. */
export interface SloRuleContext {
  readonly app: string;
  readonly environment: string;
  readonly namespace: string;
  readonly slo: Slo;
  readonly source?: SliSource;
  readonly sli: SliTemplate;
  readonly windows: ResolvedWindow[];
  /** Label prefix, `sloth_` by default. */
  readonly prefix: string;
  /** User labels on every rule (`team`, …). */
  readonly extraLabels: Record<string, string>;
  readonly severities: Record<string, string>;
  readonly minRequestRate?: number;
  readonly absentFor: string;
  readonly absentForSeconds: number;
  readonly budgetExhaustedAlert: boolean;
  readonly optimizedPeriod: boolean;
  readonly runbookBaseUrl?: string;
  readonly dashboardUrl?: string;
}

/** `checkout-api` → `CheckoutApi`. */
export function pascal(value: string): string {
  return value.split(/[^A-Za-z0-9]+/).filter((p) => p.length > 0).map((p) => p[0].toUpperCase() + p.slice(1)).join('');
}

/** `runbook_url` and `dashboard_url` annotations, when their bases are known. */
export function links(alert: string, runbookBaseUrl: string | undefined, dashboardUrl: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (runbookBaseUrl) out.runbook_url = `${runbookBaseUrl.replace(/\/+$/, '')}/${alert.toLowerCase()}`;
  if (dashboardUrl) out.dashboard_url = dashboardUrl;
  return out;
}

/** `{a="b", c="d"}` from a label map (values escaped). */
export function selectorOf(labels: Record<string, string>): string {
  return `{${Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`).join(', ')}}`;
}

/** Replaces `{{window}}` (also `{{.window}}`, Sloth's spelling) with a Prometheus duration. */
export function atWindow(query: string, window: string): string {
  return query.replace(/\{\{\s*\.?window\s*\}\}/g, window);
}
