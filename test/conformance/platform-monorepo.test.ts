/**
 * examples/platform-monorepo: three apps, one platform definition, one chart. Nothing of one app collides
 * with another's: workflows and their triggers, job ids and concurrency groups, files, namespaces and the
 * names of Kubernetes objects (cluster-scoped ones included). Reads the output the conformance setup
 * synthesized once.
 */
import { ExampleOutput, exampleOutput } from './example-harness';

const APPS = ['catalog', 'cart', 'orders'];
let out: ExampleOutput;
beforeAll(() => {
  out = exampleOutput('platform-monorepo');
});

test('each app has its own workflow, triggered by its own service and the shared chart, never by another service', () => {
  for (const app of APPS) {
    const wf = out.yamlDocs(`.github/workflows/${app}-pipeline.yml`)[0];
    const paths: string[] = wf.on.push.paths;
    expect(paths).toEqual(expect.arrayContaining([`services/${app}/**`, 'charts/platform/**']));
    for (const other of APPS.filter((a) => a !== app)) {
      expect(paths.filter((p) => p.includes(`/${other}/`) || p.includes(`${other}-`))).toEqual([]);
    }
    for (const id of Object.keys(wf.jobs)) expect(id.startsWith(`${app}-`)).toBe(true);
    // deploys serialize per app and environment, not across apps
    for (const env of ['staging', 'production']) expect(wf.jobs[`${app}-deploy-${env}`].concurrency.group).toBe(`${app}-deploy-${env}`);
  }
  // the run-level concurrency group starts with the workflow's name: distinct names, distinct groups
  const names = APPS.map((a) => out.yamlDocs(`.github/workflows/${a}-pipeline.yml`)[0].name);
  expect(new Set(names).size).toBe(3);
});

test('every generated file of an app carries its name; the rest is the project\'s own', () => {
  for (const f of out.files) {
    const owners = APPS.filter((a) => f.split('/').some((part) => part === a || part.startsWith(`${a}-`) || part.startsWith(`${a}.`)));
    expect([f, owners.length <= 1]).toEqual([f, true]);
  }
  for (const app of APPS) expect(out.files.filter((f) => f.includes(app)).length).toBeGreaterThan(25);
});

test('namespaces and Kubernetes object names: each app in its own namespaces, no object twice', () => {
  const objects = new Map<string, string>();
  for (const app of APPS) {
    const namespaces = new Set<string>();
    for (const env of ['staging', 'production']) {
      for (const d of out.yamlDocs(`deploy/${app}/${env}.k8s.yaml`).filter(Boolean)) {
        const ns = d.metadata?.namespace;
        if (ns) namespaces.add(ns);
        const key = `${env}/${d.kind}/${ns ?? '(cluster)'}/${d.metadata.name}`;
        expect([key, objects.get(key) ?? app]).toEqual([key, app]);
        objects.set(key, app);
      }
    }
    expect([...namespaces].sort()).toEqual([`${app}-prod`, `${app}-staging`]);
  }
});
