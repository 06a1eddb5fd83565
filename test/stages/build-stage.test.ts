import { jobText } from './helpers';
import * as pp from '../../src';
import { errorOf, makeApp, workflowOf } from '../util';

const REPO = { repository: 'acme/checkout' };
function synthJobs(props: pp.BuildStageProps = {}, overrides: Partial<pp.PlatformAppProps> = REPO) {
  const { project, app } = makeApp(overrides);
  const stage = new pp.BuildStage(app, 'Build', props);
  const wf = workflowOf(pp.Testing.synth(project));
  return { jobs: wf.jobs, stage, wf };
}
const step = (job: any, id: string) => job.steps.find((s: any) => s.id === id);
const stepIds = (job: any) => job.steps.map((s: any) => s.id);

describe('BuildStage', () => {
  test('the publish job: exact text', () => {
    const { project, app } = makeApp(REPO);
    new pp.BuildStage(app, 'Build');
    expect(jobText(pp.Testing.synth(project).file('.github/workflows/checkout-pipeline.yml')!, 'checkout-publish')).toMatchSnapshot();
  });

  test('declaring it configures the one build job instead of adding a second', () => {
    const { project, app } = makeApp(REPO);
    const stage = new pp.BuildStage(app, 'Build', { platforms: ['linux/amd64', 'linux/arm64'], buildArgs: ['VERSION=1'], target: 'runtime' });
    expect(app.pipeline.jobs.filter((j) => j.kind === pp.JobKind.BUILD)).toEqual([stage.job]);
    const build = workflowOf(pp.Testing.synth(project)).jobs['checkout-build'];
    expect(build.steps.map((s: any) => s.id)).toContain('setup-qemu');
    expect(step(build, 'build').with).toMatchObject({ 'platforms': 'linux/amd64,linux/arm64', 'build-args': 'VERSION=1', 'target': 'runtime' });
    // the docker store loads one platform at a time: one candidate per platform
    expect(step(build, 'build-candidate-linux-amd64').with).toMatchObject({ 'build-args': 'VERSION=1', 'target': 'runtime', 'load': true, 'push': false, 'platforms': 'linux/amd64' });
    expect(step(build, 'build-candidate-linux-arm64').with).toMatchObject({ load: true, push: false, platforms: 'linux/arm64', tags: 'scan.local/checkout:candidate-linux-arm64' });
  });

  test('the app\'s default build has the same secure defaults as a declared BuildStage without props', () => {
    const undeclared = pp.Testing.synth(makeApp(REPO).project).file('.github/workflows/checkout-pipeline.yml');
    const { project, app } = makeApp(REPO);
    new pp.BuildStage(app, 'Build');
    expect(pp.Testing.synth(project).file('.github/workflows/checkout-pipeline.yml')).toBe(undeclared);
    const jobs = workflowOf(pp.Testing.synth(makeApp().project)).jobs;
    expect(stepIds(jobs['checkout-build'])).toContain('image-scan-gate');
    expect(jobs['checkout-publish']).toBeDefined();
    expect(jobs['checkout-provenance']).toBeDefined();
  });

  test('the build job: scan the candidate before the push, push by digest, SBOMs after', () => {
    const { jobs, wf } = synthJobs();
    expect(stepIds(jobs['checkout-build'])).toEqual(['checkout', 'registry-login', 'setup-buildx', 'meta', 'build-candidate', 'trivy-sarif', 'trivy', 'grype',
      'image-scan-artifact', 'image-scan-gate', 'build', 'sbom-cyclonedx', 'sbom-spdx', 'setup-cosign-release', 'promote', 'image-digest']);
    expect(jobs['checkout-build'].outputs).toEqual({ digest: '${{ steps.image-digest.outputs.digest }}' });
    expect(step(jobs['checkout-build'], 'sbom-spdx').with).toMatchObject({ 'image': 'ghcr.io/acme/checkout@${{ steps.build.outputs.digest }}', 'format': 'spdx-json', 'artifact-name': 'checkout-sbom.spdx.json' });
    expect(step(jobs['checkout-build'], 'sbom-cyclonedx').with.format).toBe('cyclonedx-json');
    expect(step(jobs['checkout-build'], 'meta').with.tags).toBe('type=sha,format=long,prefix=\ntype=ref,event=pr\ntype=semver,pattern={{version}}\ntype=semver,pattern={{major}}.{{minor}}');
    // release tags run the pipeline, deploys stay on the branch
    expect(wf.on.push.tags).toEqual(['v*.*.*']);
    expect(jobs['checkout-deploy-staging'].if).toContain("github.ref == 'refs/heads/main'");
    expect(jobs['checkout-deploy-production'].if).toContain("github.ref == 'refs/heads/main'");
  });

  test('image scan settings reach Trivy and Grype', () => {
    const { jobs } = synthJobs({ imageScan: { threshold: pp.Severity.CRITICAL, ignoreUnfixed: true, trivyIgnoreFile: 'security/.trivyignore', grypeConfig: 'security/grype.yaml' } });
    const build = jobs['checkout-build'];
    expect(step(build, 'trivy').with).toEqual({ 'image-ref': 'scan.local/checkout:candidate', 'version': 'v0.70.0', 'ignore-unfixed': true, 'trivyignores': 'security/.trivyignore', 'format': 'table', 'severity': 'CRITICAL', 'exit-code': '1', 'skip-setup-trivy': true });
    expect(step(build, 'grype').with).toEqual({ 'image': 'scan.local/checkout:candidate', 'fail-build': true, 'severity-cutoff': 'critical', 'only-fixed': true, 'output-format': 'sarif', 'output-file': 'grype.sarif', 'config': 'security/grype.yaml' });
    expect(step(synthJobs().jobs['checkout-build'], 'trivy').with.severity).toBe('CRITICAL,HIGH');
    expect(step(synthJobs({ imageScan: { threshold: pp.Severity.MEDIUM } }).jobs['checkout-build'], 'grype').with['severity-cutoff']).toBe('medium');
  });

  test('switching scanners, SBOMs, chart publishing and provenance off removes their steps and jobs', () => {
    const noGrype = synthJobs({ imageScan: { grype: false, uploadSarif: false } }).jobs;
    expect(stepIds(noGrype['checkout-build'])).not.toContain('grype');
    expect(stepIds(noGrype['checkout-build'])).not.toContain('image-scan-artifact');
    expect(noGrype['checkout-image-scan-report']).toBeUndefined();
    const off = { imageScanning: false, sbom: false, publishChart: false, semverTags: false };
    const bare = synthJobs({ ...off, signing: pp.Signing.none(), provenance: pp.Provenance.none() });
    expect(stepIds(bare.jobs['checkout-build'])).toEqual(['checkout', 'registry-login', 'setup-buildx', 'meta', 'build']);
    expect(Object.keys(bare.jobs).filter((id) => /publish|provenance|image-scan/.test(id))).toEqual([]);
    expect(bare.wf.on.push.tags).toBeUndefined();
    const unsignedChart = synthJobs({ signing: pp.Signing.none() }).jobs['checkout-publish'];
    expect(stepIds(unsignedChart)).toEqual(['checkout', 'registry-login', 'setup-helm', 'publish-chart']);
    expect(step(unsignedChart, 'publish-chart').env.SIGN).toBe('false');
    expect(unsignedChart.permissions).toEqual({ contents: 'read', packages: 'write' });
  });

  test('keyless signing: the image, the SBOM attestations and the chart, with id-token only on the publish job', () => {
    const { jobs } = synthJobs();
    const publish = jobs['checkout-publish'];
    expect(stepIds(publish)).toEqual(['checkout', 'registry-login', 'setup-cosign', 'sign-image', 'download-sbom', 'attest-sbom', 'setup-helm', 'publish-chart']);
    expect(step(publish, 'sign-image').run).toBe('cosign sign --yes "${IMAGE}"');
    expect(step(publish, 'attest-sbom').run).toBe('set -euo pipefail\ncosign attest --yes --type cyclonedx --predicate sbom/checkout-sbom.cdx.json "${IMAGE}"\ncosign attest --yes --type spdxjson --predicate sbom/checkout-sbom.spdx.json "${IMAGE}"');
    expect(step(publish, 'publish-chart').env.CHART_REPOSITORY).toBe('ghcr.io/acme/charts');
    expect(publish.if).toBe("github.event_name != 'pull_request' && !github.event.repository.fork && needs.checkout-build.outputs.digest != ''");
    expect(jobs['checkout-build'].permissions).toEqual({ contents: 'read', packages: 'write' });
  });

  test('key-based signing reads the key from secrets and needs no OIDC token', () => {
    const publicKey = '-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----';
    const { jobs, stage } = synthJobs({ signing: pp.Signing.key({ privateKeySecret: 'COSIGN_PRIVATE_KEY', passwordSecret: 'COSIGN_PASSWORD', publicKey }), provenance: pp.Provenance.none() });
    const sign = step(jobs['checkout-publish'], 'sign-image');
    expect(sign.run).toBe('cosign sign --yes --key env://COSIGN_PRIVATE_KEY "${IMAGE}"');
    expect(sign.env).toMatchObject({ COSIGN_PRIVATE_KEY: '${{ secrets.COSIGN_PRIVATE_KEY }}', COSIGN_PASSWORD: '${{ secrets.COSIGN_PASSWORD }}' });
    expect(jobs['checkout-publish'].permissions).toEqual({ contents: 'read', packages: 'write' });
    expect(stage.signingIdentity).toEqual({ keyless: false, publicKey });
  });

  test('the keyless signing identity is readable from the construct', () => {
    const { stage } = synthJobs();
    const id = stage.signingIdentity!;
    expect(id.keyless).toBe(true);
    expect(id.issuer).toBe('https://token.actions.githubusercontent.com');
    expect(id.subject).toBe('https://github.com/acme/checkout/.github/workflows/checkout-pipeline.yml@*');
    expect(id.subjectRegExp).toBe('^https://github\\.com/acme/checkout/\\.github/workflows/checkout-pipeline\\.yml@(refs/heads/main|refs/tags/v[^/]*\\.[^/]*\\.[^/]*)$');
    const re = new RegExp(id.subjectRegExp!);
    expect(re.test('https://github.com/acme/checkout/.github/workflows/checkout-pipeline.yml@refs/heads/main')).toBe(true);
    expect(re.test('https://github.com/acme/checkout/.github/workflows/checkout-pipeline.yml@refs/tags/v1.2.3')).toBe(true);
    expect(re.test('https://github.com/acme/checkout/.github/workflows/checkout-pipeline.yml@refs/heads/feature')).toBe(false);
    expect(re.test('https://github.com/evil/checkout/.github/workflows/checkout-pipeline.yml@refs/heads/main')).toBe(false);
    expect(synthJobs({ signing: pp.Signing.none(), publishChart: false }).stage.signingIdentity).toBeUndefined();
  });

  test('SLSA provenance: a reusable-workflow job referenced by tag, with the generator\'s permissions', () => {
    const { jobs } = synthJobs();
    expect(jobs['checkout-provenance']).toEqual({
      name: 'checkout / SLSA provenance',
      needs: 'checkout-build',
      if: "github.event_name != 'pull_request' && !github.event.repository.fork && needs.checkout-build.outputs.digest != '' && github.ref_type != 'tag'",
      permissions: { 'actions': 'read', 'id-token': 'write', 'packages': 'write' },
      uses: 'slsa-framework/slsa-github-generator/.github/workflows/generator_container_slsa3.yml@v2.1.0',
      with: { 'image': 'ghcr.io/acme/checkout', 'digest': '${{ needs.checkout-build.outputs.digest }}', 'registry-username': '${{ github.actor }}' },
      secrets: { 'registry-password': '${{ secrets.GITHUB_TOKEN }}' },
    });
    const priv = synthJobs({ privateRepository: true }).jobs['checkout-provenance'];
    expect(priv.with['private-repository']).toBe('true');
  });

  test('GitHub attestations instead of the SLSA generator; ECR defaults to them', () => {
    const { jobs } = synthJobs({ provenance: pp.Provenance.githubAttestation() });
    expect(step(jobs['checkout-provenance'], 'attest').with).toEqual({ 'subject-name': 'ghcr.io/acme/checkout', 'subject-digest': '${{ needs.checkout-build.outputs.digest }}', 'push-to-registry': true });
    expect(jobs['checkout-provenance'].permissions).toEqual({ 'packages': 'write', 'id-token': 'write', 'attestations': 'write' });
    const ecr = synthJobs({}, { ...REPO, image: pp.ContainerImage.fromRegistry('123456789012.dkr.ecr.eu-west-1.amazonaws.com/checkout', { credentials: pp.RegistryCredentials.ecr({ roleArn: 'arn:aws:iam::123456789012:role/push', region: 'eu-west-1' }) }) }).jobs;
    expect(ecr['checkout-provenance'].permissions).toEqual({ 'id-token': 'write', 'attestations': 'write' });
    expect(step(ecr['checkout-publish'], 'aws-credentials').with['role-session-name']).toBe('checkout-publish');
  });

  test('a registry cache and a test-runner image', () => {
    const { jobs } = synthJobs({ cache: pp.BuildCache.registry(), testImage: { target: 'test' } });
    const build = jobs['checkout-build'];
    expect(step(build, 'build').with['cache-from']).toBe('type=registry,ref=ghcr.io/acme/checkout:buildcache');
    expect(step(build, 'build').with['cache-to']).toBe("${{ (github.event_name != 'pull_request' && !github.event.repository.fork) && 'type=registry,ref=ghcr.io/acme/checkout:buildcache,mode=max' || '' }}");
    expect(step(build, 'meta-tests').with.images).toBe('ghcr.io/acme/checkout-tests');
    expect(step(build, 'build-tests').with).toMatchObject({ target: 'test', push: "${{ github.event_name != 'pull_request' && !github.event.repository.fork }}" });
    expect(build.outputs['tests-digest']).toBe('${{ steps.build-tests.outputs.digest }}');
  });
});

