import { show } from '../core/errors';
import { PROM_LABEL_NAME } from '../core/names';

/**
 * A Kubernetes or Prometheus label. (A list of these rather than a map keeps the API usable from every
 * jsii language.)
 */
export interface Label {
  /** Label name, e.g. `release`. */
  readonly name: string;
  /** Label value, e.g. `kube-prometheus-stack`. */
  readonly value: string;
}

const LABEL_NAME = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;

/**
 * Turns a label list into a map, with problems for invalid or repeated names. `prometheus` labels follow
 * Prometheus' name rule (`[a-zA-Z_][a-zA-Z0-9_]*`, any value); otherwise Kubernetes' rules apply.
 * @internal
 */
export function labelMap(prop: string, labels: Label[] | undefined, prometheus = false): { map: Record<string, string>; problems: string[] } {
  const map: Record<string, string> = {};
  const problems: string[] = [];
  for (const l of labels ?? []) {
    const nameOk = prometheus ? PROM_LABEL_NAME.test(l?.name ?? '') : LABEL_NAME.test(l?.name ?? '');
    if (!nameOk) problems.push(`'${prop}' has an invalid label name ${show(l?.name)}; use ${prometheus ? "letters, digits and '_'" : "a Kubernetes label key such as 'release' or 'acme.dev/team'"}`);
    else if (typeof l.value !== 'string' || (!prometheus && !LABEL_VALUE.test(l.value))) problems.push(`'${prop}' label ${show(l.name)} has an invalid value ${show(l?.value)}`);
    else if (l.name in map) problems.push(`'${prop}' names label ${show(l.name)} twice`);
    else map[l.name] = l.value;
  }
  return { map, problems };
}
