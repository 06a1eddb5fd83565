import * as fs from 'fs';
import * as path from 'path';
import { jobText } from './helpers';
import * as pp from '../../src';
import { errorOf, makeApp, workflowOf } from '../util';

function jobsOf(props: pp.SecurityScanStageProps = {}, overrides: Partial<pp.PlatformAppProps> = {}): Record<string, any> {
  const { project, app } = makeApp(overrides);
  new pp.SecurityScanStage(app, 'Security', props);
  return workflowOf(pp.Testing.synth(project)).jobs;
}
const step = (job: any, id: string) => job.steps.find((s: any) => s.id === id);
const stepIds = (job: any) => job.steps.map((s: any) => s.id);

describe('SecurityScanStage', () => {
  test('the gitleaks job: exact text', () => {
    const { project, app } = makeApp();
    new pp.SecurityScanStage(app, 'Security');
    expect(jobText(pp.Testing.synth(project).file('.github/workflows/checkout-pipeline.yml')!, 'checkout-scan-gitleaks')).toMatchSnapshot();
  });

  test('defaults: one gate job per default scanner, beside the build', () => {
    const jobs = jobsOf();
    const scans = Object.keys(jobs).filter((id) => id.startsWith('checkout-scan-')).sort();
    expect(scans).toEqual(['checkout-scan-checkov', 'checkout-scan-dependency-review', 'checkout-scan-gitleaks', 'checkout-scan-iac', 'checkout-scan-kubesec',
      'checkout-scan-licenses', 'checkout-scan-lint', 'checkout-scan-osv-scanner', 'checkout-scan-semgrep', 'checkout-scan-trufflehog']);
    for (const id of scans) expect(jobs[id].needs).toBe('checkout-changes');
    expect([jobs['checkout-deploy-staging'].needs].flat()).toEqual(expect.arrayContaining(scans));
  });

  test('a disabled scanner\'s job is gone; an added scanner gets its job', () => {
    const jobs = jobsOf({ disable: ['trufflehog', 'semgrep'], scanners: [pp.Scanner.snyk({ tokenSecret: 'SNYK_TOKEN' })] });
    expect(jobs['checkout-scan-trufflehog']).toBeUndefined();
    expect(jobs['checkout-scan-semgrep']).toBeUndefined();
    expect(jobs['checkout-scan-gitleaks']).toBeDefined();
    expect(step(jobs['checkout-scan-snyk'], 'snyk').env).toEqual({ SNYK_TOKEN: '${{ secrets.SNYK_TOKEN }}' });
  });

  test('the stage threshold reaches every scanner\'s command line', () => {
    const scanners = [pp.Scanner.npmAudit(), pp.Scanner.snyk({ tokenSecret: 'SNYK_TOKEN' })];
    const high = jobsOf({ scanners });
    const medium = jobsOf({ scanners, threshold: pp.Severity.MEDIUM });
    expect(step(high['checkout-scan-npm-audit'], 'npm-audit-1').run).toBe('npm audit --audit-level=high --omit=dev');
    expect(step(medium['checkout-scan-npm-audit'], 'npm-audit-1').run).toBe('npm audit --audit-level=moderate --omit=dev');
    expect(step(medium['checkout-scan-snyk'], 'snyk').run).toContain('--severity-threshold=medium');
    expect(step(high['checkout-scan-dependency-review'], 'dependency-review').with['fail-on-severity']).toBe('high');
    expect(step(medium['checkout-scan-dependency-review'], 'dependency-review').with['fail-on-severity']).toBe('moderate');
    // OSV: CVSS 7.0 for HIGH, 4.0 for MEDIUM
    expect(step(high['checkout-scan-osv-scanner'], 'gate').run).toContain("failing=\"$(jq '[.results[]?.packages[]?.groups[]? | ((.max_severity // \"\") | if . == \"\" then 7 else tonumber end) | select(. >= 7)] | length' osv.json)\"");
    expect(step(medium['checkout-scan-osv-scanner'], 'gate').run).toContain('select(. >= 4)] | length\' osv.json)"\nif');
    // Semgrep: SARIF levels error (HIGH) and error + warning (MEDIUM)
    expect(step(high['checkout-scan-semgrep'], 'gate').run).toContain('--argjson levels \'["error"]\'');
    expect(step(medium['checkout-scan-semgrep'], 'gate').run).toContain('--argjson levels \'["error","warning"]\'');
  });

  test('a scanner\'s own threshold wins over the stage\'s', () => {
    const jobs = jobsOf({ threshold: pp.Severity.LOW, scanners: [pp.Scanner.npmAudit({ threshold: pp.Severity.CRITICAL, directories: ['web', 'api'], includeDev: true })] });
    expect(step(jobs['checkout-scan-npm-audit'], 'npm-audit-1')).toMatchObject({ 'working-directory': 'web', 'run': 'npm audit --audit-level=critical' });
    expect(step(jobs['checkout-scan-npm-audit'], 'npm-audit-2')['working-directory']).toBe('api');
    expect(step(jobs['checkout-scan-dependency-review'], 'dependency-review').with['fail-on-severity']).toBe('low');
  });

  test('Checkov: the chart, the generated manifests and more directories; skips; the threshold only with an API key', () => {
    const plain = jobsOf({ scanners: [pp.Scanner.checkov({ skipChecks: ['CKV_K8S_21', 'CKV_K8S_43'], kubernetesDirectories: ['k8s'] })] })['checkout-scan-checkov'];
    expect(stepIds(plain)).toEqual(['checkout', 'checkov-chart', 'upload-sarif-chart', 'checkov-manifests', 'upload-sarif-manifests', 'checkov-kubernetes-1', 'upload-sarif-kubernetes-1', 'gate']);
    expect(step(plain, 'checkov-chart').with).toEqual({ directory: 'helm/platform', framework: 'helm', output_format: 'cli,sarif', output_file_path: 'console,checkov-chart.sarif', skip_check: 'CKV_K8S_21,CKV_K8S_43' });
    expect(step(plain, 'checkov-manifests').with.directory).toBe('deploy/checkout');
    expect(step(plain, 'checkov-chart').with.hard_fail_on).toBeUndefined();
    expect(step(plain, 'checkov-chart').with.soft_fail).toBeUndefined();
    const keyed = jobsOf({ scanners: [pp.Scanner.checkov({ apiKeySecret: 'PRISMA_API_KEY', threshold: pp.Severity.CRITICAL })] })['checkout-scan-checkov'];
    expect(step(keyed, 'checkov-chart').with).toMatchObject({ 'api-key': '${{ secrets.PRISMA_API_KEY }}', 'hard_fail_on': 'CRITICAL' });
  });

  test('secret scanners read the full history; TruffleHog\'s verified-only toggle; gitleaks\' config', () => {
    const jobs = jobsOf({ scanners: [pp.Scanner.trufflehog({ verifiedOnly: false }), pp.Scanner.gitleaks({ config: 'security/gitleaks.toml' })] });
    expect(step(jobs['checkout-scan-trufflehog'], 'checkout').with).toEqual({ 'persist-credentials': false, 'fetch-depth': 0 });
    expect(step(jobs['checkout-scan-trufflehog'], 'trufflehog').run).toBe('trufflehog git "file://${GITHUB_WORKSPACE}" --results=verified,unknown --fail --no-update --github-actions');
    expect(step(jobsOf()['checkout-scan-trufflehog'], 'trufflehog').run).toContain('--results=verified --fail');
    expect(step(jobs['checkout-scan-gitleaks'], 'checkout').with['fetch-depth']).toBe(0);
    expect(step(jobs['checkout-scan-gitleaks'], 'gitleaks')).toMatchObject({ env: { GITLEAKS_CONFIG: 'security/gitleaks.toml' }, run: expect.stringContaining('--config "${GITLEAKS_CONFIG}"') });
  });

  test('Semgrep rule sets, the App token, Kubesec\'s minimum score', () => {
    const jobs = jobsOf({ scanners: [pp.Scanner.semgrep({ rules: ['p/python', 'rules/custom.yml'] }), pp.Scanner.kubesec({ minScore: 3 })] });
    expect(step(jobs['checkout-scan-semgrep'], 'semgrep').run).toContain('semgrep scan --metrics=off --config p/python --config rules/custom.yml --sarif --output=semgrep.sarif');
    expect(step(jobs['checkout-scan-kubesec'], 'kubesec').env).toEqual({ MIN_SCORE: '3' });
    const ci = jobsOf({ scanners: [pp.Scanner.semgrep({ appTokenSecret: 'SEMGREP_APP_TOKEN' })] })['checkout-scan-semgrep'];
    expect(step(ci, 'semgrep')).toMatchObject({ env: { SEMGREP_APP_TOKEN: '${{ secrets.SEMGREP_APP_TOKEN }}' }, run: expect.stringContaining('semgrep ci --sarif --output=semgrep.sarif') });
  });

  test('pre-commit toggles remove their steps; schema checks add theirs', () => {
    const all = jobsOf()['checkout-scan-lint'];
    expect(stepIds(all)).toEqual(['checkout', 'install-tools', 'yamllint', 'json-syntax', 'actionlint']);
    expect(step(all, 'yamllint').run).toContain('  helm/platform/templates/');
    const some = jobsOf({ scanners: [pp.Scanner.lint({ actionlint: false, jsonSyntax: false, yamllintConfig: '.yamllint.yml', schemaChecks: [{ schema: 'schemas/app.json', files: ['config/*.yaml'] }] })] })['checkout-scan-lint'];
    expect(stepIds(some)).toEqual(['checkout', 'yamllint', 'schema-check-1']);
    expect(step(some, 'yamllint').env).toEqual({ YAMLLINT_CONFIG: '.yamllint.yml' });
    expect(step(some, 'schema-check-1').run).toBe('npx --yes --package ajv-cli@5.0.0 -- ajv validate --spec=draft2020 --strict=false -s "schemas/app.json" -d "config/*.yaml"');
  });

  test('licences against the allow-list; IaC validation with Terraform', () => {
    const jobs = jobsOf({ scanners: [pp.Scanner.licenses({ allow: ['MIT', 'Apache-2.0'] }), pp.Scanner.iacValidation({ terraformDirectories: ['infra'], tflint: false })] });
    expect(step(jobs['checkout-scan-licenses'], 'licenses').env).toEqual({ ALLOWED_LICENSES: 'MIT,Apache-2.0' });
    expect(step(jobs['checkout-scan-licenses'], 'licenses').run).toContain('--licenses="${ALLOWED_LICENSES}"');
    expect(stepIds(jobs['checkout-scan-iac'])).toEqual(['checkout', 'setup-helm', 'helm-lint', 'install-tools', 'terraform-validate-1']);
    expect(step(jobs['checkout-scan-iac'], 'install-tools').name).toBe('Install terraform 1.12.2 (sha256-pinned)');
    expect(stepIds(jobsOf({ scanners: [pp.Scanner.iacValidation({ terraformDirectories: ['infra'] })] })['checkout-scan-iac'])).toContain('tflint-1');
  });

  test('dependency review runs on pull requests only, without skipping the gate on pushes', () => {
    const job = jobsOf()['checkout-scan-dependency-review'];
    expect(job.if).toBe("needs.checkout-changes.outputs.changed == 'true'");
    expect(step(job, 'dependency-review').if).toBe("github.event_name == 'pull_request'");
  });

  test('without SARIF uploads no job gets security-events', () => {
    const jobs = jobsOf({ uploadSarif: false });
    const scans = Object.entries<any>(jobs).filter(([id]) => id.startsWith('checkout-scan-'));
    expect(scans.length).toBeGreaterThan(5);
    for (const [id, job] of scans) expect([id, job.permissions?.['security-events']]).toEqual([id, undefined]);
  });

  test('Sonar and FOSSA: tokens from named secrets', () => {
    const jobs = jobsOf({ scanners: [pp.Scanner.sonarQube({ tokenSecret: 'SONAR_TOKEN', hostUrl: 'https://sonar.acme.dev' }), pp.Scanner.fossa({ apiKeySecret: 'FOSSA_API_KEY' })] });
    expect(step(jobs['checkout-scan-sonarqube'], 'sonarqube')).toMatchObject({ env: { SONAR_TOKEN: '${{ secrets.SONAR_TOKEN }}', SONAR_HOST_URL: 'https://sonar.acme.dev' }, with: { args: '-Dsonar.qualitygate.wait=true' } });
    expect(step(jobs['checkout-scan-fossa'], 'fossa-test').with).toEqual({ 'api-key': '${{ secrets.FOSSA_API_KEY }}', 'run-tests': true });
  });
});

