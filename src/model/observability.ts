/** Where the app's telemetry lives; analyses, pushes and annotations use these endpoints. */
export interface ObservabilityProps {
  /**
   * Prometheus URL the canary analysis queries, from inside the cluster.
   * @default 'http://prometheus-operated.monitoring.svc:9090'
   */
  readonly prometheusUrl?: string;
  /**
   * Pushgateway URL the pipeline pushes its figures to (deploy events, run results).
   * @default - no pushes
   */
  readonly pushgatewayUrl?: string;
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