describe('BuildStage: every platform scanned, each SBOM attested to its platform', () => {
  const MULTI = { platforms: ['linux/amd64', 'linux/arm64'] };

  test('each platform is built, loaded and scanned before the push; the gate reads every scan', () => {
    const build = synthJobs(MULTI).jobs['checkout-build'];
    expect(stepIds(build).slice(0, stepIds(build).indexOf('build'))).toEqual(['checkout', 'registry-login', 'setup-qemu', 'setup-buildx', 'meta',
      'build-candidate-linux-amd64', 'trivy-sarif-linux-amd64', 'trivy-linux-amd64', 'grype-linux-amd64',
      'build-candidate-linux-arm64', 'trivy-sarif-linux-arm64', 'trivy-linux-arm64', 'grype-linux-arm64',
      'image-scan-artifact', 'image-scan-gate']);
    expect(step(build, 'trivy-linux-arm64').with['image-ref']).toBe('scan.local/checkout:candidate-linux-arm64');
    expect(step(build, 'grype-linux-arm64').with).toMatchObject({ 'image': 'scan.local/checkout:candidate-linux-arm64', 'output-file': 'grype-linux-arm64.sarif' });
    expect(step(build, 'image-scan-artifact').with.path).toBe('trivy-linux-amd64.sarif\ngrype-linux-amd64.sarif\ntrivy-linux-arm64.sarif\ngrype-linux-arm64.sarif');
    expect(step(build, 'image-scan-gate').env).toEqual({
      TRIVY_LINUX_AMD64_OUTCOME: '${{ steps.trivy-linux-amd64.outcome }}',
      GRYPE_LINUX_AMD64_OUTCOME: '${{ steps.grype-linux-amd64.outcome }}',
      TRIVY_LINUX_ARM64_OUTCOME: '${{ steps.trivy-linux-arm64.outcome }}',
      GRYPE_LINUX_ARM64_OUTCOME: '${{ steps.grype-linux-arm64.outcome }}',
    });
    // a single declared platform is built for that platform, not the runner's
    expect(step(synthJobs({ platforms: ['linux/arm64'] }).jobs['checkout-build'], 'build-candidate-linux-arm64').with.platforms).toBe('linux/arm64');
  });

  test('one SBOM pair per platform, of that platform\'s manifest, attested to that manifest digest', () => {
    const { jobs } = synthJobs(MULTI);
    const build = jobs['checkout-build'];
    expect(stepIds(build).filter((id: string) => id.startsWith('sbom-') || id === 'platform-digests'))
      .toEqual(['platform-digests', 'sbom-cyclonedx-linux-amd64', 'sbom-spdx-linux-amd64', 'sbom-cyclonedx-linux-arm64', 'sbom-spdx-linux-arm64']);
    expect(step(build, 'sbom-spdx-linux-arm64').with).toMatchObject({
      'image': 'ghcr.io/acme/checkout@${{ steps.platform-digests.outputs.digest-linux-arm64 }}', 'output-file': 'sbom-linux-arm64.spdx.json', 'artifact-name': 'checkout-sbom-linux-arm64.spdx.json',
    });
    expect(build.outputs).toEqual({
      'digest': '${{ steps.image-digest.outputs.digest }}',
      'digest-linux-amd64': '${{ steps.platform-digests.outputs.digest-linux-amd64 }}',
      'digest-linux-arm64': '${{ steps.platform-digests.outputs.digest-linux-arm64 }}',
    });
    const publish = jobs['checkout-publish'];
    expect(step(publish, 'sign-image').run).toBe('cosign sign --yes --recursive "${IMAGE}"');
    expect(step(publish, 'attest-sbom').env).toEqual({
      IMAGE_LINUX_AMD64: 'ghcr.io/acme/checkout@${{ needs.checkout-build.outputs.digest-linux-amd64 }}',
      IMAGE_LINUX_ARM64: 'ghcr.io/acme/checkout@${{ needs.checkout-build.outputs.digest-linux-arm64 }}',
    });
    expect(step(publish, 'attest-sbom').run).toContain('cosign attest --yes --type spdxjson --predicate sbom/checkout-sbom-linux-arm64.spdx.json "${IMAGE_LINUX_ARM64}"');
    expect(step(publish, 'attest-sbom').run).not.toMatch(/"\$\{IMAGE\}"/);
  });

  test('the report job uploads each platform\'s results under its own category and sums the findings', () => {
    const report = synthJobs(MULTI).jobs['checkout-image-scan-report'];
    expect(step(report, 'upload-trivy-linux-arm64').with).toEqual({ sarif_file: 'image-scan/trivy-linux-arm64.sarif', category: 'checkout-image-trivy-linux-arm64' });
    expect(step(report, 'findings').run).toContain('echo "findings-high=$((${HIGH_LINUX_AMD64:-0} + ${HIGH_LINUX_ARM64:-0}))"');
    expect(report.outputs['findings-high']).toBe('${{ steps.findings.outputs.findings-high }}');
  });
});

