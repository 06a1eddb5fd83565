import { Duration } from 'cdk8s';
import { IConstruct } from 'constructs';
import { github } from 'projen';
import { addFindingsOutputs, addSetupHelm, NOT_CANCELLED, sarifGateScript } from './scan-steps';
import { ACTION_FILES } from '../../core/action-artifacts';
import { COSIGN_RELEASE, TRIVY_VERSION } from '../../core/versions';
import { Runner } from '../../model/runner';
import { JobKind, PipelineJob } from '../../pipeline/pipeline-job';
import type { IPlatformApp } from '../../platform/platform-app-contract';
import { registryLoginSteps } from '../../platform/registry-login';
import { Severity } from '../severity';
import { Provenance, Signing } from '../signing';

const READ = github.workflows.JobPermission.READ;
const WRITE = github.workflows.JobPermission.WRITE;

/** The locally loaded image the build scans before pushing. @internal */
export const SCAN_IMAGE_TAG = (app: string) => `scan.local/${app}:candidate`;

/** The condition under which images are pushed: never on pull requests, never from a fork. @internal */
export const PUSH_CONDITION = "github.event_name != 'pull_request' && !github.event.repository.fork";

/** Resolved image-scan settings. @internal */
export interface ImageScanSettings {
  readonly trivy: boolean;
  readonly grype: boolean;
  readonly threshold: Severity;
  readonly ignoreUnfixed: boolean;
  readonly trivyIgnoreFile?: string;
  readonly grypeConfig?: string;
  readonly uploadSarif: boolean;
}

/**
 * Scans the locally loaded candidate image before anything is pushed: Trivy (a SARIF run, then a gated
 * run) and Grype, then a gate step. SARIF files go to an artifact that the report job uploads. @internal
 */
export function addImageScanSteps(app: IPlatformApp, job: PipelineJob, s: ImageScanSettings): void {
  const actions = app.pipeline.actions;
  const image = SCAN_IMAGE_TAG(app.name);
  const scanned: string[] = [];
  if (s.trivy) {
    const common: Record<string, string | boolean> = {
      'image-ref': image,
      'version': TRIVY_VERSION,
      'ignore-unfixed': s.ignoreUnfixed,
      ...(s.trivyIgnoreFile ? { trivyignores: s.trivyIgnoreFile } : {}),
    };
    job.addStep({
      id: 'trivy-sarif',
      name: 'Trivy: every finding to SARIF',
      uses: actions.ref('aquasecurity/trivy-action'),
      with: { ...common, 'format': 'sarif', 'output': 'trivy.sarif', 'exit-code': '0' },
    });
    job.addStep({
      id: 'trivy',
      name: `Trivy: fail at ${s.threshold.name} and above`,
      continueOnError: true,
      uses: actions.ref('aquasecurity/trivy-action'),
      with: { ...common, 'format': 'table', 'severity': s.threshold.atOrAbove.join(','), 'exit-code': '1', 'skip-setup-trivy': true },
    });
    scanned.push('trivy');
  }
  if (s.grype) {
    job.addStep({
      id: 'grype',
      name: `Grype: fail at ${s.threshold.name} and above`,
      continueOnError: true,
      uses: actions.ref('anchore/scan-action'),
      with: {
        'image': image,
        'fail-build': true,
        'severity-cutoff': s.threshold.lowerName,
        'only-fixed': s.ignoreUnfixed,
        'output-format': 'sarif',
        'output-file': 'grype.sarif',
        ...(s.grypeConfig ? { config: s.grypeConfig } : {}),
      },
    });
    scanned.push('grype');
  }
  if (s.uploadSarif) {
    job.addStep({
      id: 'image-scan-artifact',
      name: 'Keep the image scan results',
      if: NOT_CANCELLED,
      uses: actions.ref('actions/upload-artifact'),
      with: { 'name': `${app.name}-image-scan`, 'path': scanned.map((x) => `${x}.sarif`).join('\n'), 'if-no-files-found': 'warn', 'retention-days': 30 },
    });
  }
  const env: Record<string, string> = {};
  scanned.forEach((x) => { env[`${x.toUpperCase()}_OUTCOME`] = `\${{ steps.${x}.outcome }}`; });
  job.addStep({
    id: 'image-scan-gate',
    name: `Stop before pushing an image with findings at or above ${s.threshold.name}`,
    env,
    run: [
      'failed=0',
      ...scanned.map((x) => `if [ "\${${x.toUpperCase()}_OUTCOME}" != "success" ]; then echo "::error::${x} found vulnerabilities at or above ${s.threshold.name} in the candidate image"; failed=1; fi`),
      'exit "${failed}"',
    ].join('\n'),
  });
}

