import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import {
  addImageScanGate, addImageScanReportJob, addImageScanSteps, addProvenanceJob, addPublishJob, addSbomSteps,
  ImageScanSettings, NOT_A_TAG, platformDigestOutput, PUSH_CONDITION, SBOM_PREDICATE_TYPES, SCAN_IMAGE_TAG, scanTargets,
} from './private/build-publish-jobs';
import { addImageDigestStep, addPromoteSteps } from './private/release-promotion';
import { Severity, severityProp } from './severity';
import { BuildCache, Provenance, Signing } from './signing';
import { fail, show } from '../core/errors';
import { IMAGE_DIGEST_OUTPUT, REPO_PATH } from '../core/names';
import { Runner } from '../model/runner';
import { keylessIdentity, SigningIdentity } from '../model/signing-identity';
import { PipelineJob } from '../pipeline/pipeline-job';
import { addCheckout } from '../platform/checkout-step';
import { ImageVerification, REPOSITORY_PLACEHOLDER } from '../platform/image-verification';
import { appOf, IPlatformApp } from '../platform/platform-app-contract';
import { ContributionKind, registerSingleton } from '../platform/registry';
import { registryLoginSteps } from '../platform/registry-login';


/** The image scan inside the build, between the local build and the push. */
export interface ImageScanOptions {
  /**
   * Scan with Trivy.
   * @default true
   */
  readonly trivy?: boolean;
  /**
   * Scan with Grype.
   * @default true
   */
  readonly grype?: boolean;
  /**
   * A vulnerability at or above this severity stops the build before the push.
   * @default Severity.HIGH
   */
  readonly threshold?: Severity;
  /**
   * Ignore vulnerabilities that have no fix yet.
   * @default false
   */
  readonly ignoreUnfixed?: boolean;
  /**
   * Trivy ignore file you own (accepted CVEs with reasons and expiry).
   * @default - Trivy reads `.trivyignore` at the repository root when there is one
   */
  readonly trivyIgnoreFile?: string;
  /**
   * Grype configuration you own (its `ignore:` rules).
   * @default - Grype reads `.grype.yaml` at the repository root when there is one
   */
  readonly grypeConfig?: string;
  /**
   * Upload the SARIF results to code scanning (from a separate job, the only one with `security-events: write`).
   * @default true
   */
  readonly uploadSarif?: boolean;
}

/** A second image for the app's test runner, built from the same context. */
export interface TestImageOptions {
  /**
   * Repository of the test image.
   * @default - the app's repository with `-tests` appended
   */
  readonly repository?: string;
  /**
   * Dockerfile of the test image.
   * @default - the app's Dockerfile
   */
  readonly dockerfile?: string;
  /**
   * Dockerfile stage of the test image, e.g. `test`.
   * @default - the last stage
   */
  readonly target?: string;
}

