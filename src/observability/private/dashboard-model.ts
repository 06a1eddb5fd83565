/**
 * A small typed model of Grafana's classic dashboard JSON and a layout that gives byte-stable output:
 * panel ids 1..n in document order, `refId` A, B, … per panel, explicit `gridPos` on the 24-column grid,
 * every Prometheus reference through the `datasource` variable (never `__inputs`). Never exported.
 */

/** A datasource reference. */
export interface DatasourceRef { readonly type: string; readonly uid: string }

/** The Prometheus datasource variable every panel uses. */
export const PROMETHEUS: DatasourceRef = { type: 'prometheus', uid: '${datasource}' };
/** The Loki datasource variable. */
export const LOKI: DatasourceRef = { type: 'loki', uid: '${loki}' };
/** The Tempo datasource variable. */
export const TEMPO: DatasourceRef = { type: 'tempo', uid: '${tempo}' };

/** One query of a panel. */
export interface QuerySpec {
  /** PromQL or LogQL. */
  readonly expr?: string;
  /** TraceQL (Tempo). */
  readonly traceql?: string;
  readonly legend?: string;
  readonly instant?: boolean;
  readonly table?: boolean;
}

/** A threshold step: color from `value` up (`null` = base). */
export interface Step { readonly color: string; readonly value: number | null }

/** One panel before layout. */
export interface PanelSpec {
  readonly type: 'stat' | 'timeseries' | 'table' | 'bargauge' | 'logs';
  readonly title: string;
  readonly description?: string;
  readonly w: number;
  readonly h: number;
  readonly queries: QuerySpec[];
  readonly datasource?: DatasourceRef;
  readonly unit?: string;
  readonly decimals?: number;
  readonly min?: number;
  readonly max?: number;
  readonly steps?: Step[];
  /** Draw the thresholds as lines (time series). */
  readonly thresholdLines?: boolean;
}

/** A row and its panels. */
export interface RowSpec { readonly title: string; readonly panels: PanelSpec[] }

/** A dashboard variable. */
export type Variable = Record<string, unknown>;

/** Everything a dashboard needs. */
export interface DashboardSpec {
  readonly uid: string;
  readonly title: string;
  readonly description: string;
  readonly tags: string[];
  readonly time: string;
  readonly variables: Variable[];
  readonly annotations: Record<string, unknown>[];
  readonly links: Record<string, unknown>[];
  readonly rows: RowSpec[];
}

/** `{ type: 'datasource' }` variable for one plugin type. */
export function datasourceVariable(name: string, plugin: string, label: string): Variable {
  return { type: 'datasource', name, label, query: plugin, hide: 0, includeAll: false, multi: false, options: [], refresh: 1, regex: '', skipUrlSync: false };
}

/** A custom variable over fixed values; the last is selected. */
export function customVariable(name: string, label: string, values: string[]): Variable {
  const last = values[values.length - 1];
  return {
    type: 'custom',
    name,
    label,
    query: values.join(','),
    current: { selected: true, text: last, value: last },
    options: values.map((v) => ({ selected: v === last, text: v, value: v })),
    hide: 0,
    includeAll: false,
    multi: false,
    skipUrlSync: false,
  };
}

/** A Prometheus annotation (e.g. deploy events). */
export function promAnnotation(name: string, expr: string, color: string, title: string, tagKeys: string): Record<string, unknown> {
  return { datasource: PROMETHEUS, enable: true, hide: false, iconColor: color, name, expr, step: '1m', titleFormat: title, tagKeys, textFormat: '', useValueForTime: false };
}

/** Grafana's own annotations and alerts (every dashboard has it). */
export const BUILT_IN_ANNOTATION = {
  builtIn: 1,
  datasource: { type: 'grafana', uid: '-- Grafana --' },
  enable: true,
  hide: true,
  iconColor: 'rgba(0, 211, 255, 1)',
  name: 'Annotations & Alerts',
  type: 'dashboard',
};

function target(q: QuerySpec, ds: DatasourceRef, i: number): Record<string, unknown> {
  const refId = String.fromCharCode(65 + i);
  if (q.traceql !== undefined) return { datasource: ds, refId, queryType: 'traceql', query: q.traceql, limit: 20, tableType: 'traces', filters: [] };
  if (ds.type === 'loki') return { datasource: ds, refId, expr: q.expr, queryType: 'range' };
  return {
    datasource: ds,
    refId,
    expr: q.expr,
    legendFormat: q.legend ?? '__auto',
    range: !q.instant,
    instant: !!q.instant,
    ...(q.table ? { format: 'table' } : {}),
  };
}

