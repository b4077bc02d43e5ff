/**
 * Issue #21, done-when: a Xero sandbox draft whose due date is before its issue date, to a contact
 * with no email → synced over HTTP → in the review queue with both findings in words → the person
 * who asked for approval cannot approve it → a second person approves → exactly one
 * `authorise_invoice` write-back through the engine → the sandbox invoice is AUTHORISED; approving
 * again writes nothing more, and after the next sync it has left the queue.
 */
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { addDays, longDate, todayIn } from '../../kernel/dates';
import { DomainError } from '../../kernel/errors';
import { queryRows } from '../../server/db/client';
import { billingReviewDecisions, memberships, users, writebacks } from '../../server/db/schema';
import { billingAccuracy } from '../../server/billing-review/accuracy-load';
import { approveReview, listReview, refreshReview, requestApproval, sendBack } from '../../server/billing-review/service';
import { runSync } from '../../server/sync/engine';
import { createOrReuseRun } from '../../server/sync/runs';
import { describeWith } from '../support/services';
import { type SyncFixture, startSyncFixture } from '../sync/connect-helper';
import { connectAndSync, drain } from '../writebacks/harness';
import { openInvoice } from '../ledger-writes/helpers';

let fx: SyncFixture;
let organisationId: string;
let companyId: string;
let preparer: string;
let approver: string;
let synced: Awaited<ReturnType<typeof connectAndSync>>;
const store = () => fx.server.sandbox.ctx.store;
const now = () => new Date(fx.now());

async function sync(): Promise<void> {
  fx.advance(61_000);
  const { runId } = await createOrReuseRun(fx.db, { organisationId, kind: 'incremental' });
  expect((await runSync(fx.engineDeps(), { runId })).status).toBe('succeeded');
}

const viewer = (userId: string) => ({ firmId: fx.firmId, userId, mayApprove: true, mayRequest: true });

async function refusal(p: Promise<unknown>): Promise<DomainError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DomainError);
  return err as DomainError;
}

