import { PlatformPipelineError, show } from '../core/errors';
import { secretNameProblem } from '../core/names';


/** Key-based signing with a cosign key pair. */
export interface KeySigningProps {
  /** The secret holding the cosign private key (PEM, as written by `cosign generate-key-pair`). */
  readonly privateKeySecret: string;
  /** The secret holding the private key's password. */
  readonly passwordSecret: string;
  /** The public key (PEM), for verifiers such as an admission policy. */
  readonly publicKey: string;
}

/**
 * How the build stage signs the image, its SBOM attestations and the chart: keyless with GitHub's OIDC
 * token through Sigstore (no key to keep), or with a cosign key pair from secrets.
 */
export class Signing {
  /** Keyless signing: a Fulcio certificate for the workflow's OIDC identity, logged in Rekor. */
  public static keyless(): Signing {
    return new Signing('keyless');
  }

  /** Signing with a cosign key pair from secrets. */
  public static key(props: KeySigningProps): Signing {
    const problems = [secretNameProblem('privateKeySecret', props?.privateKeySecret), secretNameProblem('passwordSecret', props?.passwordSecret)].filter((p) => p);
    if (!/-----BEGIN PUBLIC KEY-----[\s\S]+-----END PUBLIC KEY-----/.test(props?.publicKey ?? '')) {
      problems.push(`'publicKey' must be the PEM public key of the pair (-----BEGIN PUBLIC KEY----- …), got ${show(props?.publicKey)}`);
    }
    if (problems.length) throw new PlatformPipelineError(`Signing.key: ${problems.join('; ')}`);
    return new Signing('key', props);
  }

  /** No signing (and no SBOM attestations). */
  public static none(): Signing {
    return new Signing('none');
  }

  /** `keyless`, `key` or `none`. */
  public readonly kind: string;
  /** @internal */
  public readonly _key?: KeySigningProps;

  private constructor(kind: string, key?: KeySigningProps) {
    this.kind = kind;
    this._key = key;
  }
}


/**
 * How the build publishes SLSA build provenance for the image: slsa-github-generator's container workflow
 * (SLSA Build L3, a reusable workflow referenced by its release tag), GitHub artifact attestations
 * (`actions/attest`), or none.
 */
export class Provenance {
  /** slsa-github-generator's `generator_container_slsa3.yml` (SLSA Build Level 3), pushed next to the image. */
  public static slsaGenerator(): Provenance {
    return new Provenance('slsa-generator');
  }

  /** GitHub artifact attestations (`actions/attest`), stored by GitHub and pushed to the registry. */
  public static githubAttestation(): Provenance {
    return new Provenance('github-attestation');
  }

  /** No provenance. */
  public static none(): Provenance {
    return new Provenance('none');
  }

  /** `slsa-generator`, `github-attestation` or `none`. */
  public readonly kind: string;

  private constructor(kind: string) {
    this.kind = kind;
  }
}

/** Where docker buildx keeps its layer cache. */
export class BuildCache {
  /** The GitHub Actions cache (scoped per app). */
  public static github(): BuildCache {
    return new BuildCache('gha');
  }

  /**
   * An image in the registry, e.g. `ghcr.io/acme/checkout:buildcache` (written on push events only).
   * @param ref the cache image; defaults to `<image repository>:buildcache`
   */
  public static registry(ref?: string): BuildCache {
    if (ref !== undefined && !/^[a-z0-9.-]+(:\d+)?\/[a-z0-9._\/-]+:[A-Za-z0-9_.-]+$/.test(ref)) {
      throw new PlatformPipelineError(`BuildCache.registry: 'ref' must be an image reference with a tag, such as 'ghcr.io/acme/checkout:buildcache', got ${show(ref)}`);
    }
    return new BuildCache('registry', ref);
  }

  /** `gha` or `registry`. */
  public readonly kind: string;
  /** The cache image of a registry cache, if given. */
  public readonly ref?: string;

  private constructor(kind: string, ref?: string) {
    this.kind = kind;
    this.ref = ref;
  }
}
