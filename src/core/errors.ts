import { IConstruct } from 'constructs';

/**
 * The one error type the library throws for bad input. Its message names the construct path, the prop,
 * the bad value and the fix. The stack is reduced to the message: the frames would only point inside
 * the library, while the construct path already says where in `.projenrc.ts` the problem is.
 * @internal
 */
export class PlatformPipelineError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PlatformPipelineError';
    Object.setPrototypeOf(this, PlatformPipelineError.prototype);
    this.stack = `${this.name}: ${message}`;
  }
}

/** Renders a value the way error messages quote it: strings in quotes, arrays in brackets. @internal */
export function show(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (Array.isArray(value)) return `[${value.map(show).join(', ')}]`;
  if (value === undefined) return 'nothing';
  if (value !== null && typeof value === 'object') {
    try {
      return JSON.stringify(value);
    } catch {
      return String(value);
    }
  }
  return String(value);
}

/** The construct path as users see it (without projen's synthetic root). @internal */
export function pathOf(scope: IConstruct | string): string {
  if (typeof scope === 'string') return scope;
  const parts = scope.node.scopes.slice(1).map((s) => s.node.id);
  return parts.length > 0 ? parts.join('/') : scope.node.id;
}

/**
 * One problem: `<path>: <message>`. Messages are lowercase, name the prop and the value, and say the fix,
 * e.g. `'stepWeights' must be strictly increasing, got [10, 5, 50]; list them in increasing order`.
 * @internal
 */
export function problem(scope: IConstruct | string, message: string): string {
  return `${pathOf(scope)}: ${message}`;
}

/** Throws a single problem at once (eager validation in a constructor). @internal */
export function fail(scope: IConstruct | string, message: string): never {
  throw new PlatformPipelineError(problem(scope, message));
}

/** Throws every collected problem in one error, or returns when there are none. @internal */
export function throwProblems(header: string, problems: readonly string[]): void {
  if (problems.length === 0) return;
  const unique = [...new Set(problems)];
  throw new PlatformPipelineError(
    `${header} (${unique.length} problem${unique.length === 1 ? '' : 's'}):\n${unique.map((p) => `  - ${p}`).join('\n')}`,
  );
}

/**
 * Collects problems for one construct and throws them together, so a user fixing a definition sees
 * every mistake of a props object at once instead of one per run. @internal
 */
export class ProblemList {
  private readonly items: string[] = [];
  constructor(private readonly scope: IConstruct | string) {}

  /** Records `message` when `condition` is false. Returns `condition` for chaining. */
  public check(condition: boolean, message: string): boolean {
    if (!condition) this.add(message);
    return condition;
  }

  public add(message: string): void {
    this.items.push(problem(this.scope, message));
  }

  public get all(): readonly string[] {
    return this.items;
  }

  public throwIfAny(header: string = 'invalid platform-pipeline definition'): void {
    throwProblems(header, this.items);
  }
}
