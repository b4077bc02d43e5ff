/**
 * The "tell the debtor once" helper (server/reminders/debtor-once.ts) that card refunds, returned
 * payments, cancellations and autopay failures share, against this worker's PostgreSQL and a real
 * in-process SMTP server, on a `card_refunds` row: a deferred send gives the claim back and the
 * retry sends once; two passes at once send one email; a refusal keeps the claim or gives it back as
 * the caller asked; no mail and no address take no claim; the words are in the customer's language.
 */
import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { toMinor } from '../../kernel/money';
import { cardRefunds, reminderCustomers } from '../../server/db/schema';
import { type DebtorNoticeInput, debtorNotifiedClaim, type NoticeContext, tellDebtorOnce } from '../../server/reminders/debtor-once';
import { describeWith } from '../support/services';
import { DEFAULT_CONTACTS, MONDAY, type Small, startSmall } from './seed';

describeWith('pg', 'telling the debtor once', () => {
  let refusals = 0;
  /** accounts@northyard.example: deferred (451) while `refusals` lasts; *.invalid: refused for good. */
  const reject = (a: string) => (a === 'accounts@northyard.example' && refusals-- > 0 ? { code: 451, message: 'Try again later' } : /\.invalid$/i.test(a) ? 'no such domain' : null);

  async function refundRow(s: Small, contactExternalId: string) {
    const [row] = await s.db
      .insert(cardRefunds)
      .values({ firmId: s.firmId, organisationId: s.org.id, writebackId: randomUUID(), contactExternalId, provider: 'sandbox', providerPaymentId: `pi_${randomUUID()}`, amount: '1234.50', currency: 'EUR', status: 'succeeded' })
      .returning();
    return row!;
  }

  async function notifiedAt(s: Small, id: string): Promise<Date | null> {
    const [r] = await s.db.select({ at: cardRefunds.debtorNotifiedAt }).from(cardRefunds).where(and(eq(cardRefunds.id, id), eq(cardRefunds.firmId, s.firmId)));
    return r!.at;
  }

  function notice(s: Small, row: { id: string; firmId: string; contactExternalId: string }, over: Partial<DebtorNoticeInput> = {}): DebtorNoticeInput {
    return {
      firmId: row.firmId,
      org: s.org.id,
      contactExternalId: row.contactExternalId,
      claim: debtorNotifiedClaim(s.db, cardRefunds, row),
      messageKey: `card-refund.${row.id}`,
      giveBack: 'any',
      words: ({ names, money, date }) => ({ subject: `Refund for ${names.customerName}`, lines: [`${money(toMinor('1234.50', 2, true), 'EUR')} on ${date(MONDAY)}`, names.signature] }),
      ...over,
    };
  }

  const deps = (s: Small) => ({ db: s.db, mail: { mailer: s.capture.mailer, mailFrom: 'Arcus <reminders@arcus.test>', embedded: false }, now: s.now });
  const to = (s: Small, address: string) => s.capture.messages.filter((m) => m.to.includes(address));

  it('a deferred send gives the claim back; the retry sends it once, with the Message-ID from the row; a third pass sends nothing', async () => {
    const s = await startSmall({ invoices: [], reject });
    try {
      const row = await refundRow(s, 'c-north');
      refusals = 1;
      // As the card refund asks: only a deferral gives the claim back.
      const first = await tellDebtorOnce(deps(s), notice(s, row, { giveBack: 'temporary' }));
      expect(first).toMatchObject({ kind: 'not_sent', failure: 'temporary' });
      expect(await notifiedAt(s, row.id)).toBeNull();
      expect(to(s, 'accounts@northyard.example')).toHaveLength(0);

      const second = await tellDebtorOnce(deps(s), notice(s, row, { giveBack: 'temporary' }));
      expect(second).toMatchObject({ kind: 'sent', to: ['accounts@northyard.example'] });
      expect(await notifiedAt(s, row.id)).toEqual(s.now());
      const third = await tellDebtorOnce(deps(s), notice(s, row));
      expect(third).toEqual({ kind: 'claimed_elsewhere' });

      const mails = to(s, 'accounts@northyard.example');
      expect(mails).toHaveLength(1);
      expect(mails[0]!.messageId).toBe(`card-refund.${row.id}@arcus.test`);
      expect(mails[0]!.subject).toBe('Refund for North Yard');
    } finally {
      await s.close();
    }
  });

  it('two passes at the same row at once: one claims and sends, the other finds it claimed', async () => {
    const s = await startSmall({ invoices: [], reject });
    try {
      refusals = 0;
      const row = await refundRow(s, 'c-north');
      const both = await Promise.all([tellDebtorOnce(deps(s), notice(s, row)), tellDebtorOnce(deps(s), notice(s, row))]);
      expect(both.map((r) => r.kind).sort()).toEqual(['claimed_elsewhere', 'sent']);
      expect(to(s, 'accounts@northyard.example')).toHaveLength(1);
    } finally {
      await s.close();
    }
  });

  it('a refusal keeps the claim when only a deferral gives it back, and gives it back when any failure does', async () => {
    const s = await startSmall({ invoices: [], reject });
    try {
      const kept = await refundRow(s, 'c-bad');
      expect(await tellDebtorOnce(deps(s), notice(s, kept, { giveBack: 'temporary' }))).toMatchObject({ kind: 'not_sent', failure: 'permanent' });
      expect(await notifiedAt(s, kept.id)).toEqual(s.now());
      const given = await refundRow(s, 'c-bad');
      expect(await tellDebtorOnce(deps(s), notice(s, given, { giveBack: 'any' }))).toMatchObject({ kind: 'not_sent', failure: 'permanent' });
      expect(await notifiedAt(s, given.id)).toBeNull();
      expect(s.capture.messages).toHaveLength(0);
    } finally {
      await s.close();
    }
  });

  it('under giveBack never even a deferral keeps the claim: the next pass finds it claimed and sends nothing', async () => {
    const s = await startSmall({ invoices: [], reject });
    try {
      const row = await refundRow(s, 'c-north');
      refusals = 1;
      expect(await tellDebtorOnce(deps(s), notice(s, row, { giveBack: 'never' }))).toMatchObject({ kind: 'not_sent', failure: 'temporary' });
      expect(await notifiedAt(s, row.id)).toEqual(s.now());
      expect(await tellDebtorOnce(deps(s), notice(s, row, { giveBack: 'never' }))).toEqual({ kind: 'claimed_elsewhere' });
      expect(to(s, 'accounts@northyard.example')).toHaveLength(0);
    } finally {
      await s.close();
    }
  });

  it('no mail on the server, or no address for the customer: skipped in words, no claim taken, nothing sent', async () => {
    const s = await startSmall({ invoices: [], reject });
    try {
      const row = await refundRow(s, 'c-north');
      expect(await tellDebtorOnce({ ...deps(s), mail: null }, notice(s, row))).toEqual({ kind: 'skipped', why: 'email is not set up on this server.' });
      const none = await refundRow(s, 'c-none');
      expect(await tellDebtorOnce(deps(s), notice(s, none))).toEqual({ kind: 'skipped', why: 'No Email Co has no email address for reminders.' });
      expect(await notifiedAt(s, row.id)).toBeNull();
      expect(await notifiedAt(s, none.id)).toBeNull();
      expect(await tellDebtorOnce(deps(s), notice(s, row, { org: randomUUID() }))).toEqual({ kind: 'no_organisation' });
      expect(s.capture.messages).toHaveLength(0);
    } finally {
      await s.close();
    }
  });

  it("the words are written in the customer's language, else the organisation's, with its money and dates", async () => {
    const s = await startSmall({ invoices: [], reject });
    try {
      refusals = 0;
      await s.db.insert(reminderCustomers).values({ firmId: s.firmId, organisationId: s.org.id, contactExternalId: 'c-bayside', language: 'fr' });
      const seen: Pick<NoticeContext, 'language' | 'names'>[] = [];
      const words: DebtorNoticeInput['words'] = (c) => {
        seen.push({ language: c.language, names: c.names });
        return { subject: c.money(toMinor('1234.50', 2, true), 'EUR'), lines: [c.date(MONDAY)] };
      };
      const fr = await refundRow(s, 'c-bayside');
      const en = await refundRow(s, 'c-north');
      expect((await tellDebtorOnce(deps(s), notice(s, fr, { words }))).kind).toBe('sent');
      expect((await tellDebtorOnce(deps(s), notice(s, en, { words }))).kind).toBe('sent');
      expect(seen).toEqual([
        { language: 'fr', names: { customerName: 'Sam', organisation: 'Harbour Test Ltd', signature: 'Harbour Test Ltd' } },
        { language: 'en', names: { customerName: 'North Yard', organisation: 'Harbour Test Ltd', signature: 'Harbour Test Ltd' } },
      ]);
      const bayside = DEFAULT_CONTACTS[0]!.emails![0]!.address;
      const [french] = to(s, bayside);
      // In French (the organisation is in GB, where French is not spoken, so France's locale): a decimal comma, the euro sign after.
      expect(french!.subject).toMatch(/^1\D234,50\s€$/u);
      expect(french!.text).toContain('novembre 2026');
      expect(to(s, 'accounts@northyard.example')[0]!.text).toContain('November 2026');
    } finally {
      await s.close();
    }
  });
});
