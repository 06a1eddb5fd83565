import { Severity } from './severity';
import { PlatformPipelineError, show } from '../core/errors';
import { HTTP_URL, REPO_PATH, secretNameProblem } from '../core/names';

/** A scanner's own severity threshold. */
export interface ThresholdOptions {
  /**
   * A finding at or above this severity fails the scanner's job.
   * @default - the stage's `threshold`
   */
  readonly threshold?: Severity;
}

/** One JSON-schema check: data files and the schema they must satisfy. */
export interface SchemaCheck {
  /** Path of the JSON schema in the repository. */
  readonly schema: string;
  /** Data files (JSON or YAML; globs allowed) that must validate against it. */
  readonly files: string[];
}

/** Options of the pre-commit checks. */
export interface LintOptions {
  /**
   * Lint every YAML file with yamllint (the chart's templates excluded).
   * @default true
   */
  readonly yamllint?: boolean;
  /**
   * A yamllint configuration file in the repository.
   * @default - the rules the library's own output passes (default rules; no line length; `on:` allowed)
   */
  readonly yamllintConfig?: string;
  /**
   * Check that every JSON file tracked by git parses.
   * @default true
   */
  readonly jsonSyntax?: boolean;
  /**
   * Lint the repository's workflows with actionlint (with shellcheck on their `run:` scripts).
   * @default true
   */
  readonly actionlint?: boolean;
  /**
   * JSON-schema checks of data files (ajv-cli, pinned).
   * @default - none
   */
  readonly schemaChecks?: SchemaCheck[];
}

/** Options of gitleaks. */
export interface GitleaksOptions {
  /**
   * A gitleaks configuration file in the repository (allow-lists, extra rules).
   * @default - `.gitleaks.toml` when the repository has one, else gitleaks' defaults
   */
  readonly config?: string;
}

/** Options of TruffleHog. */
export interface TrufflehogOptions {
  /**
   * Fail only on secrets TruffleHog verified as live; `false` also fails on unverifiable ones.
   * @default true
   */
  readonly verifiedOnly?: boolean;
}

/** Options of Checkov. */
export interface CheckovOptions extends ThresholdOptions {
  /**
   * Checks to skip, e.g. `['CKV_K8S_21']`.
   * @default - none
   */
  readonly skipChecks?: string[];
  /**
   * More directories of Kubernetes manifests to scan, besides the chart and the generated manifests.
   * @default - none
   */
  readonly kubernetesDirectories?: string[];
  /**
   * A secret holding a Prisma Cloud API key. Checkov's checks carry severities only with it, so only then
   * does the threshold apply (`hard_fail_on`); without it every failed check fails the job.
   * @default - none
   */
  readonly apiKeySecret?: string;
}

/** Options of Kubesec. */
export interface KubesecOptions {
  /**
   * Every workload of the rendered chart must score at least this; any critical advisory fails. Kubesec's
   * own verdict passes a score of 0 (no hardening at all); the gate asks for at least one point.
   * @default 1
   */
  readonly minScore?: number;
}

/** Options of Semgrep. */
export interface SemgrepOptions extends ThresholdOptions {
  /**
   * Rule sets (`p/<name>` from the Semgrep registry) or rule files in the repository.
   * @default ['p/kubernetes', 'p/dockerfile', 'p/github-actions']
   */
  readonly rules?: string[];
  /**
   * A secret with a Semgrep AppSec Platform token: runs `semgrep ci` with the platform's policies instead.
   * @default - none (Community Edition rules)
   */
  readonly appTokenSecret?: string;
}

/** Options of OSV-Scanner. */
export interface OsvScannerOptions extends ThresholdOptions {
  /**
   * Directories scanned recursively for lockfiles and manifests.
   * @default ['.']
   */
  readonly paths?: string[];
}

/** Options of `npm audit`. */
export interface NpmAuditOptions extends ThresholdOptions {
  /**
   * Directories with a `package-lock.json`.
   * @default - the image's build context
   */
  readonly directories?: string[];
  /**
   * Audit development dependencies too.
   * @default false
   */
  readonly includeDev?: boolean;
}

/** Options of pip-audit. */
export interface PipAuditOptions {
  /**
   * Requirements files to audit (pip-audit reports no severities: any known vulnerability fails).
   * @default - `<image context>/requirements.txt`
   */
  readonly requirements?: string[];
}

/** Options of Snyk. */
export interface SnykOptions extends ThresholdOptions {
  /** The secret holding the Snyk token. */
  readonly tokenSecret: string;
}

/** Options of GitHub's dependency review (pull requests only). */
export interface DependencyReviewOptions extends ThresholdOptions {}

/** Options of SonarQube / SonarCloud. */
export interface SonarQubeOptions {
  /** The secret holding the analysis token. */
  readonly tokenSecret: string;
  /**
   * URL of a SonarQube Server.
   * @default - SonarQube Cloud
   */
  readonly hostUrl?: string;
  /**
   * Wait for the quality gate and fail when it fails.
   * @default true
   */
  readonly qualityGate?: boolean;
}

