/** What the connection code needs from the rest of Arcus, passed in so tests can supply it. */
import type { LedgerFactory } from '../../integrations/ledger/provider';
import type { Db } from '../db/client';
import type { Logger } from '../logger';
import type { Services } from '../services';
import type { TokenDeps } from './tokens';

export type SyncKind = 'full' | 'incremental' | 'webhook';

/** Ask for a sync of one organisation (the sync engine's requestSync, bound to a queue and db). */
export type RequestSync = (organisationId: string, kind: SyncKind) => Promise<unknown>;

export interface ConnectionDeps {
  db: Db;
  log: Logger;
  factory: LedgerFactory;
  /** TOKEN_ENCRYPTION_KEY. */
  tokenKey: Buffer;
  requestSync: RequestSync;
  now?: () => Date;
}

/** The connection code's dependencies from the process's services (root/compose.ts). */
export function connectionDepsFrom(s: Services): ConnectionDeps {
  return { db: s.db, log: s.log, factory: s.ledgers.factory, tokenKey: s.ledgers.tokenKey, requestSync: s.ledgers.requestSync, now: () => s.clock.now() };
}

export function tokenDeps(deps: ConnectionDeps): TokenDeps {
  return { db: deps.db, key: deps.tokenKey, oauth: (p) => deps.factory.oauth(p) };
}

export const PROVIDER_LABEL = { xero: 'Xero', quickbooks: 'QuickBooks' } as const;

/** "3 Dec 2026" in a zone. */
export function dayInWords(at: Date, timeZone = 'UTC'): string {
  try {
    return new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone }).format(at);
  } catch {
    return new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' }).format(at);
  }
}
