/**
 * The enterprise example passes the gates its own pipeline applies (issue 11, item 15). Each gate runs as
 * the generated job runs it — its own `run:` scripts under the script harness (test/harness/job-runner.ts),
 * with the thresholds, flags and files the workflow gives — and the tools are real where they exist here:
 *
 * - unit tests: the service's real pytest suite with pytest-cov (Debian's python3-pytest and
 *   python3-pytest-cov; `pip install` is the only stubbed call), judged by the job's own coverage gate;
 * - chart tests: real `helm lint --strict` and `helm template` per environment; kube-score (not packaged
 *   for Debian or npm) by its hand-written equivalent (chart-gate-rules.ts) over exactly the files and
 *   flags the job passes it; the job's NetworkPolicy validation likewise (yq is not packaged either);
 * - kubesec: the job renders the chart, the hand-written kubesec prints its report, and the job's own gate
 *   script reads it (score, critical advisories);
 * - Checkov (helm framework): the chart rendered as Checkov renders it (defaults, no namespace) through the
 *   hand-written Checkov checks; the IaC job's `helm lint --strict` of the defaults runs for real.
 *
 * kubeconform's equivalent (kubernetes-models, CRD schemas) on the same rendered chart and manifests is in
 * examples.test.ts. Not checked here: Checkov over the generated `deploy/` manifests (library output, not
 * the example's chart), and conftest (the example configures no Rego policies, so there is no such job).
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { checkov, incompleteNetworkPolicies, kubeScore, kubeScoreFlags, kubesecScan } from './chart-gate-rules';
import { ExampleOutput, exampleOutput } from './example-harness';
import { coreErrors, helm, isBuiltinApiVersion, runTool, toolPath } from './validators';
import { cleanupHarness, JobResult, runJob } from '../harness/job-runner';

const EXAMPLE = 'enterprise-platform';

let out: ExampleOutput;
let workflow: any;
beforeAll(() => {
  out = exampleOutput(EXAMPLE);
  const files = out.files.filter((f) => /^\.github\/workflows\/.*-pipeline\.yml$/.test(f));
  expect(files).toHaveLength(1);
  workflow = out.yamlDocs(files[0])[0];
});
afterAll(() => cleanupHarness());

/** The one job of the workflow with a step `stepId` (and, if given, a job id ending in `suffix`). */
function jobWithStep(stepId: string, suffix = ''): [string, any] {
  const found = Object.entries<any>(workflow.jobs).filter(([id, j]) => id.endsWith(suffix) && (j.steps ?? []).some((s: any) => s.id === stepId));
  if (found.length !== 1) throw new Error(`expected one job with a step '${stepId}'${suffix ? ` ending in ${suffix}` : ''}, found ${found.map(([id]) => id).join(', ') || 'none'}`);
  return found[0];
}
const stepOf = (job: any, id: string) => job.steps.find((s: any) => s.id === id);

function docsIn(dir: string, rel: string): any[] {
  return parseAllDocuments(fs.readFileSync(path.join(dir, rel), 'utf8')).map((d) => d.toJS()).filter((d) => d !== null && d !== undefined);
}

function expectSuccess(r: JobResult): void {
  expect({ conclusion: r.conclusion, log: r.conclusion === 'success' ? '' : r.log }).toEqual({ conclusion: 'success', log: '' });
}

// ---- unit tests ------------------------------------------------------------------------------------------

