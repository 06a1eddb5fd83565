/**
 * "Proven to fail" for the Kubernetes validators: ajv against the shared CRD schemas,
 * kubernetes-models, the TypeScript unknown-field check, the dispatcher, and `helm template` output.
 * Each TypeScript program costs seconds, so documents are batched into few k8sDocErrors calls.
 */
import * as path from 'path';
import { fixture, yamlDocs } from './fixture-util';
import {
  coreErrors, crdErrors, crdSchemaFile, helmTemplate, isBuiltinApiVersion, k8sDocErrors, normalizeSchema,
  sharedDir, unknownFieldErrors,
} from './validators';

const schemaDir = path.join(sharedDir(), 'schemas');
const one = (rel: string): unknown => yamlDocs(rel)[0];

describe('crd-schema (ajv)', () => {
  test('accepts good custom resources (incl. (?i), \\PC and nullable schemas)', () => {
    for (const doc of [one('good/rollout.yaml'), one('good/clusterpolicy.yaml'), ...yamlDocs('good/crs.yaml')]) {
      expect(crdErrors(doc, schemaDir)).toEqual([]);
    }
  });

  test('rejects a Rollout with setWeigth', () => {
    expect(crdErrors(one('broken/rollout-setweigth.yaml'), schemaDir)).toContain(
      "Rollout/web/spec/strategy/canary/steps/0 must NOT have additional properties 'setWeigth'");
  });

  test('rejects a ClusterPolicy with lowercase failureAction', () => {
    expect(crdErrors(one('broken/clusterpolicy-lowercase-failureaction.yaml'), schemaDir)).toEqual([
      'ClusterPolicy/require-requests/spec/rules/0/validate/failureAction must be equal to one of the allowed values: "Audit", "Enforce"',
    ]);
  });

  test('rejects a PrometheusRule with a bad duration and an unknown field', () => {
    const rule = {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PrometheusRule',
      metadata: { name: 'r' },
      spec: { groups: [{ name: 'g', rules: [{ alert: 'A', expr: 'up == 0', for: '5 minutes', severity: 'page' }] }] },
    };
    const findings = crdErrors(rule, schemaDir).join('\n');
    expect(findings).toContain('PrometheusRule/r/spec/groups/0/rules/0/for must match pattern');
    expect(findings).toContain("must NOT have additional properties 'severity'");
  });

  test('a kind without a schema is a finding, never a pass', () => {
    expect(crdErrors(yamlDocs('broken/unknown-kinds.yaml')[0], schemaDir)).toEqual([
      expect.stringMatching(/^Widget\/w: no schema for widgets\.example\.com\/v1 Widget \(looked for widgets\.example\.com\/widget_v1\.json/),
    ]);
  });

  test('schema file layout and normalization', () => {
    expect(crdSchemaFile('argoproj.io/v1alpha1', 'AnalysisTemplate', '/s')).toBe('/s/argoproj.io/analysistemplate_v1alpha1.json');
    expect(normalizeSchema({
      'type': 'object',
      'properties': { nullable: { type: 'string', nullable: true }, port: { 'x-kubernetes-int-or-string': true } },
      'x-kubernetes-preserve-unknown-fields': true,
    })).toEqual({
      type: 'object',
      properties: { nullable: { type: ['string', 'null'] }, port: { anyOf: [{ type: 'integer' }, { type: 'string' }] } },
    });
  });
});

describe('core-kinds (kubernetes-models)', () => {
  test('accepts one of every required built-in kind', () => {
    const docs = [...yamlDocs('good/core-kinds.yaml'), one('good/deployment.yaml')];
    const kinds = docs.map((d) => (d as { kind: string }).kind).sort();
    expect(kinds).toEqual(['ClusterRole', 'ClusterRoleBinding', 'ConfigMap', 'CronJob', 'Deployment', 'HorizontalPodAutoscaler',
      'Ingress', 'Job', 'Namespace', 'NetworkPolicy', 'PodDisruptionBudget', 'Role', 'RoleBinding', 'Secret', 'Service', 'ServiceAccount']);
    for (const d of docs) expect(coreErrors(d)).toEqual([]);
  });

  test('rejects replicas: "two"', () => {
    expect(coreErrors(one('broken/deployment-replicas-string.yaml'))).toEqual(['Deployment/web/spec/replicas must be integer']);
  });

  test('does not see imagePullPolicyy (that is what unknownFieldErrors is for)', () => {
    expect(coreErrors(one('broken/deployment-imagepullpolicyy.yaml'))).toEqual([]);
  });

  test('an unknown built-in kind is a finding', () => {
    expect(coreErrors(yamlDocs('broken/unknown-kinds.yaml')[1])).toEqual([
      'Frobnicator/f: unknown or unsupported kind v1 Frobnicator (no kubernetes-models class)',
    ]);
  });
});

describe('k8sDocErrors (dispatch + TypeScript unknown-field check)', () => {
  test('dispatches by API group', () => {
    expect(['v1', 'apps/v1', 'batch/v1', 'policy/v1', 'autoscaling/v2', 'networking.k8s.io/v1', 'rbac.authorization.k8s.io/v1']
      .every(isBuiltinApiVersion)).toBe(true);
    expect(['argoproj.io/v1alpha1', 'kyverno.io/v1', 'monitoring.coreos.com/v1'].some(isBuiltinApiVersion)).toBe(false);
  });

  test('accepts every good document and the rendered chart in one pass', () => {
    const rendered = helmTemplate('web', fixture('good/chart'), fixture('good/chart-values-staging.yaml'), 'web');
    expect(rendered.findings).toEqual([]);
    expect(rendered.docs.map((d) => (d as { kind: string }).kind).sort()).toEqual(['Deployment', 'Service']);
    const docs = [
      ...yamlDocs('good/core-kinds.yaml'), one('good/deployment.yaml'), one('good/rollout.yaml'), one('good/clusterpolicy.yaml'),
      ...yamlDocs('good/crs.yaml'), ...rendered.docs, null,
    ];
    expect(k8sDocErrors(docs, schemaDir)).toEqual([]);
  });

  test('rejects every broken document with a specific finding', () => {
    const findings = k8sDocErrors([
      one('broken/deployment-imagepullpolicyy.yaml'),
      one('broken/deployment-replicas-string.yaml'),
      one('broken/rollout-setweigth.yaml'),
      one('broken/clusterpolicy-lowercase-failureaction.yaml'),
      ...yamlDocs('broken/unknown-kinds.yaml'),
      { kind: 'Service' },
    ], schemaDir);
    const text = findings.join('\n');
    expect(text).toContain('Deployment/web: Object literal may only specify known properties, and \'"imagePullPolicyy"\' does not exist in type \'IContainer\'.');
    expect(text).toContain('Deployment/web/spec/replicas must be integer');
    expect(text).toContain("Rollout/web/spec/strategy/canary/steps/0 must NOT have additional properties 'setWeigth'");
    expect(text).toContain('ClusterPolicy/require-requests/spec/rules/0/validate/failureAction must be equal to one of the allowed values');
    expect(text).toContain('Widget/w: no schema for widgets.example.com/v1 Widget');
    expect(text).toContain('Frobnicator/f: unknown or unsupported kind v1 Frobnicator');
    expect(text).toContain('document 6: missing apiVersion or kind');
  });

  test('unknownFieldErrors: typed CRs too, and kinds without a TypeScript model are findings', () => {
    expect(unknownFieldErrors([
      { apiVersion: 'widgets.example.com/v1', kind: 'Widget', metadata: { name: 'w' } },
      one('good/rollout.yaml'),
      one('broken/rollout-setweigth.yaml'),
    ])).toEqual([
      'Widget/w: no TypeScript model for widgets.example.com/v1 Widget; unknown fields not checked',
      expect.stringMatching(/^Rollout\/web: Object literal may only specify known properties, and '"setWeigth"' does not exist in type/),
    ]);
  });

  test('unknownFieldErrors: programs reused across calls see each call\'s documents, never a previous call\'s', () => {
    const good = one('good/deployment.yaml');
    const bad = one('broken/deployment-imagepullpolicyy.yaml');
    const typo = "Deployment/web: Object literal may only specify known properties, and '\"imagePullPolicyy\"' does not exist in type 'IContainer'.";
    expect(unknownFieldErrors([good])).toEqual([]);
    expect(unknownFieldErrors([good, bad])).toEqual([typo]);
    expect(unknownFieldErrors([good])).toEqual([]);
    const labelz = { ...(good as object), metadata: { name: 'web', labelz: {} } };
    expect(unknownFieldErrors([labelz])).toEqual([
      "Deployment/web: Object literal may only specify known properties, and '\"labelz\"' does not exist in type 'IObjectMeta'.",
    ]);
    expect(unknownFieldErrors([bad])).toEqual([typo]);
  });
});

describe('helm template', () => {
  test('a template error is a finding, not an empty render', () => {
    const r = helmTemplate('bad', fixture('broken/chart-bad-template'), fixture('good/chart-values-staging.yaml'), 'web');
    expect(r.docs).toEqual([]);
    expect(r.findings).toEqual([expect.stringContaining('function "nonexistentfunc" not defined')]);
  });
});
