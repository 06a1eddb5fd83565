// Every tool version the generated pipeline uses, in one place: a bump is one line here, and the tests
// (which install the same majors) read them from here too.

/** Helm major used by the generated pipeline; the tests lint and template with the same major. @internal */
export const HELM_VERSION = 'v4.1.4';

/** kubectl used by the generated pipeline. @internal */
export const KUBECTL_VERSION = 'v1.33.9';

/**
 * The kubectl-argo-rollouts plugin the pipeline downloads (`TOOLS.argoRollouts`, sha256 pinned in
 * tool-checksums.json). @internal
 */
export const ARGO_ROLLOUTS_VERSION = 'v1.9.1';

/**
 * The Prometheus release whose promtool the gate runs: 3.5, the long-term-support line, which reads the
 * generated rules the way current kube-prometheus-stack releases evaluate them.
 */
export const DEFAULT_PROMETHEUS_VERSION = '3.5.0';

/** Trivy binary the trivy-action runs; never v0.69.4 (the malicious build of March 2026). @internal */
export const TRIVY_VERSION = 'v0.70.0';

/** cosign the installer sets up. @internal */
export const COSIGN_RELEASE = 'v3.0.6';

/** The Semgrep image, pinned by digest (semgrep/semgrep:1.177.0); semgrep-action is deprecated. @internal */
export const SEMGREP_IMAGE = 'semgrep/semgrep@sha256:acaac22ffc7b7cc5926de0751b223bce0b2491c33d18422fa72f632c78d81198';

/** k6 that grafana/setup-k6-action installs for the load tests (unset, the action takes the latest release). @internal */
export const K6_VERSION = '1.6.1';

/** ajv-cli for JSON-schema checks, pinned. @internal */
export const AJV_CLI = 'ajv-cli@5.0.0';

/** Snyk CLI from npm, pinned (npm verifies the package's integrity). @internal */
export const SNYK_CLI = 'snyk@1.1307.4';

/** pip-audit from PyPI, pinned. @internal */
export const PIP_AUDIT = 'pip-audit==2.10.1';


/**
 * Command-line tools the generated jobs download inside `run:` steps. Each is pinned to a release, and its
 * asset for each runner architecture to a sha256 recorded in the library (`tool-checksums.json`, generated
 * into `tool-pins.generated.ts`): the installer checks the download against that sum, never against a
 * checksum file fetched from the same release (which proves integrity, not authenticity). Nothing is piped
 * into a shell and nothing is fetched from `latest`. Asset names follow each project's release
 * configuration (goreleaser `name_template`s, HashiCorp's release layout).
 *
 * Templates: `{version}` is the release version without `v`; `{arch}` is `amd64|arm64`, `{arch_x86}` is
 * `x86_64|arm64` (conftest), `{arch_x64}` is `x64|arm64` (gitleaks).
 * @internal
 */
export interface ToolRelease {
  /** Command name, also the name of the installed binary and the tool's key in the pin table. */
  readonly name: string;
  /** Release version without `v`. */
  readonly version: string;
  /** Download directory of the release (template). */
  readonly baseUrl: string;
  /** The asset for this platform (template). */
  readonly asset: string;
  /** `tar.gz`, `zip` or `binary`. */
  readonly format: 'tar.gz' | 'zip' | 'binary';
  /** The binary's path inside the archive (template). @default - `name` */
  readonly member?: string;
}

const gh = (repo: string) => `https://github.com/${repo}/releases/download/v{version}`;