describe('unit tests: the service\'s real tests pass the generated coverage gate', () => {
  /** The real Debian python3 for every `python` call; pip installs nothing (the Debian packages are there). */
  function pythonBehaviour(): string {
    const python = toolPath('python3');
    const probe = runTool('python3', ['-c', 'import pytest, pytest_cov']);
    if (probe.rc !== 0) throw new Error(`${python} cannot import pytest and pytest_cov (${probe.stderr.trim()}); run scripts/install-test-tools.sh`);
    return `if [ "$1 $2" = "-m pip" ]; then exit 0; fi\nexec "${python}" "$@"`;
  }

  test('the unit-test job passes at its threshold, measuring the service package only', () => {
    const [jobId, job] = jobWithStep('coverage-gate');
    const threshold = Number(stepOf(job, 'coverage-gate').env.THRESHOLD);
    expect(threshold).toBeGreaterThan(0);
    const r = runJob(workflow, jobId, { tools: { python: pythonBehaviour() } }, { repo: out.dir });
    expectSuccess(r);
    expect(r.step('test').outcome).toBe('success');
    const coverage = Number(r.outputs['coverage-percent']);
    expect(coverage).toBeGreaterThanOrEqual(threshold);
    // what the report measured: the package's modules, none of the tests
    const dir = stepOf(job, 'test')['working-directory'] ?? '.';
    const report = fs.readFileSync(path.join(r.workspace, dir, 'coverage.xml'), 'utf8');
    const measured = [...report.matchAll(/filename="([^"]+)"/g)].map((m) => m[1]).sort();
    expect(measured.length).toBeGreaterThanOrEqual(3);
    expect(measured.filter((f) => /(^|\/)(tests?\/|test_|conftest)/.test(f))).toEqual([]);
  });

  test('the gate bites: with most tests removed, the same job fails at the coverage gate', () => {
    const [jobId, job] = jobWithStep('coverage-gate');
    const dir = stepOf(job, 'test')['working-directory'] ?? '.';
    const tests = path.join(out.dir, dir, 'tests');
    const emptied = Object.fromEntries(fs.readdirSync(tests).filter((f) => /^test_.*\.py$/.test(f) && f !== 'test_metrics.py')
      .map((f) => [path.join(dir, 'tests', f), 'def test_nothing():\n    pass\n']));
    expect(Object.keys(emptied).length).toBeGreaterThan(0);
    const r = runJob(workflow, jobId, { tools: { python: pythonBehaviour() }, files: emptied }, { repo: out.dir });
    expect(r.conclusion).toBe('failure');
    expect(r.step('test').outcome).toBe('success');
    expect(r.step('coverage-gate').outcome).toBe('failure');
    expect(Number(r.outputs['coverage-percent'])).toBeLessThan(Number(stepOf(job, 'coverage-gate').env.THRESHOLD));
  });
});

// ---- chart tests -----------------------------------------------------------------------------------------

/** The chart-tests job as it runs with real helm; kube-score and kubeconform record their calls. */
let chartTests: JobResult | undefined;
function runChartTests(): JobResult {
  if (!chartTests) {
    const [jobId] = jobWithStep('kube-score');
    // yq answers the NetworkPolicy step as for complete policies; the rule itself is checked below, by hand
    chartTests = runJob(workflow, jobId, { tools: { yq: 'if [ "$1" = ea ] && [[ "$2" == \'"names:"\'* ]]; then echo names:; else echo 0; fi' } }, { repo: out.dir });
  }
  return chartTests;
}

describe('chart tests: the chart with each environment\'s values passes the chart-tests job', () => {
  test('helm lint --strict and helm template per environment succeed (real helm)', () => {
    const r = runChartTests();
    expectSuccess(r);
    for (const id of ['helm-lint', 'render-chart']) expect(r.step(id).outcome).toBe('success');
    expect(r.callsOf('helm').filter((a) => a[0] === 'lint')).not.toHaveLength(0);
  });

  test('kube-score (equivalent) finds nothing critical in what the job passes it', () => {
    const r = runChartTests();
    const calls = r.callsOf('kube-score');
    expect(calls.length).toBeGreaterThan(0);
    for (const args of calls) {
      const flags = kubeScoreFlags(args);
      const docs = flags.files.flatMap((f) => docsIn(r.workspace, f));
      expect(docs.filter((d) => d.kind === 'Deployment')).toHaveLength(1); // the render is real and complete
      const failing = kubeScore(docs, flags.ignoreTests).filter((f) => f.grade === 'critical' || flags.exitOneOnWarning);
      expect({ files: flags.files, failing }).toEqual({ files: flags.files, failing: [] });
    }
  });

  test('every NetworkPolicy in what the job validates names its pod selector and policy types', () => {
    const r = runChartTests();
    const files = r.callsOf('kube-score').flatMap((a) => kubeScoreFlags(a).files);
    const docs = files.flatMap((f) => docsIn(r.workspace, f));
    expect(docs.filter((d) => d.kind === 'NetworkPolicy').length).toBeGreaterThan(0);
    expect(incompleteNetworkPolicies(docs)).toEqual([]);
  });
});

