import * as pp from '../../src';
import { errorOf } from '../util';

describe('ContainerImage', () => {
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
});
