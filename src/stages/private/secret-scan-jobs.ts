// Secret scanning: gitleaks over the history, TruffleHog for verified secrets.
import { ScanContext } from './scan-context';
import { addCheckout, addOutcomeGate, addSarifUpload, addToolInstall } from './scan-steps';
import { TOOLS } from '../../core/versions';

/** gitleaks over the full history. @internal */
export function renderGitleaks(ctx: ScanContext): void {
  const { app, job, options } = ctx;
  addCheckout(app, job, true);
  addToolInstall(job, [TOOLS.gitleaks]);
  job.addStep({
    id: 'gitleaks',
    name: 'gitleaks over the full history',
    continueOnError: true,
    env: options.config ? { GITLEAKS_CONFIG: options.config } : undefined,
    run: `gitleaks git --redact --no-banner --exit-code 1 --report-format sarif --report-path gitleaks.sarif${options.config ? ' --config "${GITLEAKS_CONFIG}"' : ''} .`,
  });
  if (ctx.uploadSarif) addSarifUpload(app, job, 'upload-sarif', 'gitleaks.sarif', 'gitleaks');
  addOutcomeGate(job, ['gitleaks'], 'secrets found in the git history');
}

/** TruffleHog over the full history. @internal */
export function renderTrufflehog(ctx: ScanContext): void {
  const { app, job, options } = ctx;
  addCheckout(app, job, true);
  addToolInstall(job, [TOOLS.trufflehog]);
  const results = (options.verifiedOnly ?? true) ? 'verified' : 'verified,unknown';
  job.addStep({
    id: 'trufflehog',
    name: `TruffleHog over the full history (${results} secrets)`,
    run: `trufflehog git "file://\${GITHUB_WORKSPACE}" --results=${results} --fail --no-update --github-actions`,
  });
}
