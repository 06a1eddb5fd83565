import type { BurnRateWindows } from '../burn-rate-windows';

/** What `PrometheusRules` registers for its siblings (the dashboards read the windows and labels). */
export interface RulesContribution {
  readonly windows: BurnRateWindows;
  readonly labelPrefix: string;
  readonly pageSeverity: string;
  readonly ticketSeverity: string;
  readonly pagingEnvironments: string[];
}

/** What `GrafanaDashboard` registers for its siblings (alerts link to the service dashboard). */
export interface DashboardContribution {
  readonly serviceUid: string;
  readonly deliveryUid: string;
}
