import * as pp from '../../src';
import { dashboardStructureErrors, dashboardTypeErrors } from '../conformance/validators';
import { makeApp } from '../util';
import { BOTH_SLOS } from './helpers';

describe('dashboards against the Grafana foundation SDK types', () => {
  test('the service and delivery dashboards type-check, with Loki and Tempo panels', () => {
    const { project, app } = makeApp({ slos: BOTH_SLOS(), observability: { pushgatewayUrl: 'http://pushgateway.monitoring:9091' } });
    new pp.PrometheusRules(app, 'Alerts');
    new pp.GrafanaDashboard(app, 'Dashboards', { loki: true, tempo: true });
    const out = pp.Testing.synth(project);
    const docs = ['checkout-service', 'checkout-delivery'].map((uid) => JSON.parse(out.file(`monitoring/checkout/dashboards/${uid}.json`)!));
    expect(dashboardTypeErrors(docs)).toEqual([]);
    docs.forEach((d, i) => expect(dashboardStructureErrors(`dashboard ${i}`, d)).toEqual([]));
  }, 60_000);

  test('the check can fail: a misspelt grid field and a datasource given as a string are reported', () => {
    const { project, app } = makeApp();
    new pp.GrafanaDashboard(app, 'Dashboards');
    const d = JSON.parse(pp.Testing.synth(project).file('monitoring/checkout/dashboards/checkout-service.json')!);
    d.panels[1].gridPos = { x: 0, y: 1, wdth: 4, h: 6 };
    d.panels[2].datasource = 'prometheus';
    const errors = dashboardTypeErrors([d]).join('\n');
    expect(errors).toMatch(/wdth/);
    expect(errors).toMatch(/Type 'string' has no properties in common with type/);
    d.__inputs = [];
    d.panels[3].gridPos = { x: 20, y: 1, w: 6, h: 6 };
    const structure = dashboardStructureErrors('d', d).join('\n');
    expect(structure).toContain('has __inputs');
    expect(structure).toMatch(/gridPos .* is outside the 24-column grid/);
    expect(structure).toContain('datasource "prometheus" must be { type, uid: \'${variable}\' }');
  }, 60_000);
});
