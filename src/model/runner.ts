import { PlatformPipelineError, show } from '../core/errors';

/**
 * Where a job runs: a GitHub-hosted runner, a larger runner, a self-hosted runner by labels, or a runner group.
 */
export class Runner {
  /** GitHub-hosted Ubuntu 24.04 (the default: a fixed image, not `ubuntu-latest`, so runs are reproducible). */
  public static readonly UBUNTU_24_04 = new Runner(['ubuntu-24.04'], undefined, false);

  /** A GitHub-hosted runner image by label, e.g. `ubuntu-24.04-arm`. */
  public static githubHosted(label: string): Runner {
    return new Runner([Runner.label(label)], undefined, false);
  }

  /** A GitHub larger runner by the label the organization gave it, e.g. `ubuntu-24.04-8core`. */
  public static larger(label: string): Runner {
    return new Runner([Runner.label(label)], undefined, true);
  }

  /** A self-hosted runner: `runs-on: [self-hosted, ...labels]`. */
  public static selfHosted(labels: string[]): Runner {
    if (labels.length === 0) {
      throw new PlatformPipelineError("Runner.selfHosted: 'labels' must name at least one label, e.g. ['linux', 'x64']");
    }
    return new Runner(['self-hosted', ...labels.map(Runner.label)], undefined, true);
  }

  /** A runner group, optionally narrowed by labels: `runs-on: { group, labels }`. */
  public static group(group: string, labels: string[] = []): Runner {
    return new Runner(labels.map(Runner.label), Runner.label(group), true);
  }

  private static label(label: string): string {
    if (typeof label !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(label)) {
      throw new PlatformPipelineError(`Runner: a runner label must be letters, digits, '.', '_' or '-', got ${show(label)}`);
    }
    return label;
  }

  /** The labels of `runs-on`. */
  public readonly labels: string[];
  /** The runner group, if any. */
  public readonly groupName?: string;
  /** Whether these labels are custom (self-hosted or larger runners) rather than GitHub's standard images. */
  public readonly customLabels: boolean;

  private constructor(labels: string[], group: string | undefined, customLabels: boolean) {
    this.labels = labels;
    this.groupName = group;
    this.customLabels = customLabels;
  }
}
