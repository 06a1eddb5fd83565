/**
 * Simulated actions for the script harness. Each simulation does what the action's own source does with
 * the inputs our workflows give it, as far as a later step can observe: the files it writes, the artifacts
 * it uploads (their names and the names of the files inside), and its outputs. The file-naming behaviour
 * is the one recorded with the pins in src/pipeline/action-artifacts.ts.
 */
import * as fs from 'fs';
import * as path from 'path';
import { globMatches } from './expressions';
import { ActionBehaviour } from './job-runner';
import { ACTION_FILES } from '../../src/core/action-artifacts';

/** One uploaded artifact: relative path inside the artifact → content. */
export type Artifact = Map<string, Buffer>;
/** Artifacts of one workflow run, by name. */
export type ArtifactStore = Map<string, Artifact>;

/** Where an action runs. */
export interface ActionContext {
  readonly workspace: string;
  readonly artifacts: ArtifactStore;
  readonly jobId: string;
  readonly stepId: string;
  readonly temp: string;
  readonly behaviour?: ActionBehaviour;
}

/** What an action did. */
export interface ActionResult {
  readonly outcome: 'success' | 'failure';
  readonly outputs: Record<string, string>;
  readonly log: string;
  readonly addPath?: string[];
}

const DIGEST = `sha256:${'ab'.repeat(32)}`;

function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) out.push(p);
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return out;
}

