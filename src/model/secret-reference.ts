import { Duration } from 'cdk8s';
import { show } from '../core/errors';

/** Where an ExternalSecret reads from: a namespaced SecretStore or a ClusterSecretStore. */
export enum SecretStoreKind {
  /** A `SecretStore` in the environment's namespace. */
  SECRET_STORE = 'SecretStore',
  /** A cluster-wide `ClusterSecretStore`. */
  CLUSTER_SECRET_STORE = 'ClusterSecretStore',
}

/** One key of the Kubernetes Secret, and where its value lives in the external store. */
export interface SecretKeyReference {
  /** The key in the Kubernetes Secret, e.g. `DATABASE_PASSWORD`. */
  readonly secretKey: string;
  /** The key of the value in the store (AWS Secrets Manager name, GCP secret, …; the KV path for Vault). */
  readonly remoteKey: string;
  /**
   * A property of the stored value when it is a map (a JSON field; the field of a Vault KV secret).
   * @default - the whole value
   */
  readonly property?: string;
}

/** A Secret synced by the External Secrets Operator from any of its providers. */
export interface ExternalSecretReferenceProps {
  /** Name of the Kubernetes Secret the operator creates (the name the app's chart refers to). */
  readonly name: string;
  /** Name of the SecretStore or ClusterSecretStore. */
  readonly store: string;
  /**
   * Kind of the store.
   * @default SecretStoreKind.CLUSTER_SECRET_STORE
   */
  readonly storeKind?: SecretStoreKind;
  /** The Secret's keys. */
  readonly keys: SecretKeyReference[];
  /**
   * How often the operator syncs the value.
   * @default Duration.hours(1)
   */
  readonly refreshInterval?: Duration;
}

/** One key of the Kubernetes Secret, read from a field of a Vault KV secret. */
export interface VaultKeyReference {
  /** The key in the Kubernetes Secret. */
  readonly secretKey: string;
  /** The field of the Vault secret. */
  readonly field: string;
}

/** A Secret synced from HashiCorp Vault by the External Secrets Operator (through a store with the Vault provider). */
export interface VaultSecretReferenceProps {
  /** Name of the Kubernetes Secret the operator creates. */
  readonly name: string;
  /** Name of the SecretStore or ClusterSecretStore configured with the Vault provider (its server, KV mount and auth). */
  readonly store: string;
  /**
   * Kind of the store.
   * @default SecretStoreKind.CLUSTER_SECRET_STORE
   */
  readonly storeKind?: SecretStoreKind;
  /** Path of the secret below the store's KV mount, e.g. `checkout/database`. */
  readonly path: string;
  /** The Secret's keys, each a field of the Vault secret. */
  readonly keys: VaultKeyReference[];
  /**
   * How often the operator syncs the value.
   * @default Duration.hours(1)
   */
  readonly refreshInterval?: Duration;
}

/** What both kinds of reference share. */
interface CommonProps {
  readonly name: string;
  readonly store: string;
  readonly storeKind?: SecretStoreKind;
  readonly refreshInterval?: Duration;
}

const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;
const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const VAULT_PATH = /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/;

/**
 * A secret the app uses, by reference only: it names where the value lives (an External Secrets Operator
 * store, or Vault through such a store) and renders as an `external-secrets.io/v1` ExternalSecret object,
 * never as a Secret. There is no way to give it a value: the class holds names and keys, nothing else.
 */
export class SecretReference {
  /** A Secret synced by the External Secrets Operator from the named store (any of its providers). */
  public static externalSecret(props: ExternalSecretReferenceProps): SecretReference {
    const keys = (props?.keys ?? []).map((k) => ({ secretKey: k?.secretKey, remoteKey: k?.remoteKey, property: k?.property }));
    const problems = SecretReference.common(props, keys);
    keys.forEach((k, i) => {
      if (typeof k.remoteKey !== 'string' || k.remoteKey.trim() === '' || /\s/.test(k.remoteKey)) problems.push(`'keys[${i}].remoteKey' must name the value in the store (no spaces), got ${show(k.remoteKey)}`);
      if (k.property !== undefined && (typeof k.property !== 'string' || k.property.trim() === '')) problems.push(`'keys[${i}].property' must be a field name when given, got ${show(k.property)}`);
    });
    return new SecretReference('external-secret', props, keys, problems);
  }

