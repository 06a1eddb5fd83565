// app: the typed definition
export * from './app/platform-app';
export * from './app/container-image';
export * from './app/helm-chart';
export * from './app/environment';
export * from './app/cluster-access';
export * from './app/approval';
export * from './app/promotion';
export * from './app/mesh';
export * from './app/slo';
export * from './app/sli-source';
export * from './app/observability';

// pipeline: the job DAG and its rendering
export * from './pipeline/pipeline';
export * from './pipeline/pipeline-job';
export * from './pipeline/runner';
export * from './pipeline/action-manifest';

// stages
export * from './stages/build-stage';

// deploy
export * from './deploy/release-path';
export * from './deploy/helm-values';

// testing
export * from './testing';
export * from './observability/pipeline-metrics';
export * from './stages/severity';
export * from './stages/scanner';
export * from './stages/security-scan-stage';
export * from './observability/burn-rate-windows';
export * from './observability/prometheus-rules';
export * from './deploy/delivery-strategy';
export * from './deploy/canary-analysis';
export * from './deploy/argo-rollout-manifests';
export * from './deploy/canary-deploy';
export * from './stages/signing';
export * from './deploy/change-request';
export * from './deploy/argo-cd-gitops';
export * from './observability/alert-routing';
export * from './observability/grafana-dashboard';
export * from './stages/unit-tests';
export * from './stages/test-stage';
export * from './app/label';
