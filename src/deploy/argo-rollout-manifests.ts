import { ApiObject, Chart } from 'cdk8s';
import * as k8s from 'cdk8s-plus-27/lib/imports/k8s';
import { analysisMetrics, argsOf, conditions, ResolvedAnalysis } from './canary-analysis';
import { BlueGreenStrategyOptions, CanaryStrategyOptions, goDuration } from './delivery-strategy';
import type { Environment } from '../model/environment';
import { APPLY_PHASE_LABEL, BEFORE_HELM, commonLabels, selectorLabels } from '../platform/base-manifests';
import type { IPlatformApp } from '../platform/platform-app-contract';

/** Default Prometheus the analysis queries. @internal */
export const DEFAULT_PROMETHEUS_URL = 'http://prometheus-operated.monitoring.svc:9090';

/** Replica bounds of an autoscaled Rollout. */
export interface RolloutAutoscaling {
  /** Fewest replicas. */
  readonly minReplicas: number;
  /** Most replicas. */
  readonly maxReplicas: number;
  /**
   * Target average CPU utilization, in percent of the requests.
   * @default 80
   */
  readonly cpuUtilization?: number;
}

/** What the emitting functions need. @internal */
export interface RolloutContext {
  readonly app: IPlatformApp;
  readonly env: Environment;
  readonly chart: Chart;
  readonly analysis?: ResolvedAnalysis;
  readonly autoscaling?: RolloutAutoscaling;
}

/** What the release path needs to know about an emitted Rollout. @internal */
export interface RolloutPlan {
  readonly name: string;
  /** `canary` or `blue-green`. */
  readonly strategy: string;
  /** Step indexes of the manual gates (`pause: {}`), in order, with the weight each stands before. */
  readonly gates: Array<{ step: number; weight: number }>;
  /** Blue-green that waits for a promotion. */
  readonly manualPromotion: boolean;
  /** Upper bound of the time the rollout takes without gates (pauses plus an inline analysis run). */
  readonly expectedSeconds: number;
}

/** Labels and annotations of every object that makes up the Rollout: applied before Helm, first sync wave. */
function meta(ctx: RolloutContext, name: string): Record<string, any> {
  return {
    name,
    namespace: ctx.env.namespace,
    labels: { ...commonLabels(ctx.app.name), [APPLY_PHASE_LABEL]: BEFORE_HELM },
    annotations: { 'argocd.argoproj.io/sync-wave': '-1' },
  };
}

function host(name: string, namespace: string): string {
  return `${name}.${namespace}.svc.cluster.local`;
}

function service(ctx: RolloutContext, name: string): void {
  new k8s.KubeService(ctx.chart, `${name}-service`, {
    metadata: meta(ctx, name),
    spec: {
      type: 'ClusterIP',
      // the controller adds rollouts-pod-template-hash to this selector
      selector: selectorLabels(ctx.app.name, ctx.app.releaseName),
      ports: [{ name: 'http', port: ctx.app.port, targetPort: k8s.IntOrString.fromNumber(ctx.app.port), protocol: 'TCP' }],
    },
  });
}

interface AnalysisRef {
  readonly name: string;
  readonly args: (service: string) => any[];
}

/**
 * The AnalysisTemplates of the app's SLOs: `<app>-slo` takes `count` measurements and completes (an
 * analysis step, a blue-green pre- or post-promotion analysis); `<app>-slo-background` has no `count`, so a
 * canary's background analysis measures until the rollout completes or aborts. With a count, Argo Rollouts
 * ends a background run after that many measurements, and the later weights would run unwatched.
 */
