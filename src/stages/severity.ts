import { IConstruct } from 'constructs';
import { PlatformPipelineError, problem, show } from '../core/errors';

const SEVERITY_SYMBOL = Symbol.for('platform-pipeline.Severity');

/**
 * A finding severity, used as a scanner's threshold: a finding at or above it fails the scanner's job.
 * Each scanner translates it to its own scale (Trivy and Grype severities, `npm audit --audit-level`,
 * CVSS base scores for OSV-Scanner, SARIF levels for Semgrep).
 */
export class Severity {
  /** CRITICAL (CVSS 9.0–10.0). */
  public static readonly CRITICAL = new Severity('CRITICAL', 4, 9.0);
  /** HIGH (CVSS 7.0–8.9). */
  public static readonly HIGH = new Severity('HIGH', 3, 7.0);
  /** MEDIUM (CVSS 4.0–6.9). */
  public static readonly MEDIUM = new Severity('MEDIUM', 2, 4.0);
  /** LOW (CVSS 0.1–3.9). */
  public static readonly LOW = new Severity('LOW', 1, 0.1);

  /** Every severity, most severe first. */
  public static all(): Severity[] {
    return [Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW];
  }

  /** The severity named `name` (case-insensitive): `critical`, `high`, `medium` or `low`. */
  public static of(name: string): Severity {
    const found = Severity.all().find((s) => s.name === String(name).toUpperCase());
    if (!found) {
      throw new PlatformPipelineError(`Severity.of: unknown severity ${show(name)}; use one of ${Severity.all().map((s) => s.name).join(', ')}`);
    }
    return found;
  }

  /** Whether `x` is a Severity (works across copies of the library). */
  public static isSeverity(x: any): x is Severity {
    return x !== null && typeof x === 'object' && SEVERITY_SYMBOL in x;
  }

  /** `CRITICAL`, `HIGH`, `MEDIUM` or `LOW`. */
  public readonly name: string;
  /** 4 for CRITICAL down to 1 for LOW. */
  public readonly rank: number;
  /** The lowest CVSS base score of this severity. */
  public readonly minCvssScore: number;

  private constructor(name: string, rank: number, minCvssScore: number) {
    Object.defineProperty(this, SEVERITY_SYMBOL, { value: true });
    this.name = name;
    this.rank = rank;
    this.minCvssScore = minCvssScore;
  }

  /** The severity names at or above this one, most severe first (`HIGH` → `['CRITICAL', 'HIGH']`). */
  public get atOrAbove(): string[] {
    return Severity.all().filter((s) => s.rank >= this.rank).map((s) => s.name);
  }

  /** The name in lower case (`high`), as Grype, Snyk and Checkov write it. */
  public get lowerName(): string {
    return this.name.toLowerCase();
  }

  /** The level of `npm audit --audit-level` and dependency-review's `fail-on-severity` (`moderate` for MEDIUM). */
  public get npmLevel(): string {
    return this === Severity.MEDIUM ? 'moderate' : this.lowerName;
  }

  /** The SARIF result levels at or above this severity (Semgrep: ERROR → `error`, WARNING → `warning`, INFO → `note`). */
  public get sarifLevels(): string[] {
    if (this.rank >= 3) return ['error'];
    if (this.rank === 2) return ['error', 'warning'];
    return ['error', 'warning', 'note'];
  }

  /** The name. */
  public toString(): string {
    return this.name;
  }
}

/**
 * Checks that `value` is a Severity (JavaScript callers can pass anything), returning it or the default.
 * @internal
 */
export function severityProp(scope: IConstruct | string, prop: string, value: unknown, fallback: Severity): Severity {
  if (value === undefined) return fallback;
  if (Severity.isSeverity(value)) return value;
  throw new PlatformPipelineError(problem(scope, `${show(prop)} must be a Severity (Severity.CRITICAL, HIGH, MEDIUM or LOW), got unknown severity ${show(value)}; use Severity.of('high') to parse a name`));
}