// ---- kubesec ---------------------------------------------------------------------------------------------

describe('kubesec: the job\'s own gate accepts the reports of the rendered chart', () => {
  test('every workload scores at least the minimum, with no critical advisory', () => {
    const [jobId] = jobWithStep('kubesec');
    // kubesec prints the hand-written report of the file it is asked to scan (the chart-tests job rendered
    // the same files with the same commands; that they are the same is checked after the run)
    const rendered = runChartTests();
    const schemaErrors = (o: any) => (isBuiltinApiVersion(o.apiVersion) ? coreErrors(o) : []);
    const reports = new Map<string, string>();
    for (const f of ['rendered/staging.yaml', 'rendered/production.yaml']) {
      const scored = kubesecScan(f, docsIn(rendered.workspace, f), schemaErrors);
      expect(scored.filter((x) => x.object.startsWith('Deployment/'))).toHaveLength(1);
      reports.set(f, fs.readFileSync(path.join(rendered.workspace, f), 'utf8'));
      reports.set(`${path.basename(f, '.yaml')}.kubesec.json`, JSON.stringify(scored));
    }
    const fixtures = Object.fromEntries([...reports].filter(([k]) => k.endsWith('.json')));
    const r = runJob(workflow, jobId, { tools: { kubesec: 'cat "${FIXTURES}/$(basename "$2" .yaml).kubesec.json"' }, fixtures }, { repo: out.dir });
    expectSuccess(r);
    expect(r.step('kubesec').outcome).toBe('success');
    const scanned = r.callsOf('kubesec').map((a) => { expect(a[0]).toBe('scan'); return a[1]; }).sort();
    expect(scanned).toEqual(['rendered/production.yaml', 'rendered/staging.yaml']);
    for (const f of scanned) expect(fs.readFileSync(path.join(r.workspace, f), 'utf8')).toBe(reports.get(f));
  });
});

// ---- Checkov and the IaC lint of the chart's defaults ------------------------------------------------------

describe('the chart\'s defaults (what Checkov and the IaC job see)', () => {
  test('Checkov\'s helm scan (equivalent): the default render fails no check', () => {
    const [, job] = jobWithStep('checkov-chart');
    const step = stepOf(job, 'checkov-chart');
    expect(step.with.framework).toBe('helm');
    // as checkov/helm/runner.py renders: `helm template --dependency-update <dir>`, no values, no namespace;
    // Checkov drops a chart whose render writes to stderr, so a warning would hide the chart: none allowed
    const rendered = helm('template', '--dependency-update', path.join(out.dir, step.with.directory));
    expect({ rc: rendered.rc, stderr: rendered.stderr }).toEqual({ rc: 0, stderr: '' });
    const docs = parseAllDocuments(rendered.stdout).map((d) => d.toJS()).filter(Boolean);
    expect(docs.filter((d: any) => d.kind === 'Deployment')).toHaveLength(1);
    expect(checkov(docs)).toEqual([]);
  });

  test('the IaC job\'s helm lint --strict of the defaults passes (real helm)', () => {
    const [jobId] = jobWithStep('helm-lint', '-scan-iac');
    const r = runJob(workflow, jobId, {}, { repo: out.dir });
    expectSuccess(r);
    expect(r.callsOf('helm')).toEqual([['lint', '--strict', expect.any(String)]]);
  });
});

// ---- the hand-written rules bite ---------------------------------------------------------------------------

