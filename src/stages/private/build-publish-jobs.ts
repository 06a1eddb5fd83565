import { Duration } from 'cdk8s';
import { IConstruct } from 'constructs';
import { github } from 'projen';
import { addFindingsOutputs, addSetupHelm, findingsOutputLines, NOT_CANCELLED, sarifGateScript } from './scan-steps';
import { ACTION_FILES } from '../../core/action-artifacts';
import { COSIGN_RELEASE, TRIVY_VERSION } from '../../core/versions';
import { Runner } from '../../model/runner';
import { JobKind, PipelineJob } from '../../pipeline/pipeline-job';
import { addCheckout } from '../../platform/checkout-step';
import { builtImageDigest } from '../../platform/image-verification';
import type { IPlatformApp } from '../../platform/platform-app-contract';
import { registryLoginSteps } from '../../platform/registry-login';
import { Severity } from '../severity';
import { Provenance, Signing } from '../signing';

const READ = github.workflows.JobPermission.READ;
const WRITE = github.workflows.JobPermission.WRITE;

/** The locally loaded image the build scans before pushing (one per platform: `suffix` is `-linux-arm64`). @internal */
export const SCAN_IMAGE_TAG = (app: string, suffix = '') => `scan.local/${app}:candidate${suffix}`;

/** The condition under which images are pushed: never on pull requests, never from a fork. @internal */
export const PUSH_CONDITION = "github.event_name != 'pull_request' && !github.event.repository.fork";

/** A run that builds (a branch or a pull request), not a release tag, which promotes the staged image. @internal */
export const NOT_A_TAG = "github.ref_type != 'tag'";

/** `a && b && …` of the conditions that are set. @internal */
export function allOf(...conditions: Array<string | undefined>): string | undefined {
  const set = conditions.filter((c): c is string => c !== undefined && c !== '');
  return set.length === 0 ? undefined : set.join(' && ');
}

/**
 * What the build scans: one candidate per target platform (`platform` set, `suffix` `-linux-arm64` on step
 * ids, files and job outputs), or the runner's platform when the build names none (no suffix). @internal
 */
export interface ScanTarget {
  readonly platform?: string;
  readonly suffix: string;
}

