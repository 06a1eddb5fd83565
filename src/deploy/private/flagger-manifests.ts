import { ApiObject, Chart, Lazy } from 'cdk8s';
import type { Environment } from '../../model/environment';
import { SloKind } from '../../model/slo';
import { commonLabels } from '../../platform/base-manifests';
import { renderValues } from '../../platform/default-values';
import type { IPlatformApp } from '../../platform/platform-app-contract';
import { ResolvedAnalysis } from '../canary-analysis';
import { DeliveryStrategyKind, FlaggerOptions, goDuration } from '../delivery-strategy';

/** What the Flagger Canary needs. @internal */
export interface FlaggerContext {
  readonly app: IPlatformApp;
  readonly env: Environment;
  readonly chart: Chart;
  readonly analysis: ResolvedAnalysis;
  readonly options: FlaggerOptions;
  readonly kind: DeliveryStrategyKind;
  readonly stepWeights: number[];
}

/**
 * Flagger's built-in Istio metrics bound to the SLOs: `request-success-rate` (percent of non-5xx
 * responses) at least the availability objective, `request-duration` (the P99 in milliseconds) at most
 * the latency threshold. The P99 bound is exact for a 99 % objective; for a stricter objective it is a
 * looser gate than the SLO, for a looser one a stricter gate. @internal
 */
export function flaggerMetrics(ctx: FlaggerContext): any[] {
  const interval = goDuration(ctx.analysis.window);
  return ctx.analysis.slos.map((slo) => {
    if (slo.kind === SloKind.AVAILABILITY) {
      const min = +(100 - (100 - slo.objective) * ctx.analysis.budgetMultiplier).toPrecision(12);
      return { name: 'request-success-rate', thresholdRange: { min }, interval };
    }
    return { name: 'request-duration', thresholdRange: { max: slo.threshold!.toMilliseconds() }, interval };
  });
}

/**
 * Emits the Flagger `Canary` for the chart's Deployment. Flagger creates `<app>-primary`, the Services and
 * the Istio routes at runtime; nothing of that is emitted here. @internal
 */
export function emitFlaggerCanary(ctx: FlaggerContext): string {
  const { app, env, analysis, options } = ctx;
  const name = app.name;
  const webhooks: any[] = [];
  if (options.loadTest ?? true) {
    const url = options.loadTesterUrl ?? `http://flagger-loadtester.${env.namespace}/`;
    const cmd = options.loadTestCommand ?? `hey -z 1m -q 10 -c 2 http://${name}-canary.${env.namespace}:${app.port}/`;
    webhooks.push({ name: 'load-test', type: 'rollout', url, timeout: '5s', metadata: { type: 'cmd', cmd } });
  }
  const a: Record<string, any> = {
    interval: goDuration(analysis.interval),
    threshold: analysis.failureLimit + 1,
  };
  if (ctx.kind === DeliveryStrategyKind.BLUE_GREEN) {
    a.iterations = analysis.count;
  } else {
    a.stepWeights = ctx.stepWeights;
  }
  a.metrics = flaggerMetrics(ctx);
  if (webhooks.length > 0) a.webhooks = webhooks;
  new ApiObject(ctx.chart, 'flagger-canary', {
    apiVersion: 'flagger.app/v1beta1',
    kind: 'Canary',
    metadata: { name, namespace: env.namespace, labels: commonLabels(name) },
    spec: {
      provider: 'istio',
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
      // the chart's HPA, when its values turn autoscaling on; Flagger creates the primary's
      autoscalerRef: Lazy.any({
        produce: () => {
          const values = app.valuesFor(env.name)._render(renderValues(app, env));
          return values.autoscaling?.enabled === true
            ? { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', name }
            : undefined;
        },
      }),
      progressDeadlineSeconds: 600,
      service: { port: app.port, targetPort: app.port, portName: 'http' },
      analysis: a,
    },
  });
  return name;
}
