import { Construct } from 'constructs';
import { github } from 'projen';
import { renderDependencyReview, renderNpmAudit, renderOsvScanner, renderPipAudit, renderSnyk } from './private/dependency-scan-jobs';
import { renderFossa, renderLicenses } from './private/license-scan-jobs';
import { renderIac, renderLint } from './private/lint-jobs';
import { renderCheckov, renderKubesec, renderSemgrep, renderSonar } from './private/sast-jobs';
import { SCAN_ESTIMATES, ScanContext } from './private/scan-context';
import { renderGitleaks, renderTrufflehog } from './private/secret-scan-jobs';
import { Scanner } from './scanner';
import { Severity, severityProp } from './severity';
import { fail, show } from '../core/errors';
import { Runner } from '../model/runner';
import { JobKind, PipelineJob } from '../pipeline/pipeline-job';
import { appOf } from '../platform/platform-app-contract';

/** Properties of the security scan stage. */
export interface SecurityScanStageProps {
  /**
   * Scanners to add or to tune: one with the name of a default replaces that default (e.g.
   * `Scanner.checkov({ skipChecks: ['CKV_K8S_21'] })`); others are added (`Scanner.snyk(...)`,
   * `Scanner.sonarQube(...)`, `Scanner.npmAudit()`, …).
   * @default - the defaults only (`Scanner.defaults()`)
   */
  readonly scanners?: Scanner[];
  /**
   * Names of scanners to switch off, e.g. `['trufflehog']`.
   * @default - none
   */
  readonly disable?: string[];
  /**
   * The threshold of every scanner that does not set its own: a finding at or above it fails the job.
   * @default Severity.HIGH
   */
  readonly threshold?: Severity;
  /**
   * Upload SARIF results to GitHub code scanning (needs code scanning, i.e. a public repository or
   * GitHub Advanced Security). The uploading jobs get `security-events: write`; no other job does.
   * @default true
   */
  readonly uploadSarif?: boolean;
  /**
   * Where the scan jobs run.
   * @default - the app's runner
   */
  readonly runner?: Runner;
}

const RENDERERS: Record<string, (ctx: ScanContext) => void> = {
  'lint': renderLint,
  'gitleaks': renderGitleaks,
  'trufflehog': renderTrufflehog,
  'checkov': renderCheckov,
  'kubesec': renderKubesec,
  'semgrep': renderSemgrep,
  'osv-scanner': renderOsvScanner,
  'npm-audit': renderNpmAudit,
  'pip-audit': renderPipAudit,
  'snyk': renderSnyk,
  'dependency-review': renderDependencyReview,
  'sonarqube': renderSonar,
  'licenses': renderLicenses,
  'fossa': renderFossa,
  'iac': renderIac,
};

const TITLES: Record<string, string> = {
  'lint': 'pre-commit checks',
  'gitleaks': 'secrets (gitleaks)',
  'trufflehog': 'secrets (TruffleHog)',
  'checkov': 'IaC SAST (Checkov)',
  'kubesec': 'Kubesec',
  'semgrep': 'SAST (Semgrep)',
  'osv-scanner': 'dependencies (OSV-Scanner)',
  'npm-audit': 'dependencies (npm audit)',
  'pip-audit': 'dependencies (pip-audit)',
  'snyk': 'dependencies (Snyk)',
  'dependency-review': 'dependency review',
  'sonarqube': 'code quality (SonarQube)',
  'licenses': 'licences',
  'fossa': 'licences (FOSSA)',
  'iac': 'IaC validation',
};

/**
 * Stage 1 of the reference pipeline: code quality and security scans, one gate job per scanner
 * (`<app>-scan-<name>`), all running in parallel beside the build. Every tool is a default that can be
 * switched off (`disable`), replaced or tuned (`scanners`); each job asks only for the permissions its
 * steps need (`security-events: write` only where SARIF is uploaded); every finding at or above a
 * scanner's threshold fails its job, and deploys wait for every gate.
 */
export class SecurityScanStage extends Construct {
  /** The scanners in effect, in job order. */
  public readonly scanners: Scanner[];
  /** The stage-wide threshold. */
  public readonly threshold: Severity;

  private readonly jobsByScanner = new Map<string, PipelineJob>();

  constructor(scope: Construct, id: string, props: SecurityScanStageProps = {}) {
    super(scope, id);
    const app = appOf(this);
    this.threshold = severityProp(this, 'threshold', props.threshold, Severity.HIGH);
    const uploadSarif = props.uploadSarif ?? true;

    const list = Scanner.defaults();
    for (const s of props.scanners ?? []) {
      if (!s || typeof s.name !== 'string' || !RENDERERS[s.name]) {
        fail(this, `'scanners' entries must be made with Scanner.<tool>(...), got ${show(s)}`);
      }
      severityProp(this, `scanners[${s.name}].threshold`, s.threshold, this.threshold);
      const i = list.findIndex((x) => x.name === s.name);
      if (i >= 0) list[i] = s;
      else if (!list.some((x) => x.name === s.name)) list.push(s);
    }
    const known = Object.keys(RENDERERS);
    for (const name of props.disable ?? []) {
      if (!known.includes(name)) fail(this, `'disable' names unknown scanner ${show(name)}; scanners are ${show(known)}`);
    }
    this.scanners = list.filter((s) => !(props.disable ?? []).includes(s.name));
    if (this.scanners.length === 0) {
      fail(this, `every scanner is disabled (disable: ${show(props.disable ?? [])}); keep at least one, or remove the SecurityScanStage`);
    }

    for (const scanner of this.scanners) {
      const job = app.pipeline.addJob(`scan-${scanner.name}`, {
        kind: JobKind.GATE,
        name: `${app.name} / scan / ${TITLES[scanner.name]}`,
        runner: props.runner,
        permissions: { contents: github.workflows.JobPermission.READ },
        estimatedDuration: SCAN_ESTIMATES[scanner.name],
      }, this);
      RENDERERS[scanner.name]({ app, job, options: scanner._options, threshold: scanner.threshold ?? this.threshold, uploadSarif });
      this.jobsByScanner.set(scanner.name, job);
    }
  }

  /** The job of a scanner, or undefined when it is not enabled. */
  public tryFindJob(scannerName: string): PipelineJob | undefined {
    return this.jobsByScanner.get(scannerName);
  }

  /** Every scan job. */
  public get jobs(): PipelineJob[] {
    return [...this.jobsByScanner.values()];
  }
}
