import { ToolRelease } from '../../core/versions';


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
