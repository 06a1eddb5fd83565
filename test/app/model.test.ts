import { Duration } from 'cdk8s';
import * as pp from '../../src';
import { labelMap } from '../../src/model/label';
import { errorOf } from '../util';

describe('Slo', () => {
  test.each([0, 100, -1, 101, NaN])('objective %p is refused', (objective) => {
    expect(errorOf(() => pp.Slo.availability({ name: 'a', objective }))).toContain("'objective' must be a percentage strictly between 0 and 100");
  });
  test('error budget is exact', () => {
    expect(pp.Slo.availability({ name: 'a', objective: 99.9 }).errorBudget).toBe(0.001);
    expect(pp.Slo.availability({ name: 'a', objective: 99.95 }).errorBudget).toBe(0.0005);
    expect(pp.Slo.latency({ name: 'l', objective: 99, threshold: Duration.millis(250) }).errorBudget).toBe(0.01);
  });
  test('period and threshold', () => {
    expect(errorOf(() => pp.Slo.availability({ name: 'a', objective: 99, period: Duration.hours(12) }))).toContain("'period' must be whole hours and at least 1 day");
    expect(pp.Slo.availability({ name: 'a', objective: 99 }).period.toDays()).toBe(30);
    expect(errorOf(() => pp.Slo.latency({ name: 'l', objective: 99, threshold: Duration.millis(0) }))).toContain("'threshold' must be a positive Duration");
    expect(errorOf(() => pp.Slo.availability({ name: 'Bad Name', objective: 99 }))).toContain("'name' must be a DNS-1123 label");
  });
});

describe('SliSource', () => {
  test('istio defaults', () => {
    const s = pp.SliSource.istio();
    expect(s.selector('checkout', 'prod')).toBe('reporter="destination", destination_workload="checkout", destination_workload_namespace="prod"');
    expect(s.isBucketBound(Duration.millis(250))).toBe(true);
    expect(s.isBucketBound(Duration.millis(300))).toBe(false);
  });
  test('custom sources are checked', () => {
    expect(errorOf(() => pp.SliSource.custom({ requestsMetric: 'http requests' }))).toContain("'requestsMetric' must be a Prometheus metric name");
    expect(errorOf(() => pp.SliSource.custom({ requestsMetric: 'r', latencyHistogram: 'h_bucket' }))).toContain("drop '_bucket'");
    expect(errorOf(() => pp.SliSource.custom({ requestsMetric: 'r', buckets: [1, 0.5] }))).toContain("'buckets' must be positive and strictly increasing");
    expect(pp.SliSource.custom({ requestsMetric: 'r' }).selector('a', 'n')).toBe('job="a", namespace="n"');
  });
});

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