describe('SecurityScanStage validation', () => {
  test('an unknown severity', () => {
    expect(errorOf(() => pp.Severity.of('SEVERE'))).toBe("Severity.of: unknown severity 'SEVERE'; use one of CRITICAL, HIGH, MEDIUM, LOW");
    expect(pp.Severity.of('high')).toBe(pp.Severity.HIGH);
    const { app } = makeApp();
    expect(errorOf(() => new pp.SecurityScanStage(app, 'S', { threshold: 'HIGH' as any })))
      .toContain("checkout/S: 'threshold' must be a Severity (Severity.CRITICAL, HIGH, MEDIUM or LOW), got unknown severity 'HIGH'");
  });
  test('a scanner list that ends up empty fails and writes nothing', () => {
    const { project, app } = makeApp();
    expect(errorOf(() => new pp.SecurityScanStage(app, 'S', { disable: pp.Scanner.defaultNames() })))
      .toContain('checkout/S: every scanner is disabled');
    expect(fs.existsSync(path.join(project.outdir, '.github/workflows/checkout-pipeline.yml'))).toBe(false);
  });
  test('an unknown scanner name, empty option lists, bad secrets', () => {
    const { app } = makeApp();
    expect(errorOf(() => new pp.SecurityScanStage(app, 'S', { disable: ['trivy'] }))).toContain("'disable' names unknown scanner 'trivy'; scanners are ['lint'");
    expect(errorOf(() => pp.Scanner.semgrep({ rules: [] }))).toContain("Scanner.semgrep: 'rules' is empty");
    expect(errorOf(() => pp.Scanner.licenses({ allow: [] }))).toContain("Scanner.licenses: 'allow' is empty");
    expect(errorOf(() => pp.Scanner.lint({ yamllint: false, jsonSyntax: false, actionlint: false }))).toContain('every check is switched off');
    expect(errorOf(() => pp.Scanner.iacValidation({ helmLint: false }))).toContain("disable the scanner instead (disable: ['iac'])");
    expect(errorOf(() => pp.Scanner.snyk({ tokenSecret: 'snyk token' }))).toContain("Scanner.snyk: 'tokenSecret' must be a GitHub secret name");
    expect(errorOf(() => pp.Scanner.checkov({ skipChecks: ['ckv k8s'] }))).toContain("'skipChecks' entries must be check ids");
    expect(errorOf(() => pp.Scanner.npmAudit({ directories: ['../outside'] }))).toContain("'directories' entries must be paths inside the repository");
    expect(errorOf(() => pp.Scanner.kubesec({ minScore: 1.5 }))).toContain("'minScore' must be a whole number");
  });
});
