import { PlatformPipelineError, show } from '../core/errors';
import { AWS_REGION, IAM_ROLE_ARN, REPO_PATH, secretNameProblem } from '../core/names';

/** Secrets holding a registry user name and password or token (Docker Hub, Harbor, any OCI registry). */
export interface RegistrySecretsProps {
  /** GitHub secret with the user name (a robot account for Harbor). */
  readonly usernameSecret: string;
  /** GitHub secret with the password or access token. */
  readonly passwordSecret: string;
}

/** An ECR registry reached by assuming an IAM role with GitHub's OIDC token. */
export interface EcrCredentialsProps {
  /** IAM role allowed to push to the repository. */
  readonly roleArn: string;
  /** Region of the registry. */
  readonly region: string;
}

/**
 * How the build job logs in to the image registry. Secrets are named, never inlined.
 */
export class RegistryCredentials {
  /** The workflow's `GITHUB_TOKEN` (GHCR; the build job gets `packages: write`). */
  public static githubToken(): RegistryCredentials {
    return new RegistryCredentials('github-token', {});
  }

  /** A user name and password/token from GitHub secrets. */
  public static secrets(props: RegistrySecretsProps): RegistryCredentials {
    const problems = [secretNameProblem('usernameSecret', props.usernameSecret), secretNameProblem('passwordSecret', props.passwordSecret)].filter((p) => p);
    if (problems.length) throw new PlatformPipelineError(`RegistryCredentials.secrets: ${problems.join('; ')}`);
    return new RegistryCredentials('secrets', { ...props });
  }

  /** Amazon ECR through OIDC role assumption (`id-token: write` on the build job). */
  public static ecr(props: EcrCredentialsProps): RegistryCredentials {
    if (!IAM_ROLE_ARN.test(props.roleArn ?? '')) {
      throw new PlatformPipelineError(`RegistryCredentials.ecr: 'roleArn' must be an IAM role ARN, got ${show(props.roleArn)}`);
    }
    if (!AWS_REGION.test(props.region ?? '')) {
      throw new PlatformPipelineError(`RegistryCredentials.ecr: 'region' must be an AWS region such as 'eu-west-1', got ${show(props.region)}`);
    }
    return new RegistryCredentials('ecr', { ...props });
  }

  /** `github-token`, `secrets` or `ecr`. */
  public readonly kind: string;
  /** Secret with the user name (`secrets` only). */
  public readonly usernameSecret?: string;
  /** Secret with the password (`secrets` only). */
  public readonly passwordSecret?: string;
  /** IAM role (`ecr` only). */
  public readonly roleArn?: string;
  /** AWS region (`ecr` only). */
  public readonly region?: string;

  private constructor(kind: string, p: { usernameSecret?: string; passwordSecret?: string; roleArn?: string; region?: string }) {
    this.kind = kind;
    this.usernameSecret = p.usernameSecret;
    this.passwordSecret = p.passwordSecret;
    this.roleArn = p.roleArn;
    this.region = p.region;
  }
}

/** Options of a container image. */
export interface ContainerImageOptions {
  /**
   * Docker build context, relative to the repository root.
   * @default '.'
   */
  readonly context?: string;
  /**
   * Path of the Dockerfile, relative to the repository root.
   * @default '<context>/Dockerfile'
   */
  readonly dockerfile?: string;
  /**
   * How the build job logs in to the registry.
   * @default - `RegistryCredentials.githubToken()` for ghcr.io; other registries must say
   */
  readonly credentials?: RegistryCredentials;
}

const REPOSITORY = /^(?:([a-z0-9.-]+(?::\d+)?)\/)?([a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*)$/;

/**
 * The app's container image: where it is pushed and how it is built. Every deploy uses the digest the
 * build produced, never a mutable tag.
 */
export class ContainerImage {
  /**
   * An image pushed to `repository` (`ghcr.io/acme/checkout`, `123456789012.dkr.ecr.eu-west-1.amazonaws.com/checkout`,
   * `docker.io/acme/checkout`, `harbor.acme.dev/platform/checkout`), without tag or digest.
   */
  public static fromRegistry(repository: string, options: ContainerImageOptions = {}): ContainerImage {
    const problems: string[] = [];
    const m = REPOSITORY.exec(repository ?? '');
    if (!m || /[@:]/.test((repository ?? '').split('/').slice(1).join('/'))) {
      throw new PlatformPipelineError(`ContainerImage.fromRegistry: 'repository' must be an image repository without tag or digest, such as 'ghcr.io/acme/checkout', got ${show(repository)}`);
    }
    const hasHost = m[1] !== undefined && (m[1].includes('.') || m[1].includes(':') || m[1] === 'localhost');
    const registry = hasHost ? m[1] : 'docker.io';
    const context = options.context ?? '.';
    const dockerfile = options.dockerfile ?? (context === '.' ? 'Dockerfile' : `${context.replace(/\/+$/, '')}/Dockerfile`);
    if (!REPO_PATH.test(context)) problems.push(`'context' must be a path inside the repository, got ${show(context)}`);
    if (!REPO_PATH.test(dockerfile)) problems.push(`'dockerfile' must be a path inside the repository, got ${show(dockerfile)}`);
    let credentials = options.credentials;
    if (!credentials) {
      if (registry === 'ghcr.io') {
        credentials = RegistryCredentials.githubToken();
      } else if (/\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com$/.test(registry)) {
        problems.push(`registry ${show(registry)} needs credentials: pass 'credentials: RegistryCredentials.ecr({ roleArn, region })'`);
      } else {
        problems.push(`registry ${show(registry)} needs credentials: pass 'credentials: RegistryCredentials.secrets({ usernameSecret, passwordSecret })' naming the GitHub secrets that hold them`);
      }
    } else if (credentials.kind === 'github-token' && registry !== 'ghcr.io') {
      problems.push(`RegistryCredentials.githubToken() only works for ghcr.io, not ${show(registry)}; use RegistryCredentials.secrets(...) or .ecr(...)`);
    }
    if (problems.length) throw new PlatformPipelineError(`ContainerImage.fromRegistry(${show(repository)}): ${problems.join('; ')}`);
    return new ContainerImage(hasHost ? repository : `docker.io/${repository.includes('/') ? repository : `library/${repository}`}`, registry, context, dockerfile, credentials!);
  }

  /** Full repository reference without tag, e.g. `ghcr.io/acme/checkout`. */
  public readonly repository: string;
  /** Registry host, e.g. `ghcr.io`. */
  public readonly registry: string;
  /** Build context. */
  public readonly context: string;
  /** Dockerfile path. */
  public readonly dockerfile: string;
  /** Registry credentials. */
  public readonly credentials: RegistryCredentials;

  private constructor(repository: string, registry: string, context: string, dockerfile: string, credentials: RegistryCredentials) {
    this.repository = repository;
    this.registry = registry;
    this.context = context;
    this.dockerfile = dockerfile;
    this.credentials = credentials;
  }
}
