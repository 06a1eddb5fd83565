// Number and duration text as Prometheus and the SRE workbook write them; shared by rules, analysis and dashboards.

/** The shortest exact decimal text of a ratio or factor: `0.001`, never `0.0009999999999999432`. */
export function num(value: number, significant: number = 12): string {
  return String(+value.toPrecision(significant));
}

/** A burn-rate factor with at most 4 significant digits: `14.4`, `13.44`, `0.9333`. */
export function factorOf(value: number): number {
  return +value.toPrecision(4);
}

/** Seconds as the shortest Prometheus duration in whole days, hours or minutes: `5m`, `1h`, `30d`. */
export function promDuration(seconds: number): string {
  if (seconds % 86400 === 0) return `${seconds / 86400}d`;
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}

/** Go's shortest `%g` (`strconv.FormatFloat(v, 'g', -1, 64)`), how exporters and Prometheus 3 print `le`. */
function goShortest(value: number): string {
  const exp = Math.floor(Math.log10(Math.abs(value)));
  if (exp < -4 || exp >= 6) {
    const [m, e] = value.toExponential().split('e');
    const n = Number(e);
    return `${m}e${n < 0 ? '-' : '+'}${String(Math.abs(n)).padStart(2, '0')}`;
  }
  return String(value);
}

/**
 * A matcher on a histogram's `le` label for bound `value` that works before and after Prometheus 3, which
 * stores integer bounds as `1.0` (prometheus/prometheus#15164): `le="0.3"` for `0.3`, `le=~"250([.]0)?"`
 * for `250`, and both spellings of bounds that Go prints with an exponent (`3.6e+06`).
 */
export function leMatcher(value: number): string {
  const forms = [...new Set([String(value), goShortest(value)])];
  const fractional = (f: string) => /[.eE]/.test(f);
  if (forms.length === 1 && fractional(forms[0])) return `le="${forms[0]}"`;
  const escape = (f: string) => f.replace(/\./g, '[.]').replace(/\+/g, '[+]');
  return `le=~"${forms.map((f) => (fractional(f) ? escape(f) : `${escape(f)}([.]0)?`)).join('|')}"`;
}
