/**
 * Which firm the current request or job acts for, carried through async calls, and the SQL that
 * makes the database enforce it (docs/decisions/007-firm-isolation.md).
 *
 * - `withFirm(firmId, fn)`: every query `fn` issues runs as the restricted role `arcus_app` with
 *   `app.firm_id` set, inside a transaction (`SET LOCAL`): row-level security returns only that
 *   firm's rows and refuses writes of another firm's.
 * - `withoutFirm(fn)`: the restricted role with no firm: firm tables read as empty, writes are
 *   refused. Requests start here until their caller is known.
 * - `asSystem(fn)`: the connecting role, which bypasses row-level security. Only for the few
 *   cross-firm or pre-auth lookups (migrations, sessions, sign-in, a webhook's tenant, a pay or
 *   unsubscribe token, OAuth state, the schedule ticks, benches): keep them narrow — look up a
 *   firm id, then scope with `withFirm`.
 *
 * A query issued outside all three follows the database handle's `unscoped` option.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export type DbScope = { kind: 'firm'; firmId: string } | { kind: 'none' } | { kind: 'system' };

/** What a handle does with a query issued outside any scope. */
export type UnscopedPolicy = 'none' | 'system';

export const APP_ROLE = 'arcus_app';

const storage = new AsyncLocalStorage<DbScope>();
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const NONE: DbScope = { kind: 'none' };
const SYSTEM: DbScope = { kind: 'system' };

/**
 * Runs `fn` under a scope. A thenable result (a drizzle query builder is one, and runs only when
 * awaited) is started inside the scope, so `withFirm(id, () => db.select()…)` is scoped.
 */
function run<T>(scope: DbScope, fn: () => T): T {
  return storage.run(scope, () => {
    const out = fn();
    if (out && typeof (out as { then?: unknown }).then === 'function' && !(out instanceof Promise)) {
      return new Promise((resolve, reject) => (out as unknown as PromiseLike<unknown>).then(resolve, reject)) as T;
    }
    return out;
  });
}

export function withFirm<T>(firmId: string, fn: () => PromiseLike<T>): Promise<T>;
export function withFirm<T>(firmId: string, fn: () => T): T;
export function withFirm<T>(firmId: string, fn: () => T): T {
  if (!UUID.test(firmId)) throw new Error(`withFirm: not a firm id: ${JSON.stringify(firmId)}`);
  return run({ kind: 'firm', firmId: firmId.toLowerCase() }, fn);
}

export function withoutFirm<T>(fn: () => PromiseLike<T>): Promise<T>;
export function withoutFirm<T>(fn: () => T): T;
export function withoutFirm<T>(fn: () => T): T {
  return run(NONE, fn);
}

export function asSystem<T>(fn: () => PromiseLike<T>): Promise<T>;
export function asSystem<T>(fn: () => T): T;
export function asSystem<T>(fn: () => T): T {
  return run(SYSTEM, fn);
}

/** The scope in force, or the handle's policy for queries issued outside any. */
export function currentScope(unscoped: UnscopedPolicy): DbScope {
  return storage.getStore() ?? (unscoped === 'system' ? SYSTEM : NONE);
}

/** The firm the current scope acts for, if any. */
export function currentFirmId(): string | null {
  const s = storage.getStore();
  return s?.kind === 'firm' ? s.firmId : null;
}

/**
 * Statements that put the current transaction under a scope: the restricted role and the firm,
 * both transaction-local. One simple-protocol round trip (the firm id is a validated uuid).
 */
export function scopeStatements(scope: Exclude<DbScope, { kind: 'system' }>): string {
  const firm = scope.kind === 'firm' ? scope.firmId : '';
  if (firm && !UUID.test(firm)) throw new Error('invalid firm id in scope');
  return `SET LOCAL ROLE ${APP_ROLE}; SELECT set_config('app.firm_id', '${firm}', true)`;
}

/** A scope as a comparable key: what a pooled connection's session is currently set to. */
export function scopeKey(scope: DbScope): string {
  return scope.kind === 'firm' ? `firm:${scope.firmId}` : scope.kind;
}

/**
 * Statements that put a whole connection session under a scope (a pooled PostgreSQL connection,
 * outside any transaction): the restricted role and the firm for a firm or no-firm scope; the
 * connecting role and no firm for the system. One simple-protocol round trip.
 */
export function sessionScopeStatements(scope: DbScope): string {
  if (scope.kind === 'system') return `RESET ROLE; SELECT set_config('app.firm_id', '', false)`;
  const firm = scope.kind === 'firm' ? scope.firmId : '';
  if (firm && !UUID.test(firm)) throw new Error('invalid firm id in scope');
  return `SET ROLE ${APP_ROLE}; SELECT set_config('app.firm_id', '${firm}', false)`;
}
