import { PlatformPipelineError, show } from '../core/errors';
import { REPO_PATH } from '../core/names';

/** Options of a Helm chart. */
export interface HelmChartOptions {
  /**
   * Helm release name.
   * @default - the app name
   */
  readonly releaseName?: string;
  /**
   * Values key that receives the image digest (`sha256:…`) at deploy time, for charts that render
   * `repository@digest`. When unset, the digest is pinned through `image.tag` as `<commit>@sha256:…`,
   * which works with every chart made by `helm create`.
   * @default - `image.tag` carries `<commit sha>@<digest>`
   */
  readonly digestValue?: string;
  /**
   * Run `helm dependency build` before deploying (charts with `dependencies` in Chart.yaml).
   * @default false
   */
  readonly buildDependencies?: boolean;
}

/**
 * The app's Helm chart. It owns the Deployment and Service; the library writes its values per environment
 * (`helm/<app>/values-<env>.yaml`, `helm create` key conventions, `fullnameOverride: <app>`).
 */
export class HelmChart {
  /** A chart in this repository, e.g. `helm/platform`. */
  public static fromPath(chartPath: string, options: HelmChartOptions = {}): HelmChart {
    if (typeof chartPath !== 'string' || !REPO_PATH.test(chartPath)) {
      throw new PlatformPipelineError(`HelmChart.fromPath: 'chartPath' must be a path inside the repository such as 'helm/platform', got ${show(chartPath)}`);
    }
    if (options.digestValue !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/.test(options.digestValue)) {
      throw new PlatformPipelineError(`HelmChart.fromPath: 'digestValue' must be a dotted values key such as 'image.digest', got ${show(options.digestValue)}`);
    }
    return new HelmChart(chartPath.replace(/\/+$/, ''), options);
  }

  /** Chart path in the repository. */
  public readonly path: string;
  /** Release name, if set (otherwise the app name). */
  public readonly releaseName?: string;
  /** Values key for the digest, if the chart has one. */
  public readonly digestValue?: string;
  /** Whether to run `helm dependency build`. */
  public readonly buildDependencies: boolean;

  private constructor(chartPath: string, options: HelmChartOptions) {
    this.path = chartPath;
    this.releaseName = options.releaseName;
    this.digestValue = options.digestValue;
    this.buildDependencies = options.buildDependencies ?? false;
  }
}
