/**
 * Releases promote the staged image (issue 11 item 12). A `v*.*.*` tag push does not build: the build job
 * finds the image its build pushed for the tagged commit (tag `<commit sha>`, pushed from a deploying
 * branch), checks its signature against the build's identity on those branches, and copies that exact
 * manifest to the release tags by digest (`docker buildx imagetools create` with one source is a carbon copy).
 * The job output `digest` is the staged digest, so everything downstream reads the same names as on a branch.
 */
import { PUSH_CONDITION } from './build-publish-jobs';
import { COSIGN_RELEASE } from '../../core/versions';
import { escapeRegExp, globToRegExp, GITHUB_OIDC_ISSUER } from '../../model/signing-identity';
import { PipelineJob } from '../../pipeline/pipeline-job';
import type { IPlatformApp } from '../../platform/platform-app-contract';
import { Signing } from '../signing';

/** A release tag run (the build job promotes instead of building). @internal */
export const ON_TAG = "github.ref_type == 'tag'";

/** The id of the step that promotes; its output `digest` is the build job's `digest` on tags. @internal */
export const PROMOTE_STEP = 'promote';

/**
 * Adds the promotion steps to the build job: cosign (when the build signs), then the promote step, both only
 * on release tags of push events.
 * @internal
 */
export function addPromoteSteps(app: IPlatformApp, job: PipelineJob, signing: Signing): void {
  const when = `${ON_TAG} && ${PUSH_CONDITION}`;
  const env: Record<string, string> = {
    REPOSITORY: app.image.repository,
    RELEASE_TAGS: '${{ steps.meta.outputs.tags }}',
    SIGNING: signing.kind,
  };
  if (signing.kind === 'keyless') {
    // the staged image was signed by this workflow running on a deploying branch (the repository is the
    // run's own, GITHUB_REPOSITORY, escaped at run time)
    const refs = app.promotion.deployingBranches.map((b) => `refs/heads/${globToRegExp(b)}`).join('|');
    env.IDENTITY_SUFFIX = `/${escapeRegExp(app.workflowPath)}@(${refs})$`;
    env.ISSUER = GITHUB_OIDC_ISSUER;
  } else if (signing.kind === 'key') {
    env.COSIGN_PUBLIC_KEY = signing._key!.publicKey;
  }
  if (signing.kind !== 'none') {
    job.addStep({ id: 'setup-cosign-release', name: 'Install cosign (to verify the staged image)', if: when, uses: app.pipeline.actions.ref('sigstore/cosign-installer'), with: { 'cosign-release': COSIGN_RELEASE } });
  }
  job.addStep({
    id: PROMOTE_STEP,
    name: 'Promote the staged image of the tagged commit to the release tags (no rebuild)',
    if: when,
    env,
    run: promoteScript(),
  });
}

/** The promote script (reads REPOSITORY, RELEASE_TAGS, SIGNING and the identity or key). */
function promoteScript(): string {
  return [
    'set -euo pipefail',
    'staged="${REPOSITORY}:${GITHUB_SHA}"',
    'if ! index="$(docker buildx imagetools inspect "${staged}" --format \'{{json .Manifest}}\')"; then',
    '  echo "::error::no staged image ${staged}: commit ${GITHUB_SHA} (tagged ${GITHUB_REF_NAME}) was never built and pushed from a deploying branch. A release promotes the image built and staged for its commit; push the commit to a deploying branch, let its pipeline build it, then tag it."',
    '  exit 1',
    'fi',
    'digest="$(jq -r \'.digest // empty\' <<< "${index}")"',
    'if ! [[ "${digest}" =~ ^sha256:[0-9a-f]{64}$ ]]; then',
    '  echo "::error::could not read the digest of ${staged} (got \'${digest}\')"',
    '  exit 1',
    'fi',
    'image="${REPOSITORY}@${digest}"',
    'case "${SIGNING}" in',
    '  keyless)',
    '    # owner and repository names are [A-Za-z0-9._-]: only the dots need escaping',
    '    identity="^https://github\\.com/${GITHUB_REPOSITORY//./\\\\.}${IDENTITY_SUFFIX}"',
    '    if ! cosign verify --certificate-identity-regexp "${identity}" --certificate-oidc-issuer "${ISSUER}" "${image}" > /dev/null; then',
    '      echo "::error::${image} is not signed by this workflow on a deploying branch (${identity}); refusing to release it"',
    '      exit 1',
    '    fi',
    '    ;;',
    '  key)',
    '    key="$(mktemp)"',
    '    printf \'%s\\n\' "${COSIGN_PUBLIC_KEY}" > "${key}"',
    '    if ! cosign verify --key "${key}" "${image}" > /dev/null; then',
    '      echo "::error::${image} is not signed with the build\'s key; refusing to release it"',
    '      exit 1',
    '    fi',
    '    ;;',
    '  *) echo "::warning::signing is off (Signing.none()): ${image} is promoted without a signature check" ;;',
    'esac',
    'tags=()',
    'while IFS= read -r tag; do',
    '  if [ -n "${tag}" ]; then tags+=(--tag "${tag}"); fi',
    'done <<< "${RELEASE_TAGS}"',
    'if [ "${#tags[@]}" -eq 0 ]; then echo "::error::no release tags to promote ${image} to"; exit 1; fi',
    '# one source: a carbon copy of the staged manifest, by digest (no rebuild, the digest stays)',
    'docker buildx imagetools create --prefer-index=false "${tags[@]}" "${image}"',
    'while IFS= read -r tag; do',
    '  if [ -z "${tag}" ]; then continue; fi',
    '  now="$(docker buildx imagetools inspect "${tag}" --format \'{{json .Manifest}}\' | jq -r \'.digest // empty\')"',
    '  if [ "${now}" != "${digest}" ]; then',
    '    echo "::error::${tag} resolves to ${now:-nothing} after the copy, not the staged ${digest}"',
    '    exit 1',
    '  fi',
    'done <<< "${RELEASE_TAGS}"',
    'echo "digest=${digest}" >> "${GITHUB_OUTPUT}"',
    '{',
    '  echo "### release ${GITHUB_REF_NAME}"',
    '  echo ""',
    '  echo "promoted the staged \\`${image}\\` (built for ${GITHUB_SHA}) to:"',
    '  while IFS= read -r tag; do if [ -n "${tag}" ]; then echo "- \\`${tag}\\`"; fi; done <<< "${RELEASE_TAGS}"',
    '} >> "${GITHUB_STEP_SUMMARY}"',
  ].join('\n');
}

/**
 * The last step of the build job: the job output `digest` is the built digest on branches and the promoted
 * one on release tags. @internal
 */
export function addImageDigestStep(job: PipelineJob): void {
  job.addStep({
    id: 'image-digest',
    name: 'The image digest (built, or promoted on a release tag)',
    env: { BUILT: '${{ steps.build.outputs.digest }}', PROMOTED: `\${{ steps.${PROMOTE_STEP}.outputs.digest }}` },
    run: 'echo "digest=${PROMOTED:-${BUILT}}" >> "${GITHUB_OUTPUT}"',
  });
}
