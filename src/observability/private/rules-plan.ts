/**
 * Builds, once per synth, every environment's rule groups and promtool tests from the app's SLOs, the
 * PrometheusRules settings and the custom alerts, and checks every expression with the PromQL parser.
 * Never exported from the package.
 */
import { AlertTier, BurnRateWindows } from '../burn-rate-windows';
import { doraGroup, pipelineAlertGroup, PipelineRuleContext, policyGroup } from './pipeline-rules';
import { promqlProblem, links, Rule, RuleGroup, SliTemplate, SloRuleContext } from './promql';
import { absentTest, pipelineTests, sloTests, TestGroup } from './rule-tests';
import { sliFromQueries, sliFromSource, sloGroups } from './slo-rules';
import { promDuration } from '../../core/prom-format';
import { lastEnvironment } from '../../platform/environments';
import type { IPlatformApp } from '../../platform/platform-app-contract';

/** A custom alert as the construct keeps it. */
export interface CustomAlert {
  readonly name: string;
  readonly expr: string;
  readonly pendingFor?: string;
  readonly tier: AlertTier;
  readonly summary: string;
  readonly description: string;
  readonly environments?: string[];
}

/** A `{{window}}`-templated SLI for one SLO. */
export interface SliOverride {
  readonly slo: string;
  readonly errorQuery: string;
  readonly totalQuery: string;
}

/** The resolved settings of a PrometheusRules construct. */
export interface RulesSettings {
  readonly windows: BurnRateWindows;
  readonly prefix: string;
  readonly extraLabels: Record<string, string>;
  readonly severities: Record<string, string>;
  readonly minRequestRate?: number;
  readonly absentForSeconds: number;
  readonly budgetExhaustedAlert: boolean;
  readonly optimizedPeriod: boolean;
  readonly pipelineEnvironment: string;
  /** Environments whose page-tier alerts carry the page severity; elsewhere they carry the ticket severity. */
  readonly pagingEnvironments: string[];
  readonly pipelineAlerts: boolean;
  readonly policyViolationAlert: boolean;
  readonly sliOverrides: SliOverride[];
  readonly customAlerts: CustomAlert[];
  readonly serviceDashboardUrl?: string;
  readonly deliveryDashboardUrl?: string;
  /** Pipeline running-time target, seconds. */
  readonly pipelineSeconds: number;
}

/** What one environment gets. */
export interface EnvironmentRules {
  readonly groups: RuleGroup[];
  readonly tests: TestGroup[];
}

/** The rules of every environment, and the problems found while building them. */
export interface RulesPlan {
  readonly environments: Map<string, EnvironmentRules>;
  readonly problems: string[];
}