function options(p: PanelSpec): Record<string, unknown> {
  switch (p.type) {
    case 'stat':
      return { colorMode: 'value', graphMode: 'none', justifyMode: 'auto', orientation: 'auto', textMode: 'auto', reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false } };
    case 'bargauge':
      return { displayMode: 'gradient', orientation: 'horizontal', showUnfilled: true, reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false } };
    case 'table':
      return { showHeader: true, cellHeight: 'sm' };
    case 'logs':
      return { showTime: true, showLabels: false, showCommonLabels: false, wrapLogMessage: true, prettifyLogMessage: false, enableLogDetails: true, dedupStrategy: 'none', sortOrder: 'Descending' };
    default:
      return { legend: { displayMode: 'list', placement: 'bottom', showLegend: true, calcs: [] }, tooltip: { mode: 'multi', sort: 'desc' } };
  }
}

function fieldConfig(p: PanelSpec): Record<string, unknown> {
  const defaults: Record<string, unknown> = {
    ...(p.unit ? { unit: p.unit } : {}),
    ...(p.decimals !== undefined ? { decimals: p.decimals } : {}),
    ...(p.min !== undefined ? { min: p.min } : {}),
    ...(p.max !== undefined ? { max: p.max } : {}),
    color: { mode: p.type === 'timeseries' && !p.thresholdLines ? 'palette-classic' : 'thresholds' },
    thresholds: { mode: 'absolute', steps: p.steps ?? [{ color: 'green', value: null }] },
  };
  if (p.type === 'timeseries') {
    defaults.custom = { drawStyle: 'line', lineWidth: 1, fillOpacity: 10, showPoints: 'never', spanNulls: false, thresholdsStyle: { mode: p.thresholdLines ? 'line' : 'off' } };
  }
  return { defaults, overrides: [] };
}

/** Lays the rows out top to bottom, panels left to right (wrapping at 24 columns), ids 1..n. */
export function layout(rows: RowSpec[]): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  let id = 1;
  let y = 0;
  for (const row of rows) {
    out.push({ type: 'row', id: id++, title: row.title, collapsed: false, gridPos: { x: 0, y, w: 24, h: 1 }, panels: [] });
    y += 1;
    let x = 0;
    let rowHeight = 0;
    for (const p of row.panels) {
      if (x + p.w > 24) {
        y += rowHeight;
        x = 0;
        rowHeight = 0;
      }
      const ds = p.datasource ?? PROMETHEUS;
      out.push({
        type: p.type,
        id: id++,
        title: p.title,
        ...(p.description ? { description: p.description } : {}),
        datasource: ds,
        gridPos: { x, y, w: p.w, h: p.h },
        fieldConfig: fieldConfig(p),
        options: options(p),
        targets: p.queries.map((q, i) => target(q, ds, i)),
      });
      x += p.w;
      rowHeight = Math.max(rowHeight, p.h);
    }
    y += rowHeight;
  }
  return out;
}

/** The complete dashboard JSON model. */
export function dashboardJson(d: DashboardSpec): Record<string, unknown> {
  return {
    annotations: { list: [BUILT_IN_ANNOTATION, ...d.annotations] },
    description: d.description,
    editable: false,
    fiscalYearStartMonth: 0,
    graphTooltip: 1,
    id: null,
    links: d.links,
    panels: layout(d.rows),
    refresh: '1m',
    schemaVersion: 39,
    tags: d.tags,
    templating: { list: d.variables },
    time: { from: d.time, to: 'now' },
    timepicker: {},
    timezone: 'browser',
    title: d.title,
    uid: d.uid,
    version: 1,
    weekStart: '',
  };
}

/** Every Prometheus query of a dashboard (panels and annotations), with where it is. */
export function prometheusQueries(dashboard: Record<string, any>): Array<{ name: string; expr: string }> {
  const out: Array<{ name: string; expr: string }> = [];
  for (const p of dashboard.panels ?? []) {
    for (const t of p.targets ?? []) {
      if (t.datasource?.type === 'prometheus' && typeof t.expr === 'string') out.push({ name: `panel ${p.id} '${p.title}' ${t.refId}`, expr: t.expr });
    }
  }
  for (const a of dashboard.annotations?.list ?? []) {
    if (a.datasource?.type === 'prometheus' && typeof a.expr === 'string') out.push({ name: `annotation '${a.name}'`, expr: a.expr });
  }
  return out;
}
