import { Duration } from 'cdk8s';
import * as pp from '../../src';
import { errorOf } from '../util';

describe('SliSource', () => {
  test('istio defaults', () => {
    const s = pp.SliSource.istio();
    expect(s.selector('checkout', 'prod')).toBe('reporter="destination", destination_workload="checkout", destination_workload_namespace="prod"');
    expect(s.isBucketBound(Duration.millis(250))).toBe(true);
    expect(s.isBucketBound(Duration.millis(300))).toBe(false);
  });
  test('custom sources are checked', () => {
    expect(errorOf(() => pp.SliSource.custom({ requestsMetric: 'http requests' }))).toContain("'requestsMetric' must be a Prometheus metric name");
    expect(errorOf(() => pp.SliSource.custom({ requestsMetric: 'r', latencyHistogram: 'h_bucket' }))).toContain("drop '_bucket'");
    expect(errorOf(() => pp.SliSource.custom({ requestsMetric: 'r', buckets: [1, 0.5] }))).toContain("'buckets' must be positive and strictly increasing");
    expect(pp.SliSource.custom({ requestsMetric: 'r' }).selector('a', 'n')).toBe('job="a", namespace="n"');
  });
});
