/**
 * The value kept on `owner` under `key`, made by `create` on first use: state an app or a project keeps for
 * the constructs of this library (registrations, claims, lists) without a walk of the construct tree. `key`
 * is a global symbol (`Symbol.for`), so two copies of the library in one project share the state; the
 * property is neither enumerable nor writable. @internal
 */
export function attached<T>(owner: object, key: symbol, create: () => T): T {
  const holder = owner as Record<symbol, T | undefined>;
  if (holder[key] === undefined) Object.defineProperty(owner, key, { value: create() });
  return holder[key] as T;
}
