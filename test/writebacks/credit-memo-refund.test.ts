/**
 * A QuickBooks credit memo's credit refunded from the Exceptions queue (issue #19, decision 063),
 * end to end against the sandbox over HTTP: the queue offers Refund for it as for a Xero credit
 * note → one `refund` write-back through the outbox → a Check to the customer against Accounts
 * Receivable and a zero-amount Payment linking the credit memo and the check → read back (the
 * check, and a payment on the memo linking it) → confirmed; the memo's remaining credit falls by
 * the amount and the customer's balance with it; the debtor's refund email arrives once in the
 * test SMTP server. A worker killed between the ledger write and its record (each crash point),
 * restarted after the sweep, leaves one check and one link. The sandbox refuses wrong shapes.
 */
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays } from '../../kernel/dates';
import { QboView } from '../../integrations/sandbox/qbo/view';
import { refundCheckOf, refundChecksTo } from '../../integrations/sandbox/qbo/refund-checks';
import { queryRows } from '../../server/db/client';
import { writebacks } from '../../server/db/schema';
import { decideException, listExceptions } from '../../server/exceptions/service';
import { SimulatedCrash } from '../../server/reminders/deps';
import { executeWriteback, stuckWritebacks } from '../../server/writebacks/execute';
import type { WritebackCrashPoint, WritebackDeps } from '../../server/writebacks/types';
import { sync } from '../autopay/helpers';
import { companyToday } from '../ledger-writes/helpers';
import { type Capture, startCapture } from '../reminders/harness';
import { describeWith } from '../support/services';
import { type SyncFixture, startSyncFixture } from '../sync/connect-helper';
import { connectAndSync, engine } from './harness';

let fx: SyncFixture;
let capture: Capture;
let userId: string;
let qbo: { organisationId: string; companyId: string };
const store = () => fx.server.sandbox.ctx.store;
const now = () => new Date(fx.now());
const emailsTo = (address: string) => capture.messages.filter((m) => m.to.includes(address));

/** The engine as a worker runs it, with mail for the debtor's refund email (no payment provider: a ledger refund). */
function mailEngine(crashAt?: WritebackCrashPoint): WritebackDeps {
  return { ...engine(fx, [], crashAt), cards: { provider: null, mail: { mailer: capture.mailer, mailFrom: 'Arcus <reminders@arcus.test>', embedded: false } } };
}

/** A QuickBooks customer of its own with a credit memo of `amount` minor units and no open invoice, synced; its exception key. */
async function creditMemo(tag: string, amount: number) {
  const s = store();
  const email = `${tag}@customer.example`;
  const contact = s.createContact(qbo.companyId, { name: `Credit Memo Holder ${tag}`, email });
  const cn = s.createCreditNote(qbo.companyId, { contactId: contact.id, date: addDays(companyToday(s, qbo.companyId), -3), lines: [{ description: 'Service cancelled', unitAmount: amount, taxAmount: 0 }], status: 'AUTHORISED', lineAmountTypes: 'NoTax', number: `CM-${tag}` });
  await sync(fx, qbo.organisationId);
  const [row] = await queryRows<{ id: string }>(fx.db, sql`SELECT id::text FROM credit_notes WHERE organisation_id = ${qbo.organisationId} AND external_id = ${cn.id}`);
  return { key: `unallocated_credit:${row!.id}`, memoId: cn.id, contactId: contact.id, email };
}

const balanceOf = (contactId: string) => new QboView(fx.server.sandbox.ctx, qbo.companyId).customerBalance(contactId);
/** The sandbox's payments that link the check (the zero payments using the memo's credit for it). */
const linksOf = (checkId: string) => store().list('payments', qbo.companyId).filter((p) => p.status !== 'DELETED' && (p.refundChecks ?? []).some((c) => c.checkId === checkId));

const decide = (key: string, queue: string[], amount?: string) =>
  decideException({ db: fx.db, enqueueExecute: async (id) => void queue.push(id), now }, { firmId: fx.firmId, userId }, { organisationId: qbo.organisationId, key, action: 'refund', reason: 'Customer left; credit paid back', ...(amount ? { amount } : {}) }, now());