describe('the hand-written equivalents fail what the tools fail', () => {
  /** The staging render and manifests the chart-tests job scored, with `change` applied to a copy. */
  let staging: { docs: any[]; ignore: string[] } | undefined;
  function stagingDocs(change: (docs: any[]) => void = () => undefined): { docs: any[]; ignore: string[] } {
    if (!staging) {
      const r = runChartTests();
      const flags = kubeScoreFlags(r.callsOf('kube-score')[0]);
      staging = { docs: flags.files.flatMap((f) => docsIn(r.workspace, f)), ignore: flags.ignoreTests };
    }
    const docs = JSON.parse(JSON.stringify(staging.docs));
    change(docs);
    return { docs, ignore: staging.ignore };
  }
  const deployment = (docs: any[]) => docs.find((d) => d.kind === 'Deployment');
  const container = (docs: any[]) => deployment(docs).spec.template.spec.containers[0];

  const KUBE_SCORE: Array<[string, (docs: any[]) => void, string]> = [
    ['pull policy IfNotPresent', (d) => { container(d).imagePullPolicy = 'IfNotPresent'; }, 'container-image-pull-policy'],
    ['no CPU limit', (d) => { delete container(d).resources.limits.cpu; }, 'container-resources'],
    ['no ephemeral-storage limit', (d) => { delete container(d).resources.limits['ephemeral-storage']; }, 'container-ephemeral-storage-request-and-limit'],
    ['the :latest tag', (d) => { container(d).image = 'ghcr.io/acme/checkout:latest'; }, 'container-image-tag'],
    ['identical probes', (d) => { container(d).livenessProbe = container(d).readinessProbe; }, 'pod-probes-identical'],
    ['no readiness probe', (d) => { delete container(d).readinessProbe; }, 'pod-probes'],
    ['no user id', (d) => { delete deployment(d).spec.template.spec.securityContext.runAsUser; }, 'container-security-context-user-group-id'],
    ['a writable root filesystem', (d) => { container(d).securityContext.readOnlyRootFilesystem = false; }, 'container-security-context-readonlyrootfilesystem'],
    // every NetworkPolicy: the chart's and the app's NetworkPolicies construct's
    ['no NetworkPolicy', (d) => { d.splice(0, d.length, ...d.filter((x) => x.kind !== 'NetworkPolicy')); }, 'pod-networkpolicy'],
    ['the Deployment outside the namespace of the Services', (d) => { delete deployment(d).metadata.namespace; }, 'service-targets-pod'],
    ['an HPA targeting nothing', (d) => { d.push({ apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'x', namespace: 'platform-staging' }, spec: { minReplicas: 2, maxReplicas: 3, scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'nope' } } }); }, 'horizontalpodautoscaler-has-target'],
  ];
  test.each(KUBE_SCORE)('kube-score: %s', (_, change, testId) => {
    expect(kubeScore(stagingDocs().docs, stagingDocs().ignore).filter((f) => f.grade === 'critical')).toEqual([]);
    const { docs, ignore } = stagingDocs(change);
    // (the example skips the HPA-target test; the rule itself must still bite)
    expect(kubeScore(docs, ignore.filter((t) => t !== testId)).filter((f) => f.grade === 'critical').map((f) => f.test)).toContain(testId);
  });

  test('kubesec: a privileged container is a critical advisory; no hardening scores below 1', () => {
    const { docs } = stagingDocs((d) => { container(d).securityContext.privileged = true; });
    const [priv] = kubesecScan('x.yaml', [deployment(docs)], () => []);
    expect(priv.scoring.critical.map((c) => c.id)).toEqual(['Privileged']);
    const bare = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'bare' }, spec: { template: { spec: { containers: [{ name: 'c', image: 'x' }] } } } };
    expect(kubesecScan('x.yaml', [bare], () => [])[0]).toMatchObject({ object: 'Deployment/bare.default', score: 0 });
  });

  const CHECKOV: Array<[string, (docs: any[]) => void, string]> = [
    ['an image by tag', (d) => { container(d).image = 'ghcr.io/acme/checkout:1.0.0'; }, 'CKV_K8S_43'],
    ['an image by tag, IfNotPresent', (d) => { container(d).image = 'ghcr.io/acme/checkout:1.0.0'; container(d).imagePullPolicy = 'IfNotPresent'; }, 'CKV_K8S_15'],
    ['empty resources', (d) => { container(d).resources = {}; }, 'CKV_K8S_11'],
    ['no namespace, no skip annotation', (d) => { delete deployment(d).metadata.namespace; delete deployment(d).metadata.annotations; }, 'CKV_K8S_21'],
    ['a low user id', (d) => { deployment(d).spec.template.spec.securityContext.runAsUser = 1000; }, 'CKV_K8S_40'],
  ];
  test.each(CHECKOV)('Checkov: %s', (_, change, id) => {
    expect(checkov(stagingDocs().docs)).toEqual([]);
    expect(checkov(stagingDocs(change).docs).map((f) => f.id)).toContain(id);
  });
});
