import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';
import * as pp from '../../src';
import { repoRoot } from '../conformance/validators';
import { makeApp } from '../util';
import { BOTH_SLOS } from './helpers';

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

function typeErrors(dashboards: unknown[]): string[] {
  const dir = fs.mkdtempSync(path.join(repoRoot(), '.tscheck-'));
  try {
    const file = path.join(dir, 'dashboards.ts');
    fs.writeFileSync(file, PRELUDE + dashboards.map((d, i) => `export const d${i}: D = ${JSON.stringify(d, null, 2)};\n`).join(''));
    const program = ts.createProgram([file], {
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

describe('dashboards against the Grafana foundation SDK types', () => {
  test('the service and delivery dashboards type-check, with Loki and Tempo panels', () => {
    const { project, app } = makeApp({ slos: BOTH_SLOS(), observability: { pushgatewayUrl: 'http://pushgateway.monitoring:9091' } });
    new pp.PrometheusRules(app, 'Alerts');
    new pp.GrafanaDashboard(app, 'Dashboards', { loki: true, tempo: true });
    const out = pp.Testing.synth(project);
    const docs = ['checkout-service', 'checkout-delivery'].map((uid) => JSON.parse(out.file(`monitoring/checkout/dashboards/${uid}.json`)!));
    expect(typeErrors(docs)).toEqual([]);
  }, 60_000);

  test('the check can fail: a misspelt grid field and a datasource given as a string are reported', () => {
    const { project, app } = makeApp();
    new pp.GrafanaDashboard(app, 'Dashboards');
    const d = JSON.parse(pp.Testing.synth(project).file('monitoring/checkout/dashboards/checkout-service.json')!);
    d.panels[1].gridPos = { x: 0, y: 1, wdth: 4, h: 6 };
    d.panels[2].datasource = 'prometheus';
    const errors = typeErrors([d]).join('\n');
    expect(errors).toMatch(/wdth/);
    expect(errors).toMatch(/Type 'string' has no properties in common with type/);
  }, 60_000);
});
