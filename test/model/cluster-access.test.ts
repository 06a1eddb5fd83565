import * as pp from '../../src';
import { errorOf } from '../util';

describe('ClusterAccess', () => {
  test('bad inputs', () => {
    expect(errorOf(() => pp.ClusterAccess.kubeconfigSecret('GITHUB_TOKEN'))).toContain("'secretName' must be a GitHub secret name");
    expect(errorOf(() => pp.ClusterAccess.eks({ roleArn: 'deploy', clusterName: 'c', region: 'eu-west-1' }))).toContain("'roleArn' must be an IAM role ARN");
    expect(errorOf(() => pp.ClusterAccess.gke({ workloadIdentityProvider: 'x', serviceAccount: 'y', clusterName: 'c', location: 'europe-west1', projectId: 'acme-prod' }))).toMatch(/'workloadIdentityProvider' must be .*'serviceAccount' must be a service-account email/);
    expect(errorOf(() => pp.ClusterAccess.aks({ clientId: 'x', tenantId: 'y', subscriptionId: 'z', resourceGroup: 'rg', clusterName: 'c' }))).toContain("'clientId' must be a GUID");
  });
  test('OIDC modes', () => {
    expect(pp.ClusterAccess.kubeconfigSecret('K').usesOidc).toBe(false);
    expect(pp.ClusterAccess.eks({ roleArn: 'arn:aws:iam::123456789012:role/d', clusterName: 'c', region: 'us-east-1' }).usesOidc).toBe(true);
  });
});
