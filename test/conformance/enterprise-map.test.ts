/**
 * docs/enterprise-pipeline.md maps every item of the reference pipeline's eight stages to a job › step of the
 * generated workflow. The map cannot go stale: every job and step it names (`job` › `step`, `step`; a bare
 * job id; `<env>`, `<platform>` … standing for any name) exists in the synthesized workflow of
 * examples/enterprise-platform. Rows that say "not covered" name nothing to check; rows of any stage (also
 * stage 6, which its own construct's page maintains) are read the same way, whatever they say. Bare ids that
 * are EnterprisePipeline properties (the page's property table: `canary`, `rules`, …) are not jobs.
 */
import * as fs from 'fs';
import * as path from 'path';
import { exampleOutput } from './example-harness';
import { repoRoot } from './validators';

/** A kebab-case id, with `<placeholder>` parts: what a job or step id looks like on the page. */
const ID = /^[a-z][a-z0-9]*(?:-(?:[a-z0-9]+|<[a-z]+>))*$/;

interface Ref { readonly where: string; readonly job: string; readonly steps: string[] }

/** Splits a table row into its cells (`\|` inside a cell is not a separator). */
function cells(row: string): string[] {
  return row.trim().replace(/^\|/, '').replace(/\|$/, '').split(/(?<!\\)\|/).map((c) => c.trim());
}

/** The EnterprisePipeline properties the page's property table names (first column). */
function properties(doc: string): Set<string> {
  const start = doc.indexOf('| property | construct | stage | default |');
  const rows = doc.slice(start).split('\n').slice(2).filter((l) => l.startsWith('|'));
  const end = doc.slice(start).split('\n').slice(2).findIndex((l) => !l.startsWith('|'));
  return new Set(rows.slice(0, end < 0 ? undefined : end).flatMap((r) => [...cells(r)[0].matchAll(/`([^`]+)`/g)].map((m) => m[1])));
}

/**
 * Every job › step reference of the stage tables: in the "covered by" cell, `` `job` › `s1`, `s2` `` (the
 * steps a comma-separated run of code spans), or a bare `` `job` ``.
 */
export function references(doc: string): Ref[] {
  const props = properties(doc);
  const refs: Ref[] = [];
  const sections = doc.split(/\n(?=### )/).filter((s) => /^### Stage \d/.test(s));
  for (const section of sections) {
    const stage = /^### (Stage \d)/.exec(section)![1];
    for (const row of section.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| item |'))) {
      const [item, covered] = cells(row);
      if (covered === undefined || /^not covered/i.test(covered)) continue;
      const where = `${stage} "${item}"`;
      const spans = [...covered.matchAll(/`([^`]+)`/g)].map((m) => ({ text: m[1], start: m.index!, end: m.index! + m[0].length }));
      const between = (i: number) => covered.slice(spans[i].end, spans[i + 1]?.start ?? covered.length);
      for (let i = 0; i < spans.length; i++) {
        const { text } = spans[i];
        if (!ID.test(text)) continue;
        if (between(i) === ' › ' && i + 1 < spans.length) {
          const steps = [spans[++i].text];
          while (between(i) === ', ' && i + 1 < spans.length && ID.test(spans[i + 1].text)) steps.push(spans[++i].text);
          refs.push({ where, job: text, steps });
        } else if (!props.has(text)) {
          refs.push({ where, job: text, steps: [] });
        }
      }
    }
  }
  return refs;
}

/** A page id as a pattern: each `<placeholder>` stands for any name. */
function pattern(id: string): RegExp {
  return new RegExp(`^${id.split(/<[a-z]+>/).map((p) => p.replace(/[-]/g, '\\-')).join('[a-z0-9-]+')}$`);
}

