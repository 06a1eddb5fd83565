import { Duration } from 'cdk8s';
import * as pp from '../../src';
import { actionlintFindings, shellcheckWorkflow, unverifiedDownloads, workflowErrors } from '../conformance/validators';
import { appProps, makeApp, minimalBuild, workflowOf } from '../util';

function deployJob(overrides: Partial<pp.PlatformAppProps> = {}, env = 'staging'): any {
  return workflowOf(pp.Testing.synth(makeApp(overrides).project)).jobs[`checkout-deploy-${env}`];
}

describe('ReleasePath deploy jobs', () => {
  test('steps in slot order', () => {
    expect(deployJob().steps.map((s: any) => s.id)).toEqual([
      'checkout', 'registry-login', 'setup-cosign', 'verify-image', 'cluster-credentials', 'setup-helm', 'setup-kubectl', 'deploy-order', 'prepare-namespace',
      'helm-upgrade', 'apply-manifests', 'smoke-test', 'rollback', 'deploy-summary', 'deploy-report-pdf', 'deploy-report',
    ]);
  });

  test('the HTML report is printed to PDF by the runner\'s Chrome before the upload, whether the deploy failed or not (not when the run is cancelled); deployReportPdf: false leaves it out', () => {
    const pdf = deployJob().steps.find((s: any) => s.id === 'deploy-report-pdf');
    expect(pdf.if).toBe('${{ !cancelled() }}');
    // the file the deploy-summary step writes, printed next to it (the upload takes the whole directory)
    expect(pdf.run).toContain('html="${RUNNER_TEMP}/deploy-report/${APP}-${ENVIRONMENT}.html"');
    expect(pdf.run).toContain('pdf="${html%.html}.pdf"');
    expect(pdf.run).toContain('timeout 60 google-chrome --headless');
    expect(pdf.run).toContain('--print-to-pdf="${pdf}" "file://${html}"');
    // nothing downloaded, no sandbox switched off
    expect(pdf.run).not.toMatch(/curl|wget|apt-get|--no-sandbox/);
    // a missing or failing Chrome is a warning, not a failed deploy
    expect(pdf.run).toContain('if ! command -v google-chrome > /dev/null 2>&1; then');
    expect(pdf.run).not.toMatch(/exit 1\b/);
    expect(pdf.permissions).toBeUndefined();
    expect(deployJob({ deployReportPdf: false }).steps.map((s: any) => s.id)).not.toContain('deploy-report-pdf');
  });

  test('deployReportPdf must be a boolean', () => {
    expect(() => makeApp({ deployReportPdf: 'yes' as any })).toThrow("'deployReportPdf' must be true or false, got 'yes'");
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
      RELEASE: 'checkout',
      NAMESPACE: 'platform-staging',
      CHART: 'helm/platform',
      VALUES_FILE: 'helm/checkout/values-staging.yaml',
      MANIFEST: 'deploy/checkout/staging.k8s.yaml',
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
    expect(rollback.run).toContain('helm rollback "${RELEASE}" "${previous}" --namespace "${NAMESPACE}"');
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
      for (const step of job.steps ?? []) if (step.run) expect(step.run).not.toContain('${{');
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
    // actions: read lets the report list who approved the run
    expect(gke.permissions).toEqual({ 'actions': 'read', 'contents': 'read', 'id-token': 'write', 'packages': 'read' });
    expect(gke.steps.find((s: any) => s.id === 'cluster-credentials').run).toContain('gcloud container clusters get-credentials');

    const guid = '00000000-0000-0000-0000-000000000000';
    const aks = deployJob({ environments: [{ name: 'staging', namespace: 'ns', cluster: pp.ClusterAccess.aks({ clientId: guid, tenantId: guid, subscriptionId: guid, resourceGroup: 'rg', clusterName: 'aks' }) }] });
    expect(aks.permissions).toEqual({ 'actions': 'read', 'contents': 'read', 'id-token': 'write', 'packages': 'read' });
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

describe('promotion order and branches', () => {
  test('the production job carries its environment and runs after staging\'s deploy and verify jobs', () => {
    const { project, app } = makeApp();
    minimalBuild(app);
    app.pipeline.addJob('load-test-staging', { kind: pp.JobKind.VERIFY, environment: 'staging' }).addStep({ id: 'k6', run: 'echo k6' });
    app.pipeline.addJob('dast-production', { kind: pp.JobKind.VERIFY, environment: 'production' }).addStep({ id: 'zap', run: 'echo zap' });
    const jobs = workflowOf(pp.Testing.synth(project)).jobs;
    const prod = jobs['checkout-deploy-production'];
    expect(prod.environment).toEqual({ name: 'production', url: 'https://acme.dev' });
    expect(prod.needs).toEqual(['checkout-build', 'checkout-synth-check', 'checkout-deploy-staging', 'checkout-load-test-staging']);
    expect(prod.concurrency).toEqual({ 'group': 'checkout-deploy-production', 'cancel-in-progress': false });
    expect(jobs['checkout-deploy-staging'].needs).toEqual(['checkout-build', 'checkout-synth-check']);
  });

  test('deploys only from the branch the promotion model allows', () => {
    const seq = workflowOf(pp.Testing.synth(makeApp().project));
    for (const id of ['checkout-deploy-staging', 'checkout-deploy-production']) {
      expect(seq.jobs[id].if).toBe("github.event_name != 'pull_request' && github.ref == 'refs/heads/main'");
    }
    const branchPerEnv = makeApp({
      promotion: pp.Promotion.branchPerEnvironment({ branches: [{ environment: 'staging', branch: 'develop' }, { environment: 'production', branch: 'release/*' }] }),
    });
    minimalBuild(branchPerEnv.app);
    const perEnv = workflowOf(pp.Testing.synth(branchPerEnv.project));
    expect(perEnv.jobs['checkout-deploy-staging'].if).toBe("github.event_name != 'pull_request' && github.ref == 'refs/heads/develop'");
    expect(perEnv.jobs['checkout-deploy-production'].if).toBe("github.event_name != 'pull_request' && startsWith(github.ref, 'refs/heads/release/')");
    // independent branches: production does not wait for staging
    expect(perEnv.jobs['checkout-deploy-production'].needs).toEqual(['checkout-build', 'checkout-synth-check']);
    expect(perEnv.on.push.branches).toEqual(['develop', 'release/*']);
  });

  test('promotion jobs of a gated canary keep the environment, the branch condition and the order', () => {
    const { project, app } = makeApp();
    minimalBuild(app);
    new pp.CanaryDeploy(app, 'Canary', {
      stepWeights: [10, 25, 50],
      manualGates: [25, 50],
      trafficRouting: pp.TrafficRouting.istio({ gateways: ['istio-ingress/public'] }),
      environments: [{ environment: 'staging', strategy: pp.DeliveryStrategy.rolling() }],
    });
    expect(app.releasePath.promotionJobs('production')).toEqual([]); // built once, at synth
    const jobs = workflowOf(pp.Testing.synth(project)).jobs;
    expect(app.releasePath.promotionJobs('production').map((j) => j.id)).toEqual(['checkout-promote-production-25', 'checkout-promote-production-50']);
    const first = jobs['checkout-promote-production-25'];
    const second = jobs['checkout-promote-production-50'];
    expect(first.environment.name).toBe('production');
    expect(first.if).toBe("github.event_name != 'pull_request' && github.ref == 'refs/heads/main'");
    expect(first.needs).toEqual(['checkout-build', 'checkout-synth-check', 'checkout-deploy-staging', 'checkout-deploy-production']);
    expect(second.needs).toEqual(['checkout-build', 'checkout-synth-check', 'checkout-deploy-staging', 'checkout-deploy-production', 'checkout-promote-production-25']);
    // the deploy job stops at the first gate, the first promotion at the second, the last runs to Healthy
    // steps: setWeight 10, pause, [gate] 2, setWeight 25, pause, analysis, [gate] 6, setWeight 50, pause
    const waits = [jobs['checkout-deploy-production'], first, second].map((j: any) => j.steps.find((s: any) => s.id === 'rollout-status'));
    expect(waits[0].env.GATE_STEPS).toBe('2 6');
    expect(waits[1].env.GATE_STEPS).toBe('6');
    expect(waits[2].env).toEqual({ ROLLOUT_TIMEOUT: expect.stringMatching(/^\d+s$/) });
    expect(first.steps.map((s: any) => s.id)).not.toContain('smoke-test');
    expect(second.steps.map((s: any) => s.id)).toContain('smoke-test');
  });
});

describe('reconfiguration by other constructs', () => {
  test('the order in which CanaryDeploy, ChangeRequest and ArgoCdGitOps are declared does not matter', () => {
    const system = pp.ChangeSystem.serviceNow({ instanceUrlSecret: 'U', tokenSecret: 'T' });
    const build = (order: string[]) => {
      const { project, app } = makeApp({ repository: 'acme/shop' });
      for (const c of order) {
        if (c === 'canary') new pp.CanaryDeploy(app, 'Canary', { manualGates: [50], trafficRouting: pp.TrafficRouting.istio({ gateways: ['istio-ingress/public'] }), environments: [{ environment: 'staging', strategy: pp.DeliveryStrategy.rolling() }] });
        if (c === 'change') new pp.ChangeRequest(app, 'Change', { system });
        if (c === 'gitops') new pp.ArgoCdGitOps(app, 'GitOps');
      }
      return pp.Testing.synth(project).file('.github/workflows/checkout-pipeline.yml');
    };
    const a = build(['canary', 'change', 'gitops']);
    expect(build(['change', 'gitops', 'canary'])).toBe(a);
    expect(build(['gitops', 'canary', 'change'])).toBe(a);
  });

  test('a Rollout goes before Helm, into a namespace created on demand when namespaces are managed elsewhere', () => {
    const { project, app } = makeApp({ manageNamespaces: false });
    new pp.CanaryDeploy(app, 'Canary', { trafficRouting: pp.TrafficRouting.istio({ gateways: ['istio-ingress/public'] }) });
    const job = workflowOf(pp.Testing.synth(project)).jobs['checkout-deploy-staging'];
    const prepare = job.steps.find((s: any) => s.id === 'prepare-namespace');
    expect(prepare.name).toBe('Apply what must exist before Helm (namespace, Rollout)');
    expect(prepare.run).toBe([
      'kubectl create namespace "${NAMESPACE}" --dry-run=client --output yaml | kubectl apply -f -',
      'kubectl apply --server-side --field-manager="platform-pipeline-${APP}" -f "${MANIFEST}" --selector platform-pipeline.dev/apply-phase=before-helm',
    ].join('\n'));
    const ids = job.steps.map((s: any) => s.id);
    expect(ids.indexOf('prepare-namespace')).toBeLessThan(ids.indexOf('helm-upgrade'));
  });
});

describe('setup-environments.sh', () => {
  test('creates each environment with reviewers, wait timer and branch policy', () => {
    const { project } = makeApp({
      environments: [
        { name: 'staging', namespace: 'a', cluster: pp.ClusterAccess.kubeconfigSecret('STAGING_KUBECONFIG') },
        { name: 'production', namespace: 'b', cluster: pp.ClusterAccess.kubeconfigSecret('PROD_KUBECONFIG'), approval: pp.Approval.requiredReviewers(['sre-leads', 'acme/platform'], { waitTimer: Duration.minutes(15) }) },
      ],
    });
    const script = pp.Testing.synth(project).file('scripts/checkout/setup-environments.sh')!;
    expect(script.startsWith('#!/usr/bin/env bash\n# ~~ Generated by projen')).toBe(true);
    expect(script).toContain('set -euo pipefail');
    expect(script).toContain('gh api --method PUT "repos/${repo}/environments/production"');
    expect(script).toContain('{"wait_timer": 15, "prevent_self_review": true, "reviewers": ${reviewers}');
    expect(script).toContain("reviewers=\"$(reviewer_json 'sre-leads')\"\nreviewers=\"${reviewers},$(reviewer_json 'acme/platform')\"\nreviewers=\"[${reviewers}]\"");
    expect(script).toContain("set_branch_policies 'production' 'main'");
    expect(script).toContain('{"wait_timer": 0, "prevent_self_review": false, "reviewers": ${reviewers}');
    expect(script).toContain('gh secret set PROD_KUBECONFIG --env production');
  });
});

describe('release path: verification, reports and events', () => {
  const OBSERVABILITY: pp.ObservabilityProps = {
    prometheusUrl: 'http://prometheus.monitoring:9090',
    metricsPush: pp.MetricsPush.external({ url: 'https://pushgateway.acme.dev', tokenSecret: 'PUSHGATEWAY_TOKEN' }),
    grafanaUrl: 'https://grafana.acme.dev',
    grafanaTokenSecret: 'GRAFANA_TOKEN',
  };

  /** Everything the release path can do, in one definition. */
  function everything(): { out: pp.SynthOutput; wf: any } {
    const { project, app } = makeApp({ observability: OBSERVABILITY, repository: 'acme/checkout-platform' });
    new pp.CanaryDeploy(app, 'Canary', {
      stepWeights: [10, 25, 50],
      manualGates: [50],
      trafficRouting: pp.TrafficRouting.istio({ gateways: ['istio-ingress/public'] }),
      environments: [{ environment: 'staging', strategy: pp.DeliveryStrategy.blueGreen({ autoPromote: true }) }],
    });
    new pp.ChangeRequest(app, 'Change', { system: pp.ChangeSystem.serviceNow({ instanceUrlSecret: 'SNOW_URL', tokenSecret: 'SNOW_TOKEN' }) });
    new pp.ArgoCdGitOps(app, 'GitOps', { environments: ['staging'] });
    const out = pp.Testing.synth(project);
    return { out, wf: workflowOf(out) };
  }

  function step(job: any, id: string): any {
    return job.steps.find((s: any) => s.id === id);
  }

  describe('canary verification in the deploy job', () => {
    const { wf } = everything();
    const prod = wf.jobs['checkout-deploy-production'];

    test('the plugin is downloaded pinned and checked against the sha256 the library pins, not a checksum file of the release', () => {
      const setup = step(prod, 'setup-argo-rollouts');
      expect(setup.run).toContain('"https://github.com/argoproj/argo-rollouts/releases/download/v1.9.1/${kubectl_argo_rollouts_asset}"');
      expect(setup.run).toContain('amd64) kubectl_argo_rollouts_asset="kubectl-argo-rollouts-linux-amd64"; kubectl_argo_rollouts_sha256="466d93ccf767e975691359c6c9bb6750696e54c336d28ccd4d39e0f0519e8bf6" ;;');
      expect(setup.run).not.toContain('checksums.txt');
      expect(unverifiedDownloads(setup.run)).toEqual([]);
      // the check can fail: without the checksum line the same script is flagged
      const unchecked = setup.run.split('\n').filter((l: string) => !l.includes('sha256sum')).join('\n');
      expect(unverifiedDownloads(unchecked).length).toBeGreaterThan(0);
    });

    test('waits for the Rollout to observe the Deployment, then with kubectl argo rollouts status', () => {
      const staging = wf.jobs['checkout-deploy-staging'];
      const wait = step(staging, 'rollout-status');
      expect(wait.run).toContain('{.status.workloadObservedGeneration}');
      expect(wait.run).toContain('kubectl argo rollouts status "${ROLLOUT}" --namespace "${NAMESPACE}" --timeout "${ROLLOUT_TIMEOUT}"');
      expect(wait.env.ROLLOUT_TIMEOUT).toMatch(/^\d+s$/);
      expect(staging.env.ROLLOUT).toBe('checkout');
    });

    test('a failed verification aborts the rollout, rolls back, records the rollback and fails the job', () => {
      const rollback = step(prod, 'rollback');
      expect(rollback.if).toBe("failure() && steps.helm-upgrade.outcome == 'success'");
      const run: string = rollback.run;
      expect(run.indexOf('kubectl argo rollouts abort "${ROLLOUT}"')).toBeLessThan(run.indexOf('helm rollback "${RELEASE}"'));
      expect(run).toContain('platform_pipeline_rollback_timestamp_seconds ${now}');
      expect(run).toContain('"${PUSHGATEWAY_URL}/metrics/job/platform_pipeline/app/${APP}/environment/${ENVIRONMENT}"');
      expect(run.trim().endsWith('exit 1')).toBe(true);
      expect(rollback.env).toEqual({ PUSHGATEWAY_URL: 'https://pushgateway.acme.dev', PUSHGATEWAY_TOKEN: '${{ secrets.PUSHGATEWAY_TOKEN }}' });
    });

    test('the deploy job times out after the canary could have finished', () => {
      // pauses 3 x 2m + inline analysis 5 x 1m + 10m margin = 21 min to the gate; job timeout adds 30 min
      expect(prod.steps.find((s: any) => s.id === 'rollout-status').env.ROLLOUT_TIMEOUT_SECONDS).toBe('1260');
      expect(prod['timeout-minutes']).toBe(51);
    });
  });

  describe('deployment report, DORA events and Grafana annotations', () => {
    const { wf } = everything();
    const prod = wf.jobs['checkout-deploy-production'];

    test('the report goes to the job summary and an HTML artifact, with approvals, canary result and change id', () => {
      const summary = step(prod, 'deploy-summary');
      expect(summary.if).toBe('always()');
      expect(summary.env).toMatchObject({
        JOB_STATUS: '${{ job.status }}',
        GH_TOKEN: '${{ github.token }}',
        CHANGE_ID: '${{ steps.change-request.outputs.id }}',
        ROLLOUT_OUTCOME: '${{ steps.rollout-status.outcome }}',
        GRAFANA_URL: 'https://grafana.acme.dev',
      });
      expect(summary.run).toContain('actions/runs/${GITHUB_RUN_ID}/approvals');
      expect(summary.run).toContain('"change request" "${CHANGE_ID:-none}"');
      expect(summary.run).toContain('"canary result" "${canary}"');
      expect(summary.run).toContain('>> "${GITHUB_STEP_SUMMARY}"');
      expect(summary.run).toContain('} > "${report_dir}/${APP}-${ENVIRONMENT}.html"');
      const upload = step(prod, 'deploy-report');
      expect(upload.uses).toMatch(/^actions\/upload-artifact@[0-9a-f]{40}$/);
      expect(upload.if).toBe('always()');
      expect(upload.with).toEqual({
        'name': 'checkout-deploy-report-production',
        'path': '${{ runner.temp }}/deploy-report/',
        'if-no-files-found': 'warn',
        'retention-days': 90,
        'overwrite': true,
      });
      expect(step(wf.jobs['checkout-promote-production-50'], 'deploy-report').with.name).toBe('checkout-deploy-report-production-promote-50');
      // a promotion job prints its own report (its file name carries the suffix)
      expect(step(wf.jobs['checkout-promote-production-50'], 'deploy-report-pdf').run).toContain('html="${RUNNER_TEMP}/deploy-report/${APP}-${ENVIRONMENT}-promote-50.html"');
      // approvals are read with the job token: actions read, nothing more
      expect(prod.permissions).toEqual({ 'actions': 'read', 'contents': 'read', 'id-token': 'write', 'packages': 'read' });
    });

    test('every deploy pushes timestamp gauges per result, and the changes of a successful one with their lead times', () => {
      const dora = step(prod, 'dora-events');
      expect(dora.if).toBe("always() && steps.helm-upgrade.outcome != 'skipped'");
      expect(dora.env).toEqual({ PUSHGATEWAY_URL: 'https://pushgateway.acme.dev', PUSHGATEWAY_TOKEN: '${{ secrets.PUSHGATEWAY_TOKEN }}', JOB_STATUS: '${{ job.status }}', PAUSED: '${{ steps.rollout-status.outputs.paused }}' });
      const run: string = dora.run;
      expect(run).toContain('"${PUSHGATEWAY_URL}/metrics/job/platform_pipeline/app/${APP}/environment/${ENVIRONMENT}/result/${result}"');
      expect(run).toContain('# TYPE platform_pipeline_deploy_timestamp_seconds gauge\nplatform_pipeline_deploy_timestamp_seconds ${now}');
      expect(run).toContain('authored="$(git log --format=%at "${previous}..${GITHUB_SHA}")"');
      expect(run).toContain('platform_pipeline_deploy_changes ${changes}\n# TYPE platform_pipeline_deploy_lead_time_sum_seconds gauge\nplatform_pipeline_deploy_lead_time_sum_seconds ${lead_sum}');
      // a deploy stopped at a gate is recorded by its last promotion job instead
      expect(run).toContain('if [ "${PAUSED:-false}" = true ] && [ "${JOB_STATUS}" = success ]; then');
      expect(step(wf.jobs['checkout-promote-production-50'], 'dora-events').if).toBe("always() && steps.promote.outcome != 'skipped'");
      // the checkout holds the deployed commit (git log reads it)
      expect(step(prod, 'checkout').uses).toMatch(/^actions\/checkout@/);
    });

    test('without a Pushgateway nothing is pushed; without a token no annotation', () => {
      const plain = workflowOf(pp.Testing.synth(makeApp().project)).jobs['checkout-deploy-production'];
      expect(plain.steps.map((s: any) => s.id)).not.toContain('dora-events');
      expect(plain.steps.map((s: any) => s.id)).not.toContain('grafana-annotation');
      expect(step(plain, 'rollback').run).not.toContain('PUSHGATEWAY_URL');
      const urlOnly = workflowOf(pp.Testing.synth(makeApp({ observability: { grafanaUrl: 'https://grafana.acme.dev' } }).project)).jobs['checkout-deploy-production'];
      expect(urlOnly.steps.map((s: any) => s.id)).not.toContain('grafana-annotation');
    });

    test('a Grafana annotation with the token from a secret through env', () => {
      const g = step(prod, 'grafana-annotation');
      expect(g.env).toEqual({ GRAFANA_URL: 'https://grafana.acme.dev', GRAFANA_TOKEN: '${{ secrets.GRAFANA_TOKEN }}', JOB_STATUS: '${{ job.status }}' });
      expect(g.run).toContain('"${GRAFANA_URL%/}/api/annotations"');
      expect(g.run).toContain('--header "@${header}"');
      expect(g.run).not.toContain('${{');
    });
  });

  describe('the release path output passes the workflow validators', () => {
    const { out, wf } = everything();
    const text = out.file('.github/workflows/checkout-pipeline.yml')!;

    test('shellcheck (all severities), verified downloads, no expressions inside run scripts', () => {
      expect(shellcheckWorkflow(wf)).toEqual([]);
      for (const job of Object.values<any>(wf.jobs)) {
        for (const s of job.steps ?? []) {
          if (!s.run) continue;
          expect(s.run).not.toContain('${{');
          expect(unverifiedDownloads(s.run)).toEqual([]);
        }
      }
    });

    test('workflow parser and actionlint', async () => {
      expect(await workflowErrors('checkout-pipeline.yml', text)).toEqual([]);
      expect(await actionlintFindings(text, 'checkout-pipeline.yml')).toEqual([]);
    });

    test('the plain release path (no canary) passes too', async () => {
      const plain = pp.Testing.synth(makeApp({ observability: OBSERVABILITY, environments: appProps().environments }).project);
      expect(shellcheckWorkflow(workflowOf(plain))).toEqual([]);
      expect(await actionlintFindings(plain.file('.github/workflows/checkout-pipeline.yml')!, 'checkout-pipeline.yml')).toEqual([]);
    });
  });
});