/** actions/upload-artifact: `path` lines (files, directories, globs, `!` excludes) relative to the workspace. */
function uploadArtifact(inputs: Record<string, string>, c: ActionContext): ActionResult {
  const name = inputs.name || 'artifact';
  const lines = (inputs.path ?? '').split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const include = lines.filter((l) => !l.startsWith('!'));
  const exclude = lines.filter((l) => l.startsWith('!')).map((l) => l.slice(1));
  const abs = (p: string) => (path.isAbsolute(p) ? p : path.join(c.workspace, p));
  const matched: string[] = [];
  const roots: string[] = [];
  for (const p of include) {
    if (/[*?[]/.test(p)) {
      const base = abs(p.split(/[*?[]/)[0].replace(/[^/]*$/, '') || '.');
      const all = listFiles(base).filter((f) => globMatches(abs(p), f));
      matched.push(...all);
      roots.push(base);
    } else if (fs.existsSync(abs(p)) && fs.statSync(abs(p)).isDirectory()) {
      matched.push(...listFiles(abs(p)));
      roots.push(abs(p));
    } else if (fs.existsSync(abs(p))) {
      matched.push(abs(p));
      roots.push(path.dirname(abs(p)));
    }
  }
  const files = matched.filter((f) => !exclude.some((x) => globMatches(abs(x), f)));
  if (files.length === 0) {
    const mode = inputs['if-no-files-found'] || 'warn';
    const msg = `No files were found with the provided path: ${lines.join(', ')}. No artifacts will be uploaded.`;
    return { outcome: mode === 'error' ? 'failure' : 'success', outputs: {}, log: `${mode}: ${msg}` };
  }
  if (c.artifacts.has(name) && inputs.overwrite !== 'true') {
    return { outcome: 'failure', outputs: {}, log: `Failed to CreateArtifact: an artifact with this name already exists on the workflow run: ${name}` };
  }
  // the least common ancestor of the search paths is the artifact's root
  let rootDir = roots[0];
  for (const r of roots) while (!(r + path.sep).startsWith(rootDir + path.sep) && rootDir !== path.dirname(rootDir)) rootDir = path.dirname(rootDir);
  const artifact: Artifact = new Map();
  for (const f of files) artifact.set(path.relative(rootDir, f), fs.readFileSync(f));
  c.artifacts.set(name, artifact);
  return { outcome: 'success', outputs: { 'artifact-id': String(c.artifacts.size), 'artifact-url': `https://example.invalid/${name}` }, log: `uploaded ${name}: ${[...artifact.keys()].join(', ')}` };
}

/** actions/download-artifact: by `name` (into `path`), or by `pattern` (into `path/<name>/` unless `merge-multiple`). */
function downloadArtifact(inputs: Record<string, string>, c: ActionContext): ActionResult {
  const dest = path.resolve(c.workspace, inputs.path || '.');
  const write = (artifact: Artifact, dir: string) => {
    for (const [rel, content] of artifact) {
      fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      fs.writeFileSync(path.join(dir, rel), content);
    }
  };
  if (inputs.name) {
    const artifact = c.artifacts.get(inputs.name);
    if (!artifact) return { outcome: 'failure', outputs: {}, log: `Unable to download artifact(s): Artifact not found for name: ${inputs.name}` };
    write(artifact, dest);
    return { outcome: 'success', outputs: { 'download-path': dest }, log: `downloaded ${inputs.name}` };
  }
  const names = [...c.artifacts.keys()].filter((n) => !inputs.pattern || globMatches(inputs.pattern, n));
  for (const n of names) write(c.artifacts.get(n)!, inputs['merge-multiple'] === 'true' ? dest : path.join(dest, n));
  return { outcome: 'success', outputs: { 'download-path': dest }, log: `Total of ${names.length} artifact(s) downloaded: ${names.join(', ')}` };
}

/** anchore/sbom-action: the SBOM goes to `output-file` and to an artifact whose one file is named after the artifact. */
function sbomAction(inputs: Record<string, string>, c: ActionContext): ActionResult {
  const format = inputs.format || 'spdx-json';
  const sbom = format.startsWith('cyclonedx')
    ? JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.6', metadata: { component: { name: inputs.image } } })
    : JSON.stringify({ spdxVersion: 'SPDX-2.3', name: inputs.image });
  const name = inputs['artifact-name'];
  if (!name) return { outcome: 'failure', outputs: {}, log: 'harness: give anchore/sbom-action an artifact-name (its default depends on the step number)' };
  if (inputs['output-file']) fs.writeFileSync(path.resolve(c.workspace, inputs['output-file']), sbom);
  if (inputs['upload-artifact'] !== 'false') {
    const fileName = ACTION_FILES.sbomAction.fileInArtifact(name);
    c.artifacts.set(name, new Map([[fileName, Buffer.from(sbom)]]));
  }
  return { outcome: 'success', outputs: {}, log: `SBOM of ${inputs.image} as artifact ${name}` };
}

/** Writes `file` (relative to the workspace) with `content` when the input names one. */
function writeOutputFile(file: string | undefined, content: string, c: ActionContext): void {
  if (file) {
    const p = path.resolve(c.workspace, file);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, content);
  }
}

const SARIF = JSON.stringify({ version: '2.1.0', runs: [{ tool: { driver: { name: 'harness' } }, results: [] }] });

/** Runs the simulation of `uses` (an `owner/repo[/path]@ref`). */
export function simulateAction(uses: string, inputs: Record<string, string>, c: ActionContext): ActionResult {
  const action = uses.replace(/@.*$/, '');
  const b = c.behaviour;
  const override = (r: ActionResult): ActionResult => ({
    outcome: b?.outcome ?? r.outcome,
    outputs: { ...r.outputs, ...(b?.outputs ?? {}) },
    log: r.log,
    addPath: r.addPath,
  });
  switch (action) {
    case 'actions/upload-artifact': return override(uploadArtifact(inputs, c));
    case 'actions/download-artifact': return override(downloadArtifact(inputs, c));
    case 'anchore/sbom-action': return override(sbomAction(inputs, c));
    case 'docker/build-push-action':
      return override({ outcome: 'success', outputs: { digest: DIGEST, imageid: DIGEST, metadata: '{}' }, log: 'built' });
    case 'docker/metadata-action':
      return override({ outcome: 'success', outputs: { tags: 'ghcr.io/acme/app:harness', labels: '', annotations: '', json: '{}', version: 'harness' }, log: 'meta' });
    case 'aquasecurity/trivy-action':
      writeOutputFile(inputs.output, inputs.format === 'sarif' ? SARIF : '', c);
      return override({ outcome: 'success', outputs: {}, log: 'trivy' });
    case 'anchore/scan-action':
      writeOutputFile(inputs['output-file'], SARIF, c);
      return override({ outcome: 'success', outputs: { sarif: inputs['output-file'] ?? 'results.sarif' }, log: 'grype' });
    case 'github/codeql-action/upload-sarif': {
      const f = path.resolve(c.workspace, inputs.sarif_file ?? '../results');
      if (!fs.existsSync(f)) return override({ outcome: 'failure', outputs: {}, log: `Path does not exist: ${inputs.sarif_file}` });
      return override({ outcome: 'success', outputs: { 'sarif-id': 'harness' }, log: 'uploaded SARIF' });
    }
    default:
      return override({ outcome: 'success', outputs: {}, log: `${action} (simulated: no effect)` });
  }
}
