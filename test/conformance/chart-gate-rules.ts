/**
 * Hand-written equivalents of the chart checks the generated pipeline runs with tools that have no Debian
 * or npm package (../shared/reference/validators.md §8), so the conformance suite can hold an example's
 * chart to them offline:
 *
 * - kube-score 1.20.0 (zegl/kube-score at tag v1.20.0: score/{container,security,probes,networkpolicy,
 *   service,deployment,disruptionbudget,apps,hpa,meta}/*.go), the default checks, graded as kube-score
 *   grades them (its exit code is 1 on a critical finding, or on a warning with --exit-one-on-warning);
 * - kubesec 2.14.2 (controlplaneio/kubesec at v2.14.2: pkg/ruler/ruleset.go, pkg/rules/*.go), its rules
 *   and points, written as the JSON report `kubesec scan` prints, so the generated gate script can read it;
 * - Checkov's Kubernetes checks that look at workloads and services (bridgecrewio/checkov,
 *   checkov/kubernetes/checks/resource/k8s/*.py), with its `checkov.io/skip<n>` annotations.
 *
 * Each models only the kinds the examples emit, and throws on an object the tool would parse but this
 * code does not model: a new kind fails the test instead of passing unchecked.
 */

type Obj = Record<string, any>;

const labelsOf = (o: Obj | undefined): Record<string, string> => o?.metadata?.labels ?? {};
const nsOf = (o: Obj): string => o.metadata?.namespace ?? '';
const nameOf = (o: Obj): string => `${o.kind}/${o.metadata?.name}${o.metadata?.namespace ? ` (${o.metadata.namespace})` : ''}`;
const containersOf = (pod: Obj): Obj[] => [...(pod?.spec?.initContainers ?? []), ...(pod?.spec?.containers ?? [])];

