import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as pp from '../../src';
import { installToolsScript, pinnedVersions, toolAssetUrl, toolPin } from '../../src/core/tool-install';
import { TOOL_PINS } from '../../src/core/tool-pins.generated';
import { promtoolRelease, TOOLS, ToolRelease } from '../../src/core/versions';
import { unverifiedDownloads } from '../conformance/validators';
import { errorOf, makeApp } from '../util';

const reference = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'src', 'core', 'tool-checksums.json'), 'utf8'));

describe('tool pins', () => {
  test('the shipped pins agree with src/core/tool-checksums.json (regenerate with `npx projen gen:tool-pins`)', () => {
    const expected = reference.pins.map((p: any) => ({ tool: p.tool, version: p.version, arch: p.arch, url: p.url, sha256: p.sha256 }));
    expect(TOOL_PINS.map((p) => ({ ...p }))).toEqual(expected);
  });

  test('every pin is a sha256, says which published checksum file it comes from and where it was read', () => {
    expect(reference.pins.length).toBeGreaterThan(0);
    for (const p of reference.pins) {
      expect(p.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(['amd64', 'arm64']).toContain(p.arch);
      expect(p.url).toMatch(/^https:\/\/(github\.com\/[^/]+\/[^/]+\/releases\/download\/v|releases\.hashicorp\.com\/)/);
      expect(p.url).toContain(p.version);
      expect(p.publishedIn).toMatch(/^https:\/\//);
      expect(p.readFrom.length).toBeGreaterThan(0);
    }
    const keys = reference.pins.map((p: any) => `${p.tool} ${p.version} ${p.arch}`);
    expect(keys.filter((k: string, i: number) => keys.indexOf(k) !== i)).toEqual([]);
  });

  test('every downloaded tool has its asset pinned for amd64 and arm64 at the URL the installer fetches (known gaps listed here)', () => {
    const tools: ToolRelease[] = [...Object.values(TOOLS), promtoolRelease('3.5.0'), promtoolRelease('2.55.1')];
    const missing: string[] = [];
    for (const t of tools) {
      for (const arch of ['amd64', 'arm64']) {
        const pin = toolPin(t.name, t.version, arch);
        if (!pin) missing.push(`${t.name} ${t.version} ${arch}`);
        else expect(pin.url).toBe(toolAssetUrl(t, arch));
      }
    }
    // no genuine published sum of the kubesec 2.14.2 linux/arm64 asset could be found (see the README)
    expect(missing).toEqual(['kubesec 2.14.2 arm64']);
  });

  test('asset URLs, written out by hand for a few tools', () => {
    expect(toolAssetUrl(TOOLS.gitleaks, 'amd64')).toBe('https://github.com/gitleaks/gitleaks/releases/download/v8.28.0/gitleaks_8.28.0_linux_x64.tar.gz');
    expect(toolAssetUrl(TOOLS.conftest, 'amd64')).toBe('https://github.com/open-policy-agent/conftest/releases/download/v0.62.0/conftest_0.62.0_Linux_x86_64.tar.gz');
    expect(toolAssetUrl(TOOLS.conftest, 'arm64')).toBe('https://github.com/open-policy-agent/conftest/releases/download/v0.62.0/conftest_0.62.0_Linux_arm64.tar.gz');
    expect(toolAssetUrl(promtoolRelease('3.5.0'), 'arm64')).toBe('https://github.com/prometheus/prometheus/releases/download/v3.5.0/prometheus-3.5.0.linux-arm64.tar.gz');
    expect(toolAssetUrl(TOOLS.terraform, 'arm64')).toBe('https://releases.hashicorp.com/terraform/1.12.2/terraform_1.12.2_linux_arm64.zip');
  });

  test('pinned promtool versions: only those with both architectures', () => {
    expect(pinnedVersions('promtool')).toEqual(['2.55.1', '3.5.0']);
    expect(pinnedVersions('kubesec')).toEqual([]);
  });
});

describe('the one installer', () => {
  const script = installToolsScript([TOOLS.actionlint, TOOLS.argoRollouts, promtoolRelease('3.5.0')]);

  test('checks each asset against the pinned sum, per architecture, and downloads no checksum file', () => {
    expect(script).toContain('amd64) actionlint_asset="actionlint_1.7.7_linux_amd64.tar.gz"; actionlint_sha256="023070a287cd8cccd71515fedc843f1985bf96c436b7effaecce67290e7e0757" ;;');
    expect(script).toContain('arm64) actionlint_asset="actionlint_1.7.7_linux_arm64.tar.gz"; actionlint_sha256="401942f9c24ed71e4fe71b76c7d638f66d8633575c4016efd2977ce7c28317d0" ;;');
    expect(script).toContain('echo "${actionlint_sha256}  ${actionlint_asset}" | sha256sum --check --strict -');
    expect(script).toContain('amd64) kubectl_argo_rollouts_asset="kubectl-argo-rollouts-linux-amd64"; kubectl_argo_rollouts_sha256="466d93ccf767e975691359c6c9bb6750696e54c336d28ccd4d39e0f0519e8bf6" ;;');
    expect(script).toContain('promtool_member="prometheus-3.5.0.linux-amd64/promtool"');
    expect(script).not.toMatch(/checksums\.txt|SHA256SUMS|sha256sums\.txt|CHECKSUMS/);
    expect(script.match(/^curl /gm)).toHaveLength(3);
    for (const id of ['actionlint', 'kubectl_argo_rollouts', 'promtool']) {
      expect(script.indexOf('sha256sum --check --strict -\n', script.indexOf(`--output "\${${id}_asset}"`)))
        .toBeLessThan(script.indexOf(`"\${bin}/${id.replace(/_/g, '-')}"`));
    }
    expect(unverifiedDownloads(script)).toEqual([]);
  });

  function runWith(s: string, machine: string): { status: number | null; out: string; curls: string } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-install-'));
    try {
      const bin = path.join(dir, 'bin');
      fs.mkdirSync(bin);
      fs.writeFileSync(path.join(bin, 'uname'), `#!/bin/sh\necho ${machine}\n`, { mode: 0o755 });
      fs.writeFileSync(path.join(bin, 'curl'), `#!/bin/sh\necho "$*" >> "${dir}/curl.log"\nexit 22\n`, { mode: 0o755 });
      const r = spawnSync('bash', ['-eo', 'pipefail', '-c', s], {
        encoding: 'utf8',
        env: { PATH: `${bin}:${process.env.PATH}`, RUNNER_TEMP: dir, GITHUB_PATH: path.join(dir, 'path') },
      });
      const log = path.join(dir, 'curl.log');
      return { status: r.status, out: r.stdout + r.stderr, curls: fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : '' };
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  test('on an architecture without a pinned sum it stops before downloading anything', () => {
    const kubesec = installToolsScript([TOOLS.kubesec]);
    const arm = runWith(kubesec, 'aarch64');
    expect(arm.status).toBe(1);
    expect(arm.out).toContain('::error::kubesec 2.14.2 has no pinned sha256 for linux/arm64 in platform-pipeline');
    expect(arm.curls).toBe('');
    // on amd64 it gets as far as the download (which the fake curl refuses)
    const amd = runWith(kubesec, 'x86_64');
    expect(amd.curls).toContain('https://github.com/controlplaneio/kubesec/releases/download/v2.14.2/kubesec_linux_amd64.tar.gz');
    expect(amd.status).not.toBe(0);
  });

  test('a pin for another asset than the installer downloads is a library error', () => {
    expect(() => installToolsScript([{ ...TOOLS.actionlint, asset: 'actionlint_{version}_linux_{arch}.zip' }])).toThrow(/the pin of actionlint 1\.7\.7 amd64 is for .*tar\.gz, not .*\.zip/);
  });
});

describe('the user-selectable promtool version', () => {
  test('a version without pinned sums is refused at synth, naming the prop and the pinned versions', () => {
    const { app } = makeApp();
    expect(errorOf(() => new pp.PrometheusRules(app, 'Alerts', { promtoolVersion: '3.4.2' })))
      .toContain("'promtoolVersion' must be a Prometheus release whose tarball sha256 the library pins ('2.55.1', '3.5.0'), got '3.4.2'");
  });

  test('a pinned version installs with its own sums', () => {
    const { project, app } = makeApp();
    new pp.PrometheusRules(app, 'Alerts', { promtoolVersion: '2.55.1' });
    const wf = pp.Testing.synth(project).yaml('.github/workflows/checkout-pipeline.yml');
    const install = wf.jobs['checkout-alert-rules'].steps.find((s: any) => s.id === 'install-promtool');
    expect(install.run).toContain('amd64) promtool_asset="prometheus-2.55.1.linux-amd64.tar.gz"; promtool_sha256="19700bdd42ec31ee162e4079ebda4cd0a44432df4daa637141bdbea4b1cd8927"');
    expect(install.run).toContain('arm64) promtool_asset="prometheus-2.55.1.linux-arm64.tar.gz"; promtool_sha256="af43368bc6379c3c8bd5ac0b82208060bba22267bf01ad3ab5df56ad5725bf88"');
  });
});
