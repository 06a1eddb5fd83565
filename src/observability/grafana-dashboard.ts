import { ApiObject, Duration, Lazy } from 'cdk8s';
import * as k8s from 'cdk8s-plus-27/lib/imports/k8s';
import { Construct } from 'constructs';
import { BurnRateWindows } from './burn-rate-windows';
import { prometheusQueries } from './private/dashboard-model';
import { deliveryDashboard } from './private/delivery-dashboard';
import { ensurePipelineReport } from './private/pipeline-jobs';
import { promqlProblem, withoutPlaceholders } from './private/promql';
import { podPattern, serviceDashboard } from './private/service-dashboard';
import { fail, pathOf, PlatformPipelineError, show } from '../core/errors';
import { MarkerStyle } from '../core/generated-file';
import { DNS1123_LABEL, K8S_LABEL_VALUE } from '../core/names';
import { paths } from '../core/paths';
import { Label, labelMap } from '../model/label';
import { commonLabels } from '../platform/base-manifests';
import { appOf, appsOf, IPlatformApp } from '../platform/platform-app-contract';
import type { RulesContribution } from './private/contributions';
import { lastEnvironment, undeclaredEnvironment } from '../platform/environments';
import { claimSingleton, ContributionKind, contributionOf, registerSingleton } from '../platform/registry';

const DASHBOARD_SYMBOL = Symbol.for('platform-pipeline.GrafanaDashboard');
const UID = /^[a-zA-Z0-9-_]+$/;
/** Grafana's and grafana-operator's limit on dashboard uids. */
const MAX_UID = 40;
/** A ConfigMap holds at most 1 MiB. */
const MAX_BYTES = 1024 * 1024;

/** Options of sidecar provisioning (grafana chart / kube-prometheus-stack). */
export interface SidecarProvisioningProps {
  /**
   * Value of the `grafana_dashboard` label the sidecar selects (`sidecar.dashboards.labelValue`).
   * @default '1'
   */
  readonly labelValue?: string;
  /**
   * Grafana folder, written as the `grafana_folder` annotation (needs
   * `sidecar.dashboards.folderAnnotation: grafana_folder` in the Grafana values).
   * @default - the sidecar's default folder
   */
  readonly folder?: string;
  /**
   * Namespace of the ConfigMaps (the sidecar must search it: `searchNamespace: ALL` in kube-prometheus-stack).
   * @default - the namespace of the environment that ships the dashboards
   */
  readonly namespace?: string;
}

/** Options of grafana-operator provisioning. */
export interface GrafanaOperatorProvisioningProps {
  /**
   * Labels of the Grafana instances that should load the dashboards (`spec.instanceSelector.matchLabels`).
   * @default [{ name: 'dashboards', value: 'grafana' }]
   */
  readonly instanceSelector?: Label[];
  /**
   * Grafana folder title.
   * @default - the operator's default folder
   */
  readonly folder?: string;
  /**
   * Namespace of the GrafanaDashboard objects.
   * @default - the namespace of the environment that ships the dashboards
   */
  readonly namespace?: string;
  /**
   * How often the operator re-applies the dashboard.
   * @default Duration.minutes(10)
   */
  readonly resyncPeriod?: Duration;
}


/**
 * How the dashboards reach Grafana: ConfigMaps that Grafana's dashboard sidecar loads, or grafana-operator
 * `GrafanaDashboard` objects.
 */
export class DashboardProvisioning {
  /** ConfigMaps labelled `grafana_dashboard`, one per dashboard (kube-prometheus-stack's Grafana loads them). */
  public static sidecar(props: SidecarProvisioningProps = {}): DashboardProvisioning {
    const value = props.labelValue ?? '1';
    if (!K8S_LABEL_VALUE.test(value) || value.length > 63) {
      throw new PlatformPipelineError(`DashboardProvisioning.sidecar: 'labelValue' must be a Kubernetes label value, got ${show(value)}`);
    }
    DashboardProvisioning.checkCommon('sidecar', props.folder, props.namespace);
    return new DashboardProvisioning('sidecar', value, props.folder, props.namespace, undefined, undefined);
  }

