/**
 * Command-line tools the generated jobs download inside `run:` steps. Each is pinned to a release and
 * verified against the checksum file that release publishes before it is extracted or executed; nothing
 * is piped into a shell and nothing is fetched from `latest`. Asset and checksum-file names follow each
 * project's release configuration (goreleaser `name_template`s, HashiCorp's release layout).
 *
 * Templates: `{version}` is the release version without `v`; `{arch}` is `amd64|arm64`, `{arch_x86}` is
 * `x86_64|arm64` (conftest), `{arch_x64}` is `x64|arm64` (gitleaks).
 * @internal
 */
export interface ToolRelease {
  /** Command name, also the name of the installed binary. */
  readonly name: string;
  /** Release version without `v`. */
  readonly version: string;
  /** Download directory of the release (template). */
  readonly baseUrl: string;
  /** The asset for this platform (template). */
  readonly asset: string;
  /** The release's checksum file (template). */
  readonly checksums: string;
  /** `tar.gz`, `zip` or `binary`. */
  readonly format: 'tar.gz' | 'zip' | 'binary';
}

const gh = (repo: string) => `https://github.com/${repo}/releases/download/v{version}`;

/** @internal */
export const TOOLS = {
  actionlint: { name: 'actionlint', version: '1.7.7', baseUrl: gh('rhysd/actionlint'), asset: 'actionlint_{version}_linux_{arch}.tar.gz', checksums: 'actionlint_{version}_checksums.txt', format: 'tar.gz' },
  gitleaks: { name: 'gitleaks', version: '8.28.0', baseUrl: gh('gitleaks/gitleaks'), asset: 'gitleaks_{version}_linux_{arch_x64}.tar.gz', checksums: 'gitleaks_{version}_checksums.txt', format: 'tar.gz' },
  trufflehog: { name: 'trufflehog', version: '3.90.12', baseUrl: gh('trufflesecurity/trufflehog'), asset: 'trufflehog_{version}_linux_{arch}.tar.gz', checksums: 'trufflehog_{version}_checksums.txt', format: 'tar.gz' },
  kubesec: { name: 'kubesec', version: '2.14.2', baseUrl: gh('controlplaneio/kubesec'), asset: 'kubesec_linux_{arch}.tar.gz', checksums: 'kubesec_checksums.txt', format: 'tar.gz' },
  osvScanner: { name: 'osv-scanner', version: '2.2.2', baseUrl: gh('google/osv-scanner'), asset: 'osv-scanner_linux_{arch}', checksums: 'osv-scanner_SHA256SUMS', format: 'binary' },
  kubeconform: { name: 'kubeconform', version: '0.7.0', baseUrl: gh('yannh/kubeconform'), asset: 'kubeconform-linux-{arch}.tar.gz', checksums: 'CHECKSUMS', format: 'tar.gz' },
  kubeScore: { name: 'kube-score', version: '1.20.0', baseUrl: gh('zegl/kube-score'), asset: 'kube-score_{version}_linux_{arch}.tar.gz', checksums: 'checksums.txt', format: 'tar.gz' },
  conftest: { name: 'conftest', version: '0.62.0', baseUrl: gh('open-policy-agent/conftest'), asset: 'conftest_{version}_Linux_{arch_x86}.tar.gz', checksums: 'checksums.txt', format: 'tar.gz' },
  tflint: { name: 'tflint', version: '0.58.1', baseUrl: gh('terraform-linters/tflint'), asset: 'tflint_linux_{arch}.zip', checksums: 'checksums.txt', format: 'zip' },
  terraform: { name: 'terraform', version: '1.12.2', baseUrl: 'https://releases.hashicorp.com/terraform/{version}', asset: 'terraform_{version}_linux_{arch}.zip', checksums: 'terraform_{version}_SHA256SUMS', format: 'zip' },
  argocd: { name: 'argocd', version: '3.0.13', baseUrl: gh('argoproj/argo-cd'), asset: 'argocd-linux-{arch}', checksums: 'cli_checksums.txt', format: 'binary' },
} satisfies Record<string, ToolRelease>;

/** Where installed tools go; the install step adds it to `GITHUB_PATH`. @internal */
export const TOOLS_BIN = '${RUNNER_TEMP}/platform-tools/bin';

function shellId(name: string): string {
  return name.replace(/[^A-Za-z0-9]/g, '_');
}

function fill(template: string, versionVar: string): string {
  return template
    .replace(/\{version\}/g, `\${${versionVar}}`)
    .replace(/\{arch_x86\}/g, '${arch_x86}')
    .replace(/\{arch_x64\}/g, '${arch_x64}')
    .replace(/\{arch\}/g, '${arch}');
}

/**
 * A bash script that installs `tools` into `${RUNNER_TEMP}/platform-tools/bin` (added to `GITHUB_PATH`),
 * each verified against its release's checksum file before it is extracted or installed.
 * @internal
 */
export function installToolsScript(tools: ToolRelease[]): string {
  const lines = [
    'set -euo pipefail',
    `bin="${TOOLS_BIN}"`,
    'mkdir -p "${bin}"',
    'case "$(uname -m)" in',
    '  x86_64) arch=amd64; arch_x86=x86_64; arch_x64=x64 ;;',
    '  aarch64 | arm64) arch=arm64; arch_x86=arm64; arch_x64=arm64 ;;',
    '  *) echo "::error::unsupported runner architecture $(uname -m)"; exit 1 ;;',
    'esac',
    'echo "runner architecture: ${arch} (${arch_x86}, ${arch_x64})"',
    'work="$(mktemp -d)"',
    'cd "${work}" || exit 1',
  ];
  for (const t of tools) {
    const id = shellId(t.name);
    const versionVar = `${id.toUpperCase()}_VERSION`;
    const asset = `${id}_asset`;
    const sums = `${id}.sha256sums`;
    lines.push(
      '',
      `# ${t.name} ${t.version}, verified against the release's ${t.checksums.replace('{version}', t.version)}`,
      `${versionVar}="${t.version}"`,
      `${asset}="${fill(t.asset, versionVar)}"`,
      `curl --fail --silent --show-error --location --retry 3 --output "\${${asset}}" "${fill(t.baseUrl, versionVar)}/\${${asset}}"`,
      `curl --fail --silent --show-error --location --retry 3 --output "${sums}" "${fill(t.baseUrl, versionVar)}/${fill(t.checksums, versionVar)}"`,
      `awk -v f="\${${asset}}" '$2 == f || $2 == "*" f' "${sums}" | sha256sum --check --strict -`,
    );
    if (t.format === 'tar.gz') {
      lines.push(`tar -xzf "\${${asset}}" ${t.name}`, `install -m 0755 ${t.name} "\${bin}/${t.name}"`);
    } else if (t.format === 'zip') {
      lines.push(`unzip -q -o "\${${asset}}" ${t.name}`, `install -m 0755 ${t.name} "\${bin}/${t.name}"`);
    } else {
      lines.push(`install -m 0755 "\${${asset}}" "\${bin}/${t.name}"`);
    }
  }
  lines.push('', 'echo "${bin}" >> "${GITHUB_PATH}"');
  return lines.join('\n');
}
