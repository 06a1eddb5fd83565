import { leMatcher, num, promDuration } from '../../../src/core/prom-format';
import { goG4, parseMatchers, promqlProblem, valueSatisfying, withoutPlaceholders } from '../../../src/observability/private/promql';
import { checkPromqlExprs } from '../../conformance/validators';

describe('PromQL helpers', () => {
  test('le matchers survive Prometheus 3 float normalization (hand-written table)', () => {
    const table: Array<[number, string]> = [
      [0.25, 'le="0.25"'],
      [0.005, 'le="0.005"'],
      [1, 'le=~"1([.]0)?"'],
      [250, 'le=~"250([.]0)?"'],
      [10000, 'le=~"10000([.]0)?"'],
      [3600000, 'le=~"3600000([.]0)?|3[.]6e[+]06"'],
      [1000000, 'le=~"1000000([.]0)?|1e[+]06"'],
    ];
    expect(table.map(([v]) => [v, leMatcher(v)])).toEqual(table);
    // every matcher parses, with the lezer parser and with promtool
    const exprs = table.map(([v, m]) => ({ name: String(v), expr: `sum(rate(x_bucket{${m}}[5m]))` }));
    for (const e of exprs) expect(promqlProblem(e.expr)).toBeUndefined();
    expect(checkPromqlExprs(exprs)).toEqual([]);
  });

  test('the regex matches exactly the spellings of the bound', () => {
    const re = (m: string) => new RegExp(`^(?:${/"(.*)"/.exec(m)![1]})$`);
    expect(['250', '250.0'].every((s) => re(leMatcher(250)).test(s))).toBe(true);
    expect(['2500', '25', '250.5', '2500.0'].some((s) => re(leMatcher(250)).test(s))).toBe(false);
    expect(['3600000', '3600000.0', '3.6e+06'].every((s) => re(leMatcher(3600000)).test(s))).toBe(true);
  });

  test('promqlProblem: syntax errors, unknown functions, invalid escapes; placeholders removed first', () => {
    expect(promqlProblem('sum(rate(x[5m]))')).toBeUndefined();
    expect(promqlProblem('sum(rate(x[5m])')).toMatch(/does not parse as PromQL \(at character 15/);
    expect(promqlProblem('ratee(x[5m])')).toMatch(/does not parse/);
    expect(promqlProblem('x +')).toMatch(/does not parse/);
    expect(promqlProblem('')).toBe('the expression is empty');
    expect(promqlProblem('x{le=~"1(\\.0)?"}')).toMatch(/escape '\\\.'.*\[\.\]/);
    expect(promqlProblem('x{a="tab\\t", b="quote\\""}')).toBeUndefined();
    expect(promqlProblem('x[{{window}}]')).toMatch(/does not parse/);
    expect(promqlProblem(withoutPlaceholders('rate(x{ns="$namespace"}[{{window}}]) / $__range_s'))).toBeUndefined();
    expect(promqlProblem(withoutPlaceholders('rate(x[$__rate_interval])'))).toBeUndefined();
  });

  test('numbers print exactly; durations in the largest whole unit; Go %.4g', () => {
    expect(num(1 - 99.9 / 100)).toBe('0.001');
    expect(num(1 - 99.95 / 100)).toBe('0.0005');
    expect(num(14.4 * 0.001)).toBe('0.0144');
    expect([300, 1800, 3600, 86400, 259200, 2592000, 5400, 90].map(promDuration)).toEqual(['5m', '30m', '1h', '1d', '3d', '30d', '90m', '90s']);
    // (exact decimal ties are never used: the generated tests choose ratios with at most 3 significant digits)
    expect([2.2, 0.45, 100, 1.44, 12.3456, 0.00001, 123456].map(goG4)).toEqual(['2.2', '0.45', '100', '1.44', '12.35', '1e-05', '1.235e+05']);
  });

  test('matchers parse, and synthetic label values satisfy them', () => {
    expect(parseMatchers('code=~"5..|429", method!="GET"')).toEqual([
      { name: 'code', op: '=~', value: '5..|429' }, { name: 'method', op: '!=', value: 'GET' },
    ]);
    expect(parseMatchers('code=~"5..')).toBeUndefined();
    expect(valueSatisfying(parseMatchers('code=~"5.."')!)).toBe('500');
    expect(valueSatisfying(parseMatchers('response_code=~"(5[0-9]{2})"')!)).toBe('500');
    expect(valueSatisfying(parseMatchers('status=~"error|timeout"')!)).toBe('error');
    expect(valueSatisfying(parseMatchers('job="checkout"')!)).toBe('checkout');
    expect(valueSatisfying(parseMatchers('a="x", a="y"')!)).toBeUndefined();
  });
});