/** The references no job of `workflow` (of app `app`) satisfies: the job (by pattern) with every step named. */
export function missing(refs: Ref[], workflow: any, app: string): string[] {
  const jobs = Object.entries<any>(workflow.jobs);
  const problems: string[] = [];
  for (const ref of refs) {
    const jobPattern = pattern(`${app}-${ref.job}`);
    const candidates = jobs.filter(([id]) => jobPattern.test(id));
    if (candidates.length === 0) {
      problems.push(`${ref.where}: no job ${app}-${ref.job}`);
      continue;
    }
    const ok = candidates.some(([, job]) => ref.steps.every((s) => (job.steps ?? []).some((st: any) => pattern(s).test(st.id ?? ''))));
    if (!ok) problems.push(`${ref.where}: no job ${app}-${ref.job} has the steps ${ref.steps.join(', ')}`);
  }
  return problems;
}

const doc = fs.readFileSync(path.join(repoRoot(), 'docs', 'enterprise-pipeline.md'), 'utf8');

test('every job › step docs/enterprise-pipeline.md names exists in the workflow of examples/enterprise-platform', () => {
  const out = exampleOutput('enterprise-platform');
  const workflow = out.yamlDocs('.github/workflows/checkout-pipeline.yml')[0];
  const refs = references(doc);
  // a parser that finds nothing proves nothing: the stages 1-5, 7 and 8 tables name dozens
  expect(refs.length).toBeGreaterThan(60);
  expect(refs.filter((r) => r.steps.length > 0).length).toBeGreaterThan(30);
  for (const stage of [1, 2, 3, 4, 5, 7, 8]) expect(refs.some((r) => r.where.startsWith(`Stage ${stage} `))).toBe(true);
  expect(missing(refs, workflow, 'checkout')).toEqual([]);
});

test('the check fails on a stale map: a renamed step, an unknown job, a step of another job; "not covered" rows and properties are skipped', () => {
  const stale = [
    '| property | construct | stage | default |',
    '|---|---|---|---|',
    '| `canary` | CanaryDeploy | 7 | on |',
    '',
    '### Stage 5: performance and load',
    '',
    '| item | covered by |',
    '|---|---|',
    '| Load testing | `load-test-staging` › `k6`, `report-table` (renamed) |',
    '| Gateway | `load-test-qa` › `k6` |',
    '| Pull time | `deploy-<env>` › `image-pull-time` |',
    '| Canary | `canary`, `scan-sonar` |',
    '| Locust | not covered: `locust-run` is no job |',
    '',
    '### Stage 7: approval and deployment',
    '',
    '| item | covered by |',
    '|---|---|',
    '| Report | `deploy-<env>` › `deploy-summary`, `deploy-report-pdf`, `deploy-report`; `summary` |',
  ].join('\n');
  const refs = references(stale);
  expect(refs).toEqual([
    { where: 'Stage 5 "Load testing"', job: 'load-test-staging', steps: ['k6', 'report-table'] },
    { where: 'Stage 5 "Gateway"', job: 'load-test-qa', steps: ['k6'] },
    { where: 'Stage 5 "Pull time"', job: 'deploy-<env>', steps: ['image-pull-time'] },
    { where: 'Stage 5 "Canary"', job: 'scan-sonar', steps: [] },
    { where: 'Stage 7 "Report"', job: 'deploy-<env>', steps: ['deploy-summary', 'deploy-report-pdf', 'deploy-report'] },
    { where: 'Stage 7 "Report"', job: 'summary', steps: [] },
  ]);
  const workflow = exampleOutput('enterprise-platform').yamlDocs('.github/workflows/checkout-pipeline.yml')[0];
  expect(missing(refs, workflow, 'checkout')).toEqual([
    'Stage 5 "Load testing": no job checkout-load-test-staging has the steps k6, report-table',
    'Stage 5 "Gateway": no job checkout-load-test-qa',
    'Stage 5 "Pull time": no job checkout-deploy-<env> has the steps image-pull-time',
    'Stage 5 "Canary": no job checkout-scan-sonar',
  ]);
});
