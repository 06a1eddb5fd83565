/**
 * Build → publish, followed through the artifacts: the publish job signs and attests what the build job
 * produced, under the names the actions really give the files (DESIGN §2b "Data flows").
 */
import * as fs from 'fs';
import * as path from 'path';
import { ArtifactStore } from './actions';
import { exampleNames, loadExample } from './examples';
import { cleanupHarness, runJob } from './job-runner';

afterAll(() => cleanupHarness());

describe.each(exampleNames())('examples/%s: build then publish', (name) => {
  const ex = loadExample(name);
  const build = `${ex.app}-build`;
  const publish = `${ex.app}-publish`;

  test('on a push to main, publish attests the SBOM files the build uploaded', () => {
    const artifacts: ArtifactStore = new Map();
    const b = runJob(ex.workflow, build, { artifacts }, { repo: ex.repo });
    expect({ conclusion: b.conclusion, log: b.conclusion === 'success' ? '' : b.log }).toEqual({ conclusion: 'success', log: '' });
    expect(b.outputs.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    const p = runJob(ex.workflow, publish, { artifacts, needs: { [build]: { result: 'success', outputs: b.outputs } } }, { repo: ex.repo });
    expect({ conclusion: p.conclusion, log: p.conclusion === 'success' ? '' : p.log }).toEqual({ conclusion: 'success', log: '' });
    const attest = p.callsOf('cosign').filter((a) => a[0] === 'attest');
    expect(attest.map((a) => a[a.indexOf('--type') + 1])).toEqual(['cyclonedx', 'spdxjson']);
    // every predicate cosign is given exists in the workspace and holds the SBOM of the built digest
    for (const a of attest) {
      const predicate = a[a.indexOf('--predicate') + 1];
      const content = fs.readFileSync(path.join(p.workspace, predicate), 'utf8');
      expect(content).toContain(b.outputs.digest);
      expect(a[a.length - 1]).toContain(`@${b.outputs.digest}`);
    }
    expect(p.callsOf('cosign').filter((a) => a[0] === 'sign')[0].slice(-1)[0]).toContain(`@${b.outputs.digest}`);
  });

  test('a pull request builds without pushing: no SBOM, no publish', () => {
    const b = runJob(ex.workflow, build, { event: { name: 'pull_request', ref: 'refs/pull/1/merge' } }, { repo: ex.repo });
    expect(b.conclusion).toBe('success');
    expect(b.step('sbom-cyclonedx').outcome).toBe('skipped');
    const p = runJob(ex.workflow, publish, { event: { name: 'pull_request', ref: 'refs/pull/1/merge' }, needs: { [build]: { result: 'success', outputs: { digest: '' } } } }, { repo: ex.repo });
    expect(p.conclusion).toBe('skipped');
  });

  test('the scan report job publishes what the build scanned, and fails when the scan results are missing', () => {
    const artifacts: ArtifactStore = new Map();
    const b = runJob(ex.workflow, build, { artifacts, actions: { trivy: { outcome: 'failure' } } }, { repo: ex.repo });
    expect(b.conclusion).toBe('failure');
    // the report still runs after a failed build (!cancelled()) and reads the SARIF files the build kept
    const report = `${ex.app}-image-scan-report`;
    const r = runJob(ex.workflow, report, { artifacts, needs: { [build]: { result: 'failure' } } }, { repo: ex.repo });
    expect({ conclusion: r.conclusion, log: r.conclusion === 'success' ? '' : r.log }).toEqual({ conclusion: 'success', log: '' });
    expect(r.step('upload-trivy').outcome).toBe('success');
    expect(r.outputs).toEqual(expect.objectContaining({ 'findings-high': '0' }));
    const none = runJob(ex.workflow, report, { artifacts: new Map(), needs: { [build]: { result: 'failure' } } }, { repo: ex.repo });
    expect(none.conclusion).toBe('failure');
    expect(none.step('download').outcome).toBe('failure');
  });

  test('a finding of the image scan stops the build before the push', () => {
    const b = runJob(ex.workflow, build, { actions: { trivy: { outcome: 'failure' } } }, { repo: ex.repo });
    expect(b.conclusion).toBe('failure');
    expect(b.step('image-scan-gate').outcome).toBe('failure');
    expect(b.step('build').outcome).toBe('skipped');
  });
});