/** Options of the licence scan. */
export interface LicenseScanOptions {
  /**
   * SPDX identifiers of the licences dependencies may have.
   * @default ['Apache-2.0', 'BSD-2-Clause', 'BSD-3-Clause', 'ISC', 'MIT', 'MPL-2.0', '0BSD', 'Unlicense']
   */
  readonly allow?: string[];
}

/** Options of FOSSA. */
export interface FossaOptions {
  /** The secret holding the FOSSA API key. */
  readonly apiKeySecret: string;
}

/** Options of IaC validation. */
export interface IacValidationOptions {
  /**
   * Run `helm lint --strict` on the chart.
   * @default true
   */
  readonly helmLint?: boolean;
  /**
   * Terraform root modules: each is validated with `terraform validate` and linted with tflint.
   * @default - none (the repository has no Terraform)
   */
  readonly terraformDirectories?: string[];
  /**
   * Lint the Terraform modules with tflint.
   * @default true
   */
  readonly tflint?: boolean;
}

const DEFAULT_NAMES = ['lint', 'gitleaks', 'trufflehog', 'checkov', 'kubesec', 'semgrep', 'osv-scanner', 'dependency-review', 'licenses', 'iac'];
const SAFE_WORD = /^[A-Za-z0-9][A-Za-z0-9._\/*@:+-]*$/;

/**
 * One tool of the security scan stage. Each runs as its own gate job (`<app>-scan-<name>`), beside the
 * build; jobs of tools that produce SARIF upload it to code scanning. Pass a scanner to the stage to tune
 * or add it; disable defaults by name.
 */
export class Scanner {
  /** Pre-commit checks: yamllint, JSON syntax, actionlint, optional JSON-schema checks. Default. */
  public static lint(options: LintOptions = {}): Scanner {
    const on = [options.yamllint ?? true, options.jsonSyntax ?? true, options.actionlint ?? true, (options.schemaChecks ?? []).length > 0];
    if (!on.some((x) => x)) throw new PlatformPipelineError('Scanner.lint: every check is switched off; disable the scanner instead (disable: [\'lint\'])');
    for (const c of options.schemaChecks ?? []) {
      if (!c.schema || !SAFE_WORD.test(c.schema) || !c.files?.length || c.files.some((f) => !SAFE_WORD.test(f))) {
        throw new PlatformPipelineError(`Scanner.lint: each of 'schemaChecks' needs a 'schema' path and at least one 'files' path or glob (no spaces or quotes), got ${show(c)}`);
      }
    }
    return new Scanner('lint', options);
  }

  /** gitleaks over the full git history, with SARIF. Default. */
  public static gitleaks(options: GitleaksOptions = {}): Scanner {
    return new Scanner('gitleaks', options);
  }

  /** TruffleHog over the full git history, failing on verified secrets. Default. */
  public static trufflehog(options: TrufflehogOptions = {}): Scanner {
    return new Scanner('trufflehog', options);
  }

  /** Checkov on the chart, the generated manifests and other Kubernetes directories, with SARIF. Default. */
  public static checkov(options: CheckovOptions = {}): Scanner {
    for (const c of options.skipChecks ?? []) {
      if (!/^[A-Z0-9_]+$/.test(c)) throw new PlatformPipelineError(`Scanner.checkov: 'skipChecks' entries must be check ids such as 'CKV_K8S_21', got ${show(c)}`);
    }
    checkSecret('Scanner.checkov', 'apiKeySecret', options.apiKeySecret);
    return new Scanner('checkov', options, options.threshold);
  }

  /** Kubesec on the chart rendered with each environment's values. Default. */
  public static kubesec(options: KubesecOptions = {}): Scanner {
    if (options.minScore !== undefined && !Number.isInteger(options.minScore)) {
      throw new PlatformPipelineError(`Scanner.kubesec: 'minScore' must be a whole number, got ${show(options.minScore)}`);
    }
    return new Scanner('kubesec', options);
  }

  /** Semgrep (the `semgrep/semgrep` image pinned by digest) with SARIF. Default. */
  public static semgrep(options: SemgrepOptions = {}): Scanner {
    const rules = options.rules ?? ['p/kubernetes', 'p/dockerfile', 'p/github-actions'];
    if (rules.length === 0 && !options.appTokenSecret) {
      throw new PlatformPipelineError("Scanner.semgrep: 'rules' is empty; name at least one rule set such as 'p/kubernetes', or disable the scanner");
    }
    for (const r of rules) {
      if (!SAFE_WORD.test(r)) throw new PlatformPipelineError(`Scanner.semgrep: 'rules' entries must be registry rule sets such as 'p/kubernetes' or paths, got ${show(r)}`);
    }
    checkSecret('Scanner.semgrep', 'appTokenSecret', options.appTokenSecret);
    return new Scanner('semgrep', { ...options, rules }, options.threshold);
  }

  /** OSV-Scanner over every lockfile, gated on CVSS scores, with SARIF. Default. */
  public static osvScanner(options: OsvScannerOptions = {}): Scanner {
    checkPaths('Scanner.osvScanner', 'paths', options.paths);
    return new Scanner('osv-scanner', options, options.threshold);
  }

  /** `npm audit` per directory. */
  public static npmAudit(options: NpmAuditOptions = {}): Scanner {
    checkPaths('Scanner.npmAudit', 'directories', options.directories);
    return new Scanner('npm-audit', options, options.threshold);
  }

  /** pip-audit per requirements file. */
  public static pipAudit(options: PipAuditOptions = {}): Scanner {
    checkPaths('Scanner.pipAudit', 'requirements', options.requirements);
    return new Scanner('pip-audit', options);
  }

  /** Snyk Open Source (`snyk test --all-projects`), with SARIF. */
  public static snyk(options: SnykOptions): Scanner {
    checkSecret('Scanner.snyk', 'tokenSecret', options?.tokenSecret, true);
    return new Scanner('snyk', options, options.threshold);
  }

  /** GitHub's dependency review of the dependencies a pull request changes. Default. */
  public static dependencyReview(options: DependencyReviewOptions = {}): Scanner {
    return new Scanner('dependency-review', options, options.threshold);
  }

  /** SonarQube Server or Cloud analysis with its quality gate. */
  public static sonarQube(options: SonarQubeOptions): Scanner {
    checkSecret('Scanner.sonarQube', 'tokenSecret', options?.tokenSecret, true);
    if (options.hostUrl !== undefined && !HTTP_URL.test(options.hostUrl)) {
      throw new PlatformPipelineError(`Scanner.sonarQube: 'hostUrl' must be an http(s) URL, got ${show(options.hostUrl)}`);
    }
    return new Scanner('sonarqube', options);
  }

  /** Licences of every dependency against an allow-list (OSV-Scanner with deps.dev data). Default. */
  public static licenses(options: LicenseScanOptions = {}): Scanner {
    const allow = options.allow ?? ['Apache-2.0', 'BSD-2-Clause', 'BSD-3-Clause', 'ISC', 'MIT', 'MPL-2.0', '0BSD', 'Unlicense'];
    if (allow.length === 0) throw new PlatformPipelineError("Scanner.licenses: 'allow' is empty, so every dependency would violate it; list the SPDX licences you accept");
    for (const l of allow) {
      if (!/^[A-Za-z0-9.+-]+$/.test(l)) throw new PlatformPipelineError(`Scanner.licenses: 'allow' entries must be SPDX identifiers such as 'Apache-2.0', got ${show(l)}`);
    }
    return new Scanner('licenses', { allow });
  }

  /** FOSSA licence and vulnerability analysis (`fossa analyze` and `fossa test`). */
  public static fossa(options: FossaOptions): Scanner {
    checkSecret('Scanner.fossa', 'apiKeySecret', options?.apiKeySecret, true);
    return new Scanner('fossa', options);
  }

  /** IaC validation: `helm lint --strict`, and terraform validate and tflint per Terraform module. Default. */
  public static iacValidation(options: IacValidationOptions = {}): Scanner {
    checkPaths('Scanner.iacValidation', 'terraformDirectories', options.terraformDirectories);
    if (options.helmLint === false && (options.terraformDirectories ?? []).length === 0) {
      throw new PlatformPipelineError("Scanner.iacValidation: 'helmLint' is off and there are no 'terraformDirectories', so nothing would be validated; disable the scanner instead (disable: ['iac'])");
    }
    return new Scanner('iac', options);
  }

  /** The default scanners, each with its defaults. */
  public static defaults(): Scanner[] {
    return [
      Scanner.lint(), Scanner.gitleaks(), Scanner.trufflehog(), Scanner.checkov(), Scanner.kubesec(), Scanner.semgrep(),
      Scanner.osvScanner(), Scanner.dependencyReview(), Scanner.licenses(), Scanner.iacValidation(),
    ];
  }

  /** Names of the default scanners. */
  public static defaultNames(): string[] {
    return [...DEFAULT_NAMES];
  }

  /** The scanner's name; its job is `<app>-scan-<name>`. */
  public readonly name: string;
  /** Its own threshold, if it has one. */
  public readonly threshold?: Severity;
  /** @internal */
  public readonly _options: any;

  private constructor(name: string, options: any, threshold?: Severity) {
    this.name = name;
    this._options = options ?? {};
    this.threshold = threshold;
  }
}

function checkSecret(where: string, prop: string, value: string | undefined, required = false): void {
  if (value === undefined && !required) return;
  const p = secretNameProblem(prop, value as string);
  if (p) throw new PlatformPipelineError(`${where}: ${p}`);
}

function checkPaths(where: string, prop: string, values: string[] | undefined): void {
  if (values === undefined) return;
  if (values.length === 0) throw new PlatformPipelineError(`${where}: '${prop}' is empty; list at least one path or leave it out for the default`);
  for (const v of values) {
    if (typeof v !== 'string' || !REPO_PATH.test(v)) {
      throw new PlatformPipelineError(`${where}: '${prop}' entries must be paths inside the repository, got ${show(v)}`);
    }
  }
}
