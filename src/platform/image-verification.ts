import { IConstruct } from 'constructs';
import type { IPlatformApp } from './platform-app-contract';
import { ContributionKind, contributionOf } from './registry';
import { IMAGE_DIGEST_OUTPUT } from '../core/names';
import type { SigningIdentity } from '../model/signing-identity';

/**
 * The digest of the image this run's build pushed (`sha256:…`), as an expression of the build job's output:
 * `needs.<app>-build.outputs.digest`, for a job that needs the build (wrap it in `${{ }}`). @internal
 */
export function builtImageDigest(app: IPlatformApp): string {
  return `needs.${app.pipeline.buildJob!.id}.outputs.${IMAGE_DIGEST_OUTPUT}`;
}

/**
 * Stands for the repository in a keyless identity when the app does not name it: the verifier substitutes
 * `GITHUB_REPOSITORY` (the repository the workflow runs in, which is the one that signed). @internal
 */
export const REPOSITORY_PLACEHOLDER = '@REPOSITORY@';

/**
 * What a deploy job verifies about the image before it deploys it, as the app's build states it: who signs
 * the pushed digest, which attestations the build attaches to that digest (each signed by the same
 * identity), and how build provenance is published. @internal
 */
export interface ImageVerification {
  /** Undefined when the build does not sign (`Signing.none()`): nothing to verify. */
  readonly identity?: SigningIdentity;
  /** cosign `--type`s of the attestations the build attaches (e.g. `cyclonedx`, `spdxjson`). */
  readonly attestations: string[];
  /** The digests they are attached to, as expressions of the build job's outputs (the image's, or each platform's). */
  readonly attestedDigests: string[];
  /** `slsa-generator`, `github-attestation` or `none`. */
  readonly provenance: string;
}

/** The build contribution as the release path reads it. */
interface VerifiableBuild extends IConstruct {
  _verification(): ImageVerification;
}

/** What the app's build says a deploy must verify; undefined when the app has no build yet. @internal */
export function imageVerificationOf(app: IPlatformApp): ImageVerification | undefined {
  return contributionOf<VerifiableBuild>(app, ContributionKind.BUILD)?._verification();
}
