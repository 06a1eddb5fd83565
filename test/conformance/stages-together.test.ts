/** An app with all three stages, the defaults plus every opt-in tool. */
import { actionlintFindings, shellcheckWorkflow, unverifiedDownloads, workflowErrors } from './validators';
import * as pp from '../../src';
import { makeApp, workflowOf } from '../util';

function fullApp(overrides: Partial<pp.PlatformAppProps> = {}) {
  const { project, app } = makeApp({ repository: 'acme/checkout', ...overrides });
  new pp.SecurityScanStage(app, 'Security', {
    scanners: [
      pp.Scanner.snyk({ tokenSecret: 'SNYK_TOKEN' }), pp.Scanner.npmAudit(), pp.Scanner.pipAudit(), pp.Scanner.sonarQube({ tokenSecret: 'SONAR_TOKEN' }),
      pp.Scanner.fossa({ apiKeySecret: 'FOSSA_API_KEY' }), pp.Scanner.iacValidation({ terraformDirectories: ['infra/prod'] }),
      pp.Scanner.lint({ schemaChecks: [{ schema: 'schemas/config.json', files: ['config/*.yaml'] }] }),
      pp.Scanner.checkov({ apiKeySecret: 'PRISMA_API_KEY', kubernetesDirectories: ['k8s'] }),
    ],
  });
  const build = new pp.BuildStage(app, 'Build', { platforms: ['linux/amd64', 'linux/arm64'], testImage: { target: 'test' } });
  new pp.TestStage(app, 'Test', {
    unitTests: [pp.UnitTests.python(), pp.UnitTests.node(), pp.UnitTests.go(), pp.UnitTests.custom({ name: 'rust', command: 'cargo llvm-cov --lcov --output-path lcov.info', coverageCommand: 'cat coverage-percent.txt' })],
    argoCd: { server: 'argocd.acme.dev', authTokenSecret: 'ARGOCD_TOKEN' },
    opaPolicies: 'policy',
    networkPolicies: { requireDefaultDeny: true },
  });
  return { project, app, build };
}

