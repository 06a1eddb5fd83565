import { FileBase, ObjectFile, YamlFile } from 'projen';
import * as YAML from 'yaml';
import { ActionManifest } from '../../core/action-manifest';
import { projectMarker } from '../../core/generated-file';
import { writeYaml, yamlWriter } from '../../core/yaml-writer';

const TOP_LEVEL_ORDER = ['name', 'run-name', 'on', 'permissions', 'concurrency', 'env', 'defaults', 'jobs'];

/**
 * Finishes projen's rendering of a workflow file: every pinned reference carries its release as a comment
 * (`owner/repo@<sha> # v7.0.1`, the form Dependabot and Renovate update; projen's model has no comments),
 * top-level keys projen cannot express are set (`permissions: {}` — projen's overrides drop empty
 * objects), and the top-level keys are put in the conventional order.
 * @internal
 */
export function finishWorkflowFile(file: YamlFile, manifest: () => ActionManifest, topLevel: Record<string, unknown>): void {
  const target = file as any;
  // projen's YamlFile renders the resolved object to text; this renders the same object (projen's
  // ObjectFile content: resolved, overrides merged, patches applied) straight into a YAML document, so
  // the workflow is stringified once and never parsed back.
  const resolve: (resolver: unknown) => string | undefined = (ObjectFile.prototype as any).synthesizeContent.bind(file);
  // projen computes the marker by walking the whole tree on every read; workflow files carry projen's
  // default marker, the same text as every other marked file of the project
  const baseMarker = Object.getOwnPropertyDescriptor(FileBase.prototype, 'marker')!.get!;
  Object.defineProperty(file, 'marker', { configurable: true, get: () => projectMarker(file.project, () => baseMarker.call(file)) });
  target.synthesizeContent = (resolver: unknown): string | undefined => {
    const json = resolve(resolver);
    if (!json) return undefined;
    const marker = file.marker;
    const header = marker ? [`# ${marker}`] : [];
    const versions = manifest()._versionsBySha();
    const value = JSON.parse(json);
    const fast = yamlWriter.fast ? writeWorkflow(value, topLevel, versions) : undefined;
    if (fast !== undefined) return [...header, '', fast].join('\n');
    // JSON.parse never shares objects, so there is nothing to alias
    const doc = new YAML.Document(value, { aliasDuplicateObjects: false });
    const root = doc.contents as YAML.YAMLMap;
    if (YAML.isMap(root)) {
      for (const [k, v] of Object.entries(topLevel)) {
        const node = doc.createNode(v);
        if (YAML.isMap(node) && node.items.length === 0) node.flow = true;
        root.set(k, node);
      }
      root.items.sort((a, b) => rank(a.key) - rank(b.key));
    }
    YAML.visit(doc, {
      Pair(_, pair) {
        if (YAML.isScalar(pair.key) && pair.key.value === 'uses' && YAML.isScalar(pair.value)) {
          const version = versions.get(String(pair.value.value));
          if (version) pair.value.comment = ` ${version}`;
        }
      },
    });
    const body = doc.toString({ indent: 2, lineWidth: 0, directives: false });
    return [...header, '', body].join('\n');
  };
}

/**
 * The text of the document above, written by the fast YAML writer (src/core/yaml-writer) from the same
 * values: the top-level keys set and put in order in a Map (`YAMLMap.set` replaces a value in place and
 * appends a new key, as `Map.set` does; the sort is stable in both), each pinned `uses:` with its comment.
 * Undefined when the writer does not cover the value.
 */
function writeWorkflow(value: unknown, topLevel: Record<string, unknown>, versions: ReadonlyMap<string, string>): string | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const root = new Map(Object.entries(value as Record<string, unknown>));
  for (const [k, v] of Object.entries(topLevel)) {
    if (v === undefined) return undefined; // yaml writes `k: null`; a Map entry would be left out
    root.set(k, v);
  }
  const ordered = new Map([...root].sort(([a], [b]) => rank(a) - rank(b)));
  return writeYaml(ordered, {
    aliasDuplicateObjects: false,
    comment: (key, v) => key === 'uses' ? versions.get(String(v)) : undefined,
  });
}

function rank(key: unknown): number {
  const k = YAML.isScalar(key) ? String(key.value) : String(key);
  const i = TOP_LEVEL_ORDER.indexOf(k);
  return i < 0 ? TOP_LEVEL_ORDER.length : i;
}
