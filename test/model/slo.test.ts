import { Duration } from 'cdk8s';
import * as pp from '../../src';
import { errorOf } from '../util';

describe('Slo', () => {
  test('error budget is exact', () => {
    expect(pp.Slo.availability({ name: 'a', objective: 99.9 }).errorBudget).toBe(0.001);
    expect(pp.Slo.availability({ name: 'a', objective: 99.95 }).errorBudget).toBe(0.0005);
    expect(pp.Slo.latency({ name: 'l', objective: 99, threshold: Duration.millis(250) }).errorBudget).toBe(0.01);
  });
  test('period and threshold', () => {
    expect(errorOf(() => pp.Slo.availability({ name: 'a', objective: 99, period: Duration.hours(12) }))).toContain("'period' must be whole hours and at least 1 day");
    expect(pp.Slo.availability({ name: 'a', objective: 99 }).period.toDays()).toBe(30);
    expect(errorOf(() => pp.Slo.latency({ name: 'l', objective: 99, threshold: Duration.millis(0) }))).toContain("'threshold' must be a positive Duration");
    // below a millisecond: a clear error, not cdk8s's 'cannot be converted into a whole number of millis'
    expect(errorOf(() => pp.Slo.latency({ name: 'l', objective: 99, threshold: Duration.millis(0.5) }))).toBe("Slo.latency 'l': 'threshold' must be whole milliseconds (at least 1 ms), got 0.5 millis; use e.g. Duration.millis(250)");
    expect(errorOf(() => pp.Slo.availability({ name: 'Bad Name', objective: 99 }))).toContain("'name' must be a DNS-1123 label");
  });
});
