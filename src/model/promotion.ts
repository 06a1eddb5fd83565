import { PlatformPipelineError, show } from '../core/errors';

/** Options of sequential promotion. */
export interface SequentialPromotionOptions {
  /**
   * The branch whose pushes build the image and deploy it.
   * @default 'main'
   */
  readonly branch?: string;
}

/** Maps one environment to the branch (or branch pattern) that deploys it. */
export interface EnvironmentBranch {
  /** The environment's name. */
  readonly environment: string;
  /** A branch name (`main`) or a prefix pattern ending in `/*` (`release/*`). */
  readonly branch: string;
}

/** Options of branch-per-environment promotion. */
export interface BranchPerEnvironmentOptions {
  /** One entry per environment. */
  readonly branches: EnvironmentBranch[];
}

const BRANCH = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*(\/\*)?$/;

/**
 * How a build travels through the environments.
 */
export class Promotion {
  /**
   * Build once on one branch and promote the same digest through the environments in order: each waits
   * for the previous one's deploy and verify jobs, and for its own approval. The default.
   */
  public static sequential(options: SequentialPromotionOptions = {}): Promotion {
    const branch = options.branch ?? 'main';
    Promotion.checkBranch(branch, 'branch');
    return new Promotion(true, branch, []);
  }

  /**
   * Each environment deploys from its own branch (`develop` → staging, `main` → production), as in the
   * reference pipeline. Patterns such as `release/*` are accepted.
   */
  public static branchPerEnvironment(options: BranchPerEnvironmentOptions): Promotion {
    if (!options.branches || options.branches.length === 0) {
      throw new PlatformPipelineError("Promotion.branchPerEnvironment: 'branches' must map every environment to a branch, e.g. [{ environment: 'staging', branch: 'develop' }]");
    }
    for (const b of options.branches) Promotion.checkBranch(b.branch, `branch of environment ${show(b.environment)}`);
    return new Promotion(false, undefined, options.branches.map((b) => ({ ...b })));
  }

  private static checkBranch(branch: string, prop: string): void {
    if (typeof branch !== 'string' || !BRANCH.test(branch) || branch.includes('..')) {
      throw new PlatformPipelineError(`Promotion: '${prop}' must be a branch name or a prefix pattern ending in '/*', got ${show(branch)}; e.g. 'main' or 'release/*'`);
    }
  }

  /** Whether one build is promoted through all environments in order. */
  public readonly isSequential: boolean;
  /** The deploying branch of sequential promotion. */
  public readonly branch?: string;
  /** The branch of each environment (branch-per-environment promotion). */
  public readonly branches: EnvironmentBranch[];

  private constructor(sequential: boolean, branch: string | undefined, branches: EnvironmentBranch[]) {
    this.isSequential = sequential;
    this.branch = branch;
    this.branches = branches;
  }

  /** The branch (pattern) that deploys `environment`. */
  public branchFor(environment: string): string | undefined {
    return this.isSequential ? this.branch : this.branches.find((b) => b.environment === environment)?.branch;
  }

  /** Every deploying branch (pattern), in order, without duplicates. */
  public get deployingBranches(): string[] {
    return [...new Set(this.isSequential ? [this.branch!] : this.branches.map((b) => b.branch))];
  }

  /** The `if:` condition under which `environment` deploys: a push (or manual run) of its branch. */
  public deployCondition(environment: string): string {
    const branch = this.branchFor(environment)!;
    const ref = branch.endsWith('/*')
      ? `startsWith(github.ref, 'refs/heads/${branch.slice(0, -1)}')`
      : `github.ref == 'refs/heads/${branch}'`;
    return `github.event_name != 'pull_request' && ${ref}`;
  }
}