/** The job that uploads the build's image-scan SARIF to code scanning (the one job with `security-events: write`). @internal */
export function addImageScanReportJob(app: IPlatformApp, owner: IConstruct, s: ImageScanSettings, runner?: Runner): PipelineJob {
  const actions = app.pipeline.actions;
  const job = app.pipeline.addJob('image-scan-report', {
    kind: JobKind.GATE,
    needsImage: true,
    name: `${app.name} / image scan report`,
    condition: NOT_CANCELLED,
    runner,
    estimatedDuration: Duration.minutes(1),
  }, owner);
  job.addStep({ id: 'download', name: 'Fetch the image scan results', uses: actions.ref('actions/download-artifact'), with: { name: `${app.name}-image-scan`, path: 'image-scan' } });
  for (const tool of [s.trivy ? 'trivy' : undefined, s.grype ? 'grype' : undefined].filter((x): x is string => !!x)) {
    job.addStep({
      id: `upload-${tool}`,
      name: `Upload ${tool} results to code scanning`,
      if: `hashFiles('image-scan/${tool}.sarif') != ''`,
      uses: actions.ref('github/codeql-action/upload-sarif'),
      with: { sarif_file: `image-scan/${tool}.sarif`, category: `${app.name}-image-${tool}` },
    }, { permissions: { securityEvents: WRITE, contents: READ, actions: READ } });
    job.addStep({ id: `summary-${tool}`, name: `${tool} summary`, if: `hashFiles('image-scan/${tool}.sarif') != ''`, run: sarifGateScript(`image-${tool}`, `image-scan/${tool}.sarif`, []) });
  }
  // one tool's counts for the delivery dashboard (Trivy's when it ran; both tools report the same CVEs)
  addFindingsOutputs(job, `summary-${s.trivy ? 'trivy' : 'grype'}`, ['high', 'medium', 'low']);
  return job;
}

/** The cosign attestation types of the SBOMs the publish job attaches to the image digest. @internal */
export const SBOM_PREDICATE_TYPES = ['cyclonedx', 'spdxjson'];

/** The SBOMs the build makes: syft format, local file, cosign predicate type (one per SBOM_PREDICATE_TYPES). */
const SBOMS = [
  { format: 'cyclonedx-json', file: 'sbom.cdx.json', predicateType: SBOM_PREDICATE_TYPES[0] },
  { format: 'spdx-json', file: 'sbom.spdx.json', predicateType: SBOM_PREDICATE_TYPES[1] },
];
/** Where the publish job downloads them. */
const SBOM_DIR = 'sbom';

function sbomArtifactName(app: string, sbom: typeof SBOMS[number]): string {
  return `${app}-${sbom.file}`;
}

/**
 * The path of an SBOM after the publish job's download: sbom-action names the one file inside its artifact
 * after the artifact, and the download merges the artifacts into SBOM_DIR.
 */
function downloadedSbom(app: string, sbom: typeof SBOMS[number]): string {
  const artifact = sbomArtifactName(app, sbom);
  return ACTION_FILES.downloadArtifact.byPattern(SBOM_DIR, artifact, ACTION_FILES.sbomAction.fileInArtifact(artifact), true);
}

/** SBOM steps (CycloneDX and SPDX with syft, on the pushed digest), each kept as an artifact. @internal */
export function addSbomSteps(app: IPlatformApp, job: PipelineJob, digestExpr: string): void {
  const actions = app.pipeline.actions;
  for (const sbom of SBOMS) {
    const format = sbom.format;
    const file = sbom.file;
    job.addStep({
      id: `sbom-${format.split('-')[0]}`,
      name: `SBOM (${format}, syft)`,
      if: PUSH_CONDITION,
      uses: actions.ref('anchore/sbom-action'),
      with: {
        'image': `${app.image.repository}@${digestExpr}`,
        'format': format,
        'output-file': file,
        'artifact-name': sbomArtifactName(app.name, sbom),
        'upload-release-assets': false,
      },
    });
  }
}

