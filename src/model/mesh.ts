import { PlatformPipelineError, show } from '../core/errors';
import { dnsLabelProblem } from '../core/names';

/** How the mesh's data plane reaches the app's pods. */
export enum MeshDataplane {
  /** An Istio sidecar (`istio-proxy`) injected into every pod (`istio-injection: enabled` on the namespace). */
  SIDECAR = 'sidecar',
  /** Istio's ambient mode: the node's ztunnel and, for L7, a waypoint proxy; pods stay unchanged. */
  AMBIENT = 'ambient',
  /** No mesh. */
  NONE = 'none',
}

/** Options of Istio's sidecar mode. */
export interface IstioSidecarOptions {
  /**
   * Whether Istio's CNI node agent is installed in the cluster (`istioctl install --set components.cni.enabled=true`,
   * or the `istio/cni` Helm chart). With it, the CNI agent sets up each pod's traffic redirection and the
   * injected pod has no `istio-init` container, so it passes Pod Security `restricted`. Without it,
   * `istio-init` needs the NET_ADMIN and NET_RAW capabilities, which both `restricted` and `baseline`
   * reject: the namespace must then be `privileged` (`podSecurity` of the environment), and synthesis
   * refuses any other combination, since no pod would start.
   * @default true
   */
  readonly cni?: boolean;
}

/** Options of Istio's ambient mode. */
export interface IstioAmbientOptions {
  /**
   * Name of a waypoint proxy (a Gateway of class `istio-waypoint` in the app's namespace, which you deploy)
   * the namespace uses for L7 traffic (`istio.io/use-waypoint` on the namespace). Without a waypoint,
   * ambient mode is L4 only (mTLS, TCP metrics).
   * @default - no waypoint
   */
  readonly waypoint?: string;
}

/**
 * The service mesh the app runs in. It decides the namespace's data-plane labels, the default SLI source
 * (Istio's standard metrics, reported by sidecars) and which traffic routing a canary can use.
 *
 * The default, `Mesh.istio()` (also `Mesh.ISTIO`), is Istio with sidecars and Istio's CNI plugin, under
 * Pod Security `restricted`: the combination Istio documents for Pod Security Admission, and the only
 * sidecar set-up under which a hardened namespace admits pods. A cluster whose Istio runs without the CNI
 * plugin declares `Mesh.istio({ cni: false })`, and then its environments need `podSecurity:
 * PodSecurityLevel.PRIVILEGED`; a cluster in ambient mode declares `Mesh.istioAmbient()`.
 */
export class Mesh {
  /** Istio with sidecar injection and Istio's CNI plugin: the same as `Mesh.istio()`. */
  public static readonly ISTIO = new Mesh(MeshDataplane.SIDECAR, true, undefined);
  /** No mesh: the same as `Mesh.none()`. SLOs then need an explicit `SliSource.custom(...)`. */
  public static readonly NONE = new Mesh(MeshDataplane.NONE, false, undefined);

  /**
   * Istio with sidecar injection (`istio-injection: enabled` on the namespace). `Mesh.istio()` and
   * `Mesh.istio({ cni: true })` return `Mesh.ISTIO`.
   */
  public static istio(options: IstioSidecarOptions = {}): Mesh {
    const cni = options.cni ?? true;
    if (typeof cni !== 'boolean') throw new PlatformPipelineError(`Mesh.istio: 'cni' must be true or false, got ${show(cni)}`);
    return cni ? Mesh.ISTIO : new Mesh(MeshDataplane.SIDECAR, false, undefined);
  }

  /**
   * Istio's ambient mode (`istio.io/dataplane-mode: ambient` on the namespace): no sidecar, nothing
   * injected, so pods pass Pod Security `restricted` (ambient mode always runs Istio's CNI agent).
   * Istio's L7 metrics then come from the waypoint with `reporter="waypoint"`, so the SLOs need an SLI
   * source that reads them (`SliSource.custom(...)`); the default `SliSource.istio()` reads the sidecars'.
   */
  public static istioAmbient(options: IstioAmbientOptions = {}): Mesh {
    if (options.waypoint !== undefined) {
      const p = dnsLabelProblem('waypoint', options.waypoint);
      if (p) throw new PlatformPipelineError(`Mesh.istioAmbient: ${p}`);
    }
    return new Mesh(MeshDataplane.AMBIENT, true, options.waypoint);
  }

  /** No mesh: the same as `Mesh.NONE`. */
  public static none(): Mesh {
    return Mesh.NONE;
  }

  /** `istio` or `none`. */
  public readonly name: string;
  /** How the data plane reaches the pods. */
  public readonly dataplane: MeshDataplane;
  /** Whether Istio's CNI agent sets up the pods' traffic redirection (always with ambient). */
  public readonly cni: boolean;
  /** The waypoint proxy of ambient mode, if any. */
  public readonly waypoint?: string;

  private constructor(dataplane: MeshDataplane, cni: boolean, waypoint: string | undefined) {
    this.dataplane = dataplane;
    this.name = dataplane === MeshDataplane.NONE ? 'none' : 'istio';
    this.cni = cni;
    this.waypoint = waypoint;
  }

  /** Whether Istio injects a sidecar into each pod (the Istio routing and SLI defaults rely on it). */
  public get sidecarInjection(): boolean {
    return this.dataplane === MeshDataplane.SIDECAR;
  }

  /**
   * Whether an injected pod carries `istio-init`, which needs NET_ADMIN and NET_RAW (rejected by Pod
   * Security `baseline` and `restricted`).
   */
  public get needsPrivilegedInit(): boolean {
    return this.sidecarInjection && !this.cni;
  }

  /** The labels the mesh needs on the namespace the app runs in. @internal */
  public _namespaceLabels(): Record<string, string> {
    switch (this.dataplane) {
      case MeshDataplane.SIDECAR: return { 'istio-injection': 'enabled' };
      case MeshDataplane.AMBIENT: return { 'istio.io/dataplane-mode': 'ambient', ...(this.waypoint ? { 'istio.io/use-waypoint': this.waypoint } : {}) };
      default: return {};
    }
  }

  /** How the mesh is declared, for messages: `Mesh.istio({ cni: false })`. */
  public toString(): string {
    switch (this.dataplane) {
      case MeshDataplane.SIDECAR: return this.cni ? 'Mesh.istio()' : 'Mesh.istio({ cni: false })';
      case MeshDataplane.AMBIENT: return this.waypoint ? `Mesh.istioAmbient({ waypoint: '${this.waypoint}' })` : 'Mesh.istioAmbient()';
      default: return 'Mesh.none()';
    }
  }
}