describeWith('pg', 'QuickBooks credit memo refund: a check against A/R and a zero payment linking the memo', () => {
  beforeAll(async () => {
    fx = await startSyncFixture({ seed: 6301, companies: [{ provider: 'xero', customers: 2, invoices: 4 }, { provider: 'quickbooks', customers: 3, invoices: 6 }] });
    capture = await startCapture({ now });
    const synced = await connectAndSync(fx, { name: 'Rae Refunds', email: 'rae@firm.example' });
    userId = synced.userId;
    qbo = synced.orgs.get('quickbooks')!;
  }, 120_000);
  afterAll(async () => {
    await capture?.close();
    await fx?.close();
  });

  it('the queue offers Refund; a partial refund writes one check and one zero payment; the memo’s credit and the balance fall; one email; twice is once', async () => {
    const m = await creditMemo('cm1', 12_000);
    const item = (await listExceptions(fx.db, fx.firmId, qbo.organisationId, now())).find((e) => e.key === m.key);
    expect(item?.actions).toEqual(['keep_credit', 'refund']);
    expect(item).toMatchObject({ refundMax: '120.00', ledgerName: 'QuickBooks' });
    expect(balanceOf(m.contactId)).toBe(-12_000);

    const queue: string[] = [];
    const r = await decide(m.key, queue, '70.00');
    expect(r).toMatchObject({ created: true, status: 'pending' });
    expect(queue).toEqual([r.writebackId]);
    expect(await executeWriteback(mailEngine(), r.writebackId!)).toEqual({ outcome: 'confirmed' });
    const [wb] = await fx.db.select().from(writebacks).where(eq(writebacks.id, r.writebackId!));
    expect(wb).toMatchObject({ kind: 'refund', status: 'confirmed' });
    const check = refundCheckOf(store(), wb!.externalId!);
    expect(check).toMatchObject({ customerId: m.contactId, total: 7_000 });
    expect(refundChecksTo(store(), qbo.companyId, m.contactId)).toHaveLength(1);
    const links = linksOf(wb!.externalId!);
    expect(links.map((p) => ({ amount: p.amount, credit: p.creditNoteLinks, checks: p.refundChecks, invoices: p.allocations }))).toEqual([{ amount: 0, credit: [{ creditNoteId: m.memoId, amount: 7_000 }], checks: [{ checkId: wb!.externalId, amount: 7_000 }], invoices: [] }]);
    expect(store().creditNote(qbo.companyId, m.memoId)).toMatchObject({ remainingCredit: 5_000, status: 'AUTHORISED' });
    expect(balanceOf(m.contactId)).toBe(-5_000);
    expect(emailsTo(m.email)).toHaveLength(1);
    expect(emailsTo(m.email)[0]!.subject).toMatch(/^Your refund of .*70\.00/);

    // Decided again: the same write-back, nothing queued; executed again: nothing more written or sent.
    const again: string[] = [];
    expect((await decide(m.key, again, '70.00')).created).toBe(false);
    expect(again).toHaveLength(0);
    expect(await executeWriteback(mailEngine(), r.writebackId!)).toEqual({ outcome: 'not_claimable' });
    expect(linksOf(wb!.externalId!)).toHaveLength(1);
    expect(refundChecksTo(store(), qbo.companyId, m.contactId)).toHaveLength(1);
    expect(emailsTo(m.email)).toHaveLength(1);

    // After sync Arcus shows the rest of the credit.
    await sync(fx, qbo.organisationId);
    const [synced] = await queryRows<{ remaining: string }>(fx.db, sql`SELECT remaining_credit::text AS remaining FROM credit_notes WHERE organisation_id = ${qbo.organisationId} AND external_id = ${m.memoId}`);
    expect(Number(synced!.remaining)).toBe(50);
    const confirmed = await queryRows<{ n: number }>(fx.db, sql`SELECT count(*)::int AS n FROM activities WHERE kind = 'writeback.confirmed' AND details->>'writebackId' = ${r.writebackId}`);
    expect(confirmed[0]!.n).toBe(1);
  });

  describe('a worker killed between the ledger write and its record, restarted by the sweep', () => {
    for (const point of ['wb.after-send', 'wb.after-sent', 'wb.before-confirm'] as const) {
      it(`killed at ${point}: one check, one zero payment, all the credit refunded, one email`, async () => {
        const m = await creditMemo(`kill-${point.replace(/[^a-z]/g, '')}`, 4_000);
        const r = await decide(m.key, []);
        await expect(executeWriteback(mailEngine(point), r.writebackId!)).rejects.toThrow(SimulatedCrash);
        fx.advance(61_000);
        expect(await stuckWritebacks(fx.db, now(), 60_000)).toContain(r.writebackId);
        expect(await executeWriteback(mailEngine(), r.writebackId!)).toEqual({ outcome: 'confirmed' });
        const [wb] = await fx.db.select().from(writebacks).where(eq(writebacks.id, r.writebackId!));
        const paymentsOnMemo = store().list('payments', qbo.companyId).filter((p) => p.status !== 'DELETED' && p.creditNoteLinks.some((l) => l.creditNoteId === m.memoId));
        expect(paymentsOnMemo).toHaveLength(1);
        expect(paymentsOnMemo[0]!.refundChecks).toEqual([{ checkId: wb!.externalId, amount: 4_000 }]);
        expect(refundChecksTo(store(), qbo.companyId, m.contactId).map((c) => c.id)).toEqual([wb!.externalId]);
        expect(store().creditNote(qbo.companyId, m.memoId)).toMatchObject({ remainingCredit: 0 });
        expect(balanceOf(m.contactId)).toBe(0);
        expect(emailsTo(m.email)).toHaveLength(1);
      });
    }
  });
});
