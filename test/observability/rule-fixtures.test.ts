import { Duration } from 'cdk8s';
import { runFixture, shopApp } from './helpers';
import * as pp from '../../src';

/**
 * Hand-written promtool tests with fixed numbers (test/observability/fixtures) run against the generated
 * rules: a wrong factor, window or label in the generator fails here even if the generated tests agree with it.
 */
function rulesText(overrides: Partial<pp.PlatformAppProps>, props: pp.PrometheusRulesProps = {}): string {
  const { project, app } = shopApp(overrides);
  new pp.PrometheusRules(app, 'Alerts', props);
  return pp.Testing.synth(project).file('monitoring/checkout/production.rules.yml')!;
}

describe('generated rules against hand-written promtool tests', () => {
  test('99.9 % availability, 30 days: 2 % pages, 1.3 % pages slowly, 0.5 % tickets, 0.05 % stays quiet, absent alerts', () => {
    expect(runFixture('availability-99.9.test.yml', rulesText({}))).toEqual([]);
  });

  test('99 % over 28 days: 14 % pages fast (13.44x), 13 % does not', () => {
    const text = rulesText({ slos: [pp.Slo.availability({ name: 'availability', objective: 99, period: Duration.days(28) })] });
    expect(runFixture('windows-28d-99.test.yml', text)).toEqual([]);
  });

  test('the 28-day fixture fails against 30-day factors (the fixture can fail)', () => {
    const text = rulesText({ slos: [pp.Slo.availability({ name: 'availability', objective: 99, period: Duration.days(28) })] })
      .replace(/\(13\.44 \* 0\.01\)/g, '(14.4 * 0.01)');
    expect(runFixture('windows-28d-99.test.yml', text).join('\n')).toMatch(/CheckoutAvailabilityErrorBudgetBurn/);
  });

  test('the 99.9 % fixture fails when a factor is off', () => {
    const text = rulesText({}).replace(/\(14\.4 \* 0\.001\)/g, '(24 * 0.001)');
    expect(runFixture('availability-99.9.test.yml', text).join('\n')).toMatch(/page-fast|exp:/);
  });

  test('latency from Istio buckets reads both le="250" and Prometheus 3\'s le="250.0"', () => {
    const text = rulesText({ slos: [pp.Slo.latency({ name: 'latency', objective: 99, threshold: Duration.millis(250) })] });
    expect(text).toContain('le=~"250([.]0)?"');
    expect(runFixture('latency-prometheus3.test.yml', text)).toEqual([]);
    expect(runFixture('latency-prometheus3.test.yml', text.replace('le=~"250([.]0)?"', 'le="250"')).join('\n')).toMatch(/CheckoutLatencyErrorBudgetBurn|exp:/);
  });

  test('pipeline, delivery and policy alerts over the pushed metrics and Kyverno results', () => {
    const text = rulesText({ slos: [], observability: { pushgatewayUrl: 'http://pushgateway.monitoring:9091' } });
    expect(runFixture('pipeline.test.yml', text)).toEqual([]);
  });
});