describe('BuildStage: a release tag promotes the staged digest', () => {
  test('on a tag nothing is built, scanned or described; the promote step gives the job output digest', () => {
    const { jobs } = synthJobs();
    const build = jobs['checkout-build'];
    for (const id of ['build-candidate', 'trivy', 'grype', 'image-scan-gate', 'build']) expect(step(build, id).if).toBe("github.ref_type != 'tag'");
    expect(step(build, 'sbom-spdx').if).toBe("github.event_name != 'pull_request' && !github.event.repository.fork && github.ref_type != 'tag'");
    expect(step(build, 'promote').if).toBe("github.ref_type == 'tag' && github.event_name != 'pull_request' && !github.event.repository.fork");
    expect(step(build, 'promote').env).toEqual({
      REPOSITORY: 'ghcr.io/acme/checkout',
      RELEASE_TAGS: '${{ steps.meta.outputs.tags }}',
      SIGNING: 'keyless',
      IDENTITY_SUFFIX: '/\\.github/workflows/checkout-pipeline\\.yml@(refs/heads/main)$',
      ISSUER: 'https://token.actions.githubusercontent.com',
    });
    expect(step(build, 'image-digest').env).toEqual({ BUILT: '${{ steps.build.outputs.digest }}', PROMOTED: '${{ steps.promote.outputs.digest }}' });
    // the jobs after the build that describe a build do not run on a tag; the chart is still published
    expect(jobs['checkout-image-scan-report'].if).toContain("github.ref_type != 'tag'");
    expect(step(jobs['checkout-publish'], 'attest-sbom').if).toBe("github.ref_type != 'tag'");
    expect(step(jobs['checkout-publish'], 'publish-chart').if).toBeUndefined();
  });

  test('key signing verifies with the public key; without release tags the build job is as before', () => {
    const publicKey = '-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----';
    const keyed = synthJobs({ signing: pp.Signing.key({ privateKeySecret: 'K', passwordSecret: 'P', publicKey }) }).jobs['checkout-build'];
    expect(step(keyed, 'promote').env).toMatchObject({ SIGNING: 'key', COSIGN_PUBLIC_KEY: publicKey });
    const none = synthJobs({ signing: pp.Signing.none() }).jobs['checkout-build'];
    expect(stepIds(none)).not.toContain('setup-cosign-release');
    expect(step(none, 'promote').env.SIGNING).toBe('none');
    const noTags = synthJobs({ semverTags: false }).jobs['checkout-build'];
    expect(stepIds(noTags)).not.toContain('promote');
    expect(step(noTags, 'build').if).toBeUndefined();
    expect(noTags.outputs).toEqual({ digest: '${{ steps.build.outputs.digest }}' });
  });
});

