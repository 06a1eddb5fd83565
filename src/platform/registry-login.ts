import { github } from 'projen';
import type { IPlatformApp } from './platform-app-contract';

/** A login step and the permissions it needs. @internal */
export interface RegistryLoginStep {
  readonly step: github.workflows.JobStep;
  readonly permissions?: github.workflows.JobPermissions;
}

/**
 * The steps that log a job in to the app's image registry: the OIDC role for ECR, `GITHUB_TOKEN` for GHCR
 * (`packages: write` to push, `packages: read` to pull), the named secrets otherwise. A pull login's
 * role step has its own id (`registry-credentials`): a deploy job may assume a cluster role as well. @internal
 */
export function registryLoginSteps(app: IPlatformApp, jobLocalId: string, access: 'push' | 'pull', condition?: string): RegistryLoginStep[] {
  const actions = app.pipeline.actions;
  const image = app.image;
  const creds = image.credentials;
  if (creds.kind === 'ecr') {
    return [{
      step: {
        id: access === 'push' ? 'aws-credentials' : 'registry-credentials',
        name: access === 'push' ? 'Assume the image-push role (OIDC)' : 'Assume the registry role (OIDC)',
        if: condition,
        uses: actions.ref('aws-actions/configure-aws-credentials'),
        with: { 'role-to-assume': creds.roleArn, 'aws-region': creds.region, 'role-session-name': `${app.name}-${jobLocalId}` },
      },
      permissions: { idToken: github.workflows.JobPermission.WRITE },
    }, {
      step: { id: 'registry-login', name: 'Log in to Amazon ECR', if: condition, uses: actions.ref('aws-actions/amazon-ecr-login') },
    }];
  }
  const ghcr = creds.kind === 'github-token';
  return [{
    step: {
      id: 'registry-login',
      name: `Log in to ${image.registry}`,
      if: condition,
      uses: actions.ref('docker/login-action'),
      with: {
        registry: image.registry,
        username: ghcr ? '${{ github.actor }}' : `\${{ secrets.${creds.usernameSecret} }}`,
        password: ghcr ? '${{ secrets.GITHUB_TOKEN }}' : `\${{ secrets.${creds.passwordSecret} }}`,
      },
    },
    permissions: ghcr ? { packages: access === 'push' ? github.workflows.JobPermission.WRITE : github.workflows.JobPermission.READ } : undefined,
  }];
}
