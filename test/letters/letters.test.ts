/**
 * Letters end to end (issue #20, docs/decisions/042): a sequence whose step is a letter, collected
 * into today's print batch through the API with the clock pinned; the batch PDF (letterhead, the
 * customer's name, the statement) and the address CSV (formula-safe); posting confirmed once, with
 * one timeline entry and the step recorded as sent; a customer without a usable postal address is
 * blocked with the reason in words.
 */
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postalAddress } from '../../server/analytics/data-quality';
import { batchView, collectLetters, confirmPosted } from '../../server/letters/service';
import type { Database } from '../../server/db/client';
import { activities, contacts, invoices, letterBatches, organisations, reminderPolicies, reminderSends, senderIdentities } from '../../server/db/schema';
import { ensureDemoFirm } from '../../server/demo/seed-firm';
import { scopeKeys } from '../../server/reminders/policy';
import { addDays } from '../../kernel/dates';
import type { Arcus } from '../../root/runtime';
import { pdfText } from '../reports/seed';
import { apiClient, startTestApp } from '../support/app';
import { testDatabase } from '../support/db';
import { describeWith } from '../support/services';

const TODAY = '2026-11-23';

describe('postal address (data quality)', () => {
  it('prefers a complete PO box address and says what is missing otherwise', () => {
    expect(postalAddress([{ type: 'STREET', line1: '1 High St', city: 'Leeds', postalCode: 'LS1 1AA', country: 'GB' }, { type: 'POBOX', line1: 'PO Box 7', city: 'York', postalCode: 'YO1 7AA' }])).toMatchObject({ ok: true, lines: ['PO Box 7', 'York', 'YO1 7AA'] });
    expect(postalAddress([])).toEqual({ ok: false, reason: 'The customer has no postal address' });
    expect(postalAddress([{ type: 'STREET', line1: '', city: 'Leeds', postalCode: 'LS1 1AA' }])).toEqual({ ok: false, reason: 'The postal address has no street or PO box line' });
    expect(postalAddress([{ type: 'STREET', line1: '1 High St', city: '', postalCode: 'LS1 1AA' }])).toEqual({ ok: false, reason: 'The postal address has no town or city' });
    expect(postalAddress([{ type: 'STREET', line1: '1 High St', city: 'Leeds', postalCode: '' }])).toEqual({ ok: false, reason: 'The postal address has no postcode' });
    expect(postalAddress([{ type: 'STREET', line1: '1 Queen’s Rd', city: 'Hong Kong', postalCode: '', country: 'HK' }])).toMatchObject({ ok: true });
  });
});

