import { github } from 'projen';
import { SlottedStep } from './delivery-plan';
import { COSIGN_RELEASE } from '../../core/versions';
import { GITHUB_OIDC_ISSUER } from '../../model/signing-identity';
import { DeploySlot } from '../../pipeline/pipeline-job';
import { ImageVerification, REPOSITORY_PLACEHOLDER } from '../../platform/image-verification';
import type { IPlatformApp } from '../../platform/platform-app-contract';
import { registryLoginSteps } from '../../platform/registry-login';

/**
 * The certificate identity of slsa-github-generator's container workflow, which signs the provenance it
 * attaches (the generator's documented cosign verification: any release tag of that workflow).
 */
const SLSA_GENERATOR_IDENTITY = '^https://github\\.com/slsa-framework/slsa-github-generator/\\.github/workflows/generator_container_slsa3\\.yml@refs/tags/v[0-9]+\\.[0-9]+\\.[0-9]+$';

/**
 * Before anything changes in the cluster, the deploy job verifies the exact digest it deploys: its
 * signature by the build's identity (keyless: the app's workflow on its deploying branches and release
 * tags, issued by GitHub's OIDC; or the build's public key), every attestation the build attached to that
 * digest (the SBOMs), and the build provenance (slsa-github-generator's signed attestation, or GitHub's
 * artifact attestation). Any failure — or a verifier that prints nothing — stops the deploy. @internal
 */
export function verifyImageSteps(app: IPlatformApp, jobLocalId: string, v: ImageVerification | undefined): SlottedStep[] {
  if (!v?.identity) return [];
  const pre = DeploySlot.PRE_DEPLOY;
  const id = v.identity;
  const identityFlags = id.keyless
    ? '--certificate-identity-regexp "${CERT_IDENTITY_REGEXP}" --certificate-oidc-issuer "${CERT_OIDC_ISSUER}"'
    : '--key env://COSIGN_PUBLIC_KEY';
  const env: Record<string, string> = {
    IMAGE_REPOSITORY: app.image.repository,
    ...(id.keyless ? { CERT_IDENTITY_REGEXP: id.subjectRegExp!, CERT_OIDC_ISSUER: id.issuer! } : { COSIGN_PUBLIC_KEY: id.publicKey! }),
    ...(v.attestations.length > 0 ? { ATTESTATION_TYPES: v.attestations.join(' ') } : {}),
  };
  const lines = [
    'if [ -z "${IMAGE_DIGEST}" ]; then',
    '  echo "::error::the build job produced no image digest; deploys need the pushed image"',
    '  exit 1',
    'fi',
    'image="${IMAGE_REPOSITORY}@${IMAGE_DIGEST}"',
    ...(id.keyless && id.subjectRegExp!.includes(REPOSITORY_PLACEHOLDER) ? [
      '# the app names no repository: the signer is this repository (owner and name: letters, digits, "-", "_", ".")',
      `CERT_IDENTITY_REGEXP="\${CERT_IDENTITY_REGEXP//${REPOSITORY_PLACEHOLDER}/\${GITHUB_REPOSITORY//./\\.}}"`,
    ] : []),
    '# cosign prints what it verified; exit 0 with nothing verified is a failure too',
    'verified() {',
    '  if ! jq -se \'flatten | length > 0\' "$1" > /dev/null; then',
    '    echo "::error::cosign verified no $2"',
    '    exit 1',
    '  fi',
    '  echo "$2: verified"',
    '}',
    `cosign verify ${identityFlags} "\${image}" > "\${RUNNER_TEMP}/signatures.json"`,
    'verified "${RUNNER_TEMP}/signatures.json" "signature of ${image}"',
  ];
  if (v.attestations.length > 0) {
    env.ATTESTED_DIGESTS = v.attestedDigests.join(' ');
    lines.push(
      '# the SBOM attestations, on the digest each describes (a multi-platform build: each platform\'s manifest)',
      'read -ra digests <<< "${ATTESTED_DIGESTS}"',
      `if [ "\${#digests[@]}" -ne ${v.attestedDigests.length} ]; then`,
      `  echo "::error::the build reported \${#digests[@]} of the ${v.attestedDigests.length} attested digests (\${ATTESTED_DIGESTS:-none}); nothing to verify the SBOMs on"`,
      '  exit 1',
      'fi',
      'for digest in "${digests[@]}"; do',
      '  for type in ${ATTESTATION_TYPES}; do',
      `    cosign verify-attestation --type "\${type}" ${identityFlags} "\${IMAGE_REPOSITORY}@\${digest}" > "\${RUNNER_TEMP}/attestation.json"`,
      '    verified "${RUNNER_TEMP}/attestation.json" "${type} attestation of ${IMAGE_REPOSITORY}@${digest}"',
      '  done',
      'done',
    );
  }
  let permissions: github.workflows.JobPermissions | undefined;
  if (v.provenance === 'slsa-generator') {
    env.PROVENANCE_IDENTITY_REGEXP = SLSA_GENERATOR_IDENTITY;
    env.CERT_OIDC_ISSUER = GITHUB_OIDC_ISSUER;
    lines.push(
      'cosign verify-attestation --type slsaprovenance --certificate-identity-regexp "${PROVENANCE_IDENTITY_REGEXP}" \\',
      '  --certificate-oidc-issuer "${CERT_OIDC_ISSUER}" "${image}" > "${RUNNER_TEMP}/provenance.json"',
      'verified "${RUNNER_TEMP}/provenance.json" "SLSA provenance of ${image}"',
    );
  } else if (v.provenance === 'github-attestation') {
    env.GH_TOKEN = '${{ github.token }}';
    env.SIGNER_WORKFLOW = `\${{ github.repository }}/${app.workflowPath}`;
    permissions = { attestations: github.workflows.JobPermission.READ };
    lines.push(
      'gh attestation verify "oci://${image}" --repo "${GITHUB_REPOSITORY}" --signer-workflow "${SIGNER_WORKFLOW}"',
      'echo "build provenance of ${image}: verified (GitHub artifact attestation)"',
    );
  }
  return [
    ...registryLoginSteps(app, jobLocalId, 'pull').map((l) => ({ slot: pre, step: l.step, permissions: l.permissions })),
    { slot: pre, step: { id: 'setup-cosign', name: 'Install cosign', uses: app.pipeline.actions.ref('sigstore/cosign-installer'), with: { 'cosign-release': COSIGN_RELEASE } } },
    { slot: pre, step: { id: 'verify-image', name: 'Verify the image signature, SBOMs and provenance', env, run: lines.join('\n') }, permissions },
  ];
}
