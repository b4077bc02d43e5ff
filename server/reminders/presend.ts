/**
 * Don't chase what is already paid. Just before a run claims its reminders, the invoices they
 * are about are read again from the organisation's ledger through its gateway — Xero
 * `GET Invoices?IDs=…`, QuickBooks `SELECT * FROM Invoice WHERE Id IN (…)`, at most 100 a
 * call — and any invoice whose ledger state changed since the last sync (paid, part-paid,
 * credited, voided or deleted, amount due changed) is not chased: its (invoice, step) is recorded
 * as skipped with the reason ("Paid in Xero since the last sync"), a statement drops it and goes
 * with the rest (or is not sent when none of the invoices that triggered it is left), and a sync of
 * the organisation is requested so Arcus catches up. The skips are revivable: once the sync has
 * caught up, the planner decides again with the ledger's figures.
 *
 * When the ledger cannot be asked (rate-limited, down, the connection refused), nothing is sent
 * blind: `LedgerUnreachable` defers the whole run (the run job comes back later, RetryLaterError).
 * The firm's `recheckLedger` setting (on by default, server/reminders/firm-settings.ts) turns it off.
 */
import { LedgerError } from '../../integrations/ledger/errors';
import type { NormInvoice } from '../../integrations/ledger/types';
import { toMinor } from '../../kernel/money';
import { ReauthRequiredError } from '../connections/tokens';
import type { Db } from '../db/client';
import type { OpenLedger } from '../ledger/gateway';
import type { ReminderDeps } from './deps';
import { loadInvoicesByExternalId, type OrgInfo } from './load';
import type { PlanInvoice, PlannedSend, PlannedSkip, PlannedTrigger } from './plan';
import type { SkipReason } from './types';

type Figures = Pick<PlanInvoice, 'status' | 'amountDue' | 'amountPaid' | 'amountCredited'>;

/** Ledger amounts at 4 places (numeric(19,4) in PostgreSQL, 2–4 places from the ledgers): compared exactly. */
const units = (d: string) => toMinor(d, 4, true);

/**
 * What changed between the invoice as Arcus last synced it and as the ledger has it now, as the
 * reason not to chase it; null when nothing that matters changed. `fresh` undefined: the ledger
 * no longer has it (deleted).
 */
export function ledgerChange(stored: Figures, fresh: Figures | undefined): SkipReason | null {
  if (!fresh || fresh.status === 'voided' || fresh.status === 'deleted') return 'voided_since_sync';
  const due = units(fresh.amountDue);
  const dueBefore = units(stored.amountDue);
  const paidMore = units(fresh.amountPaid) > units(stored.amountPaid);
  const creditedMore = units(fresh.amountCredited) > units(stored.amountCredited);
  if (fresh.status === 'paid' || due <= 0) return creditedMore && !paidMore ? 'credited_since_sync' : 'paid_since_sync';
  if (fresh.status !== 'authorised') return 'changed_since_sync';
  if (due === dueBefore && stored.status === 'authorised') return null;
  if (due < dueBefore && paidMore) return 'part_paid_since_sync';
  if (due < dueBefore && creditedMore) return 'credited_since_sync';
  return 'changed_since_sync';
}

const LEDGER_NAME = { xero: 'Xero', quickbooks: 'QuickBooks' } as const;

/** The ledger could not be asked: the run is deferred, with why in words. */
export class LedgerUnreachable extends Error {
  override name = 'LedgerUnreachable';
  constructor(
    message: string,
    /** When to try again. */
    readonly retryAfterMs: number,
    /** Ledger calls spent finding out. */
    readonly calls: number,
  ) {
    super(message);
  }
}

/** How long a deferred run waits: the ledger's Retry-After (or the limiter's wait), else a few minutes. */
const RETRY_UNAVAILABLE_MS = 5 * 60_000;
const RETRY_REAUTH_MS = 15 * 60_000;

