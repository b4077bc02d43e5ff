/**
 * A sent reminder's ledger notes are `note` write-backs (one outbox, docs/decisions/006): the
 * reminder engine requests one per invoice the reminder covered (a statement: each of its
 * invoices), deduplicated by (send, invoice); the write-back engine writes each onto the invoice
 * in the sandbox Xero and QuickBooks, with the write-back id as idempotency key. Read back over
 * HTTP from the sandbox, every note is there exactly once — also when the worker was killed after
 * the ledger answered, when the ledger failed a call and the note was retried, and when the send
 * is recorded a second time. The notes appear on the customer's timeline in plain words.
 */
import { and, eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Provider } from '../../integrations/ledger/types';
import { activities, organisations, reminderSends, reminderSettings, writebacks } from '../../server/db/schema';
import { createLogger } from '../../server/logger';
import { createPolicy } from '../../server/reminders/config-store';
import { noteText, reminderNoteKey } from '../../server/reminders/note-text';
import { runSync } from '../../server/sync/engine';
import { createOrReuseRun } from '../../server/sync/runs';
import { activityTimeline } from '../../server/writebacks/manage';
import { requestWriteback } from '../../server/writebacks/request';
import { describeWith } from '../support/services';
import { type SyncFixture, startSyncFixture } from '../sync/connect-helper';
import { type AnyCrashPoint, type Capture, Driver, startCapture } from './harness';

const MIN15 = 15 * 60_000;
const PROVIDERS = ['xero', 'quickbooks'] as const;

let fx: SyncFixture;
let capture: Capture;
let driver: Driver;
const orgs = new Map<Provider, { organisationId: string; companyId: string }>();
/** Kill the worker at these points, each once (set by a test). */
let killAt = new Set<AnyCrashPoint>();