  /** A Secret synced from HashiCorp Vault (KV) through a store with the Vault provider. */
  public static vault(props: VaultSecretReferenceProps): SecretReference {
    const path = props?.path;
    const keys = (props?.keys ?? []).map((k) => ({ secretKey: k?.secretKey, remoteKey: path, property: k?.field }));
    const problems = SecretReference.common(props, keys);
    if (typeof path !== 'string' || !VAULT_PATH.test(path)) problems.push(`'path' must be a Vault KV path such as 'checkout/database' (no leading slash, no spaces), got ${show(path)}`);
    (props?.keys ?? []).forEach((k, i) => {
      if (typeof k?.field !== 'string' || k.field.trim() === '') problems.push(`'keys[${i}].field' must name a field of the Vault secret, got ${show(k?.field)}`);
    });
    return new SecretReference('vault', props, keys, problems);
  }

  private static common(props: CommonProps | undefined, keys: { secretKey: string }[]): string[] {
    const problems: string[] = [];
    if (typeof props?.name !== 'string' || !SUBDOMAIN.test(props.name) || props.name.length > 253) problems.push(`'name' must be a Kubernetes object name such as 'checkout-db', got ${show(props?.name)}`);
    if (typeof props?.store !== 'string' || !SUBDOMAIN.test(props.store)) problems.push(`'store' must name a SecretStore or ClusterSecretStore, got ${show(props?.store)}`);
    if (props?.storeKind !== undefined && !Object.values(SecretStoreKind).includes(props.storeKind)) problems.push(`'storeKind' must be SecretStoreKind.SECRET_STORE or SecretStoreKind.CLUSTER_SECRET_STORE, got ${show(props.storeKind)}`);
    if (keys.length === 0) problems.push("'keys' must list at least one key of the Secret");
    const seen = new Set<string>();
    keys.forEach((k, i) => {
      if (typeof k.secretKey !== 'string' || !SECRET_KEY.test(k.secretKey)) problems.push(`'keys[${i}].secretKey' must be a Secret key (letters, digits, '-', '_', '.'), got ${show(k.secretKey)}`);
      else if (seen.has(k.secretKey)) problems.push(`'keys[${i}].secretKey' ${show(k.secretKey)} is listed twice`);
      seen.add(k.secretKey);
    });
    const refresh = props?.refreshInterval?.toSeconds();
    if (refresh !== undefined && !(refresh >= 60 && refresh <= 7 * 24 * 3600)) problems.push(`'refreshInterval' must be from 1 minute to 7 days, got ${refresh}s`);
    return problems;
  }

  /** `external-secret` or `vault`. */
  public readonly source: string;
  /** Name of the Kubernetes Secret the operator creates. */
  public readonly name: string;
  /** Name of the store. */
  public readonly store: string;

  private constructor(
    source: string,
    private readonly props: CommonProps,
    private readonly keys: { secretKey: string; remoteKey: string; property?: string }[],
    private readonly problems: string[],
  ) {
    this.source = source;
    this.name = props?.name;
    this.store = props?.store;
  }

  /** What is wrong with the reference's props (reported by the construct that uses it, with its path). @internal */
  public _problems(): string[] {
    return [...this.problems];
  }

  /** The ExternalSecret object in `namespace` (the only form a reference renders in). @internal */
  public _render(namespace: string, labels: Record<string, string>): any {
    const seconds = this.props.refreshInterval?.toSeconds() ?? 3600;
    return {
      apiVersion: 'external-secrets.io/v1',
      kind: 'ExternalSecret',
      metadata: {
        name: this.name,
        namespace,
        labels,
        annotations: { 'platform-pipeline.dev/secret-source': this.source },
      },
      spec: {
        refreshInterval: `${seconds}s`,
        secretStoreRef: { name: this.store, kind: this.props.storeKind ?? SecretStoreKind.CLUSTER_SECRET_STORE },
        target: { name: this.name, creationPolicy: 'Owner' },
        data: this.keys.map((k) => ({
          secretKey: k.secretKey,
          remoteRef: { key: k.remoteKey, ...(k.property !== undefined ? { property: k.property } : {}) },
        })),
      },
    };
  }
}