function unreachable(org: Pick<OrgInfo, 'provider'>, err: unknown, calls: number): LedgerUnreachable {
  const name = LEDGER_NAME[org.provider];
  if (err instanceof ReauthRequiredError) return new LedgerUnreachable(`Reminders wait: ${name} could not be asked whether the invoices were paid since the last sync (the connection needs attention).`, RETRY_REAUTH_MS, calls);
  if (err instanceof LedgerError) {
    const why = err.code === 'rate_limited' ? `${name}'s rate limit was reached` : err.code === 'unauthorized' || err.code === 'forbidden' || err.code === 'invalid_grant' ? `${name} refused the connection` : `${name} did not answer`;
    return new LedgerUnreachable(`Reminders wait: ${why}, so Arcus could not check whether the invoices were paid since the last sync.`, Math.max(err.options.retryAfterMs ?? RETRY_UNAVAILABLE_MS, 1_000), calls);
  }
  return new LedgerUnreachable(`Reminders wait: ${name} could not be asked whether the invoices were paid since the last sync.`, RETRY_UNAVAILABLE_MS, calls);
}

export interface Recheck {
  /** What may still be claimed: unchanged sends, statements less their changed invoices. */
  take: PlannedSend[];
  /** (invoice, step) rows not to chase, with the ledger's reason. */
  skips: PlannedSkip[];
  /** Every changed invoice (ledger id → reason), statements' listed invoices included. */
  changed: Map<string, SkipReason>;
  /** Invoices read from the ledger. */
  checked: number;
  /** Ledger API calls made (the extra cost of the check). */
  calls: number;
}

function furthest(triggers: readonly PlannedTrigger[]): PlannedTrigger {
  return triggers.reduce((a, b) => (b.occurrence.number > a.occurrence.number ? b : a));
}

/** Apply the ledger's changes to a run's planned sends (pure). */
export function applyLedgerChanges(take: readonly PlannedSend[], changed: ReadonlyMap<string, SkipReason>): Pick<Recheck, 'take' | 'skips'> {
  const out: PlannedSend[] = [];
  const skips: PlannedSkip[] = [];
  for (const s of take) {
    const dropped = s.triggers.filter((t) => changed.has(t.invoiceExternalId));
    for (const t of dropped) {
      skips.push({ subjectType: 'invoice', subjectId: t.invoiceExternalId, stepKey: t.occurrence.key, contactExternalId: s.contactExternalId, customerName: s.customerName, policyId: s.policyId, occurrence: t.occurrence, reason: changed.get(t.invoiceExternalId)! });
    }
    const triggers = s.triggers.filter((t) => !changed.has(t.invoiceExternalId));
    if (triggers.length === 0) continue;
    const listed = s.invoiceExternalIds.filter((id) => !changed.has(id));
    if (dropped.length === 0 && listed.length === s.invoiceExternalIds.length) {
      out.push(s);
      continue;
    }
    out.push({ ...s, triggers, occurrence: furthest(triggers).occurrence, invoiceExternalIds: listed });
  }
  return { take: out, skips };
}

/**
 * Read the run's invoices from the ledger and take out what changed since the last sync.
 * Throws LedgerUnreachable when the ledger could not be asked.
 */
export async function recheckWithLedger(ledger: NonNullable<ReminderDeps['ledger']>, db: Db, org: OrgInfo, take: readonly PlannedSend[]): Promise<Recheck> {
  const ids = [...new Set(take.flatMap((s) => s.invoiceExternalIds))];
  if (ids.length === 0) return { take: [...take], skips: [], changed: new Map(), checked: 0, calls: 0 };
  const stored = await loadInvoicesByExternalId(db, org, ids);
  let opened: OpenLedger | null = null;
  let fresh: NormInvoice[];
  try {
    opened = await ledger.gateway.open(org.id, { purpose: 'read' });
    const ledgerOpen = opened;
    try {
      fresh = await ledgerOpen.reads.invoicesById(ids);
    } catch (err) {
      // A token the ledger refused before its expiry: refresh it once and ask again.
      if (!(err instanceof LedgerError && err.code === 'unauthorized')) throw err;
      await ledgerOpen.renewToken();
      fresh = await ledgerOpen.reads.invoicesById(ids);
    }
  } catch (err) {
    throw unreachable(org, err, opened?.calls ?? 0);
  }
  const byId = new Map(fresh.map((f) => [f.externalId.toLowerCase(), f]));
  const changed = new Map<string, SkipReason>();
  for (const inv of stored) {
    const reason = ledgerChange(inv, byId.get(inv.externalId.toLowerCase()));
    if (reason) changed.set(inv.externalId, reason);
  }
  return { ...applyLedgerChanges(take, changed), changed, checked: ids.length, calls: opened.calls };
}
