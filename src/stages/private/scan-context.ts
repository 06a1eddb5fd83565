// What every scan job is rendered from, and the duration estimates of the scan jobs.
import { Duration } from 'cdk8s';
import { PipelineJob } from '../../pipeline/pipeline-job';
import type { IPlatformApp } from '../../platform/platform-app-contract';
import { Severity } from '../severity';

/** What a scanner renderer gets. @internal */
export interface ScanContext {
  readonly app: IPlatformApp;
  readonly job: PipelineJob;
  readonly options: any;
  readonly threshold: Severity;
  readonly uploadSarif: boolean;
}

/** Expected durations per scanner, for the critical path. @internal */
export const SCAN_ESTIMATES: Record<string, Duration> = {
  'lint': Duration.minutes(2),
  'gitleaks': Duration.minutes(2),
  'trufflehog': Duration.minutes(3),
  'checkov': Duration.minutes(4),
  'kubesec': Duration.minutes(2),
  'semgrep': Duration.minutes(5),
  'osv-scanner': Duration.minutes(3),
  'npm-audit': Duration.minutes(2),
  'pip-audit': Duration.minutes(3),
  'snyk': Duration.minutes(4),
  'dependency-review': Duration.minutes(1),
  'sonarqube': Duration.minutes(6),
  'licenses': Duration.minutes(3),
  'fossa': Duration.minutes(6),
  'iac': Duration.minutes(3),
};
