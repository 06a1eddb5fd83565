/**
 * Build → publish, followed through the artifacts: the publish job signs and attests what the build job
 * produced, under the names the actions really give the files (DESIGN §2b "Data flows"); every platform of
 * a multi-platform image is scanned before the push and described by its own SBOM, attested to its own
 * manifest; a release tag promotes the staged digest instead of building.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { ArtifactStore } from './actions';
import { exampleNames, loadExample } from './examples';
import { cleanupHarness, runJob } from './job-runner';

afterAll(() => cleanupHarness());

const TAG_EVENT = { name: 'push', ref: 'refs/tags/v1.2.3' };

describe.each(exampleNames())('examples/%s: build then publish', (name) => {
  const ex = loadExample(name);
  const build = `${ex.app}-build`;
  const publish = `${ex.app}-publish`;
  const buildJob = ex.workflow.jobs[build];
  const platforms: string[] = String(buildJob.steps.find((s: any) => s.id === 'build').with.platforms ?? '').split(',').filter((p) => p !== '');
  const slugs = platforms.map((p) => p.replace(/\//g, '-'));
  const suffixes = slugs.length > 0 ? slugs.map((s) => `-${s}`) : [''];
  const promote = buildJob.steps.find((s: any) => s.id === 'promote');
  const repository: string = promote?.env?.REPOSITORY ?? '';

  test('on a push to main, publish attests each SBOM to the manifest it describes', () => {
    const artifacts: ArtifactStore = new Map();
    const b = runJob(ex.workflow, build, { artifacts }, { repo: ex.repo });
    expect({ conclusion: b.conclusion, log: b.conclusion === 'success' ? '' : b.log }).toEqual({ conclusion: 'success', log: '' });
    expect(b.outputs.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    // the subjects: the pushed digest, or each platform's manifest digest in the pushed index
    const subjects = slugs.length === 0 ? [b.outputs.digest] : slugs.map((s) => b.outputs[`digest-${s}`]);
    for (const d of subjects) expect(d).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(new Set([...subjects, b.outputs.digest]).size).toBe(slugs.length === 0 ? 1 : slugs.length + 1);
    const p = runJob(ex.workflow, publish, { artifacts, needs: { [build]: { result: 'success', outputs: b.outputs } } }, { repo: ex.repo });
    expect({ conclusion: p.conclusion, log: p.conclusion === 'success' ? '' : p.log }).toEqual({ conclusion: 'success', log: '' });
    const attest = p.callsOf('cosign').filter((a) => a[0] === 'attest');
    expect(attest.map((a) => a[a.indexOf('--type') + 1])).toEqual(subjects.flatMap(() => ['cyclonedx', 'spdxjson']));
    expect(attest.map((a) => a[a.length - 1].replace(/^.*@/, ''))).toEqual(subjects.flatMap((d) => [d, d]));
    // every predicate cosign is given exists in the workspace and is the SBOM of the image it is attested to
    for (const a of attest) {
      const predicate = a[a.indexOf('--predicate') + 1];
      const content = fs.readFileSync(path.join(p.workspace, predicate), 'utf8');
      expect(content).toContain(a[a.length - 1]);
    }
    const sign = p.callsOf('cosign').filter((a) => a[0] === 'sign')[0];
    expect(sign.slice(-1)[0]).toContain(`@${b.outputs.digest}`);
    // a multi-platform index is signed with each platform's manifest
    expect(sign.includes('--recursive')).toBe(slugs.length > 0);
  });

  test('a pull request builds without pushing: no SBOM, no publish', () => {
    const b = runJob(ex.workflow, build, { event: { name: 'pull_request', ref: 'refs/pull/1/merge' } }, { repo: ex.repo });
    expect(b.conclusion).toBe('success');
    const sboms = b.steps.filter((s) => s.id.startsWith('sbom-') || s.id === 'platform-digests');
    expect(sboms.length).toBeGreaterThan(0);
    expect(sboms.filter((s) => s.outcome !== 'skipped')).toEqual([]);
    const p = runJob(ex.workflow, publish, { event: { name: 'pull_request', ref: 'refs/pull/1/merge' }, needs: { [build]: { result: 'success', outputs: { digest: '' } } } }, { repo: ex.repo });
    expect(p.conclusion).toBe('skipped');
  });

  test('every platform is built as its own candidate and scanned before the push', () => {
    const b = runJob(ex.workflow, build, {}, { repo: ex.repo });
    expect(b.conclusion).toBe('success');
    for (const x of suffixes) {
      for (const id of [`build-candidate${x}`, `trivy${x}`, `grype${x}`]) expect([id, b.step(id).outcome]).toEqual([id, 'success']);
      expect(fs.existsSync(path.join(b.workspace, `trivy${x}.sarif`))).toBe(true);
    }
    const order = b.steps.map((s) => s.id);
    for (const x of suffixes) expect(order.indexOf(`grype${x}`)).toBeLessThan(order.indexOf('build'));
  });

  test('the scan report job publishes what the build scanned, and fails when the scan results are missing', () => {
    const artifacts: ArtifactStore = new Map();
    const last = suffixes[suffixes.length - 1];
    const b = runJob(ex.workflow, build, { artifacts, actions: { [`trivy${last}`]: { outcome: 'failure' } } }, { repo: ex.repo });
    expect(b.conclusion).toBe('failure');
    // the report still runs after a failed build (!cancelled()) and reads the SARIF files the build kept
    const report = `${ex.app}-image-scan-report`;
    const r = runJob(ex.workflow, report, { artifacts, needs: { [build]: { result: 'failure' } } }, { repo: ex.repo });
    expect({ conclusion: r.conclusion, log: r.conclusion === 'success' ? '' : r.log }).toEqual({ conclusion: 'success', log: '' });
    for (const x of suffixes) expect(r.step(`upload-trivy${x}`).outcome).toBe('success');
    expect(r.outputs).toEqual(expect.objectContaining({ 'findings-high': '0' }));
    const none = runJob(ex.workflow, report, { artifacts: new Map(), needs: { [build]: { result: 'failure' } } }, { repo: ex.repo });
    expect(none.conclusion).toBe('failure');
    expect(none.step('download').outcome).toBe('failure');
  });

  test.each(suffixes)('a finding of the image scan of platform %s stops the build before the push', (x) => {
    for (const tool of ['trivy', 'grype']) {
      const b = runJob(ex.workflow, build, { actions: { [`${tool}${x}`]: { outcome: 'failure' } } }, { repo: ex.repo });
      expect(b.conclusion).toBe('failure');
      expect(b.step('image-scan-gate').outcome).toBe('failure');
      expect(b.step('image-scan-gate').stdout).toContain(`::error::${tool} found vulnerabilities`);
      expect(b.step('build').outcome).toBe('skipped');
    }
  });

  (slugs.length > 0 ? test : test.skip)('a pushed index that lacks a platform fails the build before any SBOM is made', () => {
    // a registry whose index holds only the first platform's manifest
    const [os, arch] = platforms[0].split('/');
    const onlyFirst = `if [ "$3" = inspect ]; then jq -n '{ digest: "sha256:${'e'.repeat(64)}", manifests: [{ digest: "sha256:${'f'.repeat(64)}", platform: { os: "${os}", architecture: "${arch}" } }] }'; fi`;
    const b = runJob(ex.workflow, build, { tools: { docker: onlyFirst } }, { repo: ex.repo });
    expect(b.conclusion).toBe('failure');
    expect(b.step('platform-digests').stdout).toContain(`::error::the pushed image ${repository}@sha256:`);
    expect(b.step('platform-digests').stdout).toContain(`has no manifest for ${platforms[1]}`);
    expect(b.steps.filter((x) => x.id.startsWith('sbom-') && x.outcome !== 'skipped')).toEqual([]);
  });

  const releases = promote ? test : test.skip;
  const tagsFor = (sha: string) => [`${repository}:${sha}`, `${repository}:1.2.3`, `${repository}:1.2`].join('\n');
  /** The staged image's digest as the harness registry derives it (test/harness/stubs/defaults/docker.sh). */
  const stagedDigest = (ref: string) => `sha256:${createHash('sha256').update(ref).digest('hex')}`;

  releases('a release tag promotes the staged digest of the tagged commit: verified, copied by digest, not rebuilt', () => {
    // the first run learns the workspace's commit (the tagged commit), the second gives the metadata tags
    const probe = runJob(ex.workflow, build, { event: TAG_EVENT }, { repo: ex.repo });
    const sha = probe.callsOf('docker').find((a) => a[2] === 'inspect')![3].replace(/^.*:/, '');
    const b = runJob(ex.workflow, build, { event: TAG_EVENT, actions: { meta: { outputs: { tags: tagsFor(sha) } } } }, { repo: ex.repo });
    expect({ conclusion: b.conclusion, log: b.conclusion === 'success' ? '' : b.log }).toEqual({ conclusion: 'success', log: '' });
    const staged = stagedDigest(`${repository}:${sha}`);
    expect(b.outputs.digest).toBe(staged);
    // nothing was built, scanned or described
    for (const s of b.steps.filter((x) => /^(build|build-candidate.*|trivy.*|grype.*|sbom-.*|platform-digests|image-scan-gate)$/.test(x.id))) {
      expect([s.id, s.outcome]).toEqual([s.id, 'skipped']);
    }
    // the signature was checked against the build's identity on the deploying branch, before the copy
    const verify = b.callsOf('cosign').find((a) => a[0] === 'verify')!;
    expect(verify).toBeDefined();
    const identity = new RegExp(verify[verify.indexOf('--certificate-identity-regexp') + 1]);
    expect(identity.test(`https://github.com/acme/platform/.github/workflows/${ex.app}-pipeline.yml@refs/heads/main`)).toBe(true);
    expect(identity.test(`https://github.com/acme/platform/.github/workflows/${ex.app}-pipeline.yml@refs/tags/v1.2.3`)).toBe(false);
    expect(identity.test(`https://github.com/acme/platformX/.github/workflows/${ex.app}-pipeline.yml@refs/heads/main`)).toBe(false);
    expect(verify[verify.indexOf('--certificate-oidc-issuer') + 1]).toBe('https://token.actions.githubusercontent.com');
    expect(verify[verify.length - 1]).toBe(`${repository}@${staged}`);
    const create = b.callsOf('docker').find((a) => a[2] === 'create')!;
    expect(create).toEqual(['buildx', 'imagetools', 'create', '--prefer-index=false', '--tag', `${repository}:${sha}`, '--tag', `${repository}:1.2.3`, '--tag', `${repository}:1.2`, `${repository}@${staged}`]);
    expect(b.summary).toContain(`promoted the staged \`${repository}@${staged}\``);

    // after it: the chart is published and the promoted digest signed; nothing re-describes the build
    const p = runJob(ex.workflow, publish, { event: TAG_EVENT, needs: { [build]: { result: 'success', outputs: b.outputs } } }, { repo: ex.repo });
    expect({ conclusion: p.conclusion, log: p.conclusion === 'success' ? '' : p.log }).toEqual({ conclusion: 'success', log: '' });
    expect(p.step('attest-sbom').outcome).toBe('skipped');
    expect(p.callsOf('cosign').find((a) => a[0] === 'sign')!.slice(-1)[0]).toBe(`${repository}@${staged}`);
    const provenance = `${ex.app}-provenance`;
    if (ex.workflow.jobs[provenance]) {
      expect(runJob(ex.workflow, provenance, { event: TAG_EVENT, needs: { [build]: { result: 'success', outputs: b.outputs } } }, { repo: ex.repo }).conclusion).toBe('skipped');
    }
  });

  releases('a tag on a commit that was never staged fails clearly, and nothing is tagged', () => {
    const noStaged = 'if [ "$3" = inspect ]; then echo "ERROR: ${4}: not found" >&2; exit 1; fi';
    const b = runJob(ex.workflow, build, { event: TAG_EVENT, tools: { docker: noStaged }, actions: { meta: { outputs: { tags: `${repository}:1.2.3` } } } }, { repo: ex.repo });
    expect(b.conclusion).toBe('failure');
    expect(b.step('promote').stdout).toMatch(/::error::no staged image .*: commit [0-9a-f]{40} \(tagged v1\.2\.3\) was never built and pushed from a deploying branch/);
    expect(b.callsOf('docker').filter((a) => a[2] === 'create')).toEqual([]);
    expect(b.outputs.digest).toBe('');
  });

  releases('a staged image without the build\'s signature is not released', () => {
    const b = runJob(ex.workflow, build, { event: TAG_EVENT, tools: { cosign: 'if [ "$1" = verify ]; then echo "Error: no matching signatures" >&2; exit 1; fi' }, actions: { meta: { outputs: { tags: `${repository}:1.2.3` } } } }, { repo: ex.repo });
    expect(b.conclusion).toBe('failure');
    expect(b.step('promote').stdout).toContain('is not signed by this workflow on a deploying branch');
    expect(b.callsOf('docker').filter((a) => a[2] === 'create')).toEqual([]);
  });

  releases('a copy that does not leave the release tag on the staged digest fails', () => {
    // a registry that ignores the copy: the tag resolves to another image afterwards
    const b = runJob(ex.workflow, build, { event: TAG_EVENT, tools: { docker: 'if [ "$3" = create ]; then exit 0; fi; . "${__kit}/defaults/docker.sh"' }, actions: { meta: { outputs: { tags: `${repository}:1.2.3` } } } }, { repo: ex.repo });
    expect(b.conclusion).toBe('failure');
    expect(b.step('promote').stdout).toMatch(/::error::.*:1\.2\.3 resolves to sha256:[0-9a-f]{64} after the copy, not the staged sha256:/);
  });
});
