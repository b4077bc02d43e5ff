/**
 * A collector's log against the sandbox ledger over HTTP, for Xero and QuickBooks: a note, a call
 * with a next step and "Mark contacted" on one invoice on one day are one ledger note holding all
 * three, written once although the first run is killed after its ledger call and every job runs
 * twice; the call's next step is a follow-up; a customer-wide note goes on each open invoice, and a
 * form sent twice is recorded once.
 */
import { and, eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Provider } from '../../integrations/ledger/types';
import { addDays, todayIn } from '../../kernel/dates';
import { activities, collectorTasks, invoices, writebacks } from '../../server/db/schema';
import { SimulatedCrash } from '../../server/reminders/deps';
import { addNote, listFollowUps, logCall, recordContacted } from '../../server/writebacks/collector-log';
import { executeWriteback } from '../../server/writebacks/execute';
import { activityTimeline } from '../../server/writebacks/manage';
import { describeWith } from '../support/services';
import { type SyncFixture, startSyncFixture } from '../sync/connect-helper';
import { connectAndSync, drain, engine } from './harness';

let fx: SyncFixture;
let userId: string;
const orgs = new Map<Provider, { organisationId: string; companyId: string; timezone: string }>();
const store = () => fx.server.sandbox.ctx.store;

/** The notes on an invoice in the sandbox ledger, one string each. */
function ledgerNotes(provider: Provider, companyId: string, invoiceExternalId: string): string[] {
  const inv = store().invoice(companyId, invoiceExternalId);
  return provider === 'xero' ? inv.history.map((h) => h.details) : inv.privateNote.split('\n').filter(Boolean);
}

