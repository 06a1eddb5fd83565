import { Duration } from 'cdk8s';
import { PlatformPipelineError, show } from '../core/errors';
import { DNS1123_LABEL } from '../core/names';
import { factorOf, num, promDuration } from '../core/prom-format';
import type { Slo } from '../model/slo';

/** Who an alert goes to. `AlertRouting` sends pages to the on-call receiver and tickets to the team channel. */
export enum AlertTier {
  /** Wakes someone up (`severity: critical` by default). */
  PAGE = 'page',
  /** Handled in working hours (`severity: warning` by default). */
  TICKET = 'ticket',
  /** Informational, not routed (`severity: info`). */
  INFO = 'info',
}

/** One multi-window burn-rate alert: it fires when both windows burn the budget faster than the factor. */
export interface BurnRateWindowProps {
  /** Page or ticket. */
  readonly tier: AlertTier;
  /** The short window, which makes the alert reset quickly once the burn stops (e.g. 5 minutes). */
  readonly shortWindow: Duration;
  /** The long window, over which `budgetConsumed` percent of the period's budget is spent (e.g. 1 hour). */
  readonly longWindow: Duration;
  /**
   * Percent of the whole period's error budget spent within `longWindow` at the alerting burn rate, e.g. `2`.
   * The factor is `budgetConsumed × periodHours / 100 / longWindowHours` (14.4 for 2 % in 1 h of 30 days).
   */
  readonly budgetConsumed: number;
  /**
   * How long the condition must hold before the alert fires (`for:`). Sloth and the SRE workbook use none:
   * the short window already makes the alert wait for a sustained burn, and a `for:` delays a ticket by up
   * to its length.
   * @default - none (fires at the first evaluation where both windows burn, as Sloth's alerts do)
   */
  readonly pendingFor?: Duration;
  /**
   * The stable tier label value (`slo_burn_tier`) that routes and inhibitions can match.
   * @default - `<tier>-<short>-<long>`, e.g. `page-5m-1h`
   */
  readonly name?: string;
}

/** One window of a resolved set, for one SLO. @internal */
export interface ResolvedWindow {
  readonly tier: AlertTier;
  readonly name: string;
  readonly shortSeconds: number;
  readonly longSeconds: number;
  readonly short: string;
  readonly long: string;
  readonly budgetConsumed: number;
  readonly factor: number;
  /** `factor × error budget`, rounded. */
  readonly threshold: number;
  /** `for:` of the alert, or undefined (none). */
  readonly pendingFor?: string;
  /** Seconds of `pendingFor`, 0 without. */
  readonly pendingSeconds: number;
}

const WORKBOOK: BurnRateWindowProps[] = [
  { tier: AlertTier.PAGE, shortWindow: Duration.minutes(5), longWindow: Duration.hours(1), budgetConsumed: 2, name: 'page-fast' },
  { tier: AlertTier.PAGE, shortWindow: Duration.minutes(30), longWindow: Duration.hours(6), budgetConsumed: 5, name: 'page-slow' },
  { tier: AlertTier.TICKET, shortWindow: Duration.hours(2), longWindow: Duration.days(1), budgetConsumed: 10, name: 'ticket-fast' },
  { tier: AlertTier.TICKET, shortWindow: Duration.hours(6), longWindow: Duration.days(3), budgetConsumed: 10, name: 'ticket-slow' },
];

const NAMES = ['workbook', 'google-30d', 'google-28d'];

/**
 * The multi-window multi-burn-rate alert windows (Google SRE workbook, "Alerting on SLOs"). Each window pair
 * becomes one alert with its own `for:` and tier label, so a page can inhibit the ticket of the same SLO.
 */
export class BurnRateWindows {
  /**
   * The workbook's four windows (page 5m/1h at 2 %, page 30m/6h at 5 %, ticket 2h/1d at 10 %, ticket 6h/3d
   * at 10 % of the budget), with factors computed from each SLO's period: 14.4/6/3/1 for 30 days,
   * 13.44/5.6/2.8/0.9333 for 28 days.
   */
  public static workbook(): BurnRateWindows {
    return new BurnRateWindows('workbook', WORKBOOK, undefined);
  }

  /** Sloth's `google-30d`: the workbook windows, only for SLOs with a 30-day period. */
  public static google30d(): BurnRateWindows {
    return new BurnRateWindows('google-30d', WORKBOOK, 30);
  }

  /** Sloth's `google-28d`: the workbook windows, only for SLOs with a 28-day period. */
  public static google28d(): BurnRateWindows {
    return new BurnRateWindows('google-28d', WORKBOOK, 28);
  }

  /** A window set by name, as Sloth spells it: `google-30d`, `google-28d`, or `workbook`. */
  public static fromName(name: string): BurnRateWindows {
    switch (name) {
      case 'workbook': return BurnRateWindows.workbook();
      case 'google-30d': return BurnRateWindows.google30d();
      case 'google-28d': return BurnRateWindows.google28d();
      default:
        throw new PlatformPipelineError(`BurnRateWindows.fromName: unknown window set ${show(name)}; known sets are ${show(NAMES)}, or use BurnRateWindows.custom([...]) for other windows`);
    }
  }