/** Properties of the build stage. */
export interface BuildStageProps {
  /**
   * Where the build job runs.
   * @default - the app's runner
   */
  readonly runner?: Runner;
  /**
   * Target platforms for a multi-arch image, e.g. `['linux/amd64', 'linux/arm64']` (adds QEMU). Each platform
   * is built, loaded and scanned on its own before the push; each gets its own SBOMs, attested to that
   * platform's manifest digest (job outputs `digest-<os>-<arch>`), and the signature covers the index and
   * every manifest in it.
   * @default - the runner's platform only
   */
  readonly platforms?: string[];
  /**
   * Build arguments, `NAME=value` each.
   * @default - none
   */
  readonly buildArgs?: string[];
  /**
   * Dockerfile target stage.
   * @default - the last stage
   */
  readonly target?: string;
  /**
   * Expected duration of the build job, for the critical path.
   * @default - 10 min, 12 min with image scanning
   */
  readonly estimatedDuration?: Duration;
  /**
   * Where buildx keeps its layer cache.
   * @default BuildCache.github()
   */
  readonly cache?: BuildCache;
  /**
   * Releases: a pushed `v*.*.*` tag promotes the image built and staged for the tagged commit (the image tagged
   * with the commit SHA, pushed from a deploying branch) to `1.2.3` and `1.2`, after checking its signature
   * against this build's identity on the deploying branches; nothing is rebuilt. A tag on a commit that was
   * never built from a deploying branch fails. Adds a `v*.*.*` tag trigger; deploys stay branch-only.
   * @default true
   */
  readonly semverTags?: boolean;
  /**
   * Scan the candidate image before it is pushed.
   * @default true
   */
  readonly imageScanning?: boolean;
  /**
   * Image scan settings.
   * @default - Trivy and Grype, failing at HIGH
   */
  readonly imageScan?: ImageScanOptions;
  /**
   * Generate SBOMs (CycloneDX and SPDX, syft) of the pushed image, kept as artifacts and attached as
   * attestations when signing.
   * @default true
   */
  readonly sbom?: boolean;
  /**
   * How the image, its SBOM attestations and the chart are signed.
   * @default Signing.keyless()
   */
  readonly signing?: Signing;
  /**
   * SLSA build provenance of the image.
   * @default - Provenance.slsaGenerator(); Provenance.githubAttestation() for ECR
   */
  readonly provenance?: Provenance;
  /**
   * The repository is private: lets the SLSA generator publish provenance (the repository name goes to
   * the public Rekor log).
   * @default false
   */
  readonly privateRepository?: boolean;
  /**
   * Package the Helm chart and push it to the registry as an OCI artifact, signed like the image.
   * @default true
   */
  readonly publishChart?: boolean;
  /**
   * OCI repository of the chart, without `oci://`.
   * @default - `<image repository's parent>/charts` (ghcr.io/acme/checkout → ghcr.io/acme/charts)
   */
  readonly chartRepository?: string;
  /**
   * Also build an image for the app's test runner.
   * @default - none
   */
  readonly testImage?: TestImageOptions;
}

const PLATFORM = /^[a-z0-9]+\/[a-z0-9]+(\/[a-z0-9]+)?$/;
const BUILD_STAGE_SYMBOL = Symbol.for('platform-pipeline.BuildStage');

/**
 * Stage 2: the one build job of the app, and what follows it. The build job builds the image with docker
 * buildx (GitHub or registry cache, optional multi-arch, OCI labels), scans the candidate image with Trivy
 * and Grype before pushing, pushes only on push events and never from forks, exposes the digest as the job
 * output `digest` (every deploy uses it) and generates SBOMs. After it, gate jobs sign the image and
 * attach the SBOMs (cosign, keyless by default), publish the chart as a signed OCI artifact, record SLSA
 * provenance and upload the scan results; deploys wait for all of them.
 *
 * The app creates this stage with these defaults when none is declared; declaring it configures that job
 * (same defaults), it never adds a second build.
 */
export class BuildStage extends Construct {
  /** Whether `x` is a BuildStage (works across copies of the library). */
  public static isBuildStage(x: any): x is BuildStage {
    return x !== null && typeof x === 'object' && BUILD_STAGE_SYMBOL in x;
  }

  /** The build job. */
  public readonly job: PipelineJob;
  /** The name of the job output holding the image digest (`sha256:…`). */
  public readonly digestOutput = IMAGE_DIGEST_OUTPUT;
  /** How artifacts are signed. */
  public readonly signing: Signing;
  /** The job that signs the image and publishes the chart, if any. */
  public readonly publishJob?: PipelineJob;
  /** The provenance job, if any. */
  public readonly provenanceJob?: PipelineJob;
  /** The job that uploads image-scan SARIF, if any. */
  public readonly imageScanReportJob?: PipelineJob;

  private readonly app: IPlatformApp;
  private readonly verification: { sbom: boolean; provenance: Provenance; platforms: string[] };

