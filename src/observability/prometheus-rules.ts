import { ApiObject, Duration, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { AlertTier, BurnRateWindows, secondsOf } from './burn-rate-windows';
import { ensurePipelineReport, addRulesGate, promtoolVersionProblem } from './private/pipeline-jobs';
import { fail, show } from '../core/errors';
import { MarkerStyle } from '../core/generated-file';
import { dnsLabelProblem, PROM_LABEL_NAME } from '../core/names';
import { paths } from '../core/paths';
import { DEFAULT_PROMETHEUS_VERSION } from '../core/versions';
import type { DashboardContribution } from './private/contributions';
import { SUCCESS_METRICS } from './private/pipeline-rules';
import { promqlProblem, withoutPlaceholders } from './private/promql';
import { groupEvalOrder } from './private/rule-tests';
import { buildRulesPlan, CustomAlert, RulesPlan, RulesSettings } from './private/rules-plan';
import { stringifyYaml } from '../core/yaml-writer';
import { Label, labelMap } from '../model/label';
import { PipelineJob } from '../pipeline/pipeline-job';
import { commonLabels } from '../platform/base-manifests';
import { lastEnvironment, undeclaredEnvironment } from '../platform/environments';
import { appOf, IPlatformApp } from '../platform/platform-app-contract';
import { claimSingleton, ContributionKind, contributionOf, registerSingleton } from '../platform/registry';

const RULES_SYMBOL = Symbol.for('platform-pipeline.PrometheusRules');
const ALERT_NAME = /^[A-Z][A-Za-z0-9]*$/;

/** A `{{window}}`-templated SLI for one SLO, like Sloth's `events.error_query` / `total_query`. */
export interface SliQueryProps {
  /** The SLO (by name) whose SLI these queries define instead of its SLI source. */
  readonly slo: string;
  /**
   * Bad events per second over `{{window}}`, e.g. `sum(rate(http_requests_total{job="{app}",code=~"5.."}[{{window}}]))`.
   * `{app}` and `{namespace}` are replaced per environment.
   */
  readonly errorQuery: string;
  /** All events per second over `{{window}}`, e.g. `sum(rate(http_requests_total{job="{app}"}[{{window}}]))`. */
  readonly totalQuery: string;
}

/** An alert of your own, added beside the generated ones. */
export interface CustomAlertProps {
  /** Alert name, CamelCase, e.g. `CheckoutQueueBacklog`. */
  readonly name: string;
  /** PromQL; `{app}` and `{namespace}` are replaced per environment. Checked by the PromQL parser at synth. */
  readonly expr: string;
  /** Headline ending with a period. */
  readonly summary: string;
  /**
   * Details; may use `{{ $labels.x }}` and `{{ $value }}`.
   * @default - the summary
   */
  readonly description?: string;
  /**
   * How long the condition must hold (`for:`).
   * @default - fires at once
   */
  readonly pendingFor?: Duration;
  /**
   * Who gets it.
   * @default AlertTier.TICKET
   */
  readonly tier?: AlertTier;
  /**
   * Environments whose rules carry it.
   * @default - every environment
   */
  readonly environments?: string[];
}

/** Properties of the SLO and pipeline alert rules. */
export interface PrometheusRulesProps {
  /**
   * The burn-rate windows of the SLO alerts.
   * @default BurnRateWindows.workbook()
   */
  readonly windows?: BurnRateWindows;
  /**
   * Labels on each PrometheusRule object; they must match the Prometheus `ruleSelector`. With
   * kube-prometheus-stack that is the Helm release (or set `ruleSelectorNilUsesHelmValues: false` there).
   * @default [{ name: 'release', value: 'kube-prometheus-stack' }]
   */
  readonly labels?: Label[];
  /**
   * Namespace of the PrometheusRule objects (mind Prometheus' `ruleNamespaceSelector`).
   * @default - each environment's namespace
   */
  readonly namespace?: string;
  /**
   * Labels on every rule and alert (owner, tier, …). The app's `team` is added as `team`.
   * @default - only `team`
   */
  readonly ruleLabels?: Label[];
  /**
   * Prefix of the SLO identity labels (`<prefix>id`, `<prefix>service`, `<prefix>slo`, …).
   * @default 'sloth_' (Sloth's dashboards then work on these rules)
   */
  readonly labelPrefix?: string;
  /**
   * `severity` of page alerts.
   * @default 'critical'
   */
  readonly pageSeverity?: string;
  /**
   * `severity` of ticket alerts.
   * @default 'warning'
   */
  readonly ticketSeverity?: string;
  /**
   * Minimum-traffic guard for low-volume services: burn-rate alerts fire only while the service serves more
   * than this many requests per second over the alert's long window.
   * @default - no guard
   */
  readonly minRequestRate?: number;
  /**
   * How long an SLI metric must be missing before the absent alert fires.
   * @default Duration.minutes(10)
   */
  readonly absentFor?: Duration;
  /**
   * Add an info alert when an SLO's period error budget is used up.
   * @default true
   */
  readonly budgetExhaustedAlert?: boolean;
  /**
   * Compute the period SLI as Sloth does: the mean of the shortest window's recorded ratios over the period
   * (`sum_over_time(slo:sli_error:ratio_rate5m[30d]) / count_over_time(...)`), cheap, and covering only the
   * data retention actually holds. `false` computes it from the raw counters over the whole period instead
   * (exact on uneven traffic, but a 30-day `rate()` over every counter and bucket at every evaluation, and
   * silently shortened when retention is under the period).
   * @default true
   */
  readonly optimizedPeriodSli?: boolean;
  /**
   * The environment whose Prometheus scrapes the Pushgateway: it gets the pipeline and delivery alerts and the
   * DORA recordings (only when the app sets `observability.pushgatewayUrl`).
   * @default - the last environment
   */
  readonly pipelineEnvironment?: string;
  /**
   * The pipeline's running-time target: `PipelineSlow` fires when a successful run ran longer, without the
   * time no job was running (approvals, wait timers, runner queues; pushed apart as
   * `PipelineMetrics.RUN_WAIT`). Give a pipeline whose critical path (`docs/<app>-pipeline.md`) is longer
   * than the reference's 60 minutes its own target.
   * @default Duration.minutes(60)
   */
  readonly pipelineDurationTarget?: Duration;
  /**
   * Alert on failed Kyverno policy results (`kyverno_policy_results_total`) in each environment's namespace.
   * @default true
   */
  readonly policyViolationAlert?: boolean;
  /**
   * SLIs defined by your own `{{window}}`-templated queries instead of the SLI source.
   * @default - every SLO reads its SLI source
   */
  readonly sliQueries?: SliQueryProps[];
  /**
   * Prometheus release whose promtool the gate job downloads. Only releases whose tarball sha256 the library
   * pins (for amd64 and arm64 runners) are accepted: '2.55.1' and '3.5.0'; any other version is refused at
   * synth (a checksum file fetched from the release itself would prove integrity, not authenticity).
   * @default '3.5.0'
   */
  readonly promtoolVersion?: string;
  /**
   * Environments whose page-tier alerts page (`pageSeverity`). In the others, page-tier burn alerts and
   * page-severity alerts carry `ticketSeverity` (their `sloth_severity` stays `page`): a staging burn opens
   * a ticket, never wakes anyone. `AlertRouting` routes by the same list.
   * @default - only the last environment (production)
   */
  readonly pagingEnvironments?: string[];
}

/**
 * Stage 8: Sloth-compatible SLO rules (SLI and metadata recordings, multi-window multi-burn-rate page and
 * ticket alerts, metric-absent and budget-exhausted alerts), the pipeline and delivery alerts over the
 * metrics the pipeline pushes, and Kyverno policy-violation alerts. Per environment: a PrometheusRule in
 * `deploy/<app>/<env>.k8s.yaml`, the plain `monitoring/<app>/<env>.rules.yml` and generated promtool tests
 * `monitoring/<app>/<env>.rules.test.yml`, checked and tested by a gate job of its own.
 */
export class PrometheusRules extends Construct {
  /** Whether `x` is a PrometheusRules (works across copies of the library). */
  public static isPrometheusRules(x: any): x is PrometheusRules {
    return x !== null && typeof x === 'object' && RULES_SYMBOL in x;
  }

  /** The windows. */
  public readonly windows: BurnRateWindows;
  /** Environments whose page-tier alerts page. */
  public readonly pagingEnvironments: string[];
  /** The label prefix. */
  public readonly labelPrefix: string;
  /** `severity` of pages. */
  public readonly pageSeverity: string;
  /** `severity` of tickets. */
  public readonly ticketSeverity: string;
  /** The environment with the pipeline alerts. */
  public readonly pipelineEnvironment: string;
  /** The gate job running promtool. */
  public readonly gateJob: PipelineJob;

  private readonly app: IPlatformApp;
  private readonly props: PrometheusRulesProps;
  private readonly customAlerts: CustomAlert[] = [];
  private cached?: RulesPlan;

  constructor(scope: Construct, id: string, props: PrometheusRulesProps = {}) {
    super(scope, id);
    const app = appOf(scope);
    claimSingleton(app, ContributionKind.PROMETHEUS_RULES, this, 'add alerts to that one with addAlert()');
    this.app = app;
    this.props = props;
    this.windows = props.windows ?? BurnRateWindows.workbook();
    this.labelPrefix = props.labelPrefix ?? 'sloth_';
    this.pageSeverity = props.pageSeverity ?? 'critical';
    this.ticketSeverity = props.ticketSeverity ?? 'warning';
    this.pipelineEnvironment = props.pipelineEnvironment ?? lastEnvironment(app).name;
    this.pagingEnvironments = [...(props.pagingEnvironments ?? [lastEnvironment(app).name])];
    this.validateProps(props);

    const labels = labelMap('labels', props.labels ?? [{ name: 'release', value: 'kube-prometheus-stack' }]).map;
    for (const env of app.environments) {
      const name = `${app.name}-rules`;
      new ApiObject(app.chartFor(env.name), `${this.node.id}-${name}`, {
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'PrometheusRule',
        metadata: { name, namespace: props.namespace ?? env.namespace, labels: { ...commonLabels(app.name), ...labels } },
        spec: { groups: Lazy.any({ produce: () => this._plan().environments.get(env.name)?.groups ?? [] }) },
      });
      app._addFile(this, this.rulesPath(env.name), MarkerStyle.HASH, () => toYaml({ groups: this._plan().environments.get(env.name)?.groups ?? [] }));
      app._addFile(this, this.testsPath(env.name), MarkerStyle.HASH, () => toYaml({
        rule_files: [`${env.name}.rules.yml`],
        evaluation_interval: '1m',
        group_eval_order: groupEvalOrder(this._plan().environments.get(env.name)?.groups ?? []),
        tests: this._plan().environments.get(env.name)?.tests ?? [],
      }));
    }
    this.gateJob = addRulesGate(this, app, props.promtoolVersion ?? DEFAULT_PROMETHEUS_VERSION,
      app.environments.map((e) => paths.rulesBase(app.name, e.name)));
    ensurePipelineReport(this, app);
    this.node.addValidation({ validate: () => [...this._plan().problems] });
    // marked last: a construct whose props were refused does not count as the app's rules
    Object.defineProperty(this, RULES_SYMBOL, { value: true });
    // registered last: a declaration that failed its own checks does not count as the app's one
    registerSingleton(app, ContributionKind.PROMETHEUS_RULES, this, 'add alerts to that one with addAlert()');
  }

  /** Path of an environment's plain rules file, e.g. `monitoring/checkout/production.rules.yml`. */
  public rulesPath(environment: string): string {
    return paths.rules(this.app.name, environment);
  }

  /** Path of an environment's generated promtool tests. */
  public testsPath(environment: string): string {
    return paths.ruleTests(this.app.name, environment);
  }

  /** Adds an alert of your own; its expression is parsed now, so a typo fails here with this construct's path. */
  public addAlert(props: CustomAlertProps): void {
    const at = `addAlert(${show(props?.name)})`;
    if (!ALERT_NAME.test(props?.name ?? '')) fail(this, `${at}: 'name' must be CamelCase letters and digits starting with a capital, got ${show(props?.name)}`);
    if (this.customAlerts.some((a) => a.name === props.name)) fail(this, `${at}: an alert named ${show(props.name)} was already added; give each its own name`);
    const p = promqlProblem(withoutPlaceholders(props.expr?.replace(/\{(app|namespace)\}/g, 'x') ?? ''));
    if (p) fail(this, `${at}: 'expr' ${show(props.expr)}: ${p}`);
    if (typeof props.summary !== 'string' || !props.summary.trim().endsWith('.')) fail(this, `${at}: 'summary' must be a sentence ending with a period, got ${show(props.summary)}`);
    for (const e of props.environments ?? []) this.app.environment(e);
    const pending = props.pendingFor ? secondsOf(props.pendingFor) : undefined;
    if (pending !== undefined && !(pending > 0 && pending % 1 === 0)) fail(this, `${at}: 'pendingFor' must be whole seconds, got ${props.pendingFor!.toHumanString()}`);
    this.customAlerts.push({
      name: props.name,
      expr: props.expr,
      pendingFor: pending !== undefined ? `${pending % 60 === 0 ? `${pending / 60}m` : `${pending}s`}` : undefined,
      tier: props.tier ?? AlertTier.TICKET,
      summary: props.summary,
      description: props.description ?? props.summary,
      environments: props.environments,
    });
    this.cached = undefined;
  }

  /** Every environment's groups and tests (built once, at synth). @internal */
  public _plan(): RulesPlan {
    if (this.cached) return this.cached;
    const app = this.app;
    const props = this.props;
    const grafana = app.observability.grafanaUrl?.replace(/\/+$/, '');
    const dashboard = contributionOf<DashboardContribution>(app, ContributionKind.GRAFANA_DASHBOARD);
    const settings: RulesSettings = {
      windows: this.windows,
      prefix: this.labelPrefix,
      extraLabels: { ...(app.team ? { team: app.team } : {}), ...labelMap('ruleLabels', props.ruleLabels, true).map },
      severities: { [AlertTier.PAGE]: this.pageSeverity, [AlertTier.TICKET]: this.ticketSeverity, [AlertTier.INFO]: 'info' },
      minRequestRate: props.minRequestRate,
      absentForSeconds: props.absentFor ? secondsOf(props.absentFor) : 600,
      budgetExhaustedAlert: props.budgetExhaustedAlert ?? true,
      optimizedPeriod: props.optimizedPeriodSli ?? true,
      pipelineEnvironment: this.pipelineEnvironment,
      pagingEnvironments: this.pagingEnvironments,
      pipelineAlerts: !!app.observability.pushgatewayUrl,
      policyViolationAlert: props.policyViolationAlert ?? true,
      sliOverrides: props.sliQueries ?? [],
      customAlerts: this.customAlerts,
      serviceDashboardUrl: grafana && dashboard ? `${grafana}/d/${dashboard.serviceUid}` : undefined,
      deliveryDashboardUrl: grafana && dashboard ? `${grafana}/d/${dashboard.deliveryUid}` : undefined,
      pipelineSeconds: props.pipelineDurationTarget ? secondsOf(props.pipelineDurationTarget) : SUCCESS_METRICS.pipelineSeconds,
    };
    this.cached = buildRulesPlan(app, settings);
    return this.cached;
  }

  private validateProps(props: PrometheusRulesProps): void {
    const problems: string[] = [];
    const app = this.app;
    if (!/^[a-z][a-z0-9_]*_$/.test(this.labelPrefix)) problems.push(`'labelPrefix' must be lowercase letters, digits and '_' ending with '_', got ${show(this.labelPrefix)}`);
    for (const [k, v] of [['pageSeverity', this.pageSeverity], ['ticketSeverity', this.ticketSeverity]]) {
      if (!/^[a-z][a-z0-9_-]*$/.test(v)) problems.push(`'${k}' must be a lowercase word such as 'critical', got ${show(v)}`);
    }
    if (this.pageSeverity === this.ticketSeverity) problems.push(`'pageSeverity' and 'ticketSeverity' are both ${show(this.pageSeverity)}; pages and tickets need different severities to be routed apart`);
    const undeclared = undeclaredEnvironment(app, 'pipelineEnvironment', this.pipelineEnvironment);
    if (undeclared) problems.push(undeclared);
    for (const e of props.pagingEnvironments ?? []) {
      const u = undeclaredEnvironment(app, 'pagingEnvironments', e);
      if (u) problems.push(u);
    }
    if (props.namespace !== undefined) {
      const np = dnsLabelProblem('namespace', props.namespace);
      if (np) problems.push(np);
    }
    const reserved = new Set(['namespace', 'severity', 'alertname', 'short', 'long', 'app', 'environment', 'slo_burn_tier', 'le']);
    const ruleLabels = labelMap('ruleLabels', props.ruleLabels, true);
    problems.push(...ruleLabels.problems);
    for (const k of Object.keys(ruleLabels.map)) {
      if (!PROM_LABEL_NAME.test(k) || reserved.has(k) || k.startsWith(this.labelPrefix) || k.startsWith('__')) {
        problems.push(`'ruleLabels' key ${show(k)} must be a Prometheus label name not used by the generated rules (${[...reserved].join(', ')}, ${this.labelPrefix}*)`);
      }
    }
    problems.push(...labelMap('labels', props.labels).problems);
    const target = props.pipelineDurationTarget ? secondsOf(props.pipelineDurationTarget) : undefined;
    if (target !== undefined && !(target >= 60 && target % 60 === 0)) {
      problems.push(`'pipelineDurationTarget' must be whole minutes, at least one, got ${props.pipelineDurationTarget!.toHumanString()}`);
    }
    if (props.minRequestRate !== undefined && !(props.minRequestRate > 0)) problems.push(`'minRequestRate' must be a positive number of requests per second, got ${show(props.minRequestRate)}`);
    if (props.absentFor !== undefined && !(secondsOf(props.absentFor) >= 60 && secondsOf(props.absentFor) % 60 === 0)) {
      problems.push(`'absentFor' must be whole minutes, at least one, got ${props.absentFor.toHumanString()}`);
    }
    if (props.promtoolVersion !== undefined && !/^\d+\.\d+\.\d+$/.test(props.promtoolVersion)) {
      problems.push(`'promtoolVersion' must be a Prometheus release such as '3.5.0', got ${show(props.promtoolVersion)}`);
    } else if (props.promtoolVersion !== undefined) {
      const unpinned = promtoolVersionProblem(props.promtoolVersion);
      if (unpinned) problems.push(unpinned);
    }
    const seen = new Set<string>();
    (props.sliQueries ?? []).forEach((q, i) => {
      const at = `sliQueries[${i}]`;
      if (!app.slos.some((s) => s.name === q.slo)) problems.push(`'${at}.slo' ${show(q.slo)} is not an SLO of the app; SLOs are ${show(app.slos.map((s) => s.name))}`);
      if (seen.has(q.slo)) problems.push(`'${at}.slo' ${show(q.slo)} has queries twice`);
      seen.add(q.slo);
      for (const k of ['errorQuery', 'totalQuery'] as const) {
        const text = q[k] ?? '';
        if (!/\{\{\s*\.?window\s*\}\}/.test(text)) problems.push(`'${at}.${k}' must use {{window}} as its range, got ${show(text)}`);
        const p = promqlProblem(withoutPlaceholders(text.replace(/\{(app|namespace)\}/g, 'x')));
        if (p) problems.push(`'${at}.${k}' ${show(text)}: ${p}`);
      }
    });
    if (problems.length > 0) fail(this, problems.join('; '));
  }
}

/** YAML as promtool and reviewers read it: no line folding, no anchors for repeated label sets. */
function toYaml(value: unknown): string {
  // YAML.stringify(value, { indent: 2, lineWidth: 0, aliasDuplicateObjects: false }), byte for byte
  return stringifyYaml(value, { aliasDuplicateObjects: false });
}
