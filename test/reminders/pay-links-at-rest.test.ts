/**
 * A reminder carries working pay links, and Arcus keeps no copy of them (issue #14, server/pay/url-at-rest.ts):
 * the email that reaches the debtor has the live statement link and, in its invoice table, the
 * invoice's own link — re-derived where the synced Url holds it hidden — while the body stored on
 * the send row holds every link without its token.
 */
import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { invoices, reminderSends } from '../../server/db/schema';
import { ensurePayLink } from '../../server/pay/links';
import { HIDDEN_PAY_TOKEN, maskPayTokens, maskPayTokensIn } from '../../server/pay/url-at-rest';
import { zonedInstant } from '../../server/reminders/local-time';
import { describeWith } from '../support/services';
import { MONDAY, startSmall } from './seed';

const TOKEN = 'A'.repeat(20) + '_-' + 'z'.repeat(21);

it('maskPayTokens hides exactly the 43-character token after /pay/', () => {
  expect(TOKEN).toHaveLength(43);
  expect(maskPayTokens(`Pay here: https://app.test/pay/${TOKEN} today`)).toBe(`Pay here: https://app.test/pay/${HIDDEN_PAY_TOKEN} today`);
  expect(maskPayTokens(`<a href="https://app.test/pay/${TOKEN}?cancelled=1">`)).toBe(`<a href="https://app.test/pay/${HIDDEN_PAY_TOKEN}?cancelled=1">`);
  // Not a token: shorter, longer, or not after /pay/.
  expect(maskPayTokens(`https://app.test/pay/${TOKEN}x`)).toBe(`https://app.test/pay/${TOKEN}x`);
  expect(maskPayTokens('https://app.test/pay/short')).toBe('https://app.test/pay/short');
  expect(maskPayTokens(`https://app.test/other/${TOKEN}`)).toBe(`https://app.test/other/${TOKEN}`);
  expect(maskPayTokens(null)).toBeNull();
  const json = { a: [`x /pay/${TOKEN}`, 1, null], b: { c: `/pay/${TOKEN}` }, d: true };
  expect(maskPayTokensIn(json)).toEqual({ a: [`x /pay/${HIDDEN_PAY_TOKEN}`, 1, null], b: { c: `/pay/${HIDDEN_PAY_TOKEN}` }, d: true });
  const clean = { a: ['nothing here'], b: 2 };
  expect(maskPayTokensIn(clean)).toBe(clean);
});

describeWith('pg', 'Reminders: pay links in the email, none at rest', () => {
  it('the email has live links; the stored body has them hidden', async () => {
    const s = await startSmall({ invoices: [{ number: 'PL-1', due: -4 }, { number: 'PL-2', due: -2 }] });
    try {
      const linkKey = randomBytes(32);
      s.env.payLinks = { appUrl: 'https://arcus.test', linkKey, enqueueExecute: async () => undefined };
      // PL-1 has its own link, written into the ledger and synced back: its Url is kept hidden.
      const own = await ensurePayLink(s.db, { firmId: s.firmId, organisationId: s.org.id, invoiceId: await s.invoiceId('PL-1') }, s.env.payLinks);
      await s.db.update(invoices).set({ url: maskPayTokens(own.url) }).where(eq(invoices.id, await s.invoiceId('PL-1')));

      s.set(zonedInstant(MONDAY, 600, s.org.timezone));
      const d = s.driver();
      await d.tick([s.org.id]);
      await d.drain();
      expect(s.capture.messages.length).toBeGreaterThan(0);
      const mail = s.capture.messages.find((m) => m.subject.includes('PL-1'));
      expect(mail, 'a reminder listing PL-1').toBeTruthy();
      // The debtor gets working links: PL-1's own (re-derived), and the email's pay link.
      expect(mail!.html).toContain(own.url);
      expect(mail!.text).toContain(own.url);
      expect(mail!.html).not.toContain(HIDDEN_PAY_TOKEN);
      const tokens = [...mail!.text.matchAll(/\/pay\/([A-Za-z0-9_-]{43})/g)].map((m) => m[1]!);
      expect(tokens.length).toBeGreaterThan(0);

      // What Arcus stored of it: the same email with every link hidden.
      const stored = await s.db.select().from(reminderSends).where(eq(reminderSends.organisationId, s.org.id));
      const sent = stored.filter((r) => r.status === 'sent');
      expect(sent.length).toBe(s.capture.messages.length);
      const copy = JSON.stringify(sent);
      for (const t of tokens) expect(copy).not.toContain(t);
      expect(copy).toContain(`/pay/${HIDDEN_PAY_TOKEN}`);
    } finally {
      await s.close();
    }
  });
});
