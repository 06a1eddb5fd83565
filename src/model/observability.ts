import type { MetricsPush } from './metrics-push';
import { PlatformPipelineError, show } from '../core/errors';

/** Where the app's telemetry lives; analyses, pushes and annotations use these endpoints. */
export interface ObservabilityProps {
  /**
   * Prometheus URL the canary analysis queries, from inside the cluster.
   * @default 'http://prometheus-operated.monitoring.svc:9090'
   */
  readonly prometheusUrl?: string;
  /**
   * Pushgateway URL the pipeline pushes its figures to (deploy events, run results), from the jobs' own
   * runners without authentication. A cluster-local URL is refused when a pushing job runs on a
   * GitHub-hosted runner.
   * @default - no pushes
   * @deprecated use `metricsPush`: `MetricsPush.external({ url, tokenSecret })` or `MetricsPush.inCluster({ url, runner })`
   */
  readonly pushgatewayUrl?: string;
  /**
   * Where the pipeline pushes its DORA events and run figures: an authenticated endpoint the runners reach
   * (`MetricsPush.external`), or a Pushgateway inside the cluster network pushed to from runners inside it
   * (`MetricsPush.inCluster`).
   * @default - no pushes (or `pushgatewayUrl`)
   */
  readonly metricsPush?: MetricsPush;
  /**
   * Grafana URL, for dashboard links and deploy annotations.
   * @default - no links or annotations
   */
  readonly grafanaUrl?: string;
  /**
   * GitHub secret holding a Grafana service-account token, for deploy annotations.
   * @default - no annotations
   */
  readonly grafanaTokenSecret?: string;
}

/**
 * The observability settings with `metricsPush` applied: `pushgatewayUrl` is its URL, so every reader of
 * the Pushgateway URL sees one value. Throws when both are given. @internal
 */
export function resolveObservability(o: ObservabilityProps): ObservabilityProps {
  if (!o.metricsPush) return o;
  if (o.pushgatewayUrl !== undefined && o.pushgatewayUrl !== o.metricsPush.url) {
    throw new PlatformPipelineError(`'observability.pushgatewayUrl' (${show(o.pushgatewayUrl)}) and 'observability.metricsPush' (${show(o.metricsPush.url)}) are both given; keep only 'metricsPush'`);
  }
  return { ...o, pushgatewayUrl: o.metricsPush.url };
}