describe('Approval, Promotion, Runner, HelmChart, ContainerImage', () => {
  test('approval', () => {
    expect(errorOf(() => pp.Approval.requiredReviewers([]))).toContain("'reviewers' must list 1 to 6 users or teams");
    expect(errorOf(() => pp.Approval.requiredReviewers(['a', 'b', 'c', 'd', 'e', 'f', 'g']))).toContain('1 to 6');
    expect(errorOf(() => pp.Approval.requiredReviewers(['@team']))).toContain("a reviewer must be a user login, a team slug or 'org/team-slug', got '@team'");
    expect(errorOf(() => pp.Approval.waitTimer(Duration.days(31)))).toContain("'waitTimer' must be whole minutes between 0 and 30 days");
    expect(pp.Approval.none().required).toBe(false);
    expect(pp.Approval.waitTimer(Duration.minutes(5)).required).toBe(true);
  });
  test('promotion', () => {
    expect(errorOf(() => pp.Promotion.sequential({ branch: 'feature/**' }))).toContain("must be a branch name or a prefix pattern ending in '/*', got 'feature/**'");
    expect(errorOf(() => pp.Promotion.branchPerEnvironment({ branches: [] }))).toContain("'branches' must map every environment to a branch");
    expect(pp.Promotion.sequential().deployCondition('x')).toBe("github.event_name != 'pull_request' && github.ref == 'refs/heads/main'");
  });
  test('runner', () => {
    expect(errorOf(() => pp.Runner.selfHosted([]))).toContain("'labels' must name at least one label");
    expect(errorOf(() => pp.Runner.githubHosted('ubuntu latest'))).toContain("a runner label must be letters, digits, '.', '_' or '-', got 'ubuntu latest'");
    expect(pp.Runner.selfHosted(['gpu']).labels).toEqual(['self-hosted', 'gpu']);
  });
  test('helm chart', () => {
    expect(errorOf(() => pp.HelmChart.fromPath('/abs/chart'))).toContain("'chartPath' must be a path inside the repository");
    expect(errorOf(() => pp.HelmChart.fromPath('../chart'))).toContain("'chartPath' must be a path inside the repository");
    expect(errorOf(() => pp.HelmChart.fromPath('c', { digestValue: 'image digest' }))).toContain("'digestValue' must be a dotted values key");
  });
  test('container image: registries and their credentials', () => {
    expect(errorOf(() => pp.ContainerImage.fromRegistry('ghcr.io/acme/app:latest'))).toContain("'repository' must be an image repository without tag or digest");
    expect(errorOf(() => pp.ContainerImage.fromRegistry('123456789012.dkr.ecr.eu-west-1.amazonaws.com/app'))).toContain("needs credentials: pass 'credentials: RegistryCredentials.ecr({ roleArn, region })'");
    expect(errorOf(() => pp.ContainerImage.fromRegistry('harbor.acme.dev/platform/app'))).toContain("needs credentials: pass 'credentials: RegistryCredentials.secrets({ usernameSecret, passwordSecret })'");
    expect(errorOf(() => pp.ContainerImage.fromRegistry('docker.io/acme/app', { credentials: pp.RegistryCredentials.githubToken() }))).toContain('only works for ghcr.io');
    expect(errorOf(() => pp.ContainerImage.fromRegistry('ghcr.io/acme/app', { context: '../x' }))).toContain("'context' must be a path inside the repository");
    expect(errorOf(() => pp.RegistryCredentials.secrets({ usernameSecret: 'user name', passwordSecret: 'P' }))).toContain("'usernameSecret' must be a GitHub secret name");
    const img = pp.ContainerImage.fromRegistry('acme/app', { credentials: pp.RegistryCredentials.secrets({ usernameSecret: 'U', passwordSecret: 'P' }) });
    expect(img.repository).toBe('docker.io/acme/app');
    expect(img.registry).toBe('docker.io');
    expect(pp.ContainerImage.fromRegistry('ghcr.io/acme/app', { context: 'svc' }).dockerfile).toBe('svc/Dockerfile');
  });
  test('helm values key paths', () => {
    const v = new pp.HelmValues('staging');
    expect(errorOf(() => v.set('a..b', 1))).toContain("key path must be dotted identifiers such as 'ingress.enabled', got 'a..b'");
    expect(errorOf(() => v.set('a', undefined))).toContain('value must be JSON-like');
  });
});

describe('Label lists', () => {
  test('invalid, repeated and Prometheus-incompatible names are refused', () => {
    expect(labelMap('labels', [{ name: 'release', value: 'kube-prometheus-stack' }])).toEqual({ map: { release: 'kube-prometheus-stack' }, problems: [] });
    expect(labelMap('labels', [{ name: 'bad key!', value: 'x' }]).problems[0]).toContain("'labels' has an invalid label name 'bad key!'");
    expect(labelMap('labels', [{ name: 'a', value: 'x' }, { name: 'a', value: 'y' }]).problems[0]).toContain("names label 'a' twice");
    expect(labelMap('labels', [{ name: 'a', value: 'not a value' }]).problems[0]).toContain("label 'a' has an invalid value 'not a value'");
    expect(labelMap('ruleLabels', [{ name: 'acme.dev/team', value: 'x' }], true).problems[0]).toContain("use letters, digits and '_'");
    expect(labelMap('ruleLabels', [{ name: 'tier', value: 'any value at all' }], true).problems).toEqual([]);
  });
});
