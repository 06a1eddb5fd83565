import { YamlFile } from 'projen';
import * as YAML from 'yaml';
import { ActionManifest } from '../../core/action-manifest';

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
  const render = target.synthesizeContent.bind(file);
  target.synthesizeContent = (resolver: unknown): string | undefined => {
    const text: string | undefined = render(resolver);
    if (text === undefined) return text;
    const lines = text.split('\n');
    const header = lines.filter((l, i) => i < 3 && l.startsWith('#'));
    const doc = YAML.parseDocument(text);
    const root = doc.contents as YAML.YAMLMap;
    if (YAML.isMap(root)) {
      for (const [k, v] of Object.entries(topLevel)) {
        const node = doc.createNode(v);
        if (YAML.isMap(node) && node.items.length === 0) node.flow = true;
        root.set(k, node);
      }
      root.items.sort((a, b) => rank(a.key) - rank(b.key));
    }
    const versions = manifest()._versionsBySha();
    YAML.visit(doc, {
      Pair(_, pair) {
        if (YAML.isScalar(pair.key) && pair.key.value === 'uses' && YAML.isScalar(pair.value)) {
          const version = versions.get(String(pair.value.value));
          if (version) pair.value.comment = ` ${version}`;
        }
      },
    });
    doc.commentBefore = null;
    const body = doc.toString({ indent: 2, lineWidth: 0 });
    return [...header, '', body].join('\n');
  };
}

function rank(key: unknown): number {
  const k = YAML.isScalar(key) ? String(key.value) : String(key);
  const i = TOP_LEVEL_ORDER.indexOf(k);
  return i < 0 ? TOP_LEVEL_ORDER.length : i;
}
