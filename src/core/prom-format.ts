// Number and duration text as Prometheus and the SRE workbook write them; shared by rules, analysis and dashboards.

/** The shortest exact decimal text of a ratio or factor: `0.001`, never `0.0009999999999999432`. */
export function num(value: number, significant: number = 12): string {
  return String(+value.toPrecision(significant));
}

/** A burn-rate factor with at most 4 significant digits: `14.4`, `13.44`, `0.9333`. */
export function factorOf(value: number): number {
  return +value.toPrecision(4);
}

/** Seconds as the shortest Prometheus duration in whole days, hours or minutes: `5m`, `1h`, `30d`. */
export function promDuration(seconds: number): string {
  if (seconds % 86400 === 0) return `${seconds / 86400}d`;
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}
