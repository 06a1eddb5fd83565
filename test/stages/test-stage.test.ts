import * as fs from 'fs';
import * as path from 'path';
import { jobText } from './helpers';
import * as pp from '../../src';
import { errorOf, makeApp, workflowOf } from '../util';

function jobsOf(props: pp.TestStageProps = {}): Record<string, any> {
  const { project, app } = makeApp();
  new pp.TestStage(app, 'Test', props);
  return workflowOf(pp.Testing.synth(project)).jobs;
}
const step = (job: any, id: string) => job.steps.find((s: any) => s.id === id);
const stepIds = (job: any) => job.steps.map((s: any) => s.id);

describe('TestStage', () => {
  test('the python unit-test job: exact text', () => {
    const { project, app } = makeApp();
    new pp.TestStage(app, 'Test', { unitTests: [pp.UnitTests.python({ coverageSource: 'checkout' })] });
    expect(jobText(pp.Testing.synth(project).file('.github/workflows/checkout-pipeline.yml')!, 'checkout-unit-python')).toMatchSnapshot();
  });

  test('unit tests per language run beside the build, in the image\'s context, with their commands', () => {
    const jobs = jobsOf({ unitTests: [pp.UnitTests.python(), pp.UnitTests.node({ nodeVersion: '20' }), pp.UnitTests.go()] });
    for (const id of ['checkout-unit-python', 'checkout-unit-node', 'checkout-unit-go']) expect(jobs[id].needs).toBe('checkout-changes');
    expect(step(jobs['checkout-unit-python'], 'test')).toMatchObject({ 'working-directory': 'services/checkout', 'run': 'python -m pytest --cov=. --cov-report=xml:coverage.xml --cov-report=term' });
    expect(step(jobs['checkout-unit-python'], 'install').run).toContain('python -m pip install --disable-pip-version-check "pytest==9.2.0" "pytest-cov==7.1.0"');
    expect(step(jobs['checkout-unit-node'], 'setup-node').with).toEqual({ 'node-version': '20', 'package-manager-cache': false });
    expect(step(jobs['checkout-unit-node'], 'test').run).toBe('npx jest --ci --coverage --coverageReporters=json-summary --coverageReporters=text');
    expect(step(jobs['checkout-unit-node'], 'coverage-gate').run).toContain('coverage="$(jq -r \'.total.lines.pct\' coverage/coverage-summary.json)"');
    expect(step(jobs['checkout-unit-go'], 'setup-go').with).toEqual({ 'go-version-file': 'services/checkout/go.mod', 'cache-dependency-path': 'services/checkout/go.sum' });
    expect(step(jobs['checkout-unit-go'], 'test').run).toBe('go test ./... -race -covermode=atomic -coverprofile=coverage.out');
  });

  test('the coverage gate: 80 % by default, the stage\'s or the language\'s own, in the job summary', () => {
    const def = step(jobsOf({ unitTests: [pp.UnitTests.python()] })['checkout-unit-python'], 'coverage-gate');
    expect(def.env).toEqual({ THRESHOLD: '80' });
    expect(def.name).toBe('Coverage gate (80 %)');
    expect(def.run).toContain('echo "| ${coverage} % | ${THRESHOLD} % |"');
    expect(def.run).toContain('} >> "${GITHUB_STEP_SUMMARY}"');
    expect(def.run).toContain('if awk -v c="${coverage}" -v t="${THRESHOLD}" \'BEGIN { exit !(c < t) }\'; then');
    const jobs = jobsOf({ coverageThreshold: 90, unitTests: [pp.UnitTests.python(), pp.UnitTests.node({ coverageThreshold: 65.5 })] });
    expect(step(jobs['checkout-unit-python'], 'coverage-gate').env.THRESHOLD).toBe('90');
    expect(step(jobs['checkout-unit-node'], 'coverage-gate').env.THRESHOLD).toBe('65.5');
  });

  test('custom commands and languages', () => {
    const jobs = jobsOf({
      unitTests: [
        pp.UnitTests.python({ command: 'make test', installCommand: 'make deps', workingDirectory: 'api', name: 'api' }),
        pp.UnitTests.custom({ name: 'rust', command: 'cargo llvm-cov --summary-only', coverageCommand: 'cat coverage.txt' }),
      ],
    });
    expect(step(jobs['checkout-unit-api'], 'install')).toMatchObject({ 'working-directory': 'api', 'run': 'make deps' });
    expect(step(jobs['checkout-unit-api'], 'test').run).toBe('make test');
    expect(stepIds(jobs['checkout-unit-rust'])).toEqual(['checkout', 'test', 'coverage-gate']);
    expect(step(jobs['checkout-unit-rust'], 'coverage-gate').run).toContain('coverage="$(cat coverage.txt)"');
  });

  test('the chart job: helm lint and template per environment, kube-score, kubeconform with CRD schemas, network policies', () => {
    const job = jobsOf()['checkout-chart-tests'];
    expect(job.needs).toBe('checkout-changes');
    expect(stepIds(job)).toEqual(['checkout', 'setup-helm', 'install-tools', 'helm-lint', 'render-chart', 'kube-score', 'kubeconform', 'network-policies']);
    expect(step(job, 'helm-lint').run).toBe('helm lint --strict "${CHART}" --values helm/checkout/values-staging.yaml\nhelm lint --strict "${CHART}" --values helm/checkout/values-production.yaml');
    expect(step(job, 'render-chart').run).toContain('helm template "${RELEASE}" "${CHART}" --namespace platform-prod --values helm/checkout/values-production.yaml > rendered/production.yaml');
    expect(step(job, 'kube-score').run).toContain('kube-score score --output-format ci rendered/staging.yaml $(manifest staging)');
    expect(step(job, 'kubeconform').env).toEqual({
      KUBERNETES_VERSION: '1.33.0',
      CRD_SCHEMAS: 'https://raw.githubusercontent.com/datreeio/CRDs-catalog/7b1e26ef9deea49293714d204c1a2270aab1178f/{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json',
    });
    expect(step(job, 'kubeconform').run).toContain('kubeconform -strict -summary -kubernetes-version "${KUBERNETES_VERSION}" -schema-location default -schema-location "${CRD_SCHEMAS}" rendered/production.yaml $(manifest production)');
    expect(step(job, 'kubeconform').run).toContain('manifest() { if [ -f "deploy/checkout/$1.k8s.yaml" ]; then echo "deploy/checkout/$1.k8s.yaml"; fi; }');
    expect(step(job, 'network-policies').env).toEqual({ REQUIRE_DEFAULT_DENY: 'false' });
  });

  test('chart toggles reach the command lines', () => {
    const job = jobsOf({
      kubeScore: { failOnWarning: true, ignoreTests: ['container-image-tag', 'pod-probes'] },
      kubeconform: { kubernetesVersion: '1.31.4', ignoreMissingSchemas: true },
      networkPolicies: { requireDefaultDeny: true },
    })['checkout-chart-tests'];
    expect(step(job, 'kube-score').run).toContain('kube-score score --output-format ci --exit-one-on-warning --ignore-test container-image-tag --ignore-test pod-probes rendered/staging.yaml');
    expect(step(job, 'kubeconform').env.KUBERNETES_VERSION).toBe('1.31.4');
    expect(step(job, 'kubeconform').run).toContain('kubeconform -strict -summary -ignore-missing-schemas -kubernetes-version');
    expect(step(job, 'network-policies').env.REQUIRE_DEFAULT_DENY).toBe('true');
    const off = jobsOf({ kubeScore: { enabled: false }, networkPolicies: { enabled: false } })['checkout-chart-tests'];
    expect(stepIds(off)).toEqual(['checkout', 'setup-helm', 'install-tools', 'helm-lint', 'render-chart', 'kubeconform']);
    expect(step(off, 'install-tools').name).toBe('Install kubeconform 0.7.0 (sha256-pinned)');
  });

  test('Argo CD dry-run and conftest only when configured', () => {
    expect(jobsOf()['checkout-argocd-dry-run']).toBeUndefined();
    expect(jobsOf()['checkout-opa-policies']).toBeUndefined();
    const jobs = jobsOf({ argoCd: { server: 'argocd.acme.dev', authTokenSecret: 'ARGOCD_TOKEN', applicationName: 'shop-{env}', grpcWeb: false }, opaPolicies: 'policy/k8s' });
    const dry = step(jobs['checkout-argocd-dry-run'], 'sync-dry-run');
    expect(dry.env).toEqual({ ARGOCD_SERVER: 'argocd.acme.dev', ARGOCD_AUTH_TOKEN: '${{ secrets.ARGOCD_TOKEN }}' });
    expect(dry.run).toBe('argocd app sync "shop-staging" --dry-run --revision "${GITHUB_SHA}"\nargocd app sync "shop-production" --dry-run --revision "${GITHUB_SHA}"');
    expect(step(jobs['checkout-opa-policies'], 'conftest').env).toEqual({ POLICY_DIR: 'policy/k8s' });
    expect(step(jobs['checkout-opa-policies'], 'conftest').run).toContain('conftest test --all-namespaces --policy "${POLICY_DIR}" "${files[@]}"');
  });
});