function analysisTemplate(ctx: RolloutContext, run: 'counted' | 'background'): AnalysisRef | undefined {
  const a = ctx.analysis;
  if (!a) return undefined;
  const metrics = analysisMetrics(ctx.app, ctx.env.namespace, a);
  if (metrics.length === 0) return undefined;
  const background = run === 'background';
  const name = background ? `${ctx.app.name}-slo-background` : `${ctx.app.name}-slo`;
  const used = new Set(metrics.flatMap((m) => argsOf(m.query)));
  const address = ctx.app.observability.prometheusUrl ?? DEFAULT_PROMETHEUS_URL;
  new ApiObject(ctx.chart, background ? 'analysis-template-background' : 'analysis-template', {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'AnalysisTemplate',
    metadata: meta(ctx, name),
    spec: {
      args: ['service', 'namespace', 'canary-hash'].filter((x) => used.has(x)).map((x) => ({ name: x })),
      metrics: metrics.map((m) => ({
        name: m.name,
        interval: goDuration(a.interval),
        ...(background ? {} : { count: a.count }),
        failureLimit: a.failureLimit,
        inconclusiveLimit: a.inconclusiveLimit,
        ...conditions(m),
        provider: { prometheus: { address, timeout: 30, query: m.query } },
      })),
    },
  });
  const args = (svc: string): any[] => [
    ...(used.has('service') ? [{ name: 'service', value: host(svc, ctx.env.namespace) }] : []),
    ...(used.has('namespace') ? [{ name: 'namespace', value: ctx.env.namespace }] : []),
    ...(used.has('canary-hash') ? [{ name: 'canary-hash', valueFrom: { podTemplateHashValue: 'Latest' } }] : []),
  ];
  return { name, args };
}

function autoscaler(ctx: RolloutContext): void {
  const s = ctx.autoscaling;
  if (!s) return;
  new k8s.KubeHorizontalPodAutoscalerV2(ctx.chart, 'rollout-hpa', {
    metadata: { name: ctx.app.name, namespace: ctx.env.namespace, labels: commonLabels(ctx.app.name) },
    spec: {
      scaleTargetRef: { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: ctx.app.name },
      minReplicas: s.minReplicas,
      maxReplicas: s.maxReplicas,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: s.cpuUtilization ?? 80 } } }],
    },
  });
}

/**
 * The Rollout spec shared by both strategies: it takes over the chart's Deployment through `workloadRef`
 * with `scaleDown: never` — the values keep that Deployment at 0 replicas, so it never serves and no
 * re-sync scales it back (argoproj/argo-rollouts#4935) — and carries the replicas itself.
 */
function rollout(ctx: RolloutContext, strategy: Record<string, any>): void {
  autoscaler(ctx);
  new ApiObject(ctx.chart, 'rollout', {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: meta(ctx, ctx.app.name),
    spec: {
      ...(ctx.autoscaling ? {} : { replicas: ctx.env.replicas }),
      revisionHistoryLimit: 3,
      progressDeadlineSeconds: 600,
      progressDeadlineAbort: true,
      rollbackWindow: { revisions: 3 },
      selector: { matchLabels: selectorLabels(ctx.app.name, ctx.app.releaseName) },
      workloadRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: ctx.app.name, scaleDown: 'never' },
      strategy,
    },
  });
}

