import { describe, expect, it } from 'vitest';
import { type Language, LANGUAGES } from '../../kernel/locale';
import { formatMoney, sentenceDate } from '../reminders/render';
import { CANCELLATION_WORDS, type CancellationNoticeInput, cancellationNotice } from './words';

/** One customer's cancellation, amounts and dates formatted for `language` in an organisation in `country`. */
function input(language: Language, country: string | null = 'GB'): CancellationNoticeInput {
  const m = (minor: number) => formatMoney(minor, 'GBP', country, language);
  return {
    customerName: 'Ann',
    organisation: 'Acme Ltd',
    effectiveText: sentenceDate('2027-07-01', country, language),
    invoices: [
      { number: 'INV-7', creditText: m(72_592), allocatedText: m(30_000), leftText: m(42_592), stillOwedText: null },
      { number: null, creditText: m(10_000), allocatedText: m(10_000), leftText: null, stillOwedText: m(5_000) },
    ],
    totalText: m(82_592),
    leftText: m(42_592),
    planEnded: true,
    signature: 'Acme Ltd',
  };
}

describe('the cancellation email, per language', () => {
  it('English is exactly what it always was', () => {
    const { subject, lines } = cancellationNotice('en', input('en'));
    expect(subject).toBe('Your cancellation: £825.92 credited — Acme Ltd');
    expect(lines).toEqual([
      'Dear Ann,',
      '',
      'As you asked, we have cancelled your service from 1 July 2027 and credited £825.92 for the part you will not use.',
      '',
      'Invoice INV-7: a credit of £725.92 (£300.00 taken off what you owe and £425.92 kept as credit on your account). Nothing more is owed on it.',
      'Invoice without a number: a credit of £100.00 (£100.00 taken off what you owe). £50.00 is still to pay on it.',
      '',
      'The £425.92 left as credit is yours: we will be in touch about refunding it, or reply to tell us how you would like it used.',
      '',
      'The remaining instalments of your payment plan are cancelled: nothing more will be taken or asked for under it.',
      '',
      'If anything here is not what you expected, reply to this email.',
      '',
      'Acme Ltd',
    ]);
  });

  it('every language has every key, each saying something, and every sentence in its own words', () => {
    const keys = Object.keys(CANCELLATION_WORDS.en).sort();
    expect(Object.keys(CANCELLATION_WORDS).sort()).toEqual([...LANGUAGES].sort());
    const english = cancellationNotice('en', input('en'));
    for (const l of LANGUAGES) {
      const w = CANCELLATION_WORDS[l];
      expect(Object.keys(w).sort(), l).toEqual(keys);
      for (const k of keys) {
        const v = w[k as keyof typeof w];
        const text = typeof v === 'function' ? (v as (...a: string[]) => string)('A', 'B', 'C', 'D') : v;
        expect(text.trim().length, `${l}.${k}`).toBeGreaterThan(0);
      }
      const { subject, lines } = cancellationNotice(l, input(l));
      expect(lines, l).toHaveLength(english.lines.length);
      if (l === 'en') continue;
      expect(subject, l).not.toBe(english.subject);
      // Every line with words differs from the English one (the signature is the organisation's own).
      lines.forEach((line, n) => {
        if (line !== '' && line !== 'Acme Ltd') expect(line, `${l} line ${n}`).not.toBe(english.lines[n]);
      });
      // The invoice without a number says so in the language.
      expect(lines[5], l).toContain(CANCELLATION_WORDS[l].noNumber);
    }
  });

  it('French: amounts and dates in the French way, and no English in the subject or body', () => {
    const { subject, lines } = cancellationNotice('fr', input('fr', 'FR'));
    const body = lines.join('\n');
    // Checked against Intl's own French formats, independently of Arcus's formatting code.
    const eur = (n: number) => new Intl.NumberFormat('fr-FR', { style: 'currency', currency: 'GBP' }).format(n);
    expect(subject).toBe(`Votre résiliation\u00a0: un avoir de ${eur(825.92)} — Acme Ltd`);
    expect(body).toContain(`à compter du ${new Intl.DateTimeFormat('fr-FR', { dateStyle: 'long', timeZone: 'UTC' }).format(new Date('2027-07-01T00:00:00Z'))}`);
    expect(body).toContain(`Facture INV-7\u00a0: un avoir de ${eur(725.92)} (${eur(300)} en déduction de ce que vous devez et ${eur(425.92)} en crédit sur votre compte).`);
    expect(body).toContain(`Il reste ${eur(50)} à payer sur cette facture.`);
    // Every English word of the English email (but the few French shares, and the names) is absent.
    const shared = new Set(['service', 'plan', 'acme', 'ltd', 'ann', 'inv']);
    const englishWords = new Set(
      cancellationNotice('en', input('en'))
        .lines.concat(cancellationNotice('en', input('en')).subject)
        .join(' ')
        .toLowerCase()
        .match(/[a-z]{3,}/g)!
        .filter((x) => !shared.has(x)),
    );
    const frenchWords = `${subject}\n${body}`.toLowerCase().match(/[\p{L}]+/gu)!;
    expect(frenchWords.filter((x) => englishWords.has(x))).toEqual([]);
    expect(`${subject}\n${body}`).not.toMatch(/July|December|£\d|\d,\d{3}\.\d\d/);
  });

  it('German dates and amounts are German', () => {
    const { subject, lines } = cancellationNotice('de', input('de', 'DE'));
    expect(subject).toMatch(/^Ihre Kündigung: Gutschrift über 825,92\s£ — Acme Ltd$/);
    expect(lines[2]).toBe('wie gewünscht haben wir Ihre Leistung zum 1. Juli 2027 gekündigt und Ihnen 825,92\u00a0£ für den nicht genutzten Teil gutgeschrieben.');
  });

  it('a language without words falls back to English', () => {
    const other = 'it' as Language;
    expect(cancellationNotice(other, input('en'))).toEqual(cancellationNotice('en', input('en')));
  });
});