  constructor(scope: Construct, id: string, props: BuildStageProps = {}) {
    super(scope, id);
    Object.defineProperty(this, BUILD_STAGE_SYMBOL, { value: true });
    const app = appOf(this);
    this.app = app;
    for (const p of props.platforms ?? []) {
      if (!PLATFORM.test(p)) fail(this, `'platforms' entries must look like 'linux/amd64', got ${show(p)}`);
    }
    for (const a of props.buildArgs ?? []) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*=/.test(a)) fail(this, `'buildArgs' entries must be NAME=value, got ${show(a)}`);
    }
    const image = app.image;
    const ecr = image.credentials.kind === 'ecr';
    // the same secure defaults whether the app creates this stage or the user declares it
    this.signing = props.signing ?? Signing.keyless();
    const provenance = props.provenance ?? (ecr ? Provenance.githubAttestation() : Provenance.slsaGenerator());
    const scanning = props.imageScanning ?? true;
    const sbom = props.sbom ?? true;
    const publishChart = props.publishChart ?? true;
    const semver = props.semverTags ?? true;
    const cache = props.cache ?? BuildCache.github();
    const scan = this.scanSettings(props.imageScan);
    this.verification = { sbom, provenance, platforms: props.platforms ?? [] };
    if (provenance.kind === 'slsa-generator' && ecr) {
      fail(this, "'provenance: Provenance.slsaGenerator()' cannot log in to ECR (the generator takes a user name and password); use Provenance.githubAttestation() for ECR images");
    }
    if (props.chartRepository !== undefined && !/^[a-z0-9.-]+(:\d+)?(\/[a-z0-9._-]+)*$/.test(props.chartRepository)) {
      fail(this, `'chartRepository' must be an OCI repository without 'oci://', such as 'ghcr.io/acme/charts', got ${show(props.chartRepository)}`);
    }
    for (const [k, v] of Object.entries({ 'testImage.dockerfile': props.testImage?.dockerfile, 'imageScan.trivyIgnoreFile': scan.trivyIgnoreFile, 'imageScan.grypeConfig': scan.grypeConfig })) {
      if (v !== undefined && !REPO_PATH.test(v)) fail(this, `'${k}' must be a path inside the repository, got ${show(v)}`);
    }

    // registered once its own checks passed: a declaration that failed them does not count as the app's one
    registerSingleton(app, ContributionKind.BUILD, this, 'an app has exactly one build: configure that one');
    // the app's one build job exists from the start (steps added to it before this stage stay, after ours)
    const job = app.pipeline.buildJob!;
    this.job = job;
    if (props.runner) job.runner = props.runner;
    const estimate = props.estimatedDuration ?? (scanning ? Duration.minutes(12) : undefined);
    if (estimate) job.estimatedDuration = estimate;
    if (semver) app.pipeline.addPushTags('v*.*.*');

    job._contributeFirst(() => this.addBuildSteps(props, scanning, scan, cache, semver, sbom));

    // on a release tag the build job promotes the staged image: nothing is scanned, built or described anew
    const building = semver ? NOT_A_TAG : undefined;
    const platforms = props.platforms ?? [];
    if (scanning && scan.uploadSarif) {
      this.imageScanReportJob = addImageScanReportJob(app, this, scan, scanTargets(platforms), props.runner, building);
    }
    const chartRepository = props.chartRepository ?? `${image.repository.split('/').slice(0, -1).join('/')}/charts`;
    if (this.signing.kind !== 'none' || publishChart) {
      const chart = publishChart ? { repository: chartRepository } : undefined;
      this.publishJob = addPublishJob(app, this, { signing: this.signing, sbom, chart, runner: props.runner, platforms, when: building });
    }
    if (provenance.kind !== 'none') {
      this.provenanceJob = addProvenanceJob(app, this, provenance, props.privateRepository ?? false, props.runner, building);
    }
  }

  private addBuildSteps(props: BuildStageProps, scanning: boolean, scan: ImageScanSettings, cache: BuildCache, semver: boolean, sbom: boolean): void {
    const app = this.app;
    const image = app.image;
    const actions = app.pipeline.actions;
    const job = this.job;
    const platforms = props.platforms ?? [];
    // a release tag promotes the staged image instead of building: these steps run only when building
    const building = semver ? NOT_A_TAG : undefined;
    addCheckout(actions, job);
    for (const l of registryLoginSteps(app, job.localId, 'push', PUSH_CONDITION)) job.addStep(l.step, { permissions: l.permissions });
    if (platforms.length > 0) {
      job.addStep({ id: 'setup-qemu', name: 'Set up QEMU', if: building, uses: actions.ref('docker/setup-qemu-action'), with: { platforms: platforms.join(',') } });
    }
    job.addStep({ id: 'setup-buildx', name: 'Set up Docker Buildx', uses: actions.ref('docker/setup-buildx-action') });
    const tags = ['type=sha,format=long,prefix=', 'type=ref,event=pr', ...(semver ? ['type=semver,pattern={{version}}', 'type=semver,pattern={{major}}.{{minor}}'] : [])];
    job.addStep({ id: 'meta', name: 'Image tags and OCI labels', uses: actions.ref('docker/metadata-action'), with: { images: image.repository, tags: tags.join('\n') } });

    const cacheFrom = cache.kind === 'gha' ? `type=gha,scope=${app.name}` : `type=registry,ref=${cache.ref ?? `${image.repository}:buildcache`}`;
    const cacheTo = cache.kind === 'gha' ? `type=gha,mode=max,scope=${app.name}` : `\${{ (${PUSH_CONDITION}) && 'type=registry,ref=${cache.ref ?? `${image.repository}:buildcache`},mode=max' || '' }}`;
    const common = {
      context: image.context,
      file: image.dockerfile,
      ...(props.buildArgs?.length ? { 'build-args': props.buildArgs.join('\n') } : {}),
      ...(props.target ? { target: props.target } : {}),
    };
    if (scanning) {
      // the docker image store loads one platform at a time: each platform is built, loaded and scanned
      const targets = scanTargets(platforms);
      for (const t of targets) {
        job.addStep({
          id: `build-candidate${t.suffix}`,
          name: `Build the candidate image locally (${t.platform ?? 'runner platform'}) for scanning`,
          if: building,
          uses: actions.ref('docker/build-push-action'),
          with: {
            ...common,
            'load': true,
            'push': false,
            'tags': SCAN_IMAGE_TAG(app.name, t.suffix),
            'labels': '${{ steps.meta.outputs.labels }}',
            'cache-from': cacheFrom,
            ...(t.platform ? { platforms: t.platform } : {}),
          },
        });
        addImageScanSteps(app, job, scan, t, building);
      }
      addImageScanGate(app, job, scan, targets, building);
    }
    job.addStep({
      id: 'build',
      name: 'Build and push the image',
      if: building,
      uses: actions.ref('docker/build-push-action'),
      with: {
        'context': image.context,
        'file': image.dockerfile,
        'push': `\${{ ${PUSH_CONDITION} }}`,
        'tags': '${{ steps.meta.outputs.tags }}',
        'labels': '${{ steps.meta.outputs.labels }}',
        'annotations': '${{ steps.meta.outputs.annotations }}',
        'cache-from': cacheFrom,
        'cache-to': cacheTo,
        ...(platforms.length ? { platforms: platforms.join(',') } : {}),
        ...(props.buildArgs?.length ? { 'build-args': props.buildArgs.join('\n') } : {}),
        ...(props.target ? { target: props.target } : {}),
      },
    });
    if (props.testImage) this.addTestImage(props.testImage, cacheFrom, building);
    if (sbom) addSbomSteps(app, job, platforms, building);
    if (semver) {
      addPromoteSteps(app, job, this.signing);
      addImageDigestStep(job);
      job.addOutput(this.digestOutput, 'image-digest', 'digest');
    } else {
      job.addOutput(this.digestOutput, 'build', 'digest');
    }
  }

  /**
   * Who signs the image, the SBOM attestations and the chart, for verifiers (e.g. a Kyverno
   * `verifyImages` policy): the GitHub OIDC issuer and the certificate subject of this app's workflow on
   * its deploying branches and release tags, or the public key. Undefined with `Signing.none()`.
   */
  public get signingIdentity(): SigningIdentity | undefined {
    if (this.signing.kind === 'none') return undefined;
    if (this.signing.kind === 'key') return { keyless: false, publicKey: this.signing._key!.publicKey };
    if (!this.app.repository) {
      // signing itself works without it; stating the certificate subject for verifiers does not
      fail(this, "the keyless signing identity names the repository: set 'repository' ('owner/name') on the PlatformApp so verifiers (e.g. a Kyverno verifyImages policy) can check the certificate subject");
    }
    return keylessIdentity(this.app.repository!, this.app.workflowPath, this.app.promotion.deployingBranches, this.app.pipeline.tagPatterns);
  }

  /**
   * What each deploy verifies before it deploys the image: the signature by {@link signingIdentity}, the
   * SBOM attestations the publish job attaches to the digest, and the build provenance. @internal
   */
  public _verification(): ImageVerification {
    // without 'repository' the deploy job reads it from GITHUB_REPOSITORY (REPOSITORY_PLACEHOLDER)
    const identity = this.signing.kind === 'keyless' && !this.app.repository
      ? keylessIdentity(REPOSITORY_PLACEHOLDER, this.app.workflowPath, this.app.promotion.deployingBranches, this.app.pipeline.tagPatterns)
      : this.signingIdentity;
    const platforms = this.verification.platforms;
    return {
      identity,
      attestations: identity && this.verification.sbom ? SBOM_PREDICATE_TYPES : [],
      // a multi-platform build attests each platform's SBOMs to that platform's manifest
      attestedDigests: platforms.length === 0 ? [`\${{ needs.${this.job.id}.outputs.${this.digestOutput} }}`]
        : scanTargets(platforms).map((t) => `\${{ needs.${this.job.id}.outputs.${platformDigestOutput(t)} }}`),
      provenance: this.verification.provenance.kind,
    };
  }

  private scanSettings(o: ImageScanOptions = {}): ImageScanSettings {
    const s: ImageScanSettings = {
      trivy: o.trivy ?? true,
      grype: o.grype ?? true,
      threshold: severityProp(this, 'imageScan.threshold', o.threshold, Severity.HIGH),
      ignoreUnfixed: o.ignoreUnfixed ?? false,
      trivyIgnoreFile: o.trivyIgnoreFile,
      grypeConfig: o.grypeConfig,
      uploadSarif: o.uploadSarif ?? true,
    };
    if (!s.trivy && !s.grype) {
      fail(this, "'imageScan' switches off both Trivy and Grype, so no scanner is left; keep one, or set 'imageScanning: false'");
    }
    return s;
  }

  private addTestImage(o: TestImageOptions, cacheFrom: string, building?: string): void {
    const app = this.app;
    const actions = app.pipeline.actions;
    const repository = o.repository ?? `${app.image.repository}-tests`;
    if (!/^[a-z0-9.-]+(:\d+)?(\/[a-z0-9._-]+)+$/.test(repository)) fail(this, `'testImage.repository' must be an image repository without tag, got ${show(repository)}`);
    if (repository.split('/')[0] !== app.image.registry) fail(this, `'testImage.repository' must be in the app's registry ${show(app.image.registry)} (the build logs in there only), got ${show(repository)}`);
    this.job.addStep({ id: 'meta-tests', name: 'Test image tags', if: building, uses: actions.ref('docker/metadata-action'), with: { images: repository, tags: ['type=sha,format=long,prefix=', 'type=ref,event=pr'].join('\n') } });
    this.job.addStep({
      id: 'build-tests',
      name: 'Build and push the test-runner image',
      if: building,
      uses: actions.ref('docker/build-push-action'),
      with: {
        'context': app.image.context,
        'file': o.dockerfile ?? app.image.dockerfile,
        'push': `\${{ ${PUSH_CONDITION} }}`,
        'tags': '${{ steps.meta-tests.outputs.tags }}',
        'labels': '${{ steps.meta-tests.outputs.labels }}',
        'cache-from': cacheFrom,
        ...(o.target ? { target: o.target } : {}),
      },
    });
    this.job.addOutput('tests-digest', 'build-tests', 'digest');
  }
}
