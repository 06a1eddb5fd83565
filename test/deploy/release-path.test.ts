import * as pp from '../../src';
import { makeApp, workflowOf } from '../util';

function deployJob(overrides: Partial<pp.PlatformAppProps> = {}, env = 'staging'): any {
  return workflowOf(pp.Testing.synth(makeApp(overrides).project)).jobs[`checkout-deploy-${env}`];
}

describe('ReleasePath deploy jobs', () => {
  test('steps in slot order', () => {
    expect(deployJob().steps.map((s: any) => s.id)).toEqual([
      'checkout', 'cluster-credentials', 'setup-helm', 'setup-kubectl', 'prepare-namespace',
      'helm-upgrade', 'apply-manifests', 'smoke-test', 'rollback', 'deploy-summary',
    ]);
  });

  test('helm upgrade with the environment values and the build digest, rolling back on failure (Helm 4)', () => {
    const job = deployJob();
    const helm = job.steps.find((s: any) => s.id === 'helm-upgrade').run;
    expect(helm).toContain('helm upgrade --install "${RELEASE}" "${CHART}"');
    expect(helm).toContain('--values "${VALUES_FILE}"');
    expect(helm).toContain('--set-string "image.tag=${GITHUB_SHA}@${IMAGE_DIGEST}"');
    expect(helm).toContain('--rollback-on-failure');
    expect(helm).not.toContain('--atomic');
    expect(job.env).toMatchObject({
      RELEASE: 'checkout', NAMESPACE: 'platform-staging', CHART: 'helm/platform',
      VALUES_FILE: 'helm/checkout/values-staging.yaml', MANIFEST: 'deploy/checkout/staging.k8s.yaml',
      IMAGE_DIGEST: '${{ needs.checkout-build.outputs.digest }}',
    });
    expect(job.steps.find((s: any) => s.id === 'setup-helm').with).toEqual({ version: 'v4.1.4' });
  });

  test('a chart with a digest value gets the digest there', () => {
    const helm = deployJob({ chart: pp.HelmChart.fromPath('helm/platform', { digestValue: 'image.digest', releaseName: 'shop' }) }).steps.find((s: any) => s.id === 'helm-upgrade').run;
    expect(helm).toContain('--set-string "image.digest=${IMAGE_DIGEST}"');
  });

  test('manifests applied server-side after helm; the namespace before', () => {
    const steps = deployJob().steps;
    expect(steps.find((s: any) => s.id === 'apply-manifests').run).toBe('kubectl apply --server-side --field-manager="platform-pipeline-${APP}" -f "${MANIFEST}"');
    expect(steps.find((s: any) => s.id === 'prepare-namespace').run).toContain('--selector platform-pipeline.dev/apply-phase=before-helm');
  });

  test('smoke test against the URL, rollback when it fails after a successful upgrade', () => {
    const steps = deployJob().steps;
    expect(steps.find((s: any) => s.id === 'smoke-test').env).toEqual({ SMOKE_URL: 'https://staging.acme.dev/' });
    const rollback = steps.find((s: any) => s.id === 'rollback');
    expect(rollback.if).toBe("failure() && steps.helm-upgrade.outcome == 'success'");
    expect(rollback.run).toContain('helm rollback "${RELEASE}" --namespace "${NAMESPACE}"');
    expect(rollback.run.trim().endsWith('exit 1')).toBe(true);
  });

  test('without a URL the verification waits for the rollout; smokeTestPath is appended to the URL', () => {
    const noUrl = deployJob({ environments: [{ name: 'staging', namespace: 'ns', cluster: pp.ClusterAccess.kubeconfigSecret('K') }] });
    expect(noUrl.steps.find((s: any) => s.id === 'smoke-test').run).toBe('kubectl rollout status "deployment/${APP}" --namespace "${NAMESPACE}" --timeout 5m');
    const withPath = deployJob({ smokeTestPath: '/healthz' });
    expect(withPath.steps.find((s: any) => s.id === 'smoke-test').env.SMOKE_URL).toBe('https://staging.acme.dev/healthz');
  });

  test('no untrusted expression is expanded inside a run script', () => {
    const wf = workflowOf(pp.Testing.synth(makeApp().project));
    for (const job of Object.values<any>(wf.jobs)) {
      for (const step of job.steps) if (step.run) expect(step.run).not.toContain('${{');
    }
  });

  test('cluster access: kubeconfig secret through env, EKS/GKE/AKS through OIDC', () => {
    const kube = deployJob().steps.find((s: any) => s.id === 'cluster-credentials');
    expect(kube.env).toEqual({ KUBECONFIG_DATA: '${{ secrets.STAGING_KUBECONFIG }}' });

    const prod = deployJob({}, 'production');
    expect(prod.steps.find((s: any) => s.id === 'aws-credentials').with).toEqual({
      'role-to-assume': 'arn:aws:iam::123456789012:role/deploy', 'aws-region': 'eu-west-1', 'role-session-name': 'checkout-deploy-production',
    });

    const gke = deployJob({ environments: [{ name: 'staging', namespace: 'ns', cluster: pp.ClusterAccess.gke({ workloadIdentityProvider: 'projects/123/locations/global/workloadIdentityPools/gh/providers/gh', serviceAccount: 'deploy@acme-prod.iam.gserviceaccount.com', clusterName: 'prod', location: 'europe-west1', projectId: 'acme-prod' }) }] });
    expect(gke.permissions).toEqual({ 'contents': 'read', 'id-token': 'write' });
    expect(gke.steps.find((s: any) => s.id === 'cluster-credentials').run).toContain('gcloud container clusters get-credentials');

    const guid = '00000000-0000-0000-0000-000000000000';
    const aks = deployJob({ environments: [{ name: 'staging', namespace: 'ns', cluster: pp.ClusterAccess.aks({ clientId: guid, tenantId: guid, subscriptionId: guid, resourceGroup: 'rg', clusterName: 'aks' }) }] });
    expect(aks.permissions).toEqual({ 'contents': 'read', 'id-token': 'write' });
    expect(aks.steps.find((s: any) => s.id === 'cluster-credentials').run).toContain('az login --service-principal');
  });

  test('deploy slots can be filled and replaced by other constructs', () => {
    const { project, app } = makeApp();
    const job = app.pipeline.deployJob('staging')!;
    job.clearSlot(pp.DeploySlot.VERIFY);
    job.addStep({ id: 'canary-status', run: 'echo canary' }, { slot: pp.DeploySlot.VERIFY });
    job.addStep({ id: 'change-request', run: 'echo cr' }, { slot: pp.DeploySlot.PRE_DEPLOY });
    const ids = workflowOf(pp.Testing.synth(project)).jobs['checkout-deploy-staging'].steps.map((s: any) => s.id);
    expect(ids).not.toContain('smoke-test');
    expect(ids.indexOf('change-request')).toBeLessThan(ids.indexOf('helm-upgrade'));
    expect(ids.indexOf('canary-status')).toBeGreaterThan(ids.indexOf('apply-manifests'));
    expect(ids.indexOf('canary-status')).toBeLessThan(ids.indexOf('rollback'));
  });
});

