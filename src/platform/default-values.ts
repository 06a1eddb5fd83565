import { Size } from 'cdk8s';
import { ContainerResources } from 'cdk8s-plus-27';
import type { Environment } from '../model/environment';
import type { IPlatformApp } from '../platform/platform-app-contract';

/** Renders a Size as a Kubernetes quantity (`128Mi`). @internal */
export function quantity(size: Size): string {
  const mi = size.toMebibytes({ rounding: 1 as any });
  if (Number.isInteger(mi)) return `${mi}Mi`;
  return `${Math.round(size.toKibibytes())}Ki`;
}

function resources(r: ContainerResources | undefined): Record<string, any> {
  if (!r) return { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } };
  const requests: Record<string, string> = {};
  const limits: Record<string, string> = {};
  if (r.cpu?.request) requests.cpu = r.cpu.request.amount;
  if (r.cpu?.limit) limits.cpu = r.cpu.limit.amount;
  if (r.memory?.request) requests.memory = quantity(r.memory.request);
  if (r.memory?.limit) limits.memory = quantity(r.memory.limit);
  if (r.ephemeralStorage?.request) requests['ephemeral-storage'] = quantity(r.ephemeralStorage.request);
  if (r.ephemeralStorage?.limit) limits['ephemeral-storage'] = quantity(r.ephemeralStorage.limit);
  return { ...(Object.keys(requests).length ? { requests } : {}), ...(Object.keys(limits).length ? { limits } : {}) };
}

/**
 * The default values of one environment, with the keys of `helm create`: names fixed to the app name so
 * the library's manifests can refer to them, the image repository (the deploy job adds the digest),
 * restricted pod security, and the environment's replicas and resources.
 * @internal
 */
export function renderValues(app: IPlatformApp, env: Environment): Record<string, any> {
  return {
    nameOverride: app.name,
    fullnameOverride: app.name,
    replicaCount: env.replicas,
    image: { repository: app.image.repository, pullPolicy: 'IfNotPresent', tag: '' },
    service: { type: 'ClusterIP', port: app.port },
    resources: resources(env.resources),
    podSecurityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
    securityContext: {
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
    },
    autoscaling: { enabled: false },
    ingress: { enabled: false },
  };
}
