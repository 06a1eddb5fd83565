// Evaluates Kyverno CEL policies (policies.kyverno.io/v1 ValidatingPolicy and ImageValidatingPolicy) and
// PolicyExceptions against resources, as Kyverno's admission does, with @marcbachmann/cel-js (ESM only, so it
// runs in this child process: stdin is a JSON request, stdout the JSON verdicts). Honoured: matchConstraints
// (resourceRules with operations, namespaceSelector, objectSelector, excludeResourceRules), autogen for pod
// controllers (the pod template is evaluated, as Kyverno's generated rules do), matchConditions, variables,
// PolicyException matchConditions. Image verification functions (verifyImageSignatures,
// verifyAttestationSignatures) answer from the request's `signatures` world: which identity signed which
// image, and which attestations it carries, signed by whom.
import { Environment } from '@marcbachmann/cel-js';

const input = JSON.parse(await new Promise((resolve) => {
  let s = '';
  process.stdin.on('data', (d) => { s += d; });
  process.stdin.on('end', () => resolve(s));
}));

/** JSON integers become CEL ints (BigInt), as the API server's JSON decoding gives int64. */
function toCel(v) {
  if (Array.isArray(v)) return v.map(toCel);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toCel(x)]));
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  return v;
}

let world = {};

function identityMatches(attestor, signer) {
  const c = attestor?.cosign;
  if (!c || !signer) return false;
  if (c.key) return signer.publicKey !== undefined && signer.publicKey.trim() === String(c.key.data ?? '').trim();
  if (c.keyless) {
    return (c.keyless.identities ?? []).some((id) => {
      const issuerOk = id.issuer !== undefined ? id.issuer === signer.issuer : id.issuerRegExp !== undefined ? new RegExp(id.issuerRegExp).test(signer.issuer ?? '') : true;
      const subjectOk = id.subject !== undefined ? id.subject === signer.subject : id.subjectRegExp !== undefined ? new RegExp(id.subjectRegExp).test(signer.subject ?? '') : false;
      return issuerOk && subjectOk;
    });
  }
  return false;
}

function makeEnv() {
  return new Environment({ unlistedVariablesAreDyn: true, homogeneousAggregateLiterals: false })
    .registerFunction('verifyImageSignatures(string, list): int', (image, attestors) => {
      const sigs = world[image]?.signatures ?? [];
      return BigInt(sigs.filter((s) => attestors.some((a) => identityMatches(a, s))).length);
    })
    .registerFunction('verifyAttestationSignatures(string, map, list): int', (image, attestation, attestors) => {
      const type = attestation?.intoto?.type ?? attestation?.referrer?.type;
      const atts = world[image]?.attestations ?? [];
      return BigInt(atts.filter((a) => a.type === type && attestors.some((x) => identityMatches(x, a.signer))).length);
    });
}
const env = makeEnv();
const evalCel = (expr, ctx) => env.evaluate(expr, ctx);

const PLURALS = { Pod: 'pods', Deployment: 'deployments', StatefulSet: 'statefulsets', DaemonSet: 'daemonsets', Job: 'jobs', CronJob: 'cronjobs', ReplicaSet: 'replicasets', NetworkPolicy: 'networkpolicies', Service: 'services' };
const GROUPS = { Pod: '', Deployment: 'apps', StatefulSet: 'apps', DaemonSet: 'apps', ReplicaSet: 'apps', Job: 'batch', CronJob: 'batch', NetworkPolicy: 'networking.k8s.io', Service: '' };

function selectorMatches(sel, labels) {
  if (!sel) return true;
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of sel.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    switch (e.operator) {
      case 'In': if (!has || !e.values.includes(labels[e.key])) return false; break;
      case 'NotIn': if (has && e.values.includes(labels[e.key])) return false; break;
      case 'Exists': if (!has) return false; break;
      case 'DoesNotExist': if (has) return false; break;
      default: throw new Error(`unknown selector operator ${e.operator}`);
    }
  }
  return true;
}

function ruleMatches(rules, group, plural, operation) {
  return (rules ?? []).some((r) => (r.apiGroups ?? []).some((g) => g === '*' || g === group)
    && (r.resources ?? []).some((x) => x === '*' || x === plural)
    && (r.operations ?? []).some((o) => o === '*' || o === operation));
}

/** The pod a controller's autogen rule sees, or undefined. */
function podTemplateOf(obj) {
  const t = obj.kind === 'CronJob' ? obj.spec?.jobTemplate?.spec?.template : obj.spec?.template;
  if (!t) return undefined;
  return { apiVersion: 'v1', kind: 'Pod', metadata: { ...(t.metadata ?? {}), namespace: obj.metadata?.namespace }, spec: t.spec };
}