  /** grafana-operator `GrafanaDashboard` objects (`grafana.integreatly.org/v1beta1`). */
  public static grafanaOperator(props: GrafanaOperatorProvisioningProps = {}): DashboardProvisioning {
    const { map: selector, problems } = labelMap('instanceSelector', props.instanceSelector ?? [{ name: 'dashboards', value: 'grafana' }]);
    if (Object.keys(selector).length === 0 && problems.length === 0) {
      problems.push("'instanceSelector' must name at least one label of the Grafana instance, e.g. [{ name: 'dashboards', value: 'grafana' }]");
    }
    if (problems.length > 0) throw new PlatformPipelineError(`DashboardProvisioning.grafanaOperator: ${problems.join('; ')}`);
    const resync = props.resyncPeriod ?? Duration.minutes(10);
    const seconds = resync.toMilliseconds() / 1000;
    if (!(seconds >= 60 && seconds % 1 === 0)) {
      throw new PlatformPipelineError(`DashboardProvisioning.grafanaOperator: 'resyncPeriod' must be whole seconds and at least a minute, got ${resync.toHumanString()}`);
    }
    DashboardProvisioning.checkCommon('grafanaOperator', props.folder, props.namespace);
    return new DashboardProvisioning('grafana-operator', undefined, props.folder, props.namespace, selector, `${Math.floor(seconds / 60)}m${seconds % 60}s`);
  }

  private static checkCommon(factory: string, folder: string | undefined, namespace: string | undefined): void {
    if (folder !== undefined && (folder.trim().length === 0 || folder.length > 100)) {
      throw new PlatformPipelineError(`DashboardProvisioning.${factory}: 'folder' must be a folder title of 1 to 100 characters, got ${show(folder)}`);
    }
    if (namespace !== undefined && !DNS1123_LABEL.test(namespace)) {
      throw new PlatformPipelineError(`DashboardProvisioning.${factory}: 'namespace' must be a DNS-1123 label, got ${show(namespace)}`);
    }
  }

  /** `sidecar` or `grafana-operator`. */
  public readonly kind: string;
  /** The sidecar label value. */
  public readonly labelValue?: string;
  /** The folder. */
  public readonly folder?: string;
  /** The namespace override. */
  public readonly namespace?: string;
  /** The operator's instance selector (`matchLabels`). @internal */
  public readonly _instanceSelector?: Record<string, string>;
  /** The operator's resync period, Go duration syntax. */
  public readonly resyncPeriod?: string;

  private constructor(kind: string, labelValue: string | undefined, folder: string | undefined, namespace: string | undefined,
    instanceSelector: Record<string, string> | undefined, resyncPeriod: string | undefined) {
    this.kind = kind;
    this.labelValue = labelValue;
    this.folder = folder;
    this.namespace = namespace;
    this._instanceSelector = instanceSelector;
    this.resyncPeriod = resyncPeriod;
  }
}

/** Properties of the app's dashboards. */
export interface GrafanaDashboardProps {
  /**
   * How the dashboards reach Grafana.
   * @default DashboardProvisioning.sidecar()
   */
  readonly provisioning?: DashboardProvisioning;
  /**
   * The environment whose manifests ship the dashboards (the cluster that runs Grafana).
   * @default - the last environment
   */
  readonly environment?: string;
  /**
   * Prefix of the dashboard uids: `<prefix>-service` and `<prefix>-delivery`, at most 40 characters each.
   * @default - the app name
   */
  readonly uidPrefix?: string;
  /**
   * Tags of both dashboards (the app name is always one).
   * @default - `platform-pipeline` and the app name
   */
  readonly tags?: string[];
  /**
   * Add a Loki logs panel (with a `loki` datasource variable).
   * @default false
   */
  readonly loki?: boolean;
  /**
   * LogQL stream selector of the logs panel.
   * @default - `{namespace="$namespace", pod=~"<app>-…"}`
   */
  readonly logSelector?: string;
  /**
   * Add a Tempo trace search panel (with a `tempo` datasource variable).
   * @default false
   */
  readonly tempo?: boolean;
  /**
   * TraceQL query of the trace panel.
   * @default - `{resource.service.name="<app>"}`
   */
  readonly traceQuery?: string;
}