describeWith('pg', 'A collector’s log against the sandbox ledger', () => {
  beforeAll(async () => {
    fx = await startSyncFixture({ seed: 23, companies: [{ provider: 'xero', customers: 4, invoices: 60 }, { provider: 'quickbooks', customers: 4, invoices: 60 }] });
    const synced = await connectAndSync(fx, { name: 'Dana Collector', email: 'dana@log.example' });
    userId = synced.userId;
    for (const [p, o] of synced.orgs) orgs.set(p, o);
  }, 120_000);
  afterAll(async () => fx?.close());

  const auth = () => ({ firmId: fx.firmId, userId, role: 'admin' as const });
  const depsWith = (queue: string[]) => ({ db: fx.db, enqueueExecute: async (id: string) => void queue.push(id), now: () => new Date(fx.now()) });

  /** A customer with at least two open invoices, and the first of them. */
  async function customerWithOpenInvoices(organisationId: string, skip: ReadonlySet<string> = new Set()) {
    const open = await fx.db
      .select({ id: invoices.id, externalId: invoices.externalId, contactExternalId: invoices.contactExternalId })
      .from(invoices)
      .where(and(eq(invoices.organisationId, organisationId), eq(invoices.status, 'authorised')));
    const byCustomer = new Map<string, typeof open>();
    for (const i of open) if (i.contactExternalId && !skip.has(i.contactExternalId)) byCustomer.set(i.contactExternalId, [...(byCustomer.get(i.contactExternalId) ?? []), i]);
    const [contactExternalId, list] = [...byCustomer].sort((a, b) => b[1].length - a[1].length)[0]!;
    expect(list.length).toBeGreaterThanOrEqual(2);
    return { contactExternalId, invoices: list };
  }

  for (const provider of ['xero', 'quickbooks'] as const) {
    describe(provider, () => {
      let customer: string;

      it('a note, a call and "Mark contacted" on one invoice on one day are one ledger note, written once even when the job runs twice', async () => {
        const { organisationId, companyId, timezone } = orgs.get(provider)!;
        const c = await customerWithOpenInvoices(organisationId);
        customer = c.contactExternalId;
        const inv = c.invoices[0]!;
        const before = ledgerNotes(provider, companyId, inv.externalId);
        const queue: string[] = [];
        const deps = depsWith(queue);
        const target = { organisationId, contactExternalId: c.contactExternalId, invoiceId: inv.id };
        const followUpOn = addDays(todayIn(timezone, new Date(fx.now())), 2);

        const note = await addNote(deps, auth(), { ...target, text: 'AP team moving to a new system' });
        const call = await logCall(deps, auth(), { ...target, outcome: 'left_voicemail', summary: 'asked for the remittance', nextStep: 'Call back', followUpOn });
        const contacted = await recordContacted(deps, auth(), target);
        expect([note.notes, call.notes, contacted.notes]).toEqual([1, 1, 1]);
        expect(queue).toHaveLength(3);
        const ids = [...queue];

        // The first run is killed after the ledger took the note, before it was recorded as sent.
        await expect(executeWriteback(engine(fx, [], 'wb.after-send'), ids[0]!)).rejects.toBeInstanceOf(SimulatedCrash);
        fx.advance(61_000);
        // Every job then runs, twice over.
        for (let round = 0; round < 2; round++) for (const id of ids) await executeWriteback(engine(fx, []), id);

        const rows = await fx.db.select().from(writebacks).where(inArray(writebacks.id, ids));
        expect(rows.map((r) => [r.status, r.noteStatus])).toEqual(ids.map(() => ['confirmed', 'written']));
        const added = ledgerNotes(provider, companyId, inv.externalId).filter((n) => !before.includes(n));
        expect(added).toHaveLength(1);
        expect(added[0]).toBe(`Arcus: note by Dana Collector: AP team moving to a new system; call by Dana Collector, left a voicemail: asked for the remittance — next: Call back by ${followUpOn}; contacted by Dana Collector`);

        const timeline = await activityTimeline(fx.db, fx.firmId, { organisationId, invoiceId: inv.id });
        const mine = timeline.filter((e) => ['note.added', 'call.logged', 'contact.contacted'].includes(e.kind)).map((e) => e.summary);
        expect(mine).toHaveLength(3);
        expect(mine).toContain('Note: AP team moving to a new system');
        expect(mine).toContain(`Call — left a voicemail: asked for the remittance · Next: Call back by ${followUpOn}`);
        const followUps = await listFollowUps(fx.db, fx.firmId, { organisationId, contactExternalId: c.contactExternalId, status: 'open' });
        expect(followUps).toMatchObject([{ id: call.followUpId, title: 'Call back', dueOn: followUpOn, invoiceId: inv.id, assignedName: 'Dana Collector', status: 'open' }]);
      });

      it('a customer-wide note goes on each open invoice; the same form sent twice is recorded once', async () => {
        const { organisationId, companyId } = orgs.get(provider)!;
        const c = await customerWithOpenInvoices(organisationId, new Set([customer]));
        const queue: string[] = [];
        const deps = depsWith(queue);
        const requestKey = provider === 'xero' ? '5d4c3b2a-0000-4000-8000-000000000001' : '5d4c3b2a-0000-4000-8000-000000000002';
        const input = { organisationId, contactExternalId: c.contactExternalId, text: `Owner away until the 20th (${provider})`, requestKey };
        const first = await addNote(deps, auth(), input);
        const again = await addNote(deps, auth(), input);
        expect(first).toMatchObject({ activityId: requestKey, notes: Math.min(c.invoices.length, 25), created: true, followUpId: null });
        expect(again).toEqual({ activityId: requestKey, notes: 0, followUpId: null, created: false });
        expect(await fx.db.select().from(activities).where(eq(activities.id, requestKey))).toHaveLength(1);
        await drain(fx, queue);
        for (const inv of c.invoices.slice(0, 25)) {
          expect(ledgerNotes(provider, companyId, inv.externalId).filter((n) => n.includes(`Owner away until the 20th (${provider})`))).toEqual([`Arcus: note by Dana Collector: Owner away until the 20th (${provider})`]);
        }
      });
    });
  }

  it('a follow-up day in the past is refused on its field, and nothing is stored', async () => {
    const { organisationId, timezone } = orgs.get('xero')!;
    const c = await customerWithOpenInvoices(organisationId);
    const queue: string[] = [];
    const yesterday = addDays(todayIn(timezone, new Date(fx.now())), -1);
    await expect(logCall(depsWith(queue), auth(), { organisationId, contactExternalId: c.contactExternalId, outcome: 'reached', nextStep: 'Send statement', followUpOn: yesterday })).rejects.toMatchObject({ kind: 'validation_failed', fields: [{ field: 'followUpOn', message: expect.stringMatching(/^Choose a follow-up date between \d+ \w+ \d{4} and \d+ \w+ \d{4}\.$/) }] });
    expect(queue).toEqual([]);
    expect(await fx.db.select().from(collectorTasks).where(eq(collectorTasks.title, 'Send statement'))).toHaveLength(0);
  });
});