/** What the publish job does. @internal */
export interface PublishOptions {
  readonly signing: Signing;
  readonly sbom: boolean;
  readonly chart?: ChartPublishing;
  readonly runner?: Runner;
}

/** Chart publishing settings. @internal */
export interface ChartPublishing {
  readonly repository: string;
}

/**
 * The publish job: signs the image by digest (cosign), attaches the SBOMs as attestations, and packages,
 * pushes and signs the Helm chart as an OCI artifact. Runs after the build, on push events only. @internal
 */
export function addPublishJob(app: IPlatformApp, owner: IConstruct, opts: PublishOptions): PipelineJob {
  const actions = app.pipeline.actions;
  const build = `needs.${app.name}-build.outputs.digest`;
  const job = app.pipeline.addJob('publish', {
    kind: JobKind.GATE,
    needsImage: true,
    name: `${app.name} / sign and publish`,
    condition: `${PUSH_CONDITION} && ${build} != ''`,
    runner: opts.runner,
    estimatedDuration: Duration.minutes(3),
  }, owner);
  job.addStep({ id: 'checkout', name: 'Check out', uses: actions.ref('actions/checkout'), with: { 'persist-credentials': false } }, { permissions: { contents: READ } });
  for (const l of registryLoginSteps(app, job.localId, 'push')) job.addStep(l.step, { permissions: l.permissions });
  const signing = opts.signing.kind !== 'none';
  const keyless = opts.signing.kind === 'keyless';
  const keyed = opts.signing.kind === 'key';
  const signEnv: Record<string, string> = !keyed ? {} : {
    COSIGN_PRIVATE_KEY: `\${{ secrets.${opts.signing._key!.privateKeySecret} }}`,
    COSIGN_PASSWORD: `\${{ secrets.${opts.signing._key!.passwordSecret} }}`,
  };
  const keyFlag = keyed ? ' --key env://COSIGN_PRIVATE_KEY' : '';
  const signPermissions = keyless ? { permissions: { idToken: WRITE } } : {};
  if (signing) {
    job.addStep({ id: 'setup-cosign', name: 'Install cosign', uses: actions.ref('sigstore/cosign-installer'), with: { 'cosign-release': COSIGN_RELEASE } });
    job.addStep({
      id: 'sign-image',
      name: `Sign the image (${keyless ? 'keyless, GitHub OIDC' : 'cosign key'})`,
      env: { ...signEnv, IMAGE: `${app.image.repository}@\${{ ${build} }}` },
      run: `cosign sign --yes${keyFlag} "\${IMAGE}"`,
    }, signPermissions);
    if (opts.sbom) {
      job.addStep({ id: 'download-sbom', name: 'Fetch the SBOMs', uses: actions.ref('actions/download-artifact'), with: { 'pattern': `${app.name}-sbom.*`, 'merge-multiple': true, 'path': SBOM_DIR } });
      job.addStep({
        id: 'attest-sbom',
        name: 'Attach the SBOMs as signed attestations',
        env: { ...signEnv, IMAGE: `${app.image.repository}@\${{ ${build} }}` },
        run: [
          ...SBOMS.map((sbom) => `cosign attest --yes${keyFlag} --type ${sbom.predicateType} --predicate ${downloadedSbom(app.name, sbom)} "\${IMAGE}"`),
        ].join('\n'),
      }, signPermissions);
    }
  }
  if (opts.chart) {
    addSetupHelm(app, job);
    job.addStep({
      id: 'publish-chart',
      name: `Package and push the chart to ${opts.chart.repository}`,
      env: { ...signEnv, CHART: app.chart.path, CHART_REPOSITORY: opts.chart.repository, SIGN: signing ? 'true' : 'false' },
      run: [
        'set -o pipefail',
        'chart_name="$(awk \'/^name:/ {print $2}\' "${CHART}/Chart.yaml" | tr -d "\\"\'")"',
        'chart_version="$(awk \'/^version:/ {print $2}\' "${CHART}/Chart.yaml" | tr -d "\\"\'")"',
        'if [ "${GITHUB_REF_TYPE}" = "tag" ]; then version="${GITHUB_REF_NAME#v}"; else version="${chart_version}-g${GITHUB_SHA::7}"; fi',
        ...(app.chart.buildDependencies ? ['helm dependency build "${CHART}"'] : []),
        'helm package "${CHART}" --version "${version}" --app-version "${GITHUB_SHA}" --destination dist',
        'helm push "dist/${chart_name}-${version}.tgz" "oci://${CHART_REPOSITORY}" 2>&1 | tee push.log',
        'digest="$(awk \'/^Digest:/ {print $2}\' push.log)"',
        'if [ -z "${digest}" ]; then echo "::error::helm push printed no digest"; exit 1; fi',
        'if [ "${SIGN}" = "true" ]; then',
        `  cosign sign --yes${keyFlag} "\${CHART_REPOSITORY}/\${chart_name}@\${digest}"`,
        'fi',
        '{',
        '  echo "### chart"',
        '  echo ""',
        '  echo "\\`oci://${CHART_REPOSITORY}/${chart_name}:${version}\\` (\\`${digest}\\`)"',
        '} >> "${GITHUB_STEP_SUMMARY}"',
      ].join('\n'),
    }, signPermissions);
  }
  return job;
}

