import { Duration } from 'cdk8s';
import * as pp from '../../src';

describe('SecretReference', () => {
  test('externalSecret renders an ExternalSecret naming the store and the remote keys, never a value', () => {
    const ref = pp.SecretReference.externalSecret({
      name: 'checkout-stripe', store: 'aws-secrets-manager', keys: [{ secretKey: 'STRIPE_API_KEY', remoteKey: 'checkout/stripe', property: 'api_key' }],
    });
    expect(ref._problems()).toEqual([]);
    expect([ref.source, ref.name, ref.store]).toEqual(['external-secret', 'checkout-stripe', 'aws-secrets-manager']);
    expect(ref._render('platform-prod', { app: 'checkout' })).toEqual({
      apiVersion: 'external-secrets.io/v1',
      kind: 'ExternalSecret',
      metadata: { name: 'checkout-stripe', namespace: 'platform-prod', labels: { app: 'checkout' }, annotations: { 'platform-pipeline.dev/secret-source': 'external-secret' } },
      spec: {
        refreshInterval: '3600s',
        secretStoreRef: { name: 'aws-secrets-manager', kind: 'ClusterSecretStore' },
        target: { name: 'checkout-stripe', creationPolicy: 'Owner' },
        data: [{ secretKey: 'STRIPE_API_KEY', remoteRef: { key: 'checkout/stripe', property: 'api_key' } }],
      },
    });
  });

  test('vault reads each key from a field of one KV path through the named store', () => {
    const ref = pp.SecretReference.vault({
      name: 'checkout-db',
      store: 'vault',
      storeKind: pp.SecretStoreKind.SECRET_STORE,
      path: 'checkout/database',
      keys: [{ secretKey: 'DB_PASSWORD', field: 'password' }],
      refreshInterval: Duration.minutes(5),
    });
    expect(ref._problems()).toEqual([]);
    const spec = ref._render('platform-staging', {}).spec;
    expect(spec.secretStoreRef).toEqual({ name: 'vault', kind: 'SecretStore' });
    expect(spec.refreshInterval).toBe('300s');
    expect(spec.data).toEqual([{ secretKey: 'DB_PASSWORD', remoteRef: { key: 'checkout/database', property: 'password' } }]);
  });

  test('bad props are problems the construct using the reference reports with its path', () => {
    expect(pp.SecretReference.externalSecret({ name: 'x', store: 's', keys: [{ secretKey: 'K', remoteKey: 'has space' }, { secretKey: 'K', remoteKey: 'r' }] })._problems())
      .toEqual(["'keys[1].secretKey' 'K' is listed twice", "'keys[0].remoteKey' must name the value in the store (no spaces), got 'has space'"]);
    expect(pp.SecretReference.vault({ name: 'x', store: 's', path: 'a//b', keys: [{ secretKey: 'K', field: 'f' }] })._problems())
      .toEqual(["'path' must be a Vault KV path such as 'checkout/database' (no leading slash, no spaces), got 'a//b'"]);
  });
});
