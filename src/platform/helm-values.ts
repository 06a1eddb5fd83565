import { PlatformPipelineError, show } from '../core/errors';

const KEY_PATH = /^[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z_][A-Za-z0-9_-]*)*$/;

/**
 * Helm values of one environment. The app renders the defaults (`helm create` key conventions); values set
 * here, by the user or by constructs, are deep-merged on top, last write wins.
 */
export class HelmValues {
  /** The app creates one per environment; reach it with `app.valuesFor(environment)`. @internal */
  public static _create(environment: string): HelmValues {
    return new HelmValues(environment);
  }

  private readonly layers: Array<{ path: string; value: any }> = [];

  /** The environment these values belong to. */
  public readonly environment: string;

  private constructor(environment: string) {
    this.environment = environment;
  }

  /**
   * Sets a value by dotted key path, e.g. `set('ingress.enabled', true)`. Objects are deep-merged into
   * what is there; arrays and scalars replace it.
   */
  public set(keyPath: string, value: any): void {
    if (typeof keyPath !== 'string' || !KEY_PATH.test(keyPath)) {
      throw new PlatformPipelineError(`HelmValues(${this.environment}).set: key path must be dotted identifiers such as 'ingress.enabled', got ${show(keyPath)}`);
    }
    if (value === undefined || typeof value === 'function') {
      throw new PlatformPipelineError(`HelmValues(${this.environment}).set(${show(keyPath)}): value must be JSON-like, got ${typeof value}`);
    }
    this.layers.push({ path: keyPath, value: clone(value) });
  }

  /** Every key path set so far, in order. */
  public get keyPaths(): string[] {
    return this.layers.map((l) => l.path);
  }

  /** The defaults with every value set here merged on top. @internal */
  public _render(defaults: Record<string, any>): Record<string, any> {
    const out = clone(defaults);
    for (const { path, value } of this.layers) {
      const keys = path.split('.');
      let node = out;
      for (const k of keys.slice(0, -1)) {
        if (node[k] === null || typeof node[k] !== 'object' || Array.isArray(node[k])) node[k] = {};
        node = node[k];
      }
      const last = keys[keys.length - 1];
      node[last] = deepMerge(node[last], value);
    }
    return out;
  }
}

function isObject(x: unknown): x is Record<string, any> {
  return x !== null && typeof x === 'object' && !Array.isArray(x);
}

function deepMerge(base: any, top: any): any {
  if (!isObject(base) || !isObject(top)) return clone(top);
  const out: Record<string, any> = { ...base };
  for (const [k, v] of Object.entries(top)) out[k] = deepMerge(base[k], v);
  return out;
}

function clone<T>(x: T): T {
  return x === undefined ? x : JSON.parse(JSON.stringify(x));
}