describe('TestStage validation', () => {
  test('a coverage gate over 100 (or below 0) fails and writes nothing', () => {
    const { project, app } = makeApp();
    expect(errorOf(() => new pp.TestStage(app, 'Test', { coverageThreshold: 120 }))).toBe("checkout/Test: 'coverageThreshold' is a percentage from 0 to 100, got 120");
    expect(fs.existsSync(path.join(project.outdir, '.github/workflows/checkout-pipeline.yml'))).toBe(false);
    expect(errorOf(() => pp.UnitTests.go({ coverageThreshold: -1 }))).toBe("UnitTests.go: 'coverageThreshold' is a percentage from 0 to 100, got -1");
    expect(errorOf(() => pp.UnitTests.python({ coverageThreshold: 100.5 }))).toContain('got 100.5');
  });
  test('duplicate unit-test names, bad versions and settings', () => {
    const { app } = makeApp();
    expect(errorOf(() => new pp.TestStage(app, 'T1', { unitTests: [pp.UnitTests.python(), pp.UnitTests.python()] }))).toContain("two unit-test entries are named 'python'; give one a 'name'");
    expect(errorOf(() => pp.UnitTests.node({ nodeVersion: 'lts/*' }))).toContain("the toolchain version must look like '3.12' or '22', got 'lts/*'");
    expect(errorOf(() => pp.UnitTests.custom({ name: 'x', command: '', coverageCommand: '' }))).toContain("'command' and 'coverageCommand' are required");
    expect(errorOf(() => new pp.TestStage(makeApp().app, 'T', { kubeconform: { kubernetesVersion: 'v1.33' } }))).toContain("'kubeconform.kubernetesVersion' must look like '1.33.0', got 'v1.33'");
    expect(errorOf(() => new pp.TestStage(makeApp().app, 'T', { argoCd: { server: 'https://argo', authTokenSecret: 'T' } }))).toContain("'argoCd.server' must be a host[:port]");
    expect(errorOf(() => new pp.TestStage(makeApp().app, 'T', { opaPolicies: '/etc/policy' }))).toContain("'opaPolicies' must be a directory inside the repository");
  });
});
