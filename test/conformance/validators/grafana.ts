/**
 * Grafana dashboards (validators.md §5): no JSON validator exists, so the dashboard JSON is type-checked
 * against the Grafana foundation SDK's types with the TypeScript 5 API, plus structural asserts.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';
import { repoRoot } from './paths';
import { reusableProgram } from './ts-program';

/**
 * The generated dashboards are checked against the Grafana foundation SDK's types (validators.md §5).
 * The library emits the JSON from its own small model instead of using the SDK at runtime: the SDK is
 * pre-1.0, has subpath exports only, is an 11 MB devDependency (bundling it would ship it inside the jsii
 * package), and its `build()` output is not byte-stable (no panel ids, no refIds, automatic grid
 * positions), which the generator would have to rewrite anyway. The types still catch a misspelt field.
 */
const PRELUDE = `
import type { Dashboard, Panel, RowPanel, VariableModel, AnnotationQuery } from '@grafana/grafana-foundation-sdk/dashboard';
import type { Dataquery as PromQuery } from '@grafana/grafana-foundation-sdk/prometheus';
import type { dataquery as LokiQuery } from '@grafana/grafana-foundation-sdk/loki';
import type { Dataquery as TempoQuery } from '@grafana/grafana-foundation-sdk/tempo';
import type { Options as StatOptions } from '@grafana/grafana-foundation-sdk/stat';
import type { Options as TimeseriesOptions } from '@grafana/grafana-foundation-sdk/timeseries';
import type { Options as TableOptions } from '@grafana/grafana-foundation-sdk/table';
import type { Options as BarGaugeOptions } from '@grafana/grafana-foundation-sdk/bargauge';
import type { Options as LogsOptions } from '@grafana/grafana-foundation-sdk/logs';
// JSON spells enum members as their values: map every enum type to the union of its values
type J<T> = T extends (infer U)[] ? J<U>[] : T extends string ? \`\${T}\` : T extends object ? { [K in keyof T]: J<T[K]> } : T;
type Q<T> = T extends unknown ? J<Omit<T, '_implementsDataqueryVariant'>> : never;
type Base = Omit<J<Panel>, 'targets' | 'options' | 'type'>;
type Targets<T> = { targets: Q<T>[] };
type P =
  | (Base & Targets<PromQuery> & { type: 'stat'; options: Partial<J<StatOptions>> })
  | (Base & Targets<PromQuery> & { type: 'timeseries'; options: Partial<J<TimeseriesOptions>> })
  | (Base & Targets<PromQuery | TempoQuery> & { type: 'table'; options: Partial<J<TableOptions>> })
  | (Base & Targets<PromQuery> & { type: 'bargauge'; options: Partial<J<BarGaugeOptions>> })
  | (Base & Targets<LokiQuery> & { type: 'logs'; options: Partial<J<LogsOptions>> })
  | J<RowPanel>;
type D = Omit<J<Dashboard>, 'panels' | 'templating' | 'annotations'> & {
  panels: P[];
  templating: { list: J<VariableModel>[] };
  annotations: { list: J<AnnotationQuery>[] };
};
`;

/**
 * Type errors of dashboards against the foundation SDK types (one program for all).
 * @param dashboards parsed dashboard JSON objects
 */
export function dashboardTypeErrors(dashboards: unknown[]): string[] {
  const dir = fs.mkdtempSync(path.join(repoRoot(), '.tscheck-'));
  try {
    const file = path.join(dir, 'dashboards.ts');
    fs.writeFileSync(file, PRELUDE + dashboards.map((d, i) => `export const d${i}: D = ${JSON.stringify(d, null, 2)};\n`).join(''));
    const program = reusableProgram([file], {
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      module: ts.ModuleKind.Node16,
      moduleResolution: ts.ModuleResolutionKind.Node16,
      target: ts.ScriptTarget.ES2022,
    });
    return ts.getPreEmitDiagnostics(program).map((d) => {
      const where = d.file && d.start !== undefined ? `line ${d.file.getLineAndCharacterOfPosition(d.start).line + 1}: ` : '';
      return where + ts.flattenDiagnosticMessageText(d.messageText, '\n').split('\n').slice(0, 3).join(' / ');
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}


/**
 * Structural findings: `uid` at most 40 characters of `[a-zA-Z0-9-_]`, no `__inputs` (provisioned dashboards
 * cannot resolve them), `id: null`, unique panel ids, panels inside the 24-column grid, every datasource a
 * reference to a datasource variable (`{ type, uid: '${var}' }`), never a plain string.
 * @param name file name for messages
 * @param d parsed dashboard JSON
 */
export function dashboardStructureErrors(name: string, d: any): string[] {
  const out: string[] = [];
  if (typeof d.uid !== 'string' || d.uid.length > 40 || !/^[a-zA-Z0-9-_]+$/.test(d.uid)) out.push(`${name}: uid ${JSON.stringify(d.uid)} must be 1-40 characters of [a-zA-Z0-9-_]`);
  if ('__inputs' in d) out.push(`${name}: has __inputs (only the import wizard resolves them)`);
  if (d.id !== null && d.id !== undefined) out.push(`${name}: id must be null, got ${JSON.stringify(d.id)}`);
  const ids = new Set<number>();
  const walkPanels = (panels: any[]) => {
    for (const p of panels ?? []) {
      if (ids.has(p.id)) out.push(`${name}: panel id ${p.id} is used twice`);
      ids.add(p.id);
      const g = p.gridPos ?? {};
      if (!(Number.isInteger(g.x) && Number.isInteger(g.w) && g.x >= 0 && g.w > 0 && g.x + g.w <= 24)) out.push(`${name}: panel ${p.id} gridPos ${JSON.stringify(g)} is outside the 24-column grid`);
      walkPanels(p.panels);
    }
  };
  walkPanels(d.panels);
  const walk = (node: any, where: string) => {
    if (Array.isArray(node)) {
      node.forEach((n, i) => walk(n, `${where}[${i}]`));
    } else if (node && typeof node === 'object') {
      for (const [k, v] of Object.entries(node)) {
        if (k === 'datasource' && v !== null && d.templating?.list?.some((t: any) => t === node) !== true) {
          const ok = typeof v === 'object' && typeof (v as any).type === 'string' && /^\$\{[A-Za-z_][A-Za-z0-9_]*\}$/.test(String((v as any).uid));
          if (!ok && !(node.type === 'datasource')) out.push(`${name}: ${where}.datasource ${JSON.stringify(v)} must be { type, uid: '\${variable}' }`);
        }
        walk(v, `${where}.${k}`);
      }
    }
  };
  walk(d.panels, 'panels');
  return out;
}
