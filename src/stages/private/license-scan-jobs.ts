// Licence compliance: the licence gate over the SBOM and FOSSA.
import { osvScan } from './dependency-scan-jobs';
import { ScanContext } from './scan-context';
import { addCheckout, addFindingsOutputs, addToolInstall, findingsOutputLines, requireJsonReport } from './scan-steps';
import { TOOLS } from '../../core/versions';

/** Licences against an allow-list. @internal */
export function renderLicenses(ctx: ScanContext): void {
  const { app, job, options } = ctx;
  addCheckout(app, job);
  addToolInstall(job, [TOOLS.osvScanner]);
  job.addStep({
    id: 'licenses',
    name: 'Licences against the allow-list',
    env: { ALLOWED_LICENSES: (options.allow as string[]).join(',') },
    run: [
      'status=0',
      `${osvScan('json', 'licenses.json', ['.'], ' --licenses="${ALLOWED_LICENSES}"')} || status=$?`,
      'if [ "${status}" -gt 1 ]; then echo "::error::osv-scanner failed (exit ${status})"; exit "${status}"; fi',
      'select=\'.results[]?.packages[]? | select(((.license_violations // []) | length) > 0)\'',
      ...requireJsonReport('osv-scanner', 'licenses.json', '.results | type == "array"'),
      'violations="$(jq "[${select}] | length" licenses.json)"',
      'jq -r "${select} | \\"::error::\\\\(.package.name) \\\\(.package.version): \\\\(.license_violations | join(\\", \\")) is not allowed\\"" licenses.json',
      'echo "### licences: ${violations} package(s) outside the allow-list (${ALLOWED_LICENSES})" >> "${GITHUB_STEP_SUMMARY}"',
      ...findingsOutputLines([['high', '${violations}']]),
      'if [ "${violations}" -gt 0 ]; then exit 1; fi',
    ].join('\n'),
  });
  addFindingsOutputs(job, 'licenses', ['high']);
}

/** FOSSA analysis and policy test. @internal */
export function renderFossa(ctx: ScanContext): void {
  const { app, job, options } = ctx;
  addCheckout(app, job);
  const key = `\${{ secrets.${options.apiKeySecret} }}`;
  job.addStep({ id: 'fossa-analyze', name: 'FOSSA analyze', uses: app.pipeline.actions.ref('fossas/fossa-action'), with: { 'api-key': key } });
  job.addStep({ id: 'fossa-test', name: 'FOSSA test (licence and vulnerability policy)', uses: app.pipeline.actions.ref('fossas/fossa-action'), with: { 'api-key': key, 'run-tests': true } });
}