/** `linux/arm/v7` → `linux-arm-v7`. @internal */
export function platformSlug(platform: string): string {
  return platform.replace(/\//g, '-');
}

/** The scan targets of a build with `platforms`. @internal */
export function scanTargets(platforms: string[]): ScanTarget[] {
  return platforms.length === 0 ? [{ suffix: '' }] : platforms.map((p) => ({ platform: p, suffix: `-${platformSlug(p)}` }));
}

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

/** The scan steps a target gets, for the gate and the report job. */
function scannedSteps(s: ImageScanSettings, t: ScanTarget): Array<{ tool: string; id: string; sarif: string }> {
  return [s.trivy ? 'trivy' : undefined, s.grype ? 'grype' : undefined]
    .filter((x): x is string => !!x)
    .map((tool) => ({ tool, id: `${tool}${t.suffix}`, sarif: `${tool}${t.suffix}.sarif` }));
}

/**
 * Scans one locally loaded candidate image (built for `t.platform` by the step before) before anything is
 * pushed: Trivy (a SARIF run, then a gated run) and Grype. `when` is the condition every step runs under.
 * @internal
 */
export function addImageScanSteps(app: IPlatformApp, job: PipelineJob, s: ImageScanSettings, t: ScanTarget, when?: string): void {
  const actions = app.pipeline.actions;
  const image = SCAN_IMAGE_TAG(app.name, t.suffix);
  const on = t.platform ? ` (${t.platform})` : '';
  if (s.trivy) {
    const common: Record<string, string | boolean> = {
      'image-ref': image,
      'version': TRIVY_VERSION,
      'ignore-unfixed': s.ignoreUnfixed,
      ...(s.trivyIgnoreFile ? { trivyignores: s.trivyIgnoreFile } : {}),
    };
    job.addStep({
      id: `trivy-sarif${t.suffix}`,
      name: `Trivy${on}: every finding to SARIF`,
      if: when,
      uses: actions.ref('aquasecurity/trivy-action'),
      with: { ...common, 'format': 'sarif', 'output': `trivy${t.suffix}.sarif`, 'exit-code': '0' },
    });
    job.addStep({
      id: `trivy${t.suffix}`,
      name: `Trivy${on}: fail at ${s.threshold.name} and above`,
      if: when,
      continueOnError: true,
      uses: actions.ref('aquasecurity/trivy-action'),
      with: { ...common, 'format': 'table', 'severity': s.threshold.atOrAbove.join(','), 'exit-code': '1', 'skip-setup-trivy': true },
    });
  }
  if (s.grype) {
    job.addStep({
      id: `grype${t.suffix}`,
      name: `Grype${on}: fail at ${s.threshold.name} and above`,
      if: when,
      continueOnError: true,
      uses: actions.ref('anchore/scan-action'),
      with: {
        'image': image,
        'fail-build': true,
        'severity-cutoff': s.threshold.lowerName,
        'only-fixed': s.ignoreUnfixed,
        'output-format': 'sarif',
        'output-file': `grype${t.suffix}.sarif`,
        ...(s.grypeConfig ? { config: s.grypeConfig } : {}),
      },
    });
  }
}

/**
 * After every target's scan: keep the SARIF files (an artifact the report job uploads) and stop the build
 * before the push when any scan of any platform failed. @internal
 */
export function addImageScanGate(app: IPlatformApp, job: PipelineJob, s: ImageScanSettings, targets: ScanTarget[], when?: string): void {
  const actions = app.pipeline.actions;
  const scanned = targets.flatMap((t) => scannedSteps(s, t).map((x) => ({ ...x, platform: t.platform })));
  if (s.uploadSarif) {
    job.addStep({
      id: 'image-scan-artifact',
      name: 'Keep the image scan results',
      if: allOf(NOT_CANCELLED, when),
      uses: actions.ref('actions/upload-artifact'),
      with: { 'name': `${app.name}-image-scan`, 'path': scanned.map((x) => x.sarif).join('\n'), 'if-no-files-found': 'warn', 'retention-days': 30 },
    });
  }
  const envName = (id: string) => `${id.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_OUTCOME`;
  const env: Record<string, string> = {};
  scanned.forEach((x) => { env[envName(x.id)] = `\${{ steps.${x.id}.outcome }}`; });
  job.addStep({
    id: 'image-scan-gate',
    name: `Stop before pushing an image with findings at or above ${s.threshold.name}${targets.length > 1 ? ' on any platform' : ''}`,
    if: when,
    env,
    run: [
      'failed=0',
      ...scanned.map((x) => `if [ "\${${envName(x.id)}}" != "success" ]; then echo "::error::${x.tool} found vulnerabilities at or above ${s.threshold.name} in the candidate image${x.platform ? ` for ${x.platform}` : ''}"; failed=1; fi`),
      'exit "${failed}"',
    ].join('\n'),
  });
}

/** The job that uploads the build's image-scan SARIF to code scanning (the one job with `security-events: write`). @internal */
export function addImageScanReportJob(
  app: IPlatformApp, owner: IConstruct, s: ImageScanSettings, targets: ScanTarget[], runner?: Runner, when?: string,
): PipelineJob {
  const actions = app.pipeline.actions;
  const job = app.pipeline.addJob('image-scan-report', {
    kind: JobKind.GATE,
    needsImage: true,
    name: `${app.name} / image scan report`,
    condition: allOf(NOT_CANCELLED, when),
    runner,
    estimatedDuration: Duration.minutes(1),
  }, owner);
  job.addStep({ id: 'download', name: 'Fetch the image scan results', uses: actions.ref('actions/download-artifact'), with: { name: `${app.name}-image-scan`, path: 'image-scan' } });
  for (const t of targets) {
    for (const x of scannedSteps(s, t)) {
      job.addStep({
        id: `upload-${x.id}`,
        name: `Upload ${x.tool} results${t.platform ? ` (${t.platform})` : ''} to code scanning`,
        if: `hashFiles('image-scan/${x.sarif}') != ''`,
        uses: actions.ref('github/codeql-action/upload-sarif'),
        with: { sarif_file: `image-scan/${x.sarif}`, category: `${app.name}-image-${x.id}` },
      }, { permissions: { securityEvents: WRITE, contents: READ, actions: READ } });
      job.addStep({ id: `summary-${x.id}`, name: `${x.tool} summary${t.platform ? ` (${t.platform})` : ''}`, if: `hashFiles('image-scan/${x.sarif}') != ''`, run: sarifGateScript(`image-${x.id}`, `image-scan/${x.sarif}`, []) });
    }
  }
  // one tool's counts for the delivery dashboard (Trivy's when it ran; both tools report the same CVEs),
  // summed over the platforms
  const tool = s.trivy ? 'trivy' : 'grype';
  const severities = ['high', 'medium', 'low'];
  if (targets.length === 1) {
    addFindingsOutputs(job, `summary-${tool}${targets[0].suffix}`, severities);
    return job;
  }
  const env: Record<string, string> = {};
  for (const t of targets) {
    for (const sev of severities) env[`${sev.toUpperCase()}_${platformSlug(t.platform!).toUpperCase().replace(/-/g, '_')}`] = `\${{ steps.summary-${tool}${t.suffix}.outputs.findings-${sev} }}`;
  }
  job.addStep({
    id: 'findings',
    name: `${tool} findings over every platform`,
    if: NOT_CANCELLED,
    env,
    run: findingsOutputLines(severities.map((sev) => [sev,
      `$((${targets.map((t) => `\${${sev.toUpperCase()}_${platformSlug(t.platform!).toUpperCase().replace(/-/g, '_')}:-0}`).join(' + ')}))`])).join('\n'),
  });
  addFindingsOutputs(job, 'findings', severities);
  return job;
}

/** The cosign attestation types of the SBOMs the publish job attaches (to the image digest, or to each platform's). @internal */
export const SBOM_PREDICATE_TYPES = ['cyclonedx', 'spdxjson'];

/** The SBOMs the build makes: syft format, local file (before the platform suffix), cosign predicate type (one per SBOM_PREDICATE_TYPES). */
const SBOMS = [
  { format: 'cyclonedx-json', base: 'sbom', ext: 'cdx.json', predicateType: SBOM_PREDICATE_TYPES[0] },
  { format: 'spdx-json', base: 'sbom', ext: 'spdx.json', predicateType: SBOM_PREDICATE_TYPES[1] },
];
type Sbom = typeof SBOMS[number];
/** Where the publish job downloads them. */
const SBOM_DIR = 'sbom';

/** `sbom.cdx.json`, or `sbom-linux-arm64.cdx.json` for one platform of a multi-platform image. */
function sbomFile(sbom: Sbom, t: ScanTarget): string {
  return `${sbom.base}${t.suffix}.${sbom.ext}`;
}

function sbomArtifactName(app: string, sbom: Sbom, t: ScanTarget): string {
  return `${app}-${sbomFile(sbom, t)}`;
}

/**
 * The path of an SBOM after the publish job's download: sbom-action names the one file inside its artifact
 * after the artifact, and the download merges the artifacts into SBOM_DIR.
 */
function downloadedSbom(app: string, sbom: Sbom, t: ScanTarget): string {
  const artifact = sbomArtifactName(app, sbom, t);
  return ACTION_FILES.downloadArtifact.byPattern(SBOM_DIR, artifact, ACTION_FILES.sbomAction.fileInArtifact(artifact), true);
}

/** The build job output holding the manifest digest of one platform of a multi-platform image. @internal */
export function platformDigestOutput(t: ScanTarget): string {
  return `digest${t.suffix}`;
}

/**
 * SBOM steps (CycloneDX and SPDX with syft), each kept as an artifact. A single-platform build describes the
 * pushed digest. A multi-platform build resolves the manifest digest of each platform in the pushed index
 * (job outputs `digest-<os>-<arch>`) and describes each platform's image on its own, so each SBOM can be
 * attested to the manifest it covers. @internal
 */
export function addSbomSteps(app: IPlatformApp, job: PipelineJob, platforms: string[], when?: string): void {
  const actions = app.pipeline.actions;
  const targets = platforms.length === 0 ? [] : scanTargets(platforms);
  if (targets.length > 0) {
    job.addStep({
      id: 'platform-digests',
      name: 'Resolve the manifest digest of each platform in the pushed image index',
      if: allOf(PUSH_CONDITION, when),
      env: { IMAGE: `${app.image.repository}@\${{ steps.build.outputs.digest }}` },
      run: platformDigestsScript(targets),
    });
    for (const t of targets) job.addOutput(platformDigestOutput(t), 'platform-digests', platformDigestOutput(t));
  }
  for (const t of targets.length > 0 ? targets : [{ suffix: '' }]) {
    const digest = t.platform ? `\${{ steps.platform-digests.outputs.${platformDigestOutput(t)} }}` : '${{ steps.build.outputs.digest }}';
    for (const sbom of SBOMS) {
      job.addStep({
        id: `sbom-${sbom.format.split('-')[0]}${t.suffix}`,
        name: `SBOM (${sbom.format}, syft)${t.platform ? ` of ${t.platform}` : ''}`,
        if: allOf(PUSH_CONDITION, when),
        uses: actions.ref('anchore/sbom-action'),
        with: {
          'image': `${app.image.repository}@${digest}`,
          'format': sbom.format,
          'output-file': sbomFile(sbom, t),
          'artifact-name': sbomArtifactName(app.name, sbom, t),
          'upload-release-assets': false,
        },
      });
    }
  }
}

/**
 * Writes `digest-<os>-<arch>[-<variant>]=sha256:…` for each of `targets`, read from the index `IMAGE` names
 * (`docker buildx imagetools inspect`; attestation manifests have the platform unknown/unknown and never
 * match). A platform missing from the index fails the step.
 */
function platformDigestsScript(targets: ScanTarget[]): string {
  const v = (t: ScanTarget) => `d${t.suffix.replace(/-/g, '_')}`;
  return [
    'set -euo pipefail',
    'index="$(docker buildx imagetools inspect "${IMAGE}" --format \'{{json .Manifest}}\')"',
    '# sets digest to the manifest digest of platform $1 (os $2, architecture $3, variant $4)',
    'digest_of() {',
    '  digest="$(jq -r --arg os "$2" --arg arch "$3" --arg variant "${4:-}" \\',
    '    \'[.manifests[]? | select(.platform.os == $os and .platform.architecture == $arch and (.platform.variant // "") == $variant)][0].digest // empty\' <<< "${index}")"',
    '  if ! [[ "${digest}" =~ ^sha256:[0-9a-f]{64}$ ]]; then',
    '    echo "::error::the pushed image ${IMAGE} has no manifest for $1"',
    '    exit 1',
    '  fi',
    '  echo "$1: ${digest}"',
    '}',
    ...targets.map((t) => `digest_of ${t.platform} ${t.platform!.split('/').join(' ')}; ${v(t)}="\${digest}"`),
    '{',
    ...targets.map((t) => `  echo "${platformDigestOutput(t)}=\${${v(t)}}"`),
    '} >> "${GITHUB_OUTPUT}"',
  ].join('\n');
}

/** What the publish job does. @internal */
export interface PublishOptions {
  readonly signing: Signing;
  readonly sbom: boolean;
  /** The image's platforms (empty: the runner's only). */
  readonly platforms: string[];
  /** Release tags promote the staged image (already signed and attested): skip the SBOM attestations then. */
  readonly when?: string;
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
  const build = builtImageDigest(app);
  const job = app.pipeline.addJob('publish', {
    kind: JobKind.GATE,
    needsImage: true,
    name: `${app.name} / sign and publish`,
    condition: `${PUSH_CONDITION} && ${build} != ''`,
    runner: opts.runner,
    estimatedDuration: Duration.minutes(3),
  }, owner);
  addCheckout(actions, job);
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
    const multi = opts.platforms.length > 0;
    job.addStep({
      id: 'sign-image',
      name: `Sign the image (${keyless ? 'keyless, GitHub OIDC' : 'cosign key'})${multi ? ', the index and each platform\'s manifest' : ''}`,
      env: { ...signEnv, IMAGE: `${app.image.repository}@\${{ ${build} }}` },
      run: `cosign sign --yes${keyFlag}${multi ? ' --recursive' : ''} "\${IMAGE}"`,
    }, signPermissions);
    if (opts.sbom) {
      // each SBOM is attested to the manifest it describes: the pushed digest, or each platform's manifest
      const targets = multi ? scanTargets(opts.platforms) : [{ suffix: '' }];
      const imageVar = (t: ScanTarget) => `IMAGE${t.suffix.toUpperCase().replace(/-/g, '_')}`;
      const images: Record<string, string> = {};
      for (const t of targets) {
        const digest = t.platform ? `needs.${app.name}-build.outputs.${platformDigestOutput(t)}` : build;
        images[imageVar(t)] = `${app.image.repository}@\${{ ${digest} }}`;
      }
      job.addStep({ id: 'download-sbom', name: 'Fetch the SBOMs', if: opts.when, uses: actions.ref('actions/download-artifact'), with: { 'pattern': `${app.name}-sbom*`, 'merge-multiple': true, 'path': SBOM_DIR } });
      job.addStep({
        id: 'attest-sbom',
        name: multi ? 'Attach each platform\'s SBOMs as signed attestations of that platform\'s manifest' : 'Attach the SBOMs as signed attestations',
        if: opts.when,
        env: { ...signEnv, ...images },
        run: [
          'set -euo pipefail',
          ...targets.flatMap((t) => [
            ...(t.platform ? [`if [ -z "\${${imageVar(t)}#*@}" ]; then echo "::error::the build reported no manifest digest for ${t.platform}"; exit 1; fi`] : []),
            ...SBOMS.map((sbom) => `cosign attest --yes${keyFlag} --type ${sbom.predicateType} --predicate ${downloadedSbom(app.name, sbom, t)} "\${${imageVar(t)}}"`),
          ]),
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
export function addProvenanceJob(
  app: IPlatformApp, owner: IConstruct, provenance: Provenance, privateRepository: boolean, runner?: Runner, when?: string,
): PipelineJob {
  const actions = app.pipeline.actions;
  const build = builtImageDigest(app);
  // a release tag promotes the staged image, whose provenance its build recorded: nothing was built here
  const condition = allOf(`${PUSH_CONDITION} && ${build} != ''`, when)!;
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