describeWith('pg', 'Letters: a print batch end to end', () => {
  let arcus: Arcus;
  let database: Database;
  let api: ReturnType<typeof apiClient>;
  let csrf = '';
  let cookie = '';
  let firmId = '';
  let orgId = '';
  const call = (p: string, init: { method?: string; body?: unknown } = {}) => api(p, { ...init, csrf });

  beforeAll(async () => {
    database = await testDatabase();
    const db = database.db;
    firmId = (await ensureDemoFirm(db)).firmId;
    const [org] = await db
      .insert(organisations)
      .values({ firmId, provider: 'xero', externalId: `tenant-${randomUUID()}`, name: 'Harbour Letters Ltd', baseCurrency: 'GBP', timezone: 'Europe/London', countryCode: 'GB' })
      .returning();
    orgId = org!.id;
    // A 1×1 PNG as the uploaded logo: the letterhead draws it.
    const logo = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
    await db.insert(senderIdentities).values({ organisationId: orgId, firmId, footer: 'Harbour Letters Ltd\n4 Quay Street\nBristol BS1 4AA', logoKey: randomUUID().replace(/-/g, ''), logoType: 'image/png', logoData: logo });
    await db.insert(contacts).values([
      { firmId, organisationId: orgId, externalId: 'l-bay', name: 'Bayside Cafe Ltd', addresses: [{ type: 'POBOX', line1: '12 Harbour Road', city: 'Bristol', region: '=HYPERLINK("http://x")', postalCode: 'BS1 5TT', country: 'United Kingdom' }] },
      { firmId, organisationId: orgId, externalId: 'l-north', name: 'North Yard', addresses: [{ type: 'STREET', line1: '', city: 'Leeds', region: '', postalCode: 'LS1 1AA', country: 'United Kingdom' }] },
    ]);
    await db.insert(invoices).values([
      { firmId, organisationId: orgId, externalId: 'l-inv-1', contactExternalId: 'l-bay', number: 'INV-L1', issueDate: addDays(TODAY, -65), dueDate: addDays(TODAY, -35), currency: 'GBP', total: '1250.00', amountDue: '1250.00', status: 'authorised' },
      { firmId, organisationId: orgId, externalId: 'l-inv-2', contactExternalId: 'l-north', number: 'INV-N1', issueDate: addDays(TODAY, -70), dueDate: addDays(TODAY, -40), currency: 'GBP', total: '300.00', amountDue: '300.00', status: 'authorised' },
    ]);
    await db.insert(reminderPolicies).values({
      firmId,
      scope: 'organisation',
      scopeKey: scopeKeys.organisation(orgId),
      organisationId: orgId,
      name: 'Letter before action',
      grouping: 'customer',
      steps: [{ key: 'lba', offsetDays: 30, channel: 'letter', templateId: null, approval: 'auto', repeatEveryDays: null, repeatMax: 0 }],
      enabled: true,
    });
    arcus = await startTestApp(`letters-${randomUUID().slice(0, 8)}`, database, { LEDGER_SANDBOX: 'off', ARCUS_NOW: `${TODAY}T10:00:00Z` });
    api = apiClient(arcus.url);
    csrf = (await api('/api/session')).body.csrfToken;
    const signedIn = await api('/api/auth/demo', { method: 'POST', csrf });
    csrf = signedIn.body.csrfToken;
    cookie = signedIn.headers.get('set-cookie')?.split(';')[0] ?? '';
  }, 60_000);
  afterAll(async () => {
    await arcus?.close();
    await database.db.delete(organisations).where(eq(organisations.id, orgId));
  });

  it('collects, prints, lists addresses, and is posted once; a bad address blocks with the reason', async () => {
    const collected = await call('/api/letters/collect', { method: 'POST', body: { organisationId: orgId } });
    expect(collected.status).toBe(200);
    const batch = collected.body.batch;
    expect(batch).toMatchObject({ day: TODAY, dayText: '23 November 2026', statusText: 'Waiting to be posted', printable: 1, blocked: 1 });
    expect(batch.letters.map((l: { customerName: string; statusText: string; blockedReason: string | null }) => [l.customerName, l.statusText, l.blockedReason])).toEqual([
      ['Bayside Cafe Ltd', 'Ready to print', null],
      ['North Yard', 'Blocked', 'The postal address has no street or PO box line: add one in the ledger and collect the letters again.'],
    ]);
    // Collecting again the same day adds nothing (the queued letter's step counts as claimed).
    const again = await call('/api/letters/collect', { method: 'POST', body: { organisationId: orgId } });
    expect(again.body.batch.letters).toHaveLength(2);
    expect(again.body.batch.id).toBe(batch.id);

    const pdf = await fetchBytes(`/api/letters/batches/${batch.id}/pdf`);
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    writeFileSync('/tmp/letters-batch.pdf', pdf);
    const text = await pdfText(pdf);
    for (const s of ['Bayside Cafe Ltd', 'Harbour Letters Ltd', '12 Harbour Road', 'Final notice: letter before action', 'INV-L1', 'Statement for Bayside Cafe Ltd']) expect(text).toContain(s);
    expect(text).not.toContain('North Yard');
    expect(pdf.toString('latin1')).toContain('/Subtype /Image'); // the logo

    const csv = await call(`/api/letters/batches/${batch.id}/addresses.csv`);
    expect(csv.status).toBe(200);
    const lines = String(csv.body).trim().split('\r\n');
    expect(lines[0]).toBe('Customer,Address line,Town or city,Region,Postcode,Country');
    expect(lines.slice(1)).toEqual([`Bayside Cafe Ltd,12 Harbour Road,Bristol,"'=HYPERLINK(""http://x"")",BS1 5TT,United Kingdom`]);

    // Data quality names the same problem for an organisation that sends letters.
    const quality = await call(`/api/organisations/${orgId}/data-quality`);
    expect(quality.body.findings.filter((f: { kind: string }) => f.kind === 'invalid_address').map((f: { name: string; detail: string }) => [f.name, f.detail])).toEqual([
      ['North Yard', 'The postal address has no street or PO box line: a letter cannot be posted'],
    ]);

    const confirmed = await call(`/api/letters/batches/${batch.id}/confirm`, { method: 'POST' });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body).toMatchObject({ sent: 1, batch: { statusText: 'Posted' } });
    const reconfirmed = await call(`/api/letters/batches/${batch.id}/confirm`, { method: 'POST' });
    expect(reconfirmed.status).toBe(200);
    expect(reconfirmed.body.sent).toBe(0);

    const entries = await database.db.select().from(activities).where(and(eq(activities.organisationId, orgId), eq(activities.kind, 'letter.sent')));
    expect(entries.map((e) => e.summary)).toEqual(['Letter posted: Final notice: letter before action']);
    const sends = await database.db.select().from(reminderSends).where(eq(reminderSends.organisationId, orgId));
    expect(sends.map((s) => [s.subjectId, s.stepKey, s.channel, s.status])).toEqual([['l-inv-1', 'lba', 'letter', 'sent']]);
    const [b] = await database.db.select().from(letterBatches).where(eq(letterBatches.id, batch.id));
    expect(b!.status).toBe('posted');
    const view = await call(`/api/letters/batches/${batch.id}`);
    expect(view.body.batch.letters.map((l: { statusText: string }) => l.statusText)).toEqual(['Posted', 'Blocked']);

    // The next day (service, clock pinned): Bayside's letter step went out, so only North Yard is due
    // again — still blocked (yesterday's blocked letter is replaced), and a batch with nothing to print is not posted.
    const tomorrow = { db: database.db, now: () => new Date(`${addDays(TODAY, 1)}T10:00:00Z`) };
    const next = await collectLetters(tomorrow, firmId, orgId);
    expect(next.letters.map((l) => [l.customerName, l.statusText])).toEqual([['North Yard', 'Blocked']]);
    await expect(confirmPosted(tomorrow, firmId, next.id, null)).rejects.toMatchObject({ code: 'letters_nothing_to_post' });
    expect((await batchView(database.db, firmId, batch.id)).letters.map((l) => l.statusText)).toEqual(['Posted', 'Replaced by a later letter']);
  });

  /** The PDF as bytes (apiClient reads text): the same session's cookie, taken from its own request. */
  async function fetchBytes(p: string): Promise<Buffer> {
    const res = await fetch(arcus.url + p, { headers: { cookie } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/pdf');
    return Buffer.from(await res.arrayBuffer());
  }
});