  /** Your own windows, e.g. for a 7-day period. Factors are computed from each SLO's period. */
  public static custom(windows: BurnRateWindowProps[]): BurnRateWindows {
    const problems: string[] = [];
    if (!Array.isArray(windows) || windows.length === 0) problems.push("'windows' must list at least one window");
    const names = new Set<string>();
    (windows ?? []).forEach((w, i) => {
      const at = `windows[${i}]`;
      if (!Object.values(AlertTier).includes(w.tier) || w.tier === AlertTier.INFO) problems.push(`'${at}.tier' must be AlertTier.PAGE or AlertTier.TICKET, got ${show(w.tier)}`);
      for (const [k, d] of [['shortWindow', w.shortWindow], ['longWindow', w.longWindow], ['pendingFor', w.pendingFor]] as const) {
        if (d === undefined && k === 'pendingFor') continue;
        const s = d ? secondsOf(d) : undefined;
        if (!(typeof s === 'number' && s > 0 && s % 60 === 0)) problems.push(`'${at}.${k}' must be a whole number of minutes, got ${show(d?.toHumanString())}`);
      }
      if (w.shortWindow && w.longWindow && secondsOf(w.shortWindow) >= secondsOf(w.longWindow)) {
        problems.push(`'${at}.shortWindow' (${w.shortWindow.toHumanString()}) must be shorter than 'longWindow' (${w.longWindow.toHumanString()})`);
      }
      if (!(typeof w.budgetConsumed === 'number' && w.budgetConsumed > 0 && w.budgetConsumed <= 100)) {
        problems.push(`'${at}.budgetConsumed' must be a percentage above 0 and at most 100, got ${show(w.budgetConsumed)}`);
      }
      const name = w.name ?? defaultName(w);
      if (!DNS1123_LABEL.test(name)) problems.push(`'${at}.name' must be lowercase letters, digits and '-', got ${show(name)}`);
      if (names.has(name)) problems.push(`'${at}.name' ${show(name)} is used twice; each window needs its own tier label`);
      names.add(name);
    });
    if (problems.length > 0) throw new PlatformPipelineError(`BurnRateWindows.custom: ${problems.join('; ')}`);
    return new BurnRateWindows('custom', windows, undefined);
  }

  /** The set's name (`workbook`, `google-30d`, `google-28d`, `custom`). */
  public readonly name: string;
  /** The windows. */
  public readonly windows: BurnRateWindowProps[];
  private readonly periodDays?: number;

  private constructor(name: string, windows: BurnRateWindowProps[], periodDays: number | undefined) {
    this.name = name;
    this.windows = windows.map((w) => ({ ...w }));
    this.periodDays = periodDays;
  }

  /**
   * The windows with factors and thresholds for one SLO, or the problems that make them unusable for it
   * (a period the set is not for, a long window beyond the period, a threshold that 100 % errors cannot reach).
   * @internal
   */
  public _resolve(slo: Slo): { windows: ResolvedWindow[]; problems: string[] } {
    const problems: string[] = [];
    const periodSeconds = secondsOf(slo.period);
    if (this.periodDays !== undefined && periodSeconds !== this.periodDays * 86400) {
      problems.push(`window set ${show(this.name)} is for a ${this.periodDays}d period, but SLO ${show(slo.name)} has ${promDuration(periodSeconds)}; use BurnRateWindows.workbook() (factors from the period) or BurnRateWindows.custom([...])`);
    }
    const budget = slo.errorBudget;
    const windows = this.windows.map((w) => {
      const shortSeconds = secondsOf(w.shortWindow);
      const longSeconds = secondsOf(w.longWindow);
      const factor = factorOf((w.budgetConsumed * (periodSeconds / 3600)) / 100 / (longSeconds / 3600));
      const threshold = +num(factor * budget);
      const pendingSeconds = w.pendingFor ? secondsOf(w.pendingFor) : 0;
      if (longSeconds > periodSeconds) {
        problems.push(`window ${show(w.name ?? defaultName(w))}: the long window ${promDuration(longSeconds)} is longer than SLO ${show(slo.name)}'s period ${promDuration(periodSeconds)}; use shorter windows or a longer period`);
      }
      if (threshold >= 1) {
        // the largest share of the budget this window can alert on: factor × budget < 1
        const most = +((100 * (longSeconds / 3600)) / ((periodSeconds / 3600) * budget)).toPrecision(3);
        problems.push(`window ${show(w.name ?? defaultName(w))}: SLO ${show(slo.name)} (objective ${slo.objective}%) would alert only above ${num(threshold * 100)}% errors (factor ${factor} × budget ${num(budget)}), which can never happen. `
          + `Raise the objective, or give PrometheusRules' 'windows' option windows that spend less of the budget (below ${most}% in ${promDuration(longSeconds)} here) or have longer windows, e.g. `
          + 'new PrometheusRules(app, \'Alerts\', { windows: BurnRateWindows.custom([{ tier: AlertTier.TICKET, shortWindow: Duration.hours(6), longWindow: Duration.days(3), budgetConsumed: 10 }, ...]) })');
      }
      return {
        tier: w.tier,
        name: w.name ?? defaultName(w),
        shortSeconds,
        longSeconds,
        short: promDuration(shortSeconds),
        long: promDuration(longSeconds),
        budgetConsumed: w.budgetConsumed,
        factor,
        threshold,
        pendingFor: pendingSeconds > 0 ? promDuration(pendingSeconds) : undefined,
        pendingSeconds,
      };
    });
    return { windows, problems };
  }
}

function defaultName(w: BurnRateWindowProps): string {
  return `${w.tier}-${promDuration(secondsOf(w.shortWindow))}-${promDuration(secondsOf(w.longWindow))}`;
}

/** Seconds of a Duration, fractional allowed (cdk8s' `toSeconds()` throws on fractions). @internal */
export function secondsOf(d: Duration): number {
  return d.toMilliseconds() / 1000;
}