/** @internal */
export const TOOLS = {
  actionlint: { name: 'actionlint', version: '1.7.7', baseUrl: gh('rhysd/actionlint'), asset: 'actionlint_{version}_linux_{arch}.tar.gz', format: 'tar.gz' },
  gitleaks: { name: 'gitleaks', version: '8.28.0', baseUrl: gh('gitleaks/gitleaks'), asset: 'gitleaks_{version}_linux_{arch_x64}.tar.gz', format: 'tar.gz' },
  trufflehog: { name: 'trufflehog', version: '3.90.12', baseUrl: gh('trufflesecurity/trufflehog'), asset: 'trufflehog_{version}_linux_{arch}.tar.gz', format: 'tar.gz' },
  kubesec: { name: 'kubesec', version: '2.14.2', baseUrl: gh('controlplaneio/kubesec'), asset: 'kubesec_linux_{arch}.tar.gz', format: 'tar.gz' },
  osvScanner: { name: 'osv-scanner', version: '2.5.1', baseUrl: gh('google/osv-scanner'), asset: 'osv-scanner_linux_{arch}', format: 'binary' },
  kubeconform: { name: 'kubeconform', version: '0.7.0', baseUrl: gh('yannh/kubeconform'), asset: 'kubeconform-linux-{arch}.tar.gz', format: 'tar.gz' },
  kubeScore: { name: 'kube-score', version: '1.20.0', baseUrl: gh('zegl/kube-score'), asset: 'kube-score_{version}_linux_{arch}.tar.gz', format: 'tar.gz' },
  conftest: { name: 'conftest', version: '0.62.0', baseUrl: gh('open-policy-agent/conftest'), asset: 'conftest_{version}_Linux_{arch_x86}.tar.gz', format: 'tar.gz' },
  tflint: { name: 'tflint', version: '0.58.1', baseUrl: gh('terraform-linters/tflint'), asset: 'tflint_linux_{arch}.zip', format: 'zip' },
  terraform: { name: 'terraform', version: '1.12.2', baseUrl: 'https://releases.hashicorp.com/terraform/{version}', asset: 'terraform_{version}_linux_{arch}.zip', format: 'zip' },
  argocd: { name: 'argocd', version: '3.0.13', baseUrl: gh('argoproj/argo-cd'), asset: 'argocd-linux-{arch}', format: 'binary' },
  argoRollouts: { name: 'kubectl-argo-rollouts', version: ARGO_ROLLOUTS_VERSION.replace(/^v/, ''), baseUrl: gh('argoproj/argo-rollouts'), asset: 'kubectl-argo-rollouts-linux-{arch}', format: 'binary' },
} satisfies Record<string, ToolRelease>;

/** promtool from the Prometheus release tarball of `version` (see `PROMTOOL_VERSIONS` for the pinned ones). @internal */
export function promtoolRelease(version: string): ToolRelease {
  return {
    name: 'promtool',
    version,
    baseUrl: gh('prometheus/prometheus'),
    asset: 'prometheus-{version}.linux-{arch}.tar.gz',
    member: 'prometheus-{version}.linux-{arch}/promtool',
    format: 'tar.gz',
  };
}

/**
 * kindest/node images of the kind release helm/kind-action v1.14.0 installs (kind v0.31.0), each pinned by
 * digest, by Kubernetes version (the release notes of kubernetes-sigs/kind v0.31.0 list them). @internal
 */
export const KIND_NODE_IMAGES: Readonly<Record<string, string>> = {
  '1.35.0': 'kindest/node:v1.35.0@sha256:452d707d4862f52530247495d180205e029056831160e22870e37e3f6c1ac31f',
  '1.34.3': 'kindest/node:v1.34.3@sha256:08497ee19eace7b4b5348db5c6a1591d7752b164530a36f855cb0f2bdcbadd48',
  '1.33.7': 'kindest/node:v1.33.7@sha256:d26ef333bdb2cbe9862a0f7c3803ecc7b4303d8cea8e814b481b09949d353040',
};

/** The Kubernetes version of the kind E2E cluster unless the stage names another. @internal */
export const DEFAULT_KIND_KUBERNETES_VERSION = '1.35.0';

/** A Helm chart the kind E2E job installs, pinned to a chart version (Helm checks the chart's digest in the repository index). @internal */
export interface PinnedChart {
  /** Helm repository name, as `helm repo add <name>` registers it. */
  readonly repoName: string;
  /** Helm repository URL. */
  readonly repoUrl: string;
  /** Chart name in that repository. */
  readonly chart: string;
  /** Chart version. */
  readonly version: string;
}

