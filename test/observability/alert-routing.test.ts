import { Duration } from 'cdk8s';
import * as pp from '../../src';
import { crdErrors, sharedDir } from '../conformance/validators';
import { errorOf, makeApp } from '../util';

const page = () => pp.AlertReceiver.pagerDuty({ secretName: 'pagerduty' });
const ticket = () => pp.AlertReceiver.slack({ secretName: 'slack-webhook', channel: '#checkout-alerts' });

function configs(build: (app: pp.PlatformApp) => void): any[] {
  const { project, app } = makeApp();
  build(app);
  const out = pp.Testing.synth(project);
  return ['staging', 'production'].flatMap((env) => out.yamlDocuments(`deploy/checkout/${env}.k8s.yaml`)!.filter((d) => d.kind === 'AlertmanagerConfig'));
}

describe('AlertRouting', () => {
  test('one AlertmanagerConfig per environment in its namespace; each validates against the schema', () => {
    const docs = configs((app) => new pp.AlertRouting(app, 'Routing', { page: page(), ticket: ticket() }));
    expect(docs.map((d) => [d.metadata.name, d.metadata.namespace])).toEqual([['checkout-alerts', 'platform-staging'], ['checkout-alerts', 'platform-prod']]);
    for (const d of docs) expect(crdErrors(d, `${sharedDir()}/schemas`)).toEqual([]);
  });

  test('pages to PagerDuty, tickets to Slack, info nowhere; page inhibits ticket for the same sloth_id', () => {
    const [, d] = configs((app) => new pp.AlertRouting(app, 'Routing', { page: page(), ticket: ticket() }));
    expect(d.spec.route).toEqual({
      receiver: 'none',
      groupBy: ['alertname', 'sloth_id', 'environment'],
      groupWait: '30s',
      groupInterval: '5m',
      repeatInterval: '4h',
      routes: [
        { receiver: 'page', matchers: [{ name: 'severity', value: 'critical' }], repeatInterval: '1h' },
        { receiver: 'ticket', matchers: [{ name: 'severity', value: 'warning' }] },
      ],
    });
    expect(d.spec.inhibitRules).toEqual([{
      sourceMatch: [{ name: 'sloth_severity', value: 'page' }],
      targetMatch: [{ name: 'sloth_severity', value: 'ticket' }],
      equal: ['sloth_id'],
    }]);
    expect(d.spec.receivers.map((r: any) => r.name)).toEqual(['none', 'page', 'ticket']);
    expect(d.spec.receivers[0]).toEqual({ name: 'none' });
  });

  test('receiver credentials are Secret references, never inlined', () => {
    const [, d] = configs((app) => new pp.AlertRouting(app, 'Routing', { page: page(), ticket: ticket() }));
    expect(d.spec.receivers[1].pagerdutyConfigs[0].routingKey).toEqual({ name: 'pagerduty', key: 'routing-key' });
    expect(d.spec.receivers[2].slackConfigs[0].apiURL).toEqual({ name: 'slack-webhook', key: 'webhook-url' });
    expect(d.spec.receivers[2].slackConfigs[0].channel).toBe('#checkout-alerts');
    const [og] = configs((app) => new pp.AlertRouting(app, 'Routing', {
      page: pp.AlertReceiver.opsgenie({ secretName: 'opsgenie', secretKey: 'key', priority: 'P1' }), ticket: ticket(), environments: ['production'],
    }));
    expect(og.metadata.namespace).toBe('platform-prod');
    expect(og.spec.receivers[1].opsgenieConfigs[0]).toMatchObject({ apiKey: { name: 'opsgenie', key: 'key' }, priority: 'P1' });
    expect(crdErrors(og, `${sharedDir()}/schemas`)).toEqual([]);
  });

  test('non-production never pages: staging sends page-severity alerts to the ticket receiver and has no page receiver', () => {
    const [staging, production] = configs((app) => new pp.AlertRouting(app, 'Routing', { page: page(), ticket: ticket() }));
    expect(staging.spec.route.routes.map((r: any) => [r.receiver, r.matchers[0].value])).toEqual([['ticket', 'critical'], ['ticket', 'warning']]);
    expect(staging.spec.receivers.map((r: any) => r.name)).toEqual(['none', 'ticket']);
    expect(production.spec.route.routes.map((r: any) => [r.receiver, r.matchers[0].value])).toEqual([['page', 'critical'], ['ticket', 'warning']]);
    for (const d of [staging, production]) expect(crdErrors(d, `${sharedDir()}/schemas`)).toEqual([]);
    // the paging environments follow PrometheusRules' pagingEnvironments, or the routing's own
    const [stagingPages] = configs((app) => {
      new pp.PrometheusRules(app, 'Alerts', { pagingEnvironments: ['staging', 'production'] });
      new pp.AlertRouting(app, 'Routing', { page: page(), ticket: ticket() });
    });
    expect(stagingPages.spec.route.routes[0].receiver).toBe('page');
    const [, prodQuiet] = configs((app) => new pp.AlertRouting(app, 'Routing', { page: page(), ticket: ticket(), pagingEnvironments: ['staging'] }));
    expect(prodQuiet.spec.route.routes[0].receiver).toBe('ticket');
    expect(errorOf(() => configs((app) => new pp.AlertRouting(app, 'Routing', { page: page(), ticket: ticket(), pagingEnvironments: ['qa'] })))).toMatch(/qa/);
  });

  test('severities and label prefix come from PrometheusRules, whichever is declared first', () => {
    const [d] = configs((app) => {
      new pp.AlertRouting(app, 'Routing', { page: page(), ticket: ticket(), labels: [{ name: 'alertmanager', value: 'main' }], repeatInterval: Duration.minutes(30) });
      new pp.PrometheusRules(app, 'Alerts', { pageSeverity: 'page', ticketSeverity: 'ticket', labelPrefix: 'slo_' });
    });
    expect(d.metadata.labels.alertmanager).toBe('main');
    expect(d.spec.route.routes.map((r: any) => r.matchers[0].value)).toEqual(['page', 'ticket']);
    expect(d.spec.route.repeatInterval).toBe('2h');
    expect(d.spec.route.routes[0].repeatInterval).toBe('30m');
    expect(d.spec.inhibitRules[0].equal).toEqual(['slo_id']);
    expect(d.spec.inhibitRules[0].sourceMatch[0].name).toBe('slo_severity');
  });

  test('every generated alert carries the namespace the operator matches routes on', () => {
    const { project, app } = makeApp({ observability: { metricsPush: pp.MetricsPush.external({ url: 'https://pushgateway.acme.dev/', tokenSecret: 'PUSHGATEWAY_TOKEN' }) } });
    new pp.PrometheusRules(app, 'Alerts');
    new pp.AlertRouting(app, 'Routing', { page: page(), ticket: ticket() });
    const out = pp.Testing.synth(project);
    for (const [env, ns] of [['staging', 'platform-staging'], ['production', 'platform-prod']]) {
      const alerts = out.yaml(`monitoring/checkout/${env}.rules.yml`).groups.flatMap((g: any) => g.rules).filter((r: any) => r.alert);
      expect(alerts.length).toBeGreaterThan(0);
      for (const a of alerts) {
        // a static label, or (SLO alerts) a label kept from the records their expression selects by namespace
        const ok = a.labels?.namespace === ns || (!a.labels?.namespace && a.expr.includes(`namespace="${ns}"`));
        expect({ alert: a.alert, ok }).toEqual({ alert: a.alert, ok: true });
      }
    }
  });

  test('bad input', () => {
    const { app } = makeApp();
    expect(errorOf(() => pp.AlertReceiver.pagerDuty({ secretName: 'PagerDuty Key' }))).toMatch(/AlertReceiver.pagerDuty: 'secretName' must name a Kubernetes Secret/);
    expect(errorOf(() => pp.AlertReceiver.slack({ secretName: 's', secretKey: 'a/b' }))).toMatch(/'secretKey' must be a Secret key/);
    expect(errorOf(() => pp.AlertReceiver.opsgenie({ secretName: 's', priority: 'urgent' }))).toMatch(/'priority' must be one of P1 … P5, got 'urgent'/);
    expect(errorOf(() => pp.AlertReceiver.slack({ secretName: 's', channel: 'Checkout Alerts' }))).toMatch(/'channel' must be a Slack channel/);
    expect(errorOf(() => new pp.AlertRouting(app, 'Slack', { page: ticket(), ticket: ticket() }))).toMatch(/checkout\/Slack: 'page' must be AlertReceiver.pagerDuty/);
    expect(errorOf(() => new pp.AlertRouting(app, 'Env', { page: page(), ticket: ticket(), environments: ['qa'] }))).toMatch(/no environment 'qa'/);
    new pp.AlertRouting(app, 'Routing', { page: page(), ticket: ticket() });
    expect(errorOf(() => new pp.AlertRouting(app, 'Again', { page: page(), ticket: ticket() }))).toMatch(/the app already has AlertRouting \(checkout\/Routing\)/);
  });
});