/**
 * Stage 8's dashboards: a service dashboard per app (SLO status and remaining budget, burn rates, request
 * rate, errors, latency percentiles, saturation, deploy annotations, optional Loki logs and Tempo traces) and,
 * when the app pushes pipeline metrics, a delivery dashboard (DORA keys, pipeline duration and failures,
 * coverage, scan results, with the reference pipeline's success metrics as thresholds). Classic dashboard JSON
 * with stable uids, written to `monitoring/<app>/dashboards/<uid>.json` and shipped as sidecar ConfigMaps or
 * grafana-operator GrafanaDashboard objects in one environment's manifests.
 */
export class GrafanaDashboard extends Construct {
  /** Whether `x` is a GrafanaDashboard (works across copies of the library). */
  public static isGrafanaDashboard(x: any): x is GrafanaDashboard {
    return x !== null && typeof x === 'object' && DASHBOARD_SYMBOL in x;
  }

  /** The service dashboard's uid. */
  public readonly serviceUid: string;
  /** The delivery dashboard's uid. */
  public readonly deliveryUid: string;
  /** Whether the delivery dashboard is generated (the app pushes pipeline metrics). */
  public readonly delivery: boolean;
  /** The environment that ships the dashboards. */
  public readonly environment: string;
  /** How they are provisioned. */
  public readonly provisioning: DashboardProvisioning;

  private readonly app: IPlatformApp;
  private readonly props: GrafanaDashboardProps;
  private readonly rendered = new Map<string, Record<string, unknown>>();

  constructor(scope: Construct, id: string, props: GrafanaDashboardProps = {}) {
    super(scope, id);
    const app = appOf(scope);
    claimSingleton(app, ContributionKind.GRAFANA_DASHBOARD, this, 'an app has one service and one delivery dashboard');
    this.app = app;
    this.props = props;
    this.provisioning = props.provisioning ?? DashboardProvisioning.sidecar();
    this.environment = props.environment ?? lastEnvironment(app).name;
    const prefix = props.uidPrefix ?? app.name;
    this.serviceUid = `${prefix}-service`;
    this.deliveryUid = `${prefix}-delivery`;
    this.delivery = !!app.observability.pushgatewayUrl;
    this.validateProps();

    const env = app.environment(this.environment);
    const namespace = this.provisioning.namespace ?? env.namespace;
    const uids = this.delivery ? [this.serviceUid, this.deliveryUid] : [this.serviceUid];
    for (const uid of uids) {
      app._addFile(this, this.dashboardPath(uid), MarkerStyle.NONE, () => `${JSON.stringify(this.dashboard(uid), null, 2)}\n`);
      const json = { produce: () => JSON.stringify(this.dashboard(uid)) };
      const chart = app.chartFor(this.environment);
      if (this.provisioning.kind === 'sidecar') {
        new k8s.KubeConfigMap(chart, `${this.node.id}-${uid}`, {
          metadata: {
            name: `${uid}-dashboard`,
            namespace,
            labels: { ...commonLabels(app.name), grafana_dashboard: this.provisioning.labelValue! },
            ...(this.provisioning.folder ? { annotations: { grafana_folder: this.provisioning.folder } } : {}),
          },
          data: { [`${uid}.json`]: lazyString(json) },
        });
      } else {
        new ApiObject(chart, `${this.node.id}-${uid}`, {
          apiVersion: 'grafana.integreatly.org/v1beta1',
          kind: 'GrafanaDashboard',
          metadata: { name: uid.toLowerCase().replace(/_/g, '-'), namespace, labels: commonLabels(app.name) },
          spec: {
            instanceSelector: { matchLabels: this.provisioning._instanceSelector },
            ...(this.provisioning.folder ? { folder: this.provisioning.folder } : {}),
            uid,
            resyncPeriod: this.provisioning.resyncPeriod,
            json: lazyString(json),
          },
        });
      }
    }
    ensurePipelineReport(this, app);
    this.node.addValidation({ validate: () => this.problems() });
    // marked last: a construct whose props were refused does not count as the app's dashboard
    Object.defineProperty(this, DASHBOARD_SYMBOL, { value: true });
    // registered last: a declaration that failed its own checks does not count as the app's one
    registerSingleton(app, ContributionKind.GRAFANA_DASHBOARD, this, 'an app has one service and one delivery dashboard');
  }