describe('BuildStage validation', () => {
  test('a second declared BuildStage is refused', () => {
    const { app } = makeApp(REPO);
    new pp.BuildStage(app, 'Build');
    expect(errorOf(() => new pp.BuildStage(app, 'Build2'))).toContain('the app already has a BuildStage (checkout/Build)');
  });
  test('bad platforms and build args', () => {
    const { app } = makeApp(REPO);
    expect(errorOf(() => new pp.BuildStage(app, 'B1', { platforms: ['amd64'] }))).toContain("'platforms' entries must look like 'linux/amd64', got 'amd64'");
    const other = makeApp(REPO);
    expect(errorOf(() => new pp.BuildStage(other.app, 'B2', { buildArgs: ['no-equals'] }))).toContain("'buildArgs' entries must be NAME=value");
  });
  test('keyless signing works without the app\'s repository, but its identity for verifiers needs it', () => {
    const { app } = makeApp();
    const stage = new pp.BuildStage(app, 'Build');
    expect(errorOf(() => stage.signingIdentity)).toContain("checkout/Build: the keyless signing identity names the repository: set 'repository' ('owner/name') on the PlatformApp");
  });
  test('both image scanners off, an unknown severity, SLSA to ECR, bad keys', () => {
    const { app } = makeApp(REPO);
    expect(errorOf(() => new pp.BuildStage(app, 'B', { imageScan: { trivy: false, grype: false } }))).toContain("'imageScan' switches off both Trivy and Grype");
    expect(errorOf(() => new pp.BuildStage(makeApp(REPO).app, 'B', { imageScan: { threshold: 'SEVERE' as any } }))).toContain("'imageScan.threshold' must be a Severity");
    const ecr = makeApp({ ...REPO, image: pp.ContainerImage.fromRegistry('123456789012.dkr.ecr.eu-west-1.amazonaws.com/checkout', { credentials: pp.RegistryCredentials.ecr({ roleArn: 'arn:aws:iam::123456789012:role/push', region: 'eu-west-1' }) }) });
    expect(errorOf(() => new pp.BuildStage(ecr.app, 'B', { provenance: pp.Provenance.slsaGenerator() }))).toContain('use Provenance.githubAttestation() for ECR images');
    expect(errorOf(() => pp.Signing.key({ privateKeySecret: 'K', passwordSecret: 'P', publicKey: 'ssh-rsa AAAA' }))).toContain("'publicKey' must be the PEM public key");
    expect(errorOf(() => pp.BuildCache.registry('buildcache'))).toContain("BuildCache.registry: 'ref' must be an image reference with a tag");
  });
  test('a registry without its credentials', () => {
    expect(errorOf(() => pp.ContainerImage.fromRegistry('harbor.acme.dev/platform/checkout')))
      .toContain("registry 'harbor.acme.dev' needs credentials: pass 'credentials: RegistryCredentials.secrets({ usernameSecret, passwordSecret })'");
    expect(errorOf(() => pp.ContainerImage.fromRegistry('123456789012.dkr.ecr.eu-west-1.amazonaws.com/checkout')))
      .toContain("needs credentials: pass 'credentials: RegistryCredentials.ecr({ roleArn, region })'");
    expect(errorOf(() => pp.ContainerImage.fromRegistry('docker.io/acme/checkout'))).toContain("registry 'docker.io' needs credentials");
  });
});
