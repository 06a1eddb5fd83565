import { show } from './errors';

/** RFC 1123 label: Kubernetes names of namespaces, services, Helm releases. @internal */
export const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** GitHub job ids: a letter or `_`, then letters, digits, `-` or `_`. @internal */
export const GITHUB_JOB_ID = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** GitHub secret names: letters, digits and `_`, not starting with a digit or `GITHUB_`. @internal */
export const GITHUB_SECRET_NAME = /^(?!GITHUB_)[A-Za-z_][A-Za-z0-9_]*$/;

/** A relative path inside the repository: no leading `/`, no `..` segment. @internal */
export const REPO_PATH = /^(?!\/)(?!.*(^|\/)\.\.(\/|$))[A-Za-z0-9._\/-]+$/;

/** An IAM role ARN, e.g. `arn:aws:iam::123456789012:role/deploy`. @internal */
export const IAM_ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@\/-]+$/;

/** An AWS region, e.g. `eu-west-1`. @internal */
export const AWS_REGION = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;

/** A Kubernetes label value (length checked separately where it matters). @internal */
export const K8S_LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** A Prometheus label name. @internal */
export const PROM_LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Longest app name: leaves room for suffixes such as `-canary`/`-preview` within Helm's 53 characters. @internal */
/**
 * An http(s) URL: a host right after the scheme, no whitespace or quotes anywhere (URLs land in shell
 * variables, YAML and Alertmanager configuration).
 */
export const HTTP_URL = /^https?:\/\/[^\s/$.?#"'`][^\s"'`]*$/;

export const MAX_APP_NAME = 40;

/** An image reference with its registry and repository path, an optional tag and an optional digest. */
const IMAGE_REFERENCE = /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d+)?(\/[a-z0-9]([a-z0-9._-]*[a-z0-9])?)+(:[\w][\w.-]{0,127})?(@sha256:[a-f0-9]{64})?$/;

/**
 * The problem with image prop `prop` unless it is an image reference pinned by a tag or a digest, such as
 * `example`; undefined when it is one (a floating tag such as `latest` is the caller's to refuse).
 */
export function unpinnedImageProblem(prop: string, image: unknown, example: string): string | undefined {
  if (typeof image === 'string' && IMAGE_REFERENCE.test(image) && /[:@]/.test(image.split('/').pop()!)) return undefined;
  return `'${prop}' must be an image reference with a tag or a digest, such as '${example}', got ${show(image)}`;
}

/** Returns a problem message for `value` as a DNS-1123 label, or undefined when it is valid. @internal */
export function dnsLabelProblem(prop: string, value: string, max: number = 63): string | undefined {
  if (typeof value !== 'string' || value.length === 0) {
    return `'${prop}' is required: give a lowercase DNS-1123 name such as 'checkout'`;
  }
  if (value.length > max) {
    return `'${prop}' must be at most ${max} characters, got ${show(value)} (${value.length}); shorten it`;
  }
  if (!DNS1123_LABEL.test(value)) {
    return `'${prop}' must be a DNS-1123 label (lowercase letters, digits and '-', starting and ending with a letter or digit), got ${show(value)}; try ${show(suggestLabel(value))}`;
  }
  return undefined;
}

/** Returns a problem for a GitHub secret name, or undefined. @internal */
export function secretNameProblem(prop: string, value: string): string | undefined {
  if (typeof value !== 'string' || !GITHUB_SECRET_NAME.test(value)) {
    return `'${prop}' must be a GitHub secret name (letters, digits and '_', not starting with a digit or 'GITHUB_'), got ${show(value)}`;
  }
  return undefined;
}

/** A DNS-1123 label close to `value`, for error messages. @internal */
export function suggestLabel(value: string): string {
  const s = String(value).toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '');
  return s.length > 0 ? s.slice(0, 63).replace(/-+$/, '') : 'app';
}

/** `checkout-api` -> `CheckoutApi`, for alert names. @internal */
export function pascalCase(value: string): string {
  return value
    .split(/[^A-Za-z0-9]+/)
    .filter((p) => p.length > 0)
    .map((p) => p[0].toUpperCase() + p.slice(1))
    .join('');
}

/** The build job's output holding the pushed image's digest (`sha256:…`); jobs that need the image read it. */
export const IMAGE_DIGEST_OUTPUT = 'digest';
