// The one installer of downloaded tools, for every layer that runs one in a `run:` step (scan and test
// gates, the deploy job's Argo Rollouts plugin, the alert-rules gate's promtool).
import { ToolPinData, TOOL_PINS } from './tool-pins.generated';
import { ToolRelease } from './versions';

/** Where installed tools go; the install step adds it to `GITHUB_PATH`. @internal */
export const TOOLS_BIN = '${RUNNER_TEMP}/platform-tools/bin';

/** The runner architectures the installer knows, as release assets name them. @internal */
export const TOOL_ARCHES = ['amd64', 'arm64'] as const;

const ARCH_NAMES: Record<string, Record<string, string>> = {
  amd64: { arch: 'amd64', arch_x86: 'x86_64', arch_x64: 'x64' },
  arm64: { arch: 'arm64', arch_x86: 'arm64', arch_x64: 'arm64' },
};

/** Fills a ToolRelease template for one architecture. @internal */
export function fillTemplate(template: string, version: string, arch: string): string {
  const names = ARCH_NAMES[arch];
  if (!names) throw new Error(`unknown architecture ${arch}`);
  return template
    .replace(/\{version\}/g, version)
    .replace(/\{arch_x86\}/g, names.arch_x86)
    .replace(/\{arch_x64\}/g, names.arch_x64)
    .replace(/\{arch\}/g, names.arch);
}

/** The download URL of a tool's asset for one architecture. @internal */
export function toolAssetUrl(t: ToolRelease, arch: string): string {
  return `${fillTemplate(t.baseUrl, t.version, arch)}/${fillTemplate(t.asset, t.version, arch)}`;
}

/** The pinned sha256 of a tool's asset for one architecture, if the library records one. @internal */
export function toolPin(tool: string, version: string, arch: string): ToolPinData | undefined {
  return TOOL_PINS.find((p) => p.tool === tool && p.version === version && p.arch === arch);
}

/** The versions of `tool` with a pinned sha256 for every architecture, oldest first. @internal */
export function pinnedVersions(tool: string): string[] {
  const versions = TOOL_PINS.filter((p) => p.tool === tool).map((p) => p.version).filter((v, i, all) => all.indexOf(v) === i);
  const num = (v: string) => v.split('.').map(Number);
  return versions
    .filter((v) => TOOL_ARCHES.every((a) => toolPin(tool, v, a) !== undefined))
    .sort((a, b) => {
      const [x, y] = [num(a), num(b)];
      for (let i = 0; i < Math.max(x.length, y.length); i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0);
      return 0;
    });
}

function shellId(name: string): string {
  return name.replace(/[^A-Za-z0-9]/g, '_');
}

/**
 * A bash script that installs `tools` into `${RUNNER_TEMP}/platform-tools/bin` (added to `GITHUB_PATH`).
 * Each asset is checked against the sha256 pinned in the library for the runner's architecture
 * (`sha256sum --check --strict`) before it is extracted or installed; no checksum file is downloaded. On an
 * architecture without a pinned sum the script stops before downloading anything.
 * @internal
 */
export function installToolsScript(tools: ToolRelease[]): string {
  const lines = [
    'set -euo pipefail',
    `bin="${TOOLS_BIN}"`,
    'mkdir -p "${bin}"',
    'case "$(uname -m)" in',
    '  x86_64) arch=amd64 ;;',
    '  aarch64 | arm64) arch=arm64 ;;',
    '  *) echo "::error::unsupported runner architecture $(uname -m)"; exit 1 ;;',
    'esac',
    'echo "runner architecture: ${arch}"',
    'work="$(mktemp -d)"',
    'cd "${work}" || exit 1',
  ];
  for (const t of tools) {
    const id = shellId(t.name);
    const asset = `${id}_asset`;
    const sha = `${id}_sha256`;
    const member = `${id}_member`;
    lines.push('', `# ${t.name} ${t.version}: the asset's sha256 is pinned in the library (tool-checksums.json), not read from the release`, 'case "${arch}" in');
    for (const arch of TOOL_ARCHES) {
      const pin = toolPin(t.name, t.version, arch);
      if (!pin) {
        lines.push(`  ${arch}) echo "::error::${t.name} ${t.version} has no pinned sha256 for linux/${arch} in platform-pipeline; run this job on an architecture with one (${TOOL_ARCHES.filter((a) => toolPin(t.name, t.version, a)).join(', ') || 'none'})"; exit 1 ;;`);
        continue;
      }
      if (pin.url !== toolAssetUrl(t, arch)) throw new Error(`the pin of ${t.name} ${t.version} ${arch} is for ${pin.url}, not ${toolAssetUrl(t, arch)}`);
      const memberSet = t.member ? `; ${member}="${fillTemplate(t.member, t.version, arch)}"` : '';
      lines.push(`  ${arch}) ${asset}="${fillTemplate(t.asset, t.version, arch)}"; ${sha}="${pin.sha256}"${memberSet} ;;`);
    }
    lines.push(
      'esac',
      `curl --fail --silent --show-error --location --retry 3 --output "\${${asset}}" "${fillTemplate(t.baseUrl, t.version, 'amd64')}/\${${asset}}"`,
      `echo "\${${sha}}  \${${asset}}" | sha256sum --check --strict -`,
    );
    const inArchive = t.member ? `"\${${member}}"` : t.name;
    if (t.format === 'tar.gz') {
      lines.push(`tar -xzf "\${${asset}}" ${inArchive}`, `install -m 0755 ${inArchive} "\${bin}/${t.name}"`);
    } else if (t.format === 'zip') {
      lines.push(`unzip -q -o "\${${asset}}" ${inArchive}`, `install -m 0755 ${inArchive} "\${bin}/${t.name}"`);
    } else {
      lines.push(`install -m 0755 "\${${asset}}" "\${bin}/${t.name}"`);
    }
  }
  lines.push('', 'echo "${bin}" >> "${GITHUB_PATH}"');
  return lines.join('\n');
}
