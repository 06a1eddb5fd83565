/**
 * The service mesh the app runs in. It decides the default SLI source (Istio's standard metrics), the
 * namespace's sidecar-injection label, and which traffic routing a canary can use.
 */
export class Mesh {
  /** Istio with sidecar injection (`istio-injection: enabled` on the namespace). */
  public static readonly ISTIO = new Mesh('istio');
  /** No mesh. SLOs then need an explicit `SliSource.custom(...)`. */
  public static readonly NONE = new Mesh('none');

  /** `istio` or `none`. */
  public readonly name: string;

  private constructor(name: string) {
    this.name = name;
  }
}
