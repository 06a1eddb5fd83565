// Who signed an artifact, as a verifier sees it: the build states it (BuildStage.signingIdentity), the
// deploy jobs verify the image against it before deploying, admission policies can check it in-cluster.

/** GitHub's OIDC token issuer, the issuer of every keyless signature made in GitHub Actions. @internal */
export const GITHUB_OIDC_ISSUER = 'https://token.actions.githubusercontent.com';

/**
 * Who signed an artifact, as a verifier (cosign, a Kyverno `verifyImages` rule) checks it: the OIDC issuer
 * and certificate subject for keyless signatures, or the public key.
 */
export interface SigningIdentity {
  /** Whether signatures are keyless (then `issuer` and `subject*` are set; otherwise `publicKey`). */
  readonly keyless: boolean;
  /** The OIDC issuer of keyless signatures. */
  readonly issuer?: string;
  /**
   * The certificate subject with `*` wildcards (Kyverno `keyless.subject`):
   * `https://github.com/<owner>/<repo>/.github/workflows/<app>-pipeline.yml@*`.
   */
  readonly subject?: string;
  /** A regular expression matching exactly the refs the pipeline signs from (cosign `--certificate-identity-regexp`, Kyverno `subjectRegExp`). */
  readonly subjectRegExp?: string;
  /** The PEM public key of key-based signatures. */
  readonly publicKey?: string;
}

/** Regex-escapes `s`. @internal */
export function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A GitHub branch/tag filter glob as a regular expression (`*` stays within a path segment, `**` crosses). @internal */
export function globToRegExp(glob: string): string {
  return glob.split('**').map((part) => part.split('*').map(escapeRegExp).join('[^/]*')).join('.*');
}

/** The keyless identity of signatures made by `workflowPath` of `repository` on `refs`. @internal */
export function keylessIdentity(repository: string, workflowPath: string, branches: string[], tags: string[]): SigningIdentity {
  const base = `https://github.com/${repository}/${workflowPath}`;
  const refs = [...branches.map((b) => `refs/heads/${globToRegExp(b)}`), ...tags.map((t) => `refs/tags/${globToRegExp(t)}`)];
  return {
    keyless: true,
    issuer: GITHUB_OIDC_ISSUER,
    subject: `${base}@*`,
    subjectRegExp: `^${escapeRegExp(base)}@(${refs.join('|')})$`,
  };
}