/**
 * SLSA provenance: the slsa-github-generator container workflow (a reusable-workflow job referenced by
 * tag) or `actions/attest`. Runs after the build, on push events only. @internal
 */
export function addProvenanceJob(app: IPlatformApp, owner: IConstruct, provenance: Provenance, privateRepository: boolean, runner?: Runner)
  : PipelineJob {
  const actions = app.pipeline.actions;
  const build = `needs.${app.name}-build.outputs.digest`;
  const condition = `${PUSH_CONDITION} && ${build} != ''`;
  if (provenance.kind === 'slsa-generator') {
    const uses = actions.ref('slsa-framework/slsa-github-generator/.github/workflows/generator_container_slsa3.yml');
    const job = app.pipeline.addJob('provenance', {
      kind: JobKind.GATE,
      needsImage: true,
      name: `${app.name} / SLSA provenance`,
      condition,
      uses,
      // the generator's documented requirements: read the workflow run, mint an OIDC token, push the attestation
      permissions: { actions: READ, idToken: WRITE, packages: WRITE },
      estimatedDuration: Duration.minutes(4),
    }, owner);
    job.addInput('image', app.image.repository);
    job.addInput('digest', `\${{ ${build} }}`);
    const creds = app.image.credentials;
    if (creds.kind === 'github-token') {
      job.addInput('registry-username', '${{ github.actor }}');
      job.addSecret('registry-password', '${{ secrets.GITHUB_TOKEN }}');
    } else {
      job.addSecret('registry-username', `\${{ secrets.${creds.usernameSecret} }}`);
      job.addSecret('registry-password', `\${{ secrets.${creds.passwordSecret} }}`);
    }
    if (privateRepository) job.addInput('private-repository', 'true');
    return job;
  }
  const job = app.pipeline.addJob('provenance', {
    kind: JobKind.GATE,
    needsImage: true,
    name: `${app.name} / build provenance`,
    condition,
    runner,
    estimatedDuration: Duration.minutes(2),
  }, owner);
  for (const l of registryLoginSteps(app, job.localId, 'push')) job.addStep(l.step, { permissions: l.permissions });
  job.addStep({
    id: 'attest',
    name: 'Attest build provenance (GitHub artifact attestation)',
    uses: actions.ref('actions/attest'),
    with: { 'subject-name': app.image.repository, 'subject-digest': `\${{ ${build} }}`, 'push-to-registry': true },
  }, { permissions: { idToken: WRITE, attestations: WRITE, packages: app.image.credentials.kind === 'github-token' ? WRITE : undefined } });
  return job;
}
