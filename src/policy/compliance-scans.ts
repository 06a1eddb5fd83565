/**
 * The options of the ComplianceStage's two scans beside the cluster checks: the DISA STIG scan of the image
 * (OpenSCAP) and the OWASP ZAP baseline of an environment's URL. Types only: the stage
 * (compliance-stage.ts) and the step and job builders (private/compliance-dast-jobs.ts) both read them.
 */
import { Duration } from 'cdk8s';

/** The OpenSCAP scan of the image this run built against a DISA STIG profile (SCAP Security Guide content). */
export interface StigOptions {
  /**
   * Whether the scan runs.
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * The XCCDF profile id.
   * @default 'xccdf_org.ssgproject.content_profile_stig'
   */
  readonly profile?: string;
  /**
   * The SCAP source data stream: a file name in the SCAP Security Guide's content directory on the runner
   * (`/usr/share/xml/scap/ssg/content`), e.g. `ssg-rhel9-ds.xml`.
   * @default - chosen from the image's os-release: `ssg-<product>-ds.xml` (Ubuntu `ubuntu2204`, RHEL/UBI
   * `rhel9`, Oracle Linux `ol9`, SLES `sle15`, Debian `debian12`, …)
   */
  readonly datastream?: string;
  /**
   * The most failed rules accepted (a rule OpenSCAP could not decide counts as failed); more fail the check.
   * @default 0
   */
  readonly maxFailures?: number;
  /**
   * Whether an image without STIG content fails the check: no os-release (a scratch or static image), an OS
   * the SCAP Security Guide has no data stream for (Alpine, distroless), or one without the profile (Debian).
   * When false such an image is reported N/A (not applicable) in the summary and the compliance report.
   * @default false
   */
  readonly requireContent?: boolean;
}

/** What ZAP does with an alert (the levels of a `zap-baseline.py` rules file). */
export enum ZapRuleAction {
  /** Not reported. */
  IGNORE = 'IGNORE',
  /** Reported, never fails. */
  INFO = 'INFO',
  /** Reported; fails the job when `failOnWarnings` (ZAP's level for every alert not listed). */
  WARN = 'WARN',
  /** Reported and fails the job. */
  FAIL = 'FAIL',
}

/** One line of the ZAP baseline's rules file. */
export interface ZapRule {
  /** The ZAP alert (scan rule) id, e.g. 10038 (Content Security Policy header not set). */
  readonly id: number;
  /** What ZAP does with the alert. */
  readonly action: ZapRuleAction;
  /**
   * Why (written in the rules file).
   * @default - 'set in .projenrc.ts'
   */
  readonly note?: string;
}

/** The OWASP ZAP baseline scan (spider and passive scan) of an environment's URL, after its deploy. */
export interface ZapOptions {
  /**
   * Whether the scan runs.
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * The environment whose `url` is scanned, after its deploy (the next environment waits for the scan).
   * @default - the first environment
   */
  readonly environment?: string;
  /**
   * Rules: what ZAP does with each alert (rendered to `compliance/<app>/zap-rules.tsv`).
   * @default - none: every alert is a WARN
   */
  readonly rules?: ZapRule[];
  /**
   * Whether a WARN alert fails the job; when false only alerts a rule sets to FAIL do.
   * @default true
   */
  readonly failOnWarnings?: boolean;
  /**
   * The ZAP image (`docker_name`). Give one pinned by digest (`…@sha256:…`) once you have verified it.
   * @default 'ghcr.io/zaproxy/zaproxy:2.16.1' (pinned by version tag instead of the action's floating
   * `stable`: its digest could not be verified)
   */
  readonly image?: string;
  /**
   * `timeout-minutes` of the job.
   * @default Duration.minutes(20)
   */
  readonly timeout?: Duration;
}