/** metav1.LabelSelectorAsSelector(sel).Matches(labels): matchLabels and matchExpressions; `{}` matches all. */
export function selectorMatches(sel: Obj | undefined | null, labels: Record<string, string>): boolean {
  for (const [k, v] of Object.entries<string>(sel?.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of sel?.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    const ok = e.operator === 'In' ? has && e.values.includes(labels[e.key])
      : e.operator === 'NotIn' ? !has || !e.values.includes(labels[e.key])
        : e.operator === 'Exists' ? has
          : e.operator === 'DoesNotExist' ? !has
            : (() => { throw new Error(`label selector operator ${e.operator} is not modelled`); })();
    if (!ok) return false;
  }
  return true;
}

/** Kubernetes quantity is set and not zero (resource.Quantity.IsZero). */
const nonZero = (q: unknown): boolean => q !== undefined && q !== null && !/^0+(\.0*)?[a-zA-Z]*$/.test(String(q));

// ---- kube-score ------------------------------------------------------------------------------------------

/** A kube-score finding. */
export interface KubeScoreFinding {
  readonly test: string;
  readonly object: string;
  readonly grade: 'critical' | 'warning';
  readonly comment: string;
}

/** The flags of a `kube-score score` call that change the verdict. */
export interface KubeScoreFlags {
  readonly ignoreTests: string[];
  readonly exitOneOnWarning: boolean;
  readonly files: string[];
}

/** Reads the flags and input files of one `kube-score score …` call (as the harness recorded it). */
export function kubeScoreFlags(args: string[]): KubeScoreFlags {
  if (args[0] !== 'score') throw new Error(`kube-score ${args.join(' ')}: only 'score' is modelled`);
  const ignoreTests: string[] = [];
  const files: string[] = [];
  let exitOneOnWarning = false;
  for (let i = 1; i < args.length; i++) {
    const a = args[i];
    if (a === '--ignore-test') ignoreTests.push(...args[++i].split(','));
    else if (a === '--exit-one-on-warning') exitOneOnWarning = true;
    else if (a === '--output-format' || a === '-o') i++;
    else if (a.startsWith('-')) throw new Error(`kube-score flag ${a} is not modelled`);
    else files.push(a);
  }
  return { ignoreTests, exitOneOnWarning, files };
}

/** The objects kube-score parses (parser/parse.go), by `apiVersion/kind`; the rest it ignores. */
const KUBE_SCORE_PARSES = /^(v1\/Pod|batch\/v1(beta1)?\/(Job|CronJob)|(apps\/v1(beta[12])?|extensions\/v1beta1)\/(Deployment|StatefulSet|DaemonSet)|networking\.k8s\.io\/v1\/NetworkPolicy|v1\/Service|policy\/v1(beta1)?\/PodDisruptionBudget|(extensions\/v1beta1|networking\.k8s\.io\/v1(beta1)?)\/Ingress|autoscaling\/v(1|2|2beta1|2beta2)\/HorizontalPodAutoscaler)$/;
const MODELLED = new Set(['apps/v1/Deployment', 'v1/Service', 'networking.k8s.io/v1/NetworkPolicy', 'policy/v1/PodDisruptionBudget', 'autoscaling/v2/HorizontalPodAutoscaler']);
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const ANTI_AFFINITY_KEYS = ['kubernetes.io/hostname', 'topology.kubernetes.io/region', 'topology.kubernetes.io/zone', 'failure-domain.beta.kubernetes.io/region', 'failure-domain.beta.kubernetes.io/zone'];

/** The last `:`-separated part of an image reference (kube-score's containerTag). */
const imageTag = (image: string): string => (image.includes(':') ? image.split(':').pop()! : '');

/**
 * kube-score's default checks over one call's objects (every file of the call together, as kube-score
 * reads them). Returns every critical and warning finding not ignored by `--ignore-test` or a
 * `kube-score/ignore` annotation.
 */
export function kubeScore(docs: Obj[], ignoreTests: string[] = []): KubeScoreFinding[] {
  const parsed = docs.filter((d) => KUBE_SCORE_PARSES.test(`${d.apiVersion}/${d.kind}`));
  const unmodelled = parsed.filter((d) => !MODELLED.has(`${d.apiVersion}/${d.kind}`));
  if (unmodelled.length > 0) throw new Error(`kube-score equivalent: ${unmodelled.map(nameOf).join(', ')} not modelled`);
  const of = (kind: string) => parsed.filter((d) => d.kind === kind);
  const deployments = of('Deployment');
  const services = of('Service');
  const netpols = of('NetworkPolicy');
  const pdbs = of('PodDisruptionBudget');
  const hpas = of('HorizontalPodAutoscaler');
  const out: KubeScoreFinding[] = [];
  const add = (test: string, o: Obj, grade: KubeScoreFinding['grade'], comment: string) => {
    const ignored = String(o.metadata?.annotations?.['kube-score/ignore'] ?? '').split(',').map((s) => s.trim());
    if (!ignoreTests.includes(test) && !ignored.includes(test)) out.push({ test, object: nameOf(o), grade, comment });
  };
  const selects = (s: Obj, d: Obj) => nsOf(s) === nsOf(d) && selectorMatches({ matchLabels: s.spec?.selector ?? {} }, labelsOf(d.spec.template));
  const podTargetedByService = (d: Obj) => services.some((s) => selects(s, d));

  for (const d of deployments) {
    const pod = d.spec.template;
    const cs = containersOf(pod);
    const podLabels = labelsOf(pod);
    const replicas: number | undefined = d.spec.replicas;
    // score/container
    const res = (c: Obj, k: 'limits' | 'requests', r: string) => nonZero(c.resources?.[k]?.[r]);
    if (cs.some((c) => !res(c, 'limits', 'cpu') || !res(c, 'limits', 'memory'))) add('container-resources', d, 'critical', 'CPU or memory limit is not set');
    else if (cs.some((c) => !res(c, 'requests', 'cpu') || !res(c, 'requests', 'memory'))) add('container-resources', d, 'warning', 'CPU or memory request is not set');
    if (cs.some((c) => ['', 'latest'].includes(imageTag(c.image ?? '')))) add('container-image-tag', d, 'critical', 'Image with latest tag');
    for (const c of cs) {
      const tag = imageTag(c.image ?? '');
      if (!c.imagePullPolicy && (tag === '' || tag === 'latest')) continue;
      if (c.imagePullPolicy !== 'Always') add('container-image-pull-policy', d, 'critical', `${c.name}: ImagePullPolicy is not set to Always`);
    }
    if (cs.some((c) => !res(c, 'limits', 'ephemeral-storage'))) add('container-ephemeral-storage-request-and-limit', d, 'critical', 'Ephemeral Storage limit is not set');
    else if (cs.some((c) => !res(c, 'requests', 'ephemeral-storage'))) add('container-ephemeral-storage-request-and-limit', d, 'warning', 'Ephemeral Storage request is not set');
    for (const c of cs) {
      const names = (c.env ?? []).map((e: Obj) => e.name);
      if (new Set(names).size !== names.length) add('environment-variable-key-duplication', d, 'critical', `${c.name}: duplicated environment variable`);
    }
    // score/networkpolicy: pod-networkpolicy
    let ingress = false;
    let egress = false;
    for (const n of netpols) {
      if (nsOf(n) !== nsOf(d) || !selectorMatches(n.spec?.podSelector ?? {}, podLabels)) continue;
      const types: string[] = n.spec?.policyTypes ?? [];
      if (types.length === 0) {
        ingress = true;
        if ((n.spec?.egress ?? []).length > 0) egress = true;
      } else {
        ingress ||= types.includes('Ingress');
        egress ||= types.includes('Egress');
      }
    }
    if (!ingress && !egress) add('pod-networkpolicy', d, 'critical', 'The pod does not have a matching NetworkPolicy');
    else if (!ingress || !egress) add('pod-networkpolicy', d, 'warning', `The pod does not have a matching ${ingress ? 'egress' : 'ingress'} NetworkPolicy`);
    // score/probes
    if (podTargetedByService(d) && !cs.some((c) => c.readinessProbe)) add('pod-probes', d, 'critical', 'Container is missing a readinessProbe');
    const portOf = (p: unknown) => (typeof p === 'number' ? p : /^\d+$/.test(String(p)) ? Number(p) : 0); // intstr.IntValue
    const identical = (r: Obj, l: Obj) => (r.httpGet && l.httpGet
      ? r.httpGet.path === l.httpGet.path && portOf(r.httpGet.port) === portOf(l.httpGet.port)
      : r.tcpSocket && l.tcpSocket ? String(r.tcpSocket.port) === String(l.tcpSocket.port)
        : r.exec && l.exec ? JSON.stringify(r.exec.command ?? []) === JSON.stringify(l.exec.command ?? []) : false);
    if (cs.some((c) => c.readinessProbe && c.livenessProbe && identical(c.readinessProbe, c.livenessProbe))) add('pod-probes-identical', d, 'critical', 'Container has the same readiness and liveness probe');
    // score/security
    const psc = pod.spec.securityContext;
    for (const c of cs) {
      if (!c.securityContext && !psc) { add('container-security-context-user-group-id', d, 'critical', `${c.name}: no security context`); continue; }
      const user = c.securityContext?.runAsUser ?? psc?.runAsUser;
      const group = c.securityContext?.runAsGroup ?? psc?.runAsGroup;
      if (user === undefined || user < 10000 || group === undefined || group < 10000) add('container-security-context-user-group-id', d, 'critical', `${c.name}: low or unset user/group id`);
    }
    if (cs.some((c) => c.securityContext?.privileged === true)) add('container-security-context-privileged', d, 'critical', 'The container is privileged');
    if (cs.some((c) => c.securityContext?.readOnlyRootFilesystem !== true)) add('container-security-context-readonlyrootfilesystem', d, 'critical', 'writable root filesystem or no security context');
    for (const t of pod.spec.topologySpreadConstraints ?? []) {
      if (!t.labelSelector || !t.maxSkew || t.minDomains === 0 || !t.topologyKey || !['DoNotSchedule', 'ScheduleAnyway'].includes(t.whenUnsatisfiable)) add('pod-topology-spread-constraints', d, 'critical', 'invalid topology spread constraint');
    }
    // score/deployment
    const targeted = podTargetedByService(d);
    const ref = (h: Obj) => h.spec?.scaleTargetRef ?? {};
    const hpa = hpas.find((h) => nsOf(h) === nsOf(d)
      && ref(h).apiVersion === d.apiVersion && ref(h).kind === d.kind && ref(h).name === d.metadata.name);
    if (targeted && d.spec.strategy?.type && d.spec.strategy.type !== 'RollingUpdate') add('deployment-strategy', d, 'warning', 'not RollingUpdate');
    if (targeted && !hpa && (replicas ?? 1) < 2) add('deployment-replicas', d, 'warning', 'Deployment few replicas');
    // score/disruptionbudget
    if (!(replicas !== undefined && replicas < 2) && !pdbs.some((p) => nsOf(p) === nsOf(d) && selectorMatches(p.spec?.selector, podLabels))) {
      add('deployment-has-poddisruptionbudget', d, 'critical', 'No matching PodDisruptionBudget was found');
    }
    // score/apps
    if (!(replicas !== undefined && replicas < 2)) {
      const anti = pod.spec.affinity?.podAntiAffinity;
      const terms = [
        ...(anti?.preferredDuringSchedulingIgnoredDuringExecution ?? []).map((p: Obj) => p.podAffinityTerm),
        ...(anti?.requiredDuringSchedulingIgnoredDuringExecution ?? []),
      ];
      if (!terms.some((t: Obj) => ANTI_AFFINITY_KEYS.includes(t.topologyKey) && selectorMatches(t.labelSelector, podLabels))) add('deployment-has-host-podantiaffinity', d, 'warning', 'no host podAntiAffinity');
    }
    const hpaByKind = hpas.find((h) => nsOf(h) === nsOf(d) && String(ref(h).kind).toLowerCase() === 'deployment' && ref(h).name === d.metadata.name);
    if (hpaByKind && replicas !== undefined) add('deployment-targeted-by-hpa-does-not-have-replicas-configured', d, 'critical', 'targeted by a HPA but sets replicas');
    if (!selectorMatches(d.spec.selector, podLabels)) add('deployment-pod-selector-labels-match-template-metadata-labels', d, 'critical', 'selector does not match the template labels');
  }
  for (const p of pdbs) {
    if (p.spec?.minAvailable === undefined && p.spec?.maxUnavailable === undefined) add('poddisruptionbudget-has-policy', p, 'critical', 'PodDisruptionBudget missing policy');
  }
  for (const n of netpols) {
    if (!deployments.some((d) => nsOf(d) === nsOf(n) && selectorMatches(n.spec?.podSelector ?? {}, labelsOf(d.spec.template)))) add('networkpolicy-targets-pod', n, 'critical', "The NetworkPolicy's selector doesn't match any pods");
  }
  for (const s of services) {
    if (s.spec?.type === 'ExternalName') continue;
    if (!deployments.some((d) => selects(s, d))) add('service-targets-pod', s, 'critical', 'The services selector does not match any pods');
    if (s.spec?.type === 'NodePort') add('service-type', s, 'warning', 'The service is of type NodePort');
  }
  for (const h of hpas) {
    const t = h.spec?.scaleTargetRef ?? {};
    if (!parsed.some((o) => o.apiVersion === t.apiVersion && o.kind === t.kind && o.metadata?.name === t.name && nsOf(o) === nsOf(h))) add('horizontalpodautoscaler-has-target', h, 'critical', 'The HPA target does not match anything');
    if ((h.spec?.minReplicas ?? 1) < 2) add('horizontalpodautoscaler-replicas', h, 'warning', 'HPA few replicas');
  }
  for (const o of parsed) {
    for (const [k, v] of Object.entries<string>(labelsOf(o))) if (!LABEL_VALUE.test(v)) add('label-values', o, 'critical', `invalid value of label ${k}`);
  }
  return out;
}

// ---- kubesec ---------------------------------------------------------------------------------------------

const KUBESEC_KINDS = ['Pod', 'Deployment', 'StatefulSet', 'DaemonSet'];

/** One kubesec rule: points, and how many containers (or 1 for the pod) match it. */
interface KubesecRule { readonly id: string; readonly points: number; readonly selector: string; count(o: Obj, spec: Obj): number }

/** A container-level setting; a container without it inherits the pod's (pkg/rules/helper.go). */
function withPodFallback(get: (sc: Obj | undefined) => unknown, valid: (v: any) => boolean) {
  return (_: Obj, spec: Obj) => {
    const atPod = valid(get(spec.securityContext));
    return containersOf({ spec }).filter((c) => {
      const v = get(c.securityContext);
      return v === undefined ? atPod : valid(v);
    }).length;
  };
}
const perContainer = (test: (c: Obj) => boolean) => (_: Obj, spec: Obj) => containersOf({ spec }).filter(test).length;
const atPod = (test: (spec: Obj) => boolean) => (_: Obj, spec: Obj) => (test(spec) ? 1 : 0);

/** pkg/ruler/ruleset.go at v2.14.2 (volume-claim rules apply to StatefulSets only: not modelled). */
const KUBESEC_RULES: KubesecRule[] = [
  { id: 'HostNetwork', points: -9, selector: '.spec .hostNetwork == true', count: atPod((s) => s.hostNetwork === true) },
  { id: 'HostPID', points: -9, selector: '.spec .hostPID == true', count: atPod((s) => s.hostPID === true) },
  { id: 'HostIPC', points: -9, selector: '.spec .hostIPC == true', count: atPod((s) => s.hostIPC === true) },
  { id: 'ReadOnlyRootFilesystem', points: 1, selector: 'containers[] .securityContext .readOnlyRootFilesystem == true', count: perContainer((c) => c.securityContext?.readOnlyRootFilesystem === true) },
  { id: 'RunAsNonRoot', points: 1, selector: '.spec, .spec.containers[] | .securityContext .runAsNonRoot == true', count: withPodFallback((sc) => sc?.runAsNonRoot, (v) => v === true) },
  { id: 'RunAsUser', points: 1, selector: '.spec, .spec.containers[] | .securityContext .runAsUser -gt 10000', count: withPodFallback((sc) => sc?.runAsUser, (v) => typeof v === 'number' && v > 10000) },
  { id: 'RunAsGroup', points: 1, selector: '.spec, .spec.containers[] | .securityContext .runAsGroup -gt 10000', count: withPodFallback((sc) => sc?.runAsGroup, (v) => typeof v === 'number' && v > 10000) },
  { id: 'Privileged', points: -30, selector: 'containers[] .securityContext .privileged == true', count: perContainer((c) => c.securityContext?.privileged === true) },
  { id: 'CapSysAdmin', points: -30, selector: 'containers[] .securityContext .capabilities .add == SYS_ADMIN', count: perContainer((c) => (c.securityContext?.capabilities?.add ?? []).includes('SYS_ADMIN')) },
  { id: 'CapDropAny', points: 1, selector: 'containers[] .securityContext .capabilities .drop', count: perContainer((c) => (c.securityContext?.capabilities?.drop ?? []).length > 0) },
  { id: 'CapDropAll', points: 1, selector: 'containers[] .securityContext .capabilities .drop | index("ALL")', count: perContainer((c) => (c.securityContext?.capabilities?.drop ?? []).includes('ALL')) },
  { id: 'DockerSock', points: -9, selector: 'volumes[] .hostPath .path == /var/run/docker.sock', count: atPod((s) => (s.volumes ?? []).some((v: Obj) => v.hostPath?.path === '/var/run/docker.sock')) },
  { id: 'ProcMount', points: -9, selector: 'volumes[] .hostPath .path == /proc', count: atPod((s) => (s.volumes ?? []).some((v: Obj) => v.hostPath?.path === '/proc')) },
  { id: 'RequestsCPU', points: 1, selector: 'containers[] .resources .requests .cpu', count: perContainer((c) => !!c.resources?.requests?.cpu) },
  { id: 'LimitsCPU', points: 1, selector: 'containers[] .resources .limits .cpu', count: perContainer((c) => !!c.resources?.limits?.cpu) },
  { id: 'RequestsMemory', points: 1, selector: 'containers[] .resources .requests .memory', count: perContainer((c) => !!c.resources?.requests?.memory) },
  { id: 'LimitsMemory', points: 1, selector: 'containers[] .resources .limits .memory', count: perContainer((c) => !!c.resources?.limits?.memory) },
  { id: 'ServiceAccountName', points: 3, selector: '.spec .serviceAccountName', count: atPod((s) => !!s.serviceAccountName) },
  { id: 'HostAliases', points: -3, selector: '.spec .hostAliases', count: atPod((s) => !!s.hostAliases) },
  { id: 'AllowPrivilegeEscalation', points: -7, selector: 'containers[] .securityContext .allowPrivilegeEscalation == true', count: perContainer((c) => c.securityContext?.allowPrivilegeEscalation === true) },
  { id: 'AutomountServiceAccountToken', points: 1, selector: '.spec .automountServiceAccountToken == false', count: atPod((s) => s.automountServiceAccountToken === false) },
];

/** A rule in a kubesec report. */
interface KubesecRuleRef { readonly id: string; readonly selector: string; readonly points: number }

/** One object of a kubesec report (`kubesec scan` prints a JSON array of these). */
export interface KubesecReport {
  readonly object: string;
  readonly valid: boolean;
  readonly fileName: string;
  readonly message: string;
  readonly score: number;
  readonly scoring: { readonly critical: KubesecRuleRef[]; readonly passed: KubesecRuleRef[]; readonly advise: KubesecRuleRef[] };
}

/**
 * The report `kubesec scan <file>` prints for the file's objects. `schemaErrors` stands in for kubesec's
 * own schema validation (kubeconform): an object with errors is `valid: false` and is not scored.
 */
export function kubesecScan(fileName: string, docs: Obj[], schemaErrors: (o: Obj) => string[]): KubesecReport[] {
  return docs.map((o) => {
    const object = `${o.kind ?? 'Unknown'}/${o.metadata?.name ?? 'undefined'}.${o.metadata?.namespace ?? 'default'}`;
    const errors = schemaErrors(o);
    const empty = { critical: [], passed: [], advise: [] };
    if (errors.length > 0) return { object, valid: false, fileName, message: errors.join('; '), score: 0, scoring: empty };
    if (!KUBESEC_KINDS.includes(o.kind)) return { object, valid: true, fileName, message: 'This resource kind is not supported by kubesec', score: 0, scoring: empty };
    if (o.kind !== 'Deployment') throw new Error(`kubesec equivalent: ${nameOf(o)} not modelled`);
    const annotations = Object.keys(o.metadata?.annotations ?? {});
    if (annotations.some((a) => /seccomp|apparmor/.test(a))) throw new Error(`kubesec equivalent: the seccomp/AppArmor annotations of ${nameOf(o)} are not modelled`);
    const spec = o.spec.template.spec;
    const critical: KubesecRuleRef[] = [];
    const passed: KubesecRuleRef[] = [];
    const advise: KubesecRuleRef[] = [];
    let score = 0;
    for (const r of KUBESEC_RULES) {
      const ref = { id: r.id, selector: r.selector, points: r.points };
      if (r.count(o, spec) > 0) {
        score += r.points;
        (r.points < 0 ? critical : passed).push(ref);
      } else if (r.points >= 0) {
        advise.push(ref);
      }
    }
    return { object, valid: true, fileName, message: `${score >= 0 ? 'Passed' : 'Failed'} with a score of ${score} points`, score, scoring: { critical, passed, advise } };
  });
}

// ---- Checkov ---------------------------------------------------------------------------------------------

/** A failed Checkov check. */
export interface CheckovFailure { readonly id: string; readonly object: string }

const CHECKOV_WORKLOADS = ['Pod', 'Deployment', 'DaemonSet', 'StatefulSet', 'ReplicaSet', 'ReplicationController', 'Job', 'CronJob'];
const CHECKOV_NAMESPACED = [...CHECKOV_WORKLOADS, 'Service', 'Secret', 'ServiceAccount', 'Role', 'RoleBinding', 'ConfigMap', 'Ingress'];

/** Checkov's container checks (`BaseK8sContainerCheck`): each passes or fails per container. */
const CHECKOV_CONTAINER: Record<string, (c: Obj) => boolean> = {
  CKV_K8S_8: (c) => !!c.livenessProbe,
  CKV_K8S_9: (c) => !!c.readinessProbe,
  CKV_K8S_10: (c) => !!c.resources?.requests?.cpu,
  CKV_K8S_11: (c) => !!c.resources?.limits?.cpu,
  CKV_K8S_12: (c) => !!c.resources?.requests?.memory,
  CKV_K8S_13: (c) => !!c.resources?.limits?.memory,
  // ImageTagFixed: a digest passes; else a tag other than latest
  CKV_K8S_14: (c) => String(c.image).includes('@') || !['', 'latest'].includes(imageTag(String(c.image).replace(/^[^/]*:\d+\//, ''))),
  // ImagePullPolicyAlways: a digest passes; else Always (or unset with no tag/latest)
  CKV_K8S_15: (c) => String(c.image).includes('@') || (c.imagePullPolicy === undefined ? ['', 'latest'].includes(imageTag(String(c.image))) : c.imagePullPolicy === 'Always'),
  CKV_K8S_16: (c) => !c.securityContext?.privileged,
  CKV_K8S_20: (c) => c.securityContext?.allowPrivilegeEscalation === false,
  CKV_K8S_22: (c) => !!c.securityContext?.readOnlyRootFilesystem,
  CKV_K8S_25: (c) => !(c.securityContext?.capabilities?.add ?? []).length,
  CKV_K8S_26: (c) => !(c.ports ?? []).some((p: Obj) => p.hostPort),
  CKV_K8S_28: (c) => (c.securityContext?.capabilities?.drop ?? []).some((d: string) => ['ALL', 'all', 'NET_RAW'].some((x) => d.includes(x))),
  CKV_K8S_30: (c) => !!c.securityContext,
  CKV_K8S_37: (c) => (c.securityContext?.capabilities?.drop ?? []).some((d: string) => ['ALL', 'all'].some((x) => d.includes(x))),
  CKV_K8S_43: (c) => String(c.image).includes('@'),
};

/** Checkov's pod-spec checks (`BaseK8Check` over the pod template). */
const CHECKOV_POD: Record<string, (spec: Obj) => boolean> = {
  CKV_K8S_17: (s) => s.hostPID !== true,
  CKV_K8S_18: (s) => s.hostIPC !== true,
  CKV_K8S_19: (s) => s.hostNetwork !== true,
  // RootContainers: runAsNonRoot at the pod, not overridden to false by a container without a non-zero user
  CKV_K8S_23: (s) => (s.containers ?? []).every((c: Obj) => {
    const nonRoot = c.securityContext?.runAsNonRoot ?? s.securityContext?.runAsNonRoot;
    const user = c.securityContext?.runAsUser ?? s.securityContext?.runAsUser;
    return nonRoot === true || (typeof user === 'number' && user > 0);
  }),
  CKV_K8S_29: (s) => !!s.securityContext,
  CKV_K8S_31: (s) => s.securityContext?.seccompProfile?.type === 'RuntimeDefault'
    || (s.containers ?? []).every((c: Obj) => c.securityContext?.seccompProfile?.type === 'RuntimeDefault'),
  CKV_K8S_38: (s) => s.automountServiceAccountToken === false,
  // RootContainersHighUID: runAsUser >= 10000, a container's value overriding the pod's
  CKV_K8S_40: (s) => (s.containers ?? []).every((c: Obj) => {
    const user = c.securityContext?.runAsUser ?? s.securityContext?.runAsUser;
    return typeof user === 'number' && user >= 10000;
  }),
};

/** The check ids an object skips with `checkov.io/skip<n>: <ID>[=<comment>]` annotations. */
function checkovSkips(o: Obj): string[] {
  return Object.entries<string>(o.metadata?.annotations ?? {})
    .filter(([k]) => ['checkov.io/skip', 'bridgecrew.io/skip'].some((p) => k.includes(p)))
    .map(([, v]) => String(v).split('=')[0]);
}

/**
 * The Checkov checks above over rendered objects (Checkov renders a chart with `helm template` and its
 * default values, without a namespace). Returns the checks that fail and are not skipped.
 */
export function checkov(docs: Obj[]): CheckovFailure[] {
  const out: CheckovFailure[] = [];
  for (const o of docs) {
    const skips = checkovSkips(o);
    const fail = (id: string) => { if (!skips.includes(id)) out.push({ id, object: nameOf(o) }); };
    if (CHECKOV_NAMESPACED.includes(o.kind)) {
      const ns = o.metadata?.namespace;
      const defaultOk = (o.kind === 'Service' && o.metadata?.name === 'kubernetes') || (o.kind === 'ServiceAccount' && o.metadata?.name === 'default');
      if ((!ns || ns === 'default') && !defaultOk) fail('CKV_K8S_21');
    }
    if (!CHECKOV_WORKLOADS.includes(o.kind)) continue;
    if (o.kind !== 'Deployment') throw new Error(`Checkov equivalent: ${nameOf(o)} not modelled`);
    const spec = o.spec.template.spec;
    for (const [id, ok] of Object.entries(CHECKOV_POD)) if (!ok(spec)) fail(id);
    for (const c of spec.containers ?? []) for (const [id, ok] of Object.entries(CHECKOV_CONTAINER)) if (!ok(c)) fail(id);
  }
  return out;
}

/** The chart-tests job's NetworkPolicy validation: every policy names its pod selector and policy types. */
export function incompleteNetworkPolicies(docs: Obj[]): string[] {
  return docs.filter((d) => d.kind === 'NetworkPolicy' && (d.spec?.podSelector == null || d.spec?.policyTypes == null)).map(nameOf);
}