describe('all three stages together', () => {
  const { project } = fullApp();
  const out = pp.Testing.synth(project);
  const text = out.file('.github/workflows/checkout-pipeline.yml')!;
  const wf = workflowOf(out);

  test('GitHub\'s workflow parser accepts the workflow', async () => {
    expect(await workflowErrors('checkout-pipeline.yml', text)).toEqual([]);
  });
  test('actionlint reports nothing', async () => {
    expect(await actionlintFindings(text, 'checkout-pipeline.yml')).toEqual([]);
  });
  test('every run: script is shellcheck-clean at every severity', () => {
    expect(shellcheckWorkflow(wf)).toEqual([]);
  });
  test('every run: script verifies what it downloads, pinned', () => {
    const scripts: string[] = [];
    for (const job of Object.values<any>(wf.jobs)) for (const s of job.steps ?? []) if (s.run) scripts.push(s.run);
    expect(scripts.length).toBeGreaterThan(40);
    for (const s of scripts) expect(unverifiedDownloads(s)).toEqual([]);
  });

  // Written by hand from each tool's documentation: checkout needs contents: read; upload-sarif needs
  // security-events: write (+ actions: read in private repositories); GHCR pushes need packages: write;
  // keyless cosign needs id-token: write; the SLSA generator documents actions: read, id-token: write,
  // packages: write; dependency review reads the dependency graph (contents: read).
  test('least privilege: each job asks for exactly what its steps need', () => {
    const sarif = { 'contents': 'read', 'security-events': 'write', 'actions': 'read' };
    const read = { contents: 'read' };
    const expected: Record<string, Record<string, string>> = {
      'checkout-build': { contents: 'read', packages: 'write' },
      'checkout-image-scan-report': sarif,
      'checkout-publish': { 'contents': 'read', 'packages': 'write', 'id-token': 'write' },
      'checkout-provenance': { 'actions': 'read', 'id-token': 'write', 'packages': 'write' },
      'checkout-scan-lint': read,
      'checkout-scan-gitleaks': sarif,
      'checkout-scan-trufflehog': read,
      'checkout-scan-checkov': sarif,
      'checkout-scan-kubesec': read,
      'checkout-scan-semgrep': sarif,
      'checkout-scan-osv-scanner': sarif,
      'checkout-scan-npm-audit': read,
      'checkout-scan-pip-audit': read,
      'checkout-scan-snyk': sarif,
      'checkout-scan-dependency-review': read,
      'checkout-scan-sonarqube': read,
      'checkout-scan-licenses': read,
      'checkout-scan-fossa': read,
      'checkout-scan-iac': read,
      'checkout-unit-python': read,
      'checkout-unit-node': read,
      'checkout-unit-go': read,
      'checkout-unit-rust': read,
      'checkout-chart-tests': read,
      'checkout-argocd-dry-run': read,
      'checkout-opa-policies': read,
    };
    for (const [id, perms] of Object.entries(expected)) {
      expect([id, wf.jobs[id]?.permissions]).toEqual([id, perms]);
    }
    const withSecurityEvents = Object.entries<any>(wf.jobs).filter(([, j]) => j.permissions?.['security-events']).map(([id]) => id).sort();
    expect(withSecurityEvents).toEqual(['checkout-image-scan-report', 'checkout-scan-checkov', 'checkout-scan-gitleaks', 'checkout-scan-osv-scanner', 'checkout-scan-semgrep', 'checkout-scan-snyk']);
  });

  test('shape: scans and unit tests beside the build, image jobs after it, deploys after every gate', () => {
    const needs = (id: string) => [wf.jobs[id].needs ?? []].flat().sort();
    for (const id of ['checkout-scan-gitleaks', 'checkout-scan-semgrep', 'checkout-unit-python', 'checkout-chart-tests', 'checkout-argocd-dry-run']) expect(needs(id)).toEqual(['checkout-changes']);
    for (const id of ['checkout-publish', 'checkout-provenance']) expect(needs(id)).toEqual(['checkout-build']);
    // the scan report runs when the build failed too (!cancelled()), so it asks the changes job itself
    expect(needs('checkout-image-scan-report')).toEqual(['checkout-build', 'checkout-changes']);
    const gates = Object.keys(wf.jobs).filter((id) => /-(scan-|unit-|chart-tests|argocd|opa|publish|provenance|image-scan-report)/.test(id));
    expect(gates).toHaveLength(25); // 15 scanners, 4 unit-test jobs, chart tests, Argo CD, conftest, publish, provenance, scan report
    expect(needs('checkout-deploy-staging')).toEqual(expect.arrayContaining(['checkout-build', ...gates]));
  });

  test('the pipeline document reports the critical path through the build and provenance', () => {
    const doc = out.file('docs/checkout-pipeline.md')!;
    expect(doc).toMatch(/\*\*Critical path\*\* \(\d+ min estimated, plus 1 human wait\): `checkout-build` → `checkout-provenance` → `checkout-deploy-staging`/);
    expect(doc).toContain('| `checkout-build` | build |  |  | 12 min |');
    expect(doc).toContain('| `checkout-scan-semgrep` | gate |  |  | 5 min |');
  });

  test('every downloaded tool: release URL and assets as each project publishes them, checked against pinned sums', () => {
    const all = Object.values<any>(wf.jobs).flatMap((j) => (j.steps ?? []).map((s: any) => s.run ?? '')).join('\n');
    // written by hand from each project's release page / goreleaser name_template: download base, asset for amd64 and arm64
    const expected = [
      ['https://github.com/rhysd/actionlint/releases/download/v1.7.7', 'actionlint', 'actionlint_1.7.7_linux_amd64.tar.gz', 'actionlint_1.7.7_linux_arm64.tar.gz'],
      ['https://github.com/gitleaks/gitleaks/releases/download/v8.28.0', 'gitleaks', 'gitleaks_8.28.0_linux_x64.tar.gz', 'gitleaks_8.28.0_linux_arm64.tar.gz'],
      ['https://github.com/trufflesecurity/trufflehog/releases/download/v3.90.12', 'trufflehog', 'trufflehog_3.90.12_linux_amd64.tar.gz', 'trufflehog_3.90.12_linux_arm64.tar.gz'],
      ['https://github.com/controlplaneio/kubesec/releases/download/v2.14.2', 'kubesec', 'kubesec_linux_amd64.tar.gz', undefined],
      ['https://github.com/google/osv-scanner/releases/download/v2.5.1', 'osv_scanner', 'osv-scanner_linux_amd64', 'osv-scanner_linux_arm64'],
      ['https://github.com/yannh/kubeconform/releases/download/v0.7.0', 'kubeconform', 'kubeconform-linux-amd64.tar.gz', 'kubeconform-linux-arm64.tar.gz'],
      ['https://github.com/zegl/kube-score/releases/download/v1.20.0', 'kube_score', 'kube-score_1.20.0_linux_amd64.tar.gz', 'kube-score_1.20.0_linux_arm64.tar.gz'],
      ['https://github.com/open-policy-agent/conftest/releases/download/v0.62.0', 'conftest', 'conftest_0.62.0_Linux_x86_64.tar.gz', 'conftest_0.62.0_Linux_arm64.tar.gz'],
      ['https://github.com/terraform-linters/tflint/releases/download/v0.58.1', 'tflint', 'tflint_linux_amd64.zip', 'tflint_linux_arm64.zip'],
      ['https://releases.hashicorp.com/terraform/1.12.2', 'terraform', 'terraform_1.12.2_linux_amd64.zip', 'terraform_1.12.2_linux_arm64.zip'],
      ['https://github.com/argoproj/argo-cd/releases/download/v3.0.13', 'argocd', 'argocd-linux-amd64', 'argocd-linux-arm64'],
    ];
    for (const [base, id, amd64, arm64] of expected) {
      expect(all).toContain(`"${base}/\${${id}_asset}"`);
      expect(all).toMatch(new RegExp(`amd64\\) ${id}_asset="${amd64!.replace(/[.]/g, '\\.')}"; ${id}_sha256="[0-9a-f]{64}"`));
      if (arm64) expect(all).toMatch(new RegExp(`arm64\\) ${id}_asset="${arm64.replace(/[.]/g, '\\.')}"; ${id}_sha256="[0-9a-f]{64}"`));
      else expect(all).toContain(`arm64) echo "::error::${id} `);
      expect(all).toContain(`echo "\${${id}_sha256}  \${${id}_asset}" | sha256sum --check --strict -`);
    }
    // no checksum file is fetched from a release: the sums are the library's
    expect(all).not.toMatch(/checksums\.txt|SHA256SUMS|CHECKSUMS|sha256sums\.txt/);
    expect(all).not.toMatch(/\blatest\b/);
    expect(all).not.toMatch(/\| *(ba)?sh\b/);
  });

  test('Trivy runs a pinned release that is not the malicious v0.69.4; Semgrep runs its image pinned by digest', () => {
    expect(text).toContain('version: v0.70.0');
    expect(text).not.toContain('0.69.4');
    expect(text).toContain('semgrep/semgrep@sha256:acaac22ffc7b7cc5926de0751b223bce0b2491c33d18422fa72f632c78d81198');
    expect(text).not.toContain('semgrep/semgrep-action');
  });

  test('the SLSA generator is the one reference by tag; everything else is SHA-pinned', () => {
    const uses = text.split('\n').filter((l) => /^\s+(- )?uses:/.test(l)).map((l) => l.trim());
    expect(uses.filter((u) => !/@[0-9a-f]{40} # v?\d+\.\d+\.\d+$/.test(u))).toEqual(['uses: slsa-framework/slsa-github-generator/.github/workflows/generator_container_slsa3.yml@v2.1.0']);
  });

  test('finding counts and coverage are job outputs under the names the report job pushes', () => {
    expect(wf.jobs['checkout-scan-osv-scanner'].outputs).toEqual({
      'findings-critical': '${{ steps.gate.outputs.findings-critical }}',
      'findings-high': '${{ steps.gate.outputs.findings-high }}',
      'findings-low': '${{ steps.gate.outputs.findings-low }}',
      'findings-medium': '${{ steps.gate.outputs.findings-medium }}',
    });
    expect(Object.keys(wf.jobs['checkout-scan-semgrep'].outputs)).toEqual(['findings-high', 'findings-low', 'findings-medium']);
    expect(wf.jobs['checkout-scan-licenses'].outputs).toEqual({ 'findings-high': '${{ steps.licenses.outputs.findings-high }}' });
    // summed over the platforms of the multi-platform image
    expect(wf.jobs['checkout-image-scan-report'].outputs['findings-high']).toBe('${{ steps.findings.outputs.findings-high }}');
    expect(wf.jobs['checkout-unit-python'].outputs).toEqual({ 'coverage-percent': '${{ steps.coverage-gate.outputs.coverage-percent }}' });
    expect(text).toContain('echo "coverage-percent=${coverage}" >> "${GITHUB_OUTPUT}"');
  });
});
