import { ApiObject, Duration, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { fail, PlatformPipelineError, show } from '../core/errors';
import { promDuration } from '../core/prom-format';
import { Label, labelMap } from '../model/label';
import { commonLabels } from '../platform/base-manifests';
import { appOf, IPlatformApp } from '../platform/platform-app-contract';
import type { RulesContribution } from './private/contributions';
import { claimSingleton, ContributionKind, contributionOf, registerSingleton } from '../platform/registry';

/** A reference to one key of a Kubernetes Secret in the namespace of the AlertmanagerConfig. */
export interface SecretKeyProps {
  /** Name of the Kubernetes Secret (create it with your secret manager; it is never generated). */
  readonly secretName: string;
  /**
   * The key within the Secret.
   * @default - per receiver: `routing-key` (PagerDuty), `api-key` (Opsgenie), `webhook-url` (Slack)
   */
  readonly secretKey?: string;
}

/** A PagerDuty receiver (Events API v2). */
export interface PagerDutyReceiverProps extends SecretKeyProps {}

/** An Opsgenie receiver. */
export interface OpsgenieReceiverProps extends SecretKeyProps {
  /**
   * Opsgenie priority of the alerts, `P1` … `P5`.
   * @default - Opsgenie's default
   */
  readonly priority?: string;
}

/** A Slack receiver (incoming webhook). */
export interface SlackReceiverProps extends SecretKeyProps {
  /**
   * Channel, e.g. `#checkout-alerts`.
   * @default - the webhook's channel
   */
  readonly channel?: string;
}

const SECRET_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;

/**
 * Where an alert tier goes: PagerDuty or Opsgenie for pages, Slack for tickets. Credentials are always
 * Kubernetes Secret references, never inlined.
 */
export class AlertReceiver {
  /** PagerDuty; the Secret key holds the integration's routing key. */
  public static pagerDuty(props: PagerDutyReceiverProps): AlertReceiver {
    const ref = AlertReceiver.secretRef('pagerDuty', props, 'routing-key');
    return new AlertReceiver('pagerduty', {
      pagerdutyConfigs: [{
        routingKey: ref,
        sendResolved: true,
        description: '{{ .CommonAnnotations.summary }}',
        details: [
          { key: 'description', value: '{{ .CommonAnnotations.description }}' },
          { key: 'runbook_url', value: '{{ .CommonAnnotations.runbook_url }}' },
          { key: 'dashboard_url', value: '{{ .CommonAnnotations.dashboard_url }}' },
        ],
      }],
    });
  }

  /** Opsgenie; the Secret key holds the API key. */
  public static opsgenie(props: OpsgenieReceiverProps): AlertReceiver {
    const ref = AlertReceiver.secretRef('opsgenie', props, 'api-key');
    if (props.priority !== undefined && !/^P[1-5]$/.test(props.priority)) {
      throw new PlatformPipelineError(`AlertReceiver.opsgenie: 'priority' must be one of P1 … P5, got ${show(props.priority)}`);
    }
    return new AlertReceiver('opsgenie', {
      opsgenieConfigs: [{
        apiKey: ref,
        sendResolved: true,
        message: '{{ .CommonAnnotations.summary }}',
        description: '{{ .CommonAnnotations.description }}',
        ...(props.priority ? { priority: props.priority } : {}),
      }],
    });
  }

  /** Slack; the Secret key holds the incoming-webhook URL. */
  public static slack(props: SlackReceiverProps): AlertReceiver {
    const ref = AlertReceiver.secretRef('slack', props, 'webhook-url');
    if (props.channel !== undefined && !/^[#@]?[a-z0-9][a-z0-9._-]*$/.test(props.channel)) {
      throw new PlatformPipelineError(`AlertReceiver.slack: 'channel' must be a Slack channel such as '#checkout-alerts', got ${show(props.channel)}`);
    }
    return new AlertReceiver('slack', {
      slackConfigs: [{
        apiURL: ref,
        sendResolved: true,
        ...(props.channel ? { channel: props.channel } : {}),
        title: '[{{ .Status | toUpper }}] {{ .CommonAnnotations.summary }}',
        text: '{{ range .Alerts }}{{ .Annotations.description }}\n{{ if .Annotations.runbook_url }}Runbook: {{ .Annotations.runbook_url }}\n{{ end }}{{ if .Annotations.dashboard_url }}Dashboard: {{ .Annotations.dashboard_url }}\n{{ end }}{{ end }}',
      }],
    });
  }

  private static secretRef(factory: string, props: SecretKeyProps, defaultKey: string): { name: string; key: string } {
    const key = props?.secretKey ?? defaultKey;
    const problems: string[] = [];
    if (!SECRET_NAME.test(props?.secretName ?? '') || props.secretName.length > 253) {
      problems.push(`'secretName' must name a Kubernetes Secret (lowercase DNS subdomain), got ${show(props?.secretName)}`);
    }
    if (!SECRET_KEY.test(key)) problems.push(`'secretKey' must be a Secret key (letters, digits, '-', '_', '.'), got ${show(key)}`);
    if (problems.length > 0) throw new PlatformPipelineError(`AlertReceiver.${factory}: ${problems.join('; ')}`);
    return { name: props.secretName, key };
  }

  /** `pagerduty`, `opsgenie` or `slack`. */
  public readonly kind: string;
  private readonly configs: Record<string, unknown>;

  private constructor(kind: string, configs: Record<string, unknown>) {
    this.kind = kind;
    this.configs = configs;
  }

  /** The receiver entry of an AlertmanagerConfig. @internal */
  public _receiver(name: string): Record<string, unknown> {
    return { name, ...JSON.parse(JSON.stringify(this.configs)) };
  }

  /** The Secret this receiver reads, `{ name, key }`. @internal */
  public _secret(): { name: string; key: string } {
    const entry = Object.values(this.configs)[0] as Array<Record<string, any>>;
    return entry[0].routingKey ?? entry[0].apiKey ?? entry[0].apiURL;
  }
}

const ROUTING_SYMBOL = Symbol.for('platform-pipeline.AlertRouting');

/** Properties of the alert routing. */
export interface AlertRoutingProps {
  /** Where pages go (`severity` = the page severity, `critical` by default): PagerDuty or Opsgenie. */
  readonly page: AlertReceiver;
  /** Where tickets go (`severity` = the ticket severity, `warning` by default): Slack. */
  readonly ticket: AlertReceiver;
  /**
   * Labels on each AlertmanagerConfig; they must match Alertmanager's `alertmanagerConfigSelector`.
   * @default - none (kube-prometheus-stack's default selector takes every AlertmanagerConfig)
   */
  readonly labels?: Label[];
  /**
   * Environments where pages go to the `page` receiver. Elsewhere every alert the routes take goes to the
   * `ticket` receiver, whatever its severity: non-production never pages.
   * @default - the PrometheusRules' `pagingEnvironments` (by default the last environment, production)
   */
  readonly pagingEnvironments?: string[];
  /**
   * Environments that get an AlertmanagerConfig.
   * @default - every environment
   */
  readonly environments?: string[];
  /**
   * How long to wait to group alerts before the first notification.
   * @default Duration.seconds(30)
   */
  readonly groupWait?: Duration;
  /**
   * How long to wait before notifying about new alerts of a group.
   * @default Duration.minutes(5)
   */
  readonly groupInterval?: Duration;
  /**
   * How often a still-firing page is sent again (tickets: four times as long).
   * @default Duration.hours(1)
   */
  readonly repeatInterval?: Duration;
}

/**
 * Stage 8's incident-response automation: an AlertmanagerConfig per environment in the app's namespace
 * that sends pages to the on-call receiver and tickets to the team channel, drops `info` alerts, and lets a
 * page inhibit the ticket of the same SLO. The prometheus-operator adds a `namespace` matcher to these
 * routes; every alert the library generates carries the environment's namespace for that reason.
 */
export class AlertRouting extends Construct {
  /** Whether `x` is an AlertRouting (works across copies of the library). */
  public static isAlertRouting(x: any): x is AlertRouting {
    return x !== null && typeof x === 'object' && ROUTING_SYMBOL in x;
  }

  /** Names of the AlertmanagerConfig objects (one per environment). */
  public readonly configName: string;

  constructor(scope: Construct, id: string, props: AlertRoutingProps) {
    super(scope, id);
    const app = appOf(scope);
    claimSingleton(app, ContributionKind.ALERT_ROUTING, this, 'an app routes its alerts once');
    if (!props?.page || !props?.ticket) {
      fail(this, "'page' and 'ticket' receivers are required, e.g. page: AlertReceiver.pagerDuty({ secretName: 'pagerduty' }), ticket: AlertReceiver.slack({ secretName: 'slack-webhook' })");
    }
    if (props.page.kind === 'slack') fail(this, "'page' must be AlertReceiver.pagerDuty(...) or AlertReceiver.opsgenie(...): Slack does not wake anyone up; use it for 'ticket'");
    for (const [k, d] of Object.entries({ groupWait: props.groupWait, groupInterval: props.groupInterval, repeatInterval: props.repeatInterval })) {
      if (d !== undefined && !(d.toMilliseconds() >= 1000 && d.toMilliseconds() % 1000 === 0)) fail(this, `'${k}' must be whole seconds, got ${d.toHumanString()}`);
    }
    const labels = labelMap('labels', props.labels);
    if (labels.problems.length > 0) fail(this, labels.problems.join('; '));
    const envs = props.environments ?? app.environments.map((e) => e.name);
    for (const e of envs) app.environment(e);
    for (const e of props.pagingEnvironments ?? []) app.environment(e);
    this.configName = `${app.name}-alerts`;

    const seconds = (d: Duration | undefined, dflt: number) => promDuration(d ? d.toMilliseconds() / 1000 : dflt);
    const repeat = props.repeatInterval ? props.repeatInterval.toMilliseconds() / 1000 : 3600;
    for (const name of envs) {
      const env = app.environment(name);
      new ApiObject(app.chartFor(name), `${this.node.id}-alertmanagerconfig`, {
        apiVersion: 'monitoring.coreos.com/v1alpha1',
        kind: 'AlertmanagerConfig',
        metadata: { name: this.configName, namespace: env.namespace, labels: { ...commonLabels(app.name), ...labelMap('labels', props.labels).map } },
        // read at synth: PrometheusRules may be declared after this construct
        spec: Lazy.any({ produce: () => this.spec(app, props, name, seconds(props.groupWait, 30), seconds(props.groupInterval, 300), repeat) }),
      });
    }
    // marked last: a construct whose props were refused does not count as the app's routing
    Object.defineProperty(this, ROUTING_SYMBOL, { value: true });
    // registered last: a declaration that failed its own checks does not count as the app's one
    registerSingleton(app, ContributionKind.ALERT_ROUTING, this, 'an app routes its alerts once');
  }

  // matchers omit `matchType: "="` (the default): a bare `=` is the YAML 1.1 value tag, which PyYAML-based tools refuse
  private spec(app: IPlatformApp, props: AlertRoutingProps, env: string, groupWait: string, groupInterval: string, repeat: number)
    : Record<string, unknown> {
    const p = this.prefix(app);
    const last = app.environments[app.environments.length - 1].name;
    const paging = (props.pagingEnvironments ?? this.rules(app)?.pagingEnvironments ?? [last]).includes(env);
    return {
      route: {
        receiver: 'none',
        groupBy: ['alertname', `${p}id`, 'environment'],
        groupWait,
        groupInterval,
        repeatInterval: promDuration(repeat * 4),
        routes: [
          // outside the paging environments a page-severity alert (a custom one, say) opens a ticket
          { receiver: paging ? 'page' : 'ticket', matchers: [{ name: 'severity', value: this.severity(app, 'page') }], repeatInterval: promDuration(repeat) },
          { receiver: 'ticket', matchers: [{ name: 'severity', value: this.severity(app, 'ticket') }] },
        ],
      },
      receivers: [{ name: 'none' }, ...(paging ? [props.page._receiver('page')] : []), props.ticket._receiver('ticket')],
      inhibitRules: [{
        sourceMatch: [{ name: `${p}severity`, value: 'page' }],
        targetMatch: [{ name: `${p}severity`, value: 'ticket' }],
        equal: [`${p}id`],
      }],
    };
  }

  private rules(app: IPlatformApp): RulesContribution | undefined {
    return contributionOf<RulesContribution>(app, ContributionKind.PROMETHEUS_RULES);
  }

  private prefix(app: IPlatformApp): string {
    return this.rules(app)?.labelPrefix ?? 'sloth_';
  }

  private severity(app: IPlatformApp, tier: 'page' | 'ticket'): string {
    const r = this.rules(app);
    return tier === 'page' ? r?.pageSeverity ?? 'critical' : r?.ticketSeverity ?? 'warning';
  }
}