describeWith('pg', 'Billing review: flagged, peer-approved, authorised in the sandbox Xero once', () => {
  beforeAll(async () => {
    fx = await startSyncFixture({ seed: 21, companies: [{ provider: 'xero', customers: 4, invoices: 20 }, { provider: 'quickbooks', customers: 2, invoices: 4 }] });
    synced = await connectAndSync(fx, { name: 'Pat Preparer', email: 'pat@firm.example' });
    preparer = synced.userId;
    ({ organisationId, companyId } = synced.orgs.get('xero')!);
    const [u] = await fx.db.insert(users).values({ email: 'ada@firm.example', name: 'Ada Approver', authProvider: 'test', authSubject: `ada-${fx.firmId}` }).returning();
    await fx.db.insert(memberships).values({ firmId: fx.firmId, userId: u!.id, role: 'admin' });
    approver = u!.id;
  }, 120_000);
  afterAll(async () => fx?.close());

  it('a draft due before it was issued, to a customer with no email: flagged with both, approved by a second person, AUTHORISED once', async () => {
    const company = store().company(companyId);
    const today = todayIn(company.timezone, now());
    const contact = store().createContact(companyId, { name: 'Nomail Trading Ltd', email: null, contactPersons: [] });
    const issued = addDays(today, -2);
    const due = addDays(today, -9);
    const draft = store().createInvoice(companyId, {
      contactId: contact.id,
      issueDate: issued,
      dueDate: due,
      lines: [{ description: 'Bookkeeping, November', unitAmount: 45_000, taxAmount: 0 }],
      status: 'DRAFT',
      lineAmountTypes: 'NoTax',
    });
    await sync();
    await refreshReview(fx.db, { firmId: fx.firmId, organisationId }, now());

    const queue = await listReview(fx.db, viewer(preparer), organisationId);
    const item = queue.find((q) => q.customerName === 'Nomail Trading Ltd');
    expect(item).toBeDefined();
    expect(item!.findings.map((f) => f.text)).toEqual(['The customer has no email address in the ledger, so the invoice cannot be emailed.', `Due ${longDate(due)}, before it was issued on ${longDate(issued)}.`]);
    expect(item).toMatchObject({ status: 'to_review', statusText: 'To review', ledgerName: 'Xero', actions: ['request', 'send_back'] });
    // The firm-wide queue lists it too.
    expect((await listReview(fx.db, viewer(preparer), null)).map((q) => q.id)).toContain(item!.id);

    // Approving before anyone asked is refused in words.
    expect((await refusal(approveReview({ db: fx.db, enqueueExecute: async () => undefined, now }, { firmId: fx.firmId, userId: approver }, item!.id, now()))).message).toMatch(/^Ask for approval first/);

    // Pat asks; Pat cannot approve their own request.
    await requestApproval(fx.db, { firmId: fx.firmId, userId: preparer }, item!.id, null, now());
    const asked = (await listReview(fx.db, viewer(preparer), organisationId)).find((q) => q.id === item!.id)!;
    expect(asked).toMatchObject({ status: 'awaiting_approval', approveNote: 'You asked for this approval, so another person must approve it (peer review).' });
    expect(asked.actions).not.toContain('approve');
    expect(asked.requestedText).toMatch(/^Asked for approval by Pat Preparer on \d{1,2} [A-Z][a-z]+ \d{4}$/);
    const queued: string[] = [];
    const deps = { db: fx.db, enqueueExecute: async (id: string) => void queued.push(id), now };
    const own = await refusal(approveReview(deps, { firmId: fx.firmId, userId: preparer }, item!.id, now()));
    expect(own.kind).toBe('forbidden');
    expect(own.message).toBe('You asked for this approval, so another person must approve it (peer review).');
    expect(queued).toEqual([]);
    expect((await listReview(fx.db, viewer(approver), organisationId)).find((q) => q.id === item!.id)!.actions).toContain('approve');

    // Ada approves: one write-back, executed by the engine; the sandbox invoice is AUTHORISED.
    const first = await approveReview(deps, { firmId: fx.firmId, userId: approver }, item!.id, now());
    expect(first.created).toBe(true);
    expect(queued).toEqual([first.writebackId]);
    await drain(fx, queued);
    const [wb] = await fx.db.select().from(writebacks).where(eq(writebacks.id, first.writebackId));
    expect(wb).toMatchObject({ kind: 'authorise_invoice', status: 'confirmed', sourceKey: `review:${(await invoiceId(draft.id))}`, noteStatus: 'written' });
    expect(store().invoice(companyId, draft.id).status).toBe('AUTHORISED');

    // Again: the first approval answered, nothing queued, still one write-back.
    const again = await approveReview(deps, { firmId: fx.firmId, userId: approver }, item!.id, now());
    expect(again).toEqual({ created: false, writebackId: first.writebackId });
    expect(queued).toEqual([]);
    const rows = await queryRows<{ n: number }>(fx.db, sql`SELECT count(*)::int AS n FROM writebacks WHERE firm_id = ${fx.firmId} AND kind = 'authorise_invoice'`);
    expect(rows[0]!.n).toBe(1);
    const history = await fx.db.select({ action: billingReviewDecisions.action, userId: billingReviewDecisions.userId }).from(billingReviewDecisions).where(eq(billingReviewDecisions.itemId, item!.id));
    expect(history.map((h) => [h.action, h.userId])).toEqual([
      ['requested', preparer],
      ['approved', approver],
    ]);

    // The next sync brings the invoice back authorised: it is no longer in the queue.
    await sync();
    await refreshReview(fx.db, { firmId: fx.firmId, organisationId }, now());
    expect((await listReview(fx.db, viewer(approver), organisationId)).map((q) => q.id)).not.toContain(item!.id);
  });

  it('"Send back" keeps the comment; the invoice is to review again once it changes in the ledger', async () => {
    const company = store().company(companyId);
    const today = todayIn(company.timezone, now());
    const contact = store().createContact(companyId, { name: 'Sendback Stores', email: 'ap@sendback.example', contactPersons: [] });
    const draft = store().createInvoice(companyId, { contactId: contact.id, issueDate: today, dueDate: addDays(today, -1), lines: [{ description: 'Payroll', unitAmount: 10_000, taxAmount: 0 }], status: 'DRAFT', lineAmountTypes: 'NoTax' });
    await sync();
    await refreshReview(fx.db, { firmId: fx.firmId, organisationId }, now());
    const item = (await listReview(fx.db, viewer(preparer), organisationId)).find((q) => q.customerName === 'Sendback Stores')!;
    expect(item.findings.map((f) => f.text)).toEqual([`Due ${longDate(addDays(today, -1))}, before it was issued on ${longDate(today)}.`]);

    await sendBack(fx.db, { firmId: fx.firmId, userId: approver }, item.id, 'Fix the due date: 30 days.', now());
    const back = (await listReview(fx.db, viewer(preparer), organisationId)).find((q) => q.id === item.id)!;
    expect(back.status).toBe('sent_back');
    expect(back.commentText).toMatch(/^Sent back by Ada Approver on \d{1,2} [A-Z][a-z]+ \d{4}: Fix the due date: 30 days\.$/);

    // Unchanged in the ledger: still sent back after another sync.
    await sync();
    await refreshReview(fx.db, { firmId: fx.firmId, organisationId }, now());
    expect((await listReview(fx.db, viewer(preparer), organisationId)).find((q) => q.id === item.id)!.status).toBe('sent_back');

    // Fixed in Xero: to review again, with no findings.
    store().updateInvoice(companyId, draft.id, { dueDate: addDays(today, 30) });
    await sync();
    await refreshReview(fx.db, { firmId: fx.firmId, organisationId }, now());
    const fixed = (await listReview(fx.db, viewer(preparer), organisationId)).find((q) => q.id === item.id)!;
    expect(fixed).toMatchObject({ status: 'to_review', findings: [] });
  });
  it('QuickBooks: an invoice not yet emailed is reviewed; approval marks it to be sent (NeedToSend), once', async () => {
    const qbo = synced.orgs.get('quickbooks')!;
    const inv = openInvoice(store(), qbo.companyId);
    expect(store().invoice(qbo.companyId, inv.id).sentToContact).toBe(false);
    const syncQbo = async () => {
      fx.advance(61_000);
      const { runId } = await createOrReuseRun(fx.db, { organisationId: qbo.organisationId, kind: 'incremental' });
      expect((await runSync(fx.engineDeps(), { runId })).status).toBe('succeeded');
      await refreshReview(fx.db, { firmId: fx.firmId, organisationId: qbo.organisationId }, now());
    };
    await syncQbo();
    const item = (await listReview(fx.db, viewer(preparer), qbo.organisationId)).find((q) => q.invoiceText === `Invoice ${inv.number}`);
    expect(item).toMatchObject({ ledgerName: 'QuickBooks', status: 'to_review' });
    await requestApproval(fx.db, { firmId: fx.firmId, userId: preparer }, item!.id, null, now());
    const queued: string[] = [];
    const first = await approveReview({ db: fx.db, enqueueExecute: async (id: string) => void queued.push(id), now }, { firmId: fx.firmId, userId: approver }, item!.id, now());
    await drain(fx, queued);
    const [wb] = await fx.db.select().from(writebacks).where(eq(writebacks.id, first.writebackId));
    expect(wb).toMatchObject({ kind: 'authorise_invoice', status: 'confirmed' });
    expect(store().invoice(qbo.companyId, inv.id).needToSend).toBe(true);
    await syncQbo();
    expect((await listReview(fx.db, viewer(preparer), qbo.organisationId)).map((q) => q.id)).not.toContain(item!.id);
  });

  it('billing accuracy from the synced ledger: four invoices issued 33 days ago move the figure by what was done to them', async () => {
    const company = store().company(companyId);
    const today = todayIn(company.timezone, now());
    const period = { from: addDays(today, -33), to: addDays(today, -33) };
    const before = await billingAccuracy(fx.db, { firmId: fx.firmId, organisationId }, now(), period);
    const contact = store().createContact(companyId, { name: 'Accuracy Holdings', email: 'ap@accuracy.example', contactPersons: [] });
    const issue = (pence: number) => store().createInvoice(companyId, { contactId: contact.id, issueDate: addDays(today, -33), dueDate: addDays(today, -3), lines: [{ description: 'Audit', unitAmount: pence, taxAmount: 0 }], status: 'AUTHORISED', lineAmountTypes: 'NoTax' });
    issue(10_000); // stands
    const full = issue(10_000); // credited in full 3 days after issue
    const part = issue(20_000); // 50.00 of 200.00 credited 8 days after issue
    const late = issue(10_000); // voided today: 33 days after issue, outside the 30-day window
    const credit = (inv: { id: string }, amount: number, date: string) => {
      const cn = store().createCreditNote(companyId, { contactId: contact.id, date, lines: [{ description: 'Correction', unitAmount: amount, taxAmount: 0 }], lineAmountTypes: 'NoTax' });
      store().allocateCredit(companyId, cn.id, inv.id, amount, date);
    };
    credit(full, 10_000, addDays(today, -30));
    credit(part, 5_000, addDays(today, -25));
    store().voidInvoice(companyId, late.id);
    await sync();
    const after = await billingAccuracy(fx.db, { firmId: fx.firmId, organisationId }, now(), period);
    expect(after.figure.counted - before.figure.counted).toBe(4);
    expect(after.figure.accurate - before.figure.accurate).toBe(2);
    const count = (f: typeof after, r: string) => f.figure.reasons.find((x) => x.reason === r)?.count ?? 0;
    expect(count(after, 'credited_in_full') - count(before, 'credited_in_full')).toBe(1);
    expect(count(after, 'credited_in_part') - count(before, 'credited_in_part')).toBe(1);
    expect(count(after, 'voided') - count(before, 'voided')).toBe(0);
    expect(after.trend).toHaveLength(12);
    expect(after.periodText).toBe(`Invoices issued ${longDate(period.from)} to ${longDate(period.to)}`);
  });
});

async function invoiceId(externalId: string): Promise<string> {
  const [r] = await queryRows<{ id: string }>(fx.db, sql`SELECT id::text FROM invoices WHERE organisation_id = ${organisationId} AND external_id = ${externalId}`);
  return r!.id;
}