/** Emits a canary Rollout with its analysis, Services and route. @internal */
export function emitCanaryRollout(
  ctx: RolloutContext, o: CanaryStrategyOptions, istio: { gateways: string[]; hosts: string[] } | undefined,
): RolloutPlan {
  const name = ctx.app.name;
  const weights = o.stepWeights ?? [10, 25, 50];
  const inlineStep = !!ctx.analysis?.inline && weights.length > 1;
  const template = inlineStep ? analysisTemplate(ctx, 'counted') : undefined;
  const background = analysisTemplate(ctx, 'background');
  const pauses = o.stepPauses ?? weights.map(() => o.stepPause);
  const gates = new Set(o.manualGates ?? []);
  const canaryService = `${name}-canary`;
  const steps: any[] = [];
  const gateSteps: Array<{ step: number; weight: number }> = [];
  let firstWeightStep = 0;
  let expected = 0;
  weights.forEach((w, i) => {
    if (template && i === weights.length - 1) {
      steps.push({ analysis: { templates: [{ templateName: template.name }], args: template.args(canaryService) } });
      expected += ctx.analysis!.count * ctx.analysis!.interval.toSeconds();
    }
    if (gates.has(w)) {
      gateSteps.push({ step: steps.length, weight: w });
      steps.push({ pause: {} });
    }
    if (i === 0) firstWeightStep = steps.length;
    steps.push({ setWeight: w });
    const pause = pauses[i];
    const seconds = pause === undefined ? 120 : Math.round(pause.toMilliseconds() / 1000);
    if (seconds > 0) steps.push({ pause: { duration: pause === undefined ? '2m' : goDuration(pause) } });
    expected += seconds;
  });

  const canary: Record<string, any> = {};
  if (istio) {
    service(ctx, `${name}-stable`);
    service(ctx, canaryService);
    new ApiObject(ctx.chart, 'virtual-service', {
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: meta(ctx, name),
      spec: {
        hosts: [host(name, ctx.env.namespace), ...istio.hosts],
        ...(istio.gateways.length > 0 ? { gateways: [...istio.gateways, 'mesh'] } : {}),
        http: [{
          name: 'primary',
          route: [
            { destination: { host: `${name}-stable` }, weight: 100 },
            { destination: { host: canaryService }, weight: 0 },
          ],
        }],
      },
    });
    Object.assign(canary, {
      canaryService,
      stableService: `${name}-stable`,
      // keep the old pods until Istio has propagated the weights (argoproj/argo-rollouts#587)
      scaleDownDelaySeconds: 30,
      abortScaleDownDelaySeconds: 30,
      trafficRouting: { istio: { virtualService: { name, routes: ['primary'] } } },
    });
  }
  if (background) {
    canary.analysis = { templates: [{ templateName: background.name }], startingStep: firstWeightStep + 1, args: background.args(canaryService) };
  }
  canary.steps = steps;
  rollout(ctx, { canary });
  return { name, strategy: 'canary', gates: gateSteps, manualPromotion: false, expectedSeconds: expected };
}

/** Emits a blue-green Rollout with its preview Service and analysis. @internal */
export function emitBlueGreenRollout(ctx: RolloutContext, o: BlueGreenStrategyOptions): RolloutPlan {
  const name = ctx.app.name;
  const preview = `${name}-preview`;
  const pre = o.prePromotionAnalysis ?? false;
  const post = o.postPromotionAnalysis ?? true;
  const template = pre || post ? analysisTemplate(ctx, 'counted') : undefined;
  service(ctx, preview);
  const scaleDown = o.scaleDownDelay ? Math.round(o.scaleDownDelay.toMilliseconds() / 1000) : 30;
  const blueGreen: Record<string, any> = {
    // the chart's Service: the controller pins its selector to the active version
    activeService: name,
    previewService: preview,
    autoPromotionEnabled: o.autoPromote ?? false,
    ...(o.autoPromotionDelay ? { autoPromotionSeconds: Math.round(o.autoPromotionDelay.toMilliseconds() / 1000) } : {}),
    ...(o.previewReplicas ? { previewReplicaCount: o.previewReplicas } : {}),
    scaleDownDelaySeconds: scaleDown,
    abortScaleDownDelaySeconds: 30,
  };
  let expected = (o.autoPromotionDelay?.toSeconds() ?? 0) + scaleDown;
  if (template && pre) {
    blueGreen.prePromotionAnalysis = { templates: [{ templateName: template.name }], args: template.args(preview) };
    expected += ctx.analysis!.count * ctx.analysis!.interval.toSeconds();
  }
  if (template && post) {
    blueGreen.postPromotionAnalysis = { templates: [{ templateName: template.name }], args: template.args(name) };
    expected += ctx.analysis!.count * ctx.analysis!.interval.toSeconds();
  }
  rollout(ctx, { blueGreen });
  return { name, strategy: 'blue-green', gates: [], manualPromotion: !(o.autoPromote ?? false), expectedSeconds: expected };
}