/** What the policy evaluates for `resource`: the object itself, its pod template (autogen), or nothing. */
function subjectOf(policy, obj, operation) {
  const mc = policy.spec.matchConstraints ?? {};
  const group = GROUPS[obj.kind];
  const plural = PLURALS[obj.kind];
  if (group === undefined) return { skip: `kind ${obj.kind} unknown to the evaluator` };
  if (ruleMatches(mc.resourceRules, group, plural, operation)) {
    if (ruleMatches(mc.excludeResourceRules, group, plural, operation)) return { skip: 'excluded resource' };
    return { object: obj };
  }
  const controllers = policy.spec.autogen?.podControllers?.controllers ?? [];
  if (obj.kind !== 'Pod' && controllers.includes(plural) && ruleMatches(mc.resourceRules, '', 'pods', operation)) {
    const pod = podTemplateOf(obj);
    if (pod) return { object: pod };
  }
  return { skip: 'no resource rule matches' };
}

function imagesOf(policy, pod) {
  const refs = policy.spec.matchImageReferences ?? [];
  const glob = (g) => new RegExp(`^${g.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\/]/g, '\\$&')).join('.*')}$`);
  const matches = (img) => refs.some((r) => (r.glob !== undefined ? glob(r.glob).test(img) : evalCel(r.expression, { ref: img }) === true));
  const list = (cs) => (cs ?? []).map((c) => c.image).filter(matches);
  return { containers: list(pod.spec?.containers), initContainers: list(pod.spec?.initContainers), ephemeralContainers: list(pod.spec?.ephemeralContainers) };
}

function evaluate(policy, resource, exceptions) {
  const operation = resource.operation ?? 'CREATE';
  const obj = resource.object;
  const ns = obj.metadata?.namespace;
  const subject = subjectOf(policy, obj, operation);
  if (subject.skip) return { result: 'skip', why: subject.skip };
  const mc = policy.spec.matchConstraints ?? {};
  const nsLabels = { ...(ns ? { 'kubernetes.io/metadata.name': ns } : {}), ...(resource.namespaceLabels ?? {}) };
  if (mc.namespaceSelector && (!ns || !selectorMatches(mc.namespaceSelector, nsLabels))) return { result: 'skip', why: 'namespaceSelector' };
  if (mc.objectSelector && !selectorMatches(mc.objectSelector, subject.object.metadata?.labels ?? {})) return { result: 'skip', why: 'objectSelector' };
  const object = toCel(subject.object);
  const ctx = { object, oldObject: null, request: { operation, namespace: ns ?? '' }, namespaceObject: { metadata: { name: ns, labels: nsLabels } } };
  for (const c of policy.spec.matchConditions ?? []) {
    if (evalCel(c.expression, ctx) !== true) return { result: 'skip', why: `matchCondition ${c.name}` };
  }
  for (const e of exceptions) {
    const refs = e.spec.policyRefs ?? [];
    if (!refs.some((r) => r.name === policy.metadata.name && r.kind === policy.kind)) continue;
    if (e.metadata?.namespace && e.metadata.namespace !== ns) continue;
    // a condition that errors (e.g. a missing label key) does not exempt: the policy applies
    const holds = (c) => { try { return evalCel(c.expression, ctx) === true; } catch { return false; } };
    if ((e.spec.matchConditions ?? []).every(holds)) return { result: 'skip', why: `exception ${e.metadata.name}` };
  }
  const variables = {};
  ctx.variables = variables;
  for (const v of policy.spec.variables ?? []) variables[v.name] = evalCel(v.expression, ctx);
  if (policy.kind === 'ImageValidatingPolicy') {
    ctx.images = imagesOf(policy, subject.object);
    ctx.attestors = Object.fromEntries((policy.spec.attestors ?? []).map((a) => [a.name, a]));
    ctx.attestations = Object.fromEntries((policy.spec.attestations ?? []).map((a) => [a.name, a]));
  }
  const failed = [];
  for (const v of policy.spec.validations ?? []) {
    const r = evalCel(v.expression, ctx);
    if (typeof r !== 'boolean') throw new Error(`validation ${JSON.stringify(v.expression)} returned ${typeof r}, not a bool`);
    if (!r) failed.push(v.message ?? v.expression);
  }
  return failed.length ? { result: 'fail', failed } : { result: 'pass' };
}

function evaluateCase(c) {
  world = c.signatures ?? {};
  const policies = c.policies.filter((p) => p.kind === 'ValidatingPolicy' || p.kind === 'ImageValidatingPolicy');
  const exceptions = c.policies.filter((p) => p.kind === 'PolicyException');
  const out = [];
  for (const policy of policies) {
    for (const resource of c.resources) {
      let verdict;
      try {
        verdict = evaluate(policy, resource, exceptions);
      } catch (e) {
        verdict = { result: 'error', error: String(e?.message ?? e) };
      }
      out.push({ policy: policy.metadata.name, resource: `${resource.object.kind}/${resource.object.metadata?.namespace ?? ''}/${resource.object.metadata?.name}`, ...verdict });
    }
  }
  return out;
}

process.stdout.write(JSON.stringify(input.cases.map(evaluateCase)));