  /** Path of a dashboard file, e.g. `monitoring/checkout/dashboards/checkout-service.json`. */
  public dashboardPath(uid: string): string {
    return paths.dashboard(this.app.name, uid);
  }

  private dashboard(uid: string): Record<string, unknown> {
    const known = this.rendered.get(uid);
    if (known) return known;
    const app = this.app;
    const tags = [...new Set([...(this.props.tags ?? ['platform-pipeline']), app.name])];
    const rules = contributionOf<RulesContribution>(app, ContributionKind.PROMETHEUS_RULES);
    const json = uid === this.serviceUid
      ? serviceDashboard(app, {
        uid,
        deliveryUid: this.delivery ? this.deliveryUid : uid,
        tags,
        labelPrefix: rules?.labelPrefix ?? 'sloth_',
        windows: rules?.windows ?? BurnRateWindows.workbook(),
        logSelector: this.props.loki ? this.props.logSelector ?? `{namespace="$namespace", pod=~"${podPattern(app.name)}"}` : undefined,
        traceQuery: this.props.tempo ? this.props.traceQuery ?? `{resource.service.name="${app.name}"}` : undefined,
      })
      : deliveryDashboard(app, { uid, serviceUid: this.serviceUid, tags });
    this.rendered.set(uid, json);
    return json;
  }

  private validateProps(): void {
    const problems: string[] = [];
    for (const uid of [this.serviceUid, this.deliveryUid]) {
      if (uid.length > MAX_UID) problems.push(`dashboard uid ${show(uid)} is ${uid.length} characters; Grafana allows at most ${MAX_UID}: set 'uidPrefix' to at most ${MAX_UID - '-delivery'.length} characters`);
      else if (!UID.test(uid)) problems.push(`dashboard uid ${show(uid)} may only use letters, digits, '-' and '_': fix 'uidPrefix'`);
    }
    const undeclared = undeclaredEnvironment(this.app, 'environment', this.environment);
    if (undeclared) problems.push(undeclared);
    if (this.props.logSelector !== undefined && !this.props.loki) problems.push("'logSelector' is set but 'loki' is not; set loki: true to add the logs panel");
    if (this.props.traceQuery !== undefined && !this.props.tempo) problems.push("'traceQuery' is set but 'tempo' is not; set tempo: true to add the trace panel");
    if (this.props.logSelector !== undefined && !/^\{.*\}/s.test(this.props.logSelector.trim())) problems.push(`'logSelector' must be a LogQL stream selector such as '{namespace="$namespace"}', got ${show(this.props.logSelector)}`);
    for (const t of this.props.tags ?? []) if (typeof t !== 'string' || t.length === 0 || t.length > 50) problems.push(`'tags' entries must be 1 to 50 characters, got ${show(t)}`);
    if (problems.length > 0) fail(this, problems.join('; '));
  }

  private problems(): string[] {
    const out: string[] = [];
    const uids = this.delivery ? [this.serviceUid, this.deliveryUid] : [this.serviceUid];
    for (const uid of uids) {
      const json = this.dashboard(uid);
      for (const q of prometheusQueries(json)) {
        const p = promqlProblem(withoutPlaceholders(q.expr));
        if (p) out.push(`dashboard ${show(uid)}, ${q.name}: ${p}; check the SLI source's 'selector' and 'errorMatchers'`);
      }
      const size = Buffer.byteLength(JSON.stringify(json));
      if (size > MAX_BYTES) out.push(`dashboard ${show(uid)} is ${size} bytes; a ConfigMap holds at most 1 MiB`);
    }
    // two apps of one project must not share a uid: Grafana keys dashboards by uid
    const project = this.app.project;
    for (const other of appsOf(project)) {
      if (other === this.app) continue;
      const theirs = contributionOf<GrafanaDashboard>(other, ContributionKind.GRAFANA_DASHBOARD);
      if (!theirs) continue;
      for (const uid of uids) {
        if (uid === theirs.serviceUid || uid === theirs.deliveryUid) out.push(`dashboard uid ${show(uid)} is also used by ${pathOf(theirs)}; give one app another 'uidPrefix'`);
      }
    }
    return out;
  }
}

/** A string resolved at synth (cdk8s resolves `Lazy` values anywhere in an object). */
function lazyString(p: { produce: () => string }): string {
  return Lazy.any(p);
}
