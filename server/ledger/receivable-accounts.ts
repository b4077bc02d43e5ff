/**
 * An organisation's Accounts Receivable accounts, read from its ledger's chart of accounts through
 * the gateway and cached with the organisation (`organisations.ledger_accounts`, migration 0062;
 * docs/decisions/056). A QuickBooks refund check credits A/R, and a real company's A/R account has
 * its own id. Re-read when the cache is older than a week, or after the ledger refused a refund
 * written with it (`forgetReceivableAccounts`).
 */
import { eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { LedgerAccount, LedgerWrites } from '../../integrations/ledger/writes';
import type { Db } from '../db/client';
import { organisations } from '../db/schema';

/** How long a read of the chart of accounts is trusted. */
export const RECEIVABLE_ACCOUNTS_TTL_MS = 7 * 86_400_000;

const Cached = z.object({
  receivable: z.array(z.object({ id: z.string().min(1), name: z.string() })),
  readAt: z.string().datetime(),
});

/**
 * The organisation's A/R accounts: the cached list when fresh, else read through the opened ledger
 * (`writes.receivableAccounts`) and cached. Null for a ledger without the notion (Xero).
 */
export async function receivableAccountsFor(db: Db, organisationId: string, writes: Pick<LedgerWrites, 'receivableAccounts'>, now: Date): Promise<LedgerAccount[] | null> {
  if (!writes.receivableAccounts) return null;
  const [row] = await db.select({ cached: organisations.ledgerAccounts }).from(organisations).where(eq(organisations.id, organisationId)).limit(1);
  const parsed = Cached.safeParse(row?.cached ?? null);
  if (parsed.success && parsed.data.receivable.length > 0 && now.getTime() - Date.parse(parsed.data.readAt) < RECEIVABLE_ACCOUNTS_TTL_MS) return parsed.data.receivable;
  const receivable = await writes.receivableAccounts();
  const value = { receivable, readAt: now.toISOString() };
  await db
    .update(organisations)
    .set({ ledgerAccounts: sql`coalesce(${organisations.ledgerAccounts}, '{}'::jsonb) || ${JSON.stringify(value)}::jsonb` })
    .where(eq(organisations.id, organisationId));
  return receivable;
}

/** Drop the cached A/R accounts (the ledger refused a refund written with them): the next refund reads them again. */
export async function forgetReceivableAccounts(db: Db, organisationId: string): Promise<void> {
  await db
    .update(organisations)
    .set({ ledgerAccounts: sql`${organisations.ledgerAccounts} - 'receivable' - 'readAt'` })
    .where(eq(organisations.id, organisationId));
}
