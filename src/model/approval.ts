import { Duration } from 'cdk8s';
import { PlatformPipelineError, show } from '../core/errors';

/** Options of required reviewers. */
export interface RequiredReviewersOptions {
  /**
   * Time to wait after approval before the job runs (GitHub allows up to 30 days).
   * @default - no wait timer
   */
  readonly waitTimer?: Duration;
  /**
   * Whether the person who triggered the run may not approve it.
   * @default true
   */
  readonly preventSelfReview?: boolean;
}

/**
 * Who must approve a deploy to an environment. Approvals are GitHub environment protection rules,
 * repository settings rather than workflow YAML: the library writes `scripts/<app>/setup-environments.sh`,
 * which configures them with the GitHub CLI, and the deploy job names the environment.
 */
export class Approval {
  /** No approval: the environment deploys as soon as its dependencies pass. */
  public static none(): Approval {
    return new Approval([], undefined, false);
  }

  /**
   * Up to six users or teams (team slugs of the repository's organization, or user logins) of whom one
   * must approve each deploy.
   */
  public static requiredReviewers(reviewers: string[], options: RequiredReviewersOptions = {}): Approval {
    if (!Array.isArray(reviewers) || reviewers.length === 0 || reviewers.length > 6) {
      throw new PlatformPipelineError(`Approval.requiredReviewers: 'reviewers' must list 1 to 6 users or teams (a GitHub limit), got ${show(reviewers)}`);
    }
    for (const r of reviewers) {
      if (!/^[A-Za-z0-9][A-Za-z0-9-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)?$/.test(r)) {
        throw new PlatformPipelineError(`Approval.requiredReviewers: a reviewer must be a user login, a team slug or 'org/team-slug', got ${show(r)}`);
      }
    }
    Approval.checkTimer(options.waitTimer);
    return new Approval([...reviewers], options.waitTimer, options.preventSelfReview ?? true);
  }

  /** Only a wait timer, no reviewers. */
  public static waitTimer(wait: Duration): Approval {
    Approval.checkTimer(wait);
    return new Approval([], wait, false);
  }

  private static checkTimer(wait?: Duration): void {
    if (wait === undefined) return;
    const minutes = wait.toSeconds() / 60;
    if (!Number.isInteger(minutes) || minutes < 0 || minutes > 43200) {
      throw new PlatformPipelineError(`Approval: 'waitTimer' must be whole minutes between 0 and 30 days (43200 minutes), got ${wait.toHumanString()}`);
    }
  }

  /** Users or teams who may approve. */
  public readonly reviewers: string[];
  /** Wait timer. */
  public readonly wait?: Duration;
  /** Whether self-review is prevented. */
  public readonly preventSelfReview: boolean;

  private constructor(reviewers: string[], wait: Duration | undefined, preventSelfReview: boolean) {
    this.reviewers = reviewers;
    this.wait = wait;
    this.preventSelfReview = preventSelfReview;
  }

  /** Whether a deploy must wait for someone or something. */
  public get required(): boolean {
    return this.reviewers.length > 0 || (this.wait !== undefined && this.wait.toSeconds() > 0);
  }
}