/** The platform charts of the kind E2E cluster, each pinned to a version. @internal */
export const E2E_CHARTS = {
  cilium: { repoName: 'cilium', repoUrl: 'https://helm.cilium.io', chart: 'cilium', version: '1.19.0' },
  istioBase: { repoName: 'istio', repoUrl: 'https://istio-release.storage.googleapis.com/charts', chart: 'base', version: '1.28.3' },
  istiod: { repoName: 'istio', repoUrl: 'https://istio-release.storage.googleapis.com/charts', chart: 'istiod', version: '1.28.3' },
  istioCni: { repoName: 'istio', repoUrl: 'https://istio-release.storage.googleapis.com/charts', chart: 'cni', version: '1.28.3' },
  ztunnel: { repoName: 'istio', repoUrl: 'https://istio-release.storage.googleapis.com/charts', chart: 'ztunnel', version: '1.28.3' },
  argoRollouts: { repoName: 'argo', repoUrl: 'https://argoproj.github.io/argo-helm', chart: 'argo-rollouts', version: '2.40.9' },
  flagger: { repoName: 'flagger', repoUrl: 'https://flagger.app', chart: 'flagger', version: '1.45.0' },
  kyverno: { repoName: 'kyverno', repoUrl: 'https://kyverno.github.io/kyverno/', chart: 'kyverno', version: '3.6.0' },
  prometheus: { repoName: 'prometheus-community', repoUrl: 'https://prometheus-community.github.io/helm-charts', chart: 'kube-prometheus-stack', version: '82.10.1' },
  /** Falco 0.44.1 (the chart's CHANGELOG, v9.1.0), installed by the ComplianceStage. */
  falco: { repoName: 'falcosecurity', repoUrl: 'https://falcosecurity.github.io/charts', chart: 'falco', version: '9.1.0' },
} satisfies Record<string, PinnedChart>;

/**
 * kube-bench, run as a Job in the kind cluster by the ComplianceStage. Pinned by tag only: no registry was
 * reachable to read its digest, and a digest nobody verified would be a pin in name only; pass
 * `kubeBench.image` with `@sha256:` to pin it by digest. @internal
 */
export const KUBE_BENCH_IMAGE = 'docker.io/aquasec/kube-bench:v0.15.6';

/** The client the E2E tests probe the app from (curl), pinned by digest. @internal */
export const E2E_CLIENT_IMAGE = 'curlimages/curl:8.17.0@sha256:935d9100e9ba842cdb060de42472c7ca90cfe9a7c96e4dacb55e79e560b3ff40';

/**
 * The OWASP ZAP image the ZAP baseline scan runs (`docker_name` of zaproxy/action-baseline), instead of the
 * action's floating `stable`. Pinned by its version tag only: no registry was reachable to read its digest,
 * and a digest nobody verified would be a pin in name only; pass `zap.image` with `@sha256:` to pin it by
 * digest. @internal
 */
export const ZAP_IMAGE = 'ghcr.io/zaproxy/zaproxy:2.16.1';

/**
 * The Ubuntu packages of the STIG scan (installed with apt on the runner: apt verifies each against the
 * archive's signed Release file, so they are pinned by the runner image's Ubuntu release, not by version):
 * the OpenSCAP scanner, `oscap-chroot`, and the SCAP Security Guide's data streams
 * (`/usr/share/xml/scap/ssg/content/ssg-<product>-ds.xml`: Ubuntu in ssg-debderived, Debian in ssg-debian,
 * RHEL, Oracle Linux, SLES and others in ssg-nondebian). @internal
 */
export const OPENSCAP_PACKAGES = ['openscap-scanner', 'openscap-utils', 'ssg-base', 'ssg-debderived', 'ssg-debian', 'ssg-nondebian'];

/** Where the SCAP Security Guide packages put their data streams. @internal */
export const SSG_CONTENT_DIR = '/usr/share/xml/scap/ssg/content';
