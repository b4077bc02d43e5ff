import { describe, expect, it } from 'vitest';
import { FAILURE_NOTICE_WORDS, type FailureNoticeInput, failureNotice } from '../../server/autopay/words';
import { type Language, LANGUAGES } from '../../kernel/locale';
import { formatMoney, sentenceDate } from '../../server/reminders/render';

const VISA = { brand: 'visa', last4: '0341', expMonth: 12, expYear: 2029 };

/** One declined charge, the amount and the retry's day formatted for `language` in an organisation in `country`. */
function input(language: Language, country: string | null = 'GB', over: Partial<FailureNoticeInput> = {}): FailureNoticeInput {
  return { customerName: 'Sam', organisation: 'Acme Ltd', amountText: formatMoney(20_000, 'GBP', country, language), what: { kind: 'invoice', number: 'INV-7' }, card: VISA, code: 'card_declined', next: { kind: 'retry', onText: sentenceDate('2026-12-08', country, language) }, updateUrl: 'https://arcus.test/pay/abc?card=update', signature: 'Acme Ltd', ...over };
}

/** Every variant the email has: retry or give up, invoice or instalment or nothing, card or none, link or none, each reason. */
const VARIANTS: Partial<FailureNoticeInput>[] = [
  {},
  { next: { kind: 'give_up' }, what: { kind: 'instalment', seq: 2, count: 4 }, card: null, updateUrl: null, code: 'insufficient_funds' },
  { amountText: null, what: null, code: 'expired_card', card: { brand: 'acme_pay', last4: '1111', expMonth: null, expYear: null } },
  { code: 'authentication_required' },
  { code: 'something_else' },
];

describe('the declined-card email, per language', () => {
  it('English is exactly what it always was', () => {
    const { subject, lines } = failureNotice('en', input('en'));
    expect(subject).toBe('Your automatic payment did not go through — Acme Ltd');
    expect(lines).toEqual([
      'Dear Sam,',
      '',
      'We tried to take £200.00 for invoice INV-7 from your Visa •••• 0341, expires 12/2029 today, but the card was declined.',
      'We will try again on 8 December 2026.',
      'To use another card, update it here: https://arcus.test/pay/abc?card=update',
      '',
      'Acme Ltd',
    ]);
    const last = failureNotice('en', input('en', 'GB', VARIANTS[1]));
    expect(last.subject).toBe('Automatic payments paused — Acme Ltd');
    expect(last.lines.slice(2, 5)).toEqual([
      'We tried to take £200.00 for instalment 2 of 4 of your payment plan from your saved card today, but the card was declined for insufficient funds.',
      'We have stopped trying, and automatic payments are paused.',
      'To use another card, reply to this email.',
    ]);
    expect(failureNotice('en', input('en', 'GB', VARIANTS[2])).lines[2]).toBe('We tried to take your payment for your payment from your Card •••• 1111 today, but the card has expired.');
  });

  it('every language has every key and every reason, each saying something, and every sentence in its own words', () => {
    const keys = Object.keys(FAILURE_NOTICE_WORDS.en).sort();
    const reasons = Object.keys(FAILURE_NOTICE_WORDS.en.reasons).sort();
    expect(Object.keys(FAILURE_NOTICE_WORDS).sort()).toEqual([...LANGUAGES].sort());
    for (const l of LANGUAGES) {
      const w = FAILURE_NOTICE_WORDS[l];
      expect(Object.keys(w).sort(), l).toEqual(keys);
      expect(Object.keys(w.reasons).sort(), l).toEqual(reasons);
      for (const k of keys) {
        const v = w[k as keyof typeof w];
        const texts = typeof v === 'function' ? [(v as (...a: unknown[]) => string)('A', 'B', 'C', 'D')] : typeof v === 'string' ? [v] : Object.values(v);
        for (const t of texts) expect(t.trim().length, `${l}.${k}`).toBeGreaterThan(0);
      }
      for (const over of VARIANTS) {
        const english = failureNotice('en', input('en', 'GB', over));
        const { subject, lines } = failureNotice(l, input(l, 'GB', over));
        expect(lines, l).toHaveLength(english.lines.length);
        if (l === 'en') continue;
        expect(subject, l).not.toBe(english.subject);
        lines.forEach((line, n) => {
          if (line !== '' && line !== 'Acme Ltd') expect(line, `${l} line ${n}`).not.toBe(english.lines[n]);
        });
      }
    }
  });

  it('French: amount and day the French way, and no English word anywhere', () => {
    const all = (l: Language) => VARIANTS.flatMap((over) => {
      const n = failureNotice(l, input(l, l === 'fr' ? 'FR' : 'GB', over));
      return [n.subject, ...n.lines];
    });
    const french = all('fr').join('\n');
    const gbp = new Intl.NumberFormat('fr-FR', { style: 'currency', currency: 'GBP' }).format(200);
    const day = new Intl.DateTimeFormat('fr-FR', { dateStyle: 'long', timeZone: 'UTC' }).format(new Date('2026-12-08T00:00:00Z'));
    expect(french).toContain(`Nous avons tenté aujourd’hui de prélever ${gbp} pour la facture INV-7 sur votre carte Visa •••• 0341, expire fin 12/2029, mais la carte a été refusée.`);
    expect(french).toContain(`Nous réessaierons le ${day}.`);
    expect(french).toContain('votre carte •••• 1111');
    // "plan" is French too (plan de paiement); the rest are names and the link.
    const shared = new Set(['acme', 'ltd', 'sam', 'inv', 'https', 'arcus', 'test', 'pay', 'abc', 'card', 'update', 'visa', 'plan']);
    const englishWords = new Set(all('en').join(' ').toLowerCase().match(/[a-z]{3,}/g)!.filter((x) => !shared.has(x)));
    // The link is the organisation's own URL, not words.
    const frenchWords = french.replace(/https:\/\/\S+/g, '').toLowerCase().match(/[\p{L}]+/gu)!;
    expect(frenchWords.filter((x) => englishWords.has(x))).toEqual([]);
    expect(french).not.toMatch(/December|£\d|\d\.\d\d\b/);
  });

  it('a language without words falls back to English', () => {
    expect(failureNotice('it' as Language, input('en'))).toEqual(failureNotice('en', input('en')));
  });
});