async function admin<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const res = await fetch(`${fx.url}/admin${path}`, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${fx.server.sandbox.ctx.options.adminToken}`, 'content-type': 'application/json' },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  if (!res.ok) throw new Error(`sandbox admin ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** The lines the ledger shows on an invoice, read from the sandbox over HTTP. */
async function ledgerLines(provider: Provider, companyId: string, invoiceExternalId: string): Promise<string[]> {
  const { invoice } = await admin<{ invoice: { history: { details: string }[]; privateNote: string } }>(`/companies/${companyId}/invoices/${invoiceExternalId}`);
  return provider === 'xero' ? invoice.history.map((h) => h.details) : invoice.privateNote.split('\n');
}

async function sentSends(organisationId: string) {
  return fx.db
    .select()
    .from(reminderSends)
    .where(and(eq(reminderSends.organisationId, organisationId), eq(reminderSends.status, 'sent')));
}

async function noteWritebacks(organisationId: string) {
  return fx.db
    .select()
    .from(writebacks)
    .where(and(eq(writebacks.organisationId, organisationId), eq(writebacks.kind, 'note')));
}

/** Tick every 15 minutes until `done` (the reminder runs, the write-back sweep, the queue). */
async function tickUntil(done: () => Promise<boolean>, maxDays: number): Promise<void> {
  const ids = [...orgs.values()].map((o) => o.organisationId);
  for (let i = 0; i < maxDays * 96; i++) {
    fx.advance(MIN15);
    await driver.tick(ids);
    if (await done()) return;
  }
  throw new Error('the reminders did not get there in time');
}

async function allNotesConfirmed(): Promise<boolean> {
  for (const { organisationId } of orgs.values()) {
    const notes = await noteWritebacks(organisationId);
    if (notes.length === 0 || notes.some((n) => n.status !== 'confirmed')) return false;
  }
  return true;
}

/** Every sent reminder: one confirmed note write-back per invoice it covered, and the note once in the ledger. */
async function expectOneNoteEach(provider: Provider): Promise<number> {
  const { organisationId, companyId } = orgs.get(provider)!;
  const sends = await sentSends(organisationId);
  const notes = await noteWritebacks(organisationId);
  const expected = sends.flatMap((s) => s.invoiceExternalIds.map((inv) => ({ send: s, inv })));
  expect(expected.length).toBeGreaterThan(0);
  expect(notes).toHaveLength(expected.length);
  const byKey = new Map(notes.map((n) => [n.sourceKey, n]));
  for (const { send, inv } of expected) {
    const w = byKey.get(reminderNoteKey(send.id, inv));
    expect(w, `note write-back for ${send.id} on ${inv}`).toBeDefined();
    expect(w).toMatchObject({ kind: 'note', purpose: 'reminder', status: 'confirmed', noteStatus: 'written', invoiceExternalId: inv, requestedBy: 'system', error: null });
    expect(w!.noteText).toMatch(/^Arcus: (reminder \d+|overdue statement \(\d+ invoices?, reminder \d+\)) sent \d{4}-\d{2}-\d{2} to .+@… · https:\/\/arcus\.test\/reminders\/sends\//);
    expect(w!.noteText).toContain(send.id);
    const lines = await ledgerLines(provider, companyId, inv);
    expect(lines.filter((l) => l === w!.noteText), `${provider} invoice ${inv}`).toHaveLength(1);
  }
  return expected.length;
}

describeWith('pg', 'Reminders: ledger notes are write-backs, written once', () => {
  beforeAll(async () => {
    fx = await startSyncFixture({
      seed: 5,
      companies: [
        { provider: 'xero', name: 'Notes Joinery Ltd', timezone: 'Europe/London', countryCode: 'GB', baseCurrency: 'GBP', customers: 4, invoices: 24 },
        { provider: 'quickbooks', name: 'Notes Dental LLC', timezone: 'America/New_York', countryCode: 'US', baseCurrency: 'USD', customers: 4, invoices: 24 },
      ],
    });
    for (const [i, provider] of PROVIDERS.entries()) {
      const companyId = fx.companyIds[i]!;
      const c = await fx.connect(provider, companyId);
      await fx.db
        .update(organisations)
        .set({ timezone: provider === 'xero' ? 'Europe/London' : 'America/New_York' })
        .where(eq(organisations.id, c.organisationId));
      const { runId } = await createOrReuseRun(fx.db, { organisationId: c.organisationId, kind: 'full' });
      expect((await runSync(fx.engineDeps(), { runId })).status).toBe('succeeded');
      fx.advance(61_000);
      await fx.db.insert(reminderSettings).values({ organisationId: c.organisationId, firmId: fx.firmId, enabled: true, dailyLimit: 500, confirmedAt: new Date('2026-01-01T00:00:00Z') });
      orgs.set(provider, { organisationId: c.organisationId, companyId });
    }
    // QuickBooks customers get one statement listing their overdue invoices: one note on each.
    await createPolicy(
      fx.db,
      fx.firmId,
      { name: 'Statements', scope: 'organisation', organisationId: orgs.get('quickbooks')!.organisationId, segment: null, contactExternalId: null, grouping: 'customer', steps: [{ offsetDays: -3 }, { offsetDays: 0 }, { offsetDays: 7 }, { offsetDays: 14 }, { offsetDays: 30 }] as never, enabled: true },
      new Date(fx.now()),
    );
    fx.advance(MIN15 - (fx.now() % MIN15));
    const now = () => new Date(fx.now());
    capture = await startCapture({ now });
    driver = new Driver({
      db: fx.db,
      log: createLogger('silent'),
      env: { mailer: capture.mailer, mailFrom: 'Arcus <reminders@arcus.test>', appUrl: 'https://arcus.test', secret: 'notes-test-secret-notes-test-secret!', embedded: false, now },
      ledger: fx.gateway,
      crash: { shouldCrash: (p) => killAt.delete(p) },
    });
  }, 120_000);
  afterAll(async () => {
    await capture?.close();
    await fx?.close();
  });

  it('a sent reminder gives one confirmed note write-back per invoice, and the note is in the ledger once', async () => {
    await tickUntil(allNotesConfirmed, 5);
    const counts = { xero: await expectOneNoteEach('xero'), quickbooks: await expectOneNoteEach('quickbooks') };
    expect(capture.messages.length).toBeGreaterThan(0);
    // The QuickBooks statements covered several invoices each: a note on every one of them.
    const statements = (await sentSends(orgs.get('quickbooks')!.organisationId)).filter((s) => s.subjectType === 'customer');
    expect(statements.length).toBeGreaterThan(0);
    expect(statements.some((s) => s.invoiceExternalIds.length > 1)).toBe(true);
    expect(counts.quickbooks).toBe(statements.reduce((n, s) => n + s.invoiceExternalIds.length, 0));
    // Notes never wait for approval, and nothing but the write-back engine wrote them.
    const all = [...(await noteWritebacks(orgs.get('xero')!.organisationId)), ...(await noteWritebacks(orgs.get('quickbooks')!.organisationId))];
    expect(all.every((w) => w.decidedByUserId === null && w.attempts === 1)).toBe(true);
  }, 300_000);

  it('the notes are on the customer’s timeline in words: asked for, then added in the ledger', async () => {
    const { organisationId } = orgs.get('xero')!;
    const [w] = await noteWritebacks(organisationId);
    const entries = await activityTimeline(fx.db, fx.firmId, { organisationId, contactExternalId: w!.contactExternalId! });
    const mine = entries.filter((e) => e.writebackId === w!.id);
    expect(mine.map((e) => e.kind).sort()).toEqual(['writeback.confirmed', 'writeback.requested']);
    const requested = mine.find((e) => e.kind === 'writeback.requested')!;
    // One email per customer by default (issue #15): a statement, or a single reminder.
    expect(requested.summary).toMatch(/^Note on \S+ in the ledger: (reminder \d+ sent|overdue statement sent \(reminder \d+\))$/);
    expect(requested.writebackStatus).toBe('confirmed');
    expect(mine.find((e) => e.kind === 'writeback.confirmed')!.summary).toBe('Note added to the invoice in Xero');
    const statementNote = (await noteWritebacks(orgs.get('quickbooks')!.organisationId))[0]!;
    const [qbo] = await fx.db.select().from(activities).where(and(eq(activities.kind, 'writeback.requested'), eq(activities.organisationId, orgs.get('quickbooks')!.organisationId)));
    expect(qbo!.summary).toMatch(/^Note on \S+ in the ledger: overdue statement sent \(reminder \d+\)$/);
    expect(statementNote.contactId).not.toBeNull();
  });

  it('killed after the ledger answered, and a failed ledger call: each note is retried with its key and is in the ledger once', async () => {
    const before = new Map<Provider, Set<string>>();
    for (const [p, o] of orgs) before.set(p, new Set((await noteWritebacks(o.organisationId)).map((w) => w.id)));
    // The first note's worker dies right after the ledger wrote it (nothing recorded); the next
    // note's ledger call fails with a 503 once on each ledger.
    killAt = new Set<AnyCrashPoint>(['wb.after-send']);
    for (const o of orgs.values()) await admin('/faults', { method: 'POST', body: { companyId: o.companyId, kind: '5xx', count: 1 } });
    const fresh = async () => {
      for (const [p, o] of orgs) {
        const notes = await noteWritebacks(o.organisationId);
        if (!notes.some((n) => !before.get(p)!.has(n.id))) return false;
      }
      return allNotesConfirmed();
    };
    // A week on, the next steps go out.
    fx.advance(7 * 86_400_000 - MIN15);
    await tickUntil(fresh, 8);
    await admin('/faults', { method: 'DELETE' });
    expect(driver.stats.crashes['wb.after-send']).toBe(1);
    expect(killAt.size).toBe(0);
    for (const p of PROVIDERS) await expectOneNoteEach(p);
    const all = [...(await noteWritebacks(orgs.get('xero')!.organisationId)), ...(await noteWritebacks(orgs.get('quickbooks')!.organisationId))];
    // The killed one took a second attempt; the ones the 503 hit were deferred without spending
    // one (a provider's "try later" is not a failure); each is still one note.
    expect(all.filter((w) => w.attempts > 1).length).toBeGreaterThanOrEqual(1);
    expect(all.filter((w) => w.deferrals > 0).length).toBeGreaterThanOrEqual(1);
  }, 300_000);

  it('a send recorded again asks for no second note (the source key is the send and the invoice)', async () => {
    const { organisationId } = orgs.get('xero')!;
    const [send] = await sentSends(organisationId);
    const notes = await noteWritebacks(organisationId);
    const inv = send!.invoiceExternalIds[0]!;
    const queued: string[] = [];
    const text = noteText({ appUrl: 'https://arcus.test', sendId: send!.id, stepNumber: send!.stepNumber, recipients: ['x@y.example'], grouped: false, invoiceCount: 1, sentOn: '2026-01-01' });
    const again = await requestWriteback(
      { db: fx.db, enqueueExecute: async (id) => void queued.push(id) },
      { firmId: fx.firmId, organisationId, kind: 'note', purpose: 'reminder', sourceKey: reminderNoteKey(send!.id, inv), request: { invoiceExternalId: inv, text }, requestedBy: 'system', summary: 'again' },
    );
    expect(again.created).toBe(false);
    expect(queued).toEqual([]);
    expect(notes.map((n) => n.id)).toContain(again.id);
    expect(await noteWritebacks(organisationId)).toHaveLength(notes.length);
    const rows = await fx.db.select().from(writebacks).where(inArray(writebacks.id, [again.id]));
    expect(rows[0]!.noteText).not.toBe(text);
  });
});