describe('setup-environments.sh', () => {
  test('creates each environment with reviewers, wait timer and branch policy', () => {
    const { project } = makeApp({
      environments: [
        { name: 'staging', namespace: 'a', cluster: pp.ClusterAccess.kubeconfigSecret('STAGING_KUBECONFIG') },
        { name: 'production', namespace: 'b', cluster: pp.ClusterAccess.kubeconfigSecret('PROD_KUBECONFIG'), approval: pp.Approval.requiredReviewers(['sre-leads', 'acme/platform'], { waitTimer: require('cdk8s').Duration.minutes(15) }) },
      ],
    });
    const script = pp.Testing.synth(project).file('scripts/checkout/setup-environments.sh')!;
    expect(script.startsWith('#!/usr/bin/env bash\n# ~~ Generated by projen')).toBe(true);
    expect(script).toContain('set -euo pipefail');
    expect(script).toContain('gh api --method PUT "repos/${repo}/environments/production"');
    expect(script).toContain('{"wait_timer": 15, "prevent_self_review": true, "reviewers": ${reviewers}');
    expect(script).toContain("reviewers=\"[$(reviewer_json 'sre-leads'),$(reviewer_json 'acme/platform')]\"");
    expect(script).toContain("set_branch_policies 'production' 'main'");
    expect(script).toContain('{"wait_timer": 0, "prevent_self_review": false, "reviewers": ${reviewers}');
    expect(script).toContain('gh secret set PROD_KUBECONFIG --env production');
  });
});
