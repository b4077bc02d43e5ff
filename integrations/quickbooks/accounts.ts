/**
 * A QuickBooks company's Accounts Receivable accounts (docs/decisions/056). A refund check's one
 * line credits A/R; a real company's A/R account has its own id (the sample company's is `84`), and
 * a company may keep several. Read by `select * from Account where AccountType = 'Accounts
 * Receivable'`; the choice for one refund is pure (`chooseReceivableAccount`).
 */
import { str } from '../ledger/convert';
import { LedgerError } from '../ledger/errors';
import type { LedgerAccount } from '../ledger/writes';
import type { Json } from './sdk';

/** The A/R accounts in a query answer (`{QueryResponse: {Account: [...]}}`), active ones, in QuickBooks' order. */
export function receivableAccountsOf(body: Json): LedgerAccount[] {
  const qr = (body['QueryResponse'] as Json | undefined) ?? {};
  const key = Object.keys(qr).find((k) => k.toLowerCase() === 'account');
  const rows = key && Array.isArray(qr[key]) ? (qr[key] as Json[]) : [];
  return rows
    .filter((r) => str(r['AccountType']) === 'Accounts Receivable' && r['Active'] !== false && str(r['Id']))
    .map((r) => ({ id: str(r['Id']), name: str(r['FullyQualifiedName']) || str(r['Name']) || 'Accounts Receivable' }));
}

/**
 * The company's default A/R account among several: the one QuickBooks created with the company,
 * which is the one it posts to when a transaction names none — the lowest id (ids are issued in
 * order). Ties cannot happen; a non-numeric id sorts after numeric ones.
 */
export function defaultReceivableAccount(accounts: readonly LedgerAccount[]): LedgerAccount | null {
  const num = (id: string) => (/^\d+$/.test(id) ? BigInt(id) : null);
  let best: LedgerAccount | null = null;
  for (const a of accounts) {
    if (!best) best = a;
    else {
      const x = num(a.id);
      const y = num(best.id);
      if (x !== null && (y === null || x < y)) best = a;
    }
  }
  return best;
}

/**
 * The A/R account for one refund: the one the original payment (or the invoice it paid) was posted
 * to when it names one, else the only one, else the company's default. None at all is refused in
 * words (a person has to look at the chart of accounts).
 */
export function chooseReceivableAccount(accounts: readonly LedgerAccount[], used: readonly (string | null | undefined)[]): string {
  const named = used.find((id): id is string => typeof id === 'string' && id.length > 0);
  if (named) return named;
  const fallback = defaultReceivableAccount(accounts);
  if (!fallback) throw new LedgerError('validation', 'QuickBooks shows no Accounts Receivable account in this company’s chart of accounts, so the refund cannot be written against it. Check the chart of accounts in QuickBooks, then retry.');
  return fallback.id;
}