/** Builds the plan; problems are messages without the construct path. */
export function buildRulesPlan(app: IPlatformApp, s: RulesSettings): RulesPlan {
  const problems: string[] = [];
  const environments = new Map<string, EnvironmentRules>();
  const lastEnv = lastEnvironment(app);

  for (const env of app.environments) {
    // the service dashboard opens on this environment's namespace
    const serviceUrl = s.serviceDashboardUrl ? `${s.serviceDashboardUrl}?var-namespace=${env.namespace}` : undefined;
    const groups: RuleGroup[] = [];
    const tests: TestGroup[] = [];
    const contexts: SloRuleContext[] = [];
    // outside the paging environments a page-tier alert opens a ticket
    const severities = s.pagingEnvironments.includes(env.name) ? s.severities : { ...s.severities, [AlertTier.PAGE]: s.severities[AlertTier.TICKET] };
    for (const slo of app.slos) {
      const resolved = s.windows._resolve(slo);
      problems.push(...resolved.problems);
      if (resolved.problems.length > 0) continue;
      const override = s.sliOverrides.find((o) => o.slo === slo.name);
      let source;
      let sli: SliTemplate;
      if (override) {
        sli = sliFromQueries(override.errorQuery.replace(/\{namespace\}/g, env.namespace).replace(/\{app\}/g, app.name),
          override.totalQuery.replace(/\{namespace\}/g, env.namespace).replace(/\{app\}/g, app.name));
      } else {
        try {
          source = app.sliSourceFor(slo);
        } catch (e: any) {
          problems.push(e.message);
          continue;
        }
        sli = sliFromSource(app.name, env.namespace, slo, source);
      }
      const ctx: SloRuleContext = {
        app: app.name,
        environment: env.name,
        namespace: env.namespace,
        slo,
        source,
        sli,
        windows: resolved.windows,
        prefix: s.prefix,
        extraLabels: s.extraLabels,
        severities,
        minRequestRate: s.minRequestRate,
        absentFor: promDuration(s.absentForSeconds),
        absentForSeconds: s.absentForSeconds,
        budgetExhaustedAlert: s.budgetExhaustedAlert,
        optimizedPeriod: s.optimizedPeriod,
        runbookBaseUrl: app.runbookBaseUrl,
        dashboardUrl: serviceUrl,
      };
      const sloRuleGroups = sloGroups(ctx);
      for (const g of sloRuleGroups) {
        for (const r of g.rules) {
          const p = promqlProblem(r.expr);
          if (p) problems.push(`SLO ${JSON.stringify(slo.name)} in ${env.name}: rule ${r.record ?? r.alert}: ${p}; ${override ? "check 'sliQueries'" : "check the SLI source's 'selector' and 'errorMatchers'"}`);
        }
      }
      groups.push(...sloRuleGroups);
      contexts.push(ctx);
      const generated = sloTests(ctx, sloRuleGroups);
      if (typeof generated !== 'string') tests.push(...generated);
      else if (!override) problems.push(`SLO ${JSON.stringify(slo.name)} in ${env.name}: cannot generate rule tests: ${generated}; use SliSource.custom with plain label matchers, or 'sliQueries'`);
    }
    const absent = absentTest(contexts, groups, app.name);
    if (absent) tests.push(absent);

    const pctx: PipelineRuleContext = {
      app: app.name,
      namespace: env.namespace,
      productionEnvironment: lastEnv.name,
      severities,
      extraLabels: s.extraLabels,
      runbookBaseUrl: app.runbookBaseUrl,
      dashboardUrl: s.deliveryDashboardUrl,
      pipelineSeconds: s.pipelineSeconds,
    };
    const pipelineHere = s.pipelineAlerts && env.name === s.pipelineEnvironment;
    if (pipelineHere) groups.push(doraGroup(app.name), pipelineAlertGroup(pctx));
    if (s.policyViolationAlert) groups.push(policyGroup(pctx));
    tests.push(...pipelineTests(app.name, groups, pipelineHere ? lastEnv.name : undefined, s.policyViolationAlert ? env.namespace : undefined));

    const custom = s.customAlerts.filter((a) => !a.environments || a.environments.includes(env.name));
    const generated = new Set(groups.flatMap((g) => g.rules.map((r) => r.alert)));
    for (const a of custom.filter((x) => generated.has(x.name))) {
      problems.push(`addAlert(${JSON.stringify(a.name)}): the generated rules already have an alert of that name; choose another`);
    }
    if (custom.length > 0) groups.push({ name: `${app.name}-custom-alerts`, rules: custom.map((a) => customRule(a, env.namespace, app, { ...s, severities }, serviceUrl)) });
    environments.set(env.name, { groups, tests });
  }
  return { environments, problems: [...new Set(problems)] };
}

function customRule(a: CustomAlert, namespace: string, app: IPlatformApp, s: RulesSettings, dashboardUrl: string | undefined): Rule {
  return {
    alert: a.name,
    expr: a.expr.replace(/\{namespace\}/g, namespace).replace(/\{app\}/g, app.name),
    ...(a.pendingFor ? { for: a.pendingFor } : {}),
    labels: { severity: s.severities[a.tier], namespace, ...s.extraLabels },
    annotations: { summary: a.summary, description: a.description, ...links(a.name, app.runbookBaseUrl, dashboardUrl) },
  };
}
