import { describe, expect, it } from 'vitest';
import { type Language, LANGUAGES } from '../../kernel/locale';
import { formatMoney, sentenceDate } from '../reminders/render';
import { noticeLines } from './core';
import { RETURN_WORDS, type ReturnNoticeInput, returnNotice } from './words';

/** One returned payment, amounts and dates formatted for `language` in an organisation in `country`. */
function input(language: Language, country: string | null = 'GB', over: Partial<ReturnNoticeInput> = {}): ReturnNoticeInput {
  const m = (minor: number) => formatMoney(minor, 'GBP', country, language);
  return { customerName: 'Sam', organisation: 'Acme Ltd', amountText: m(20_000), paidOnText: sentenceDate('2026-12-01', country, language), invoiceNumber: 'INV-7', origin: 'collector', feeText: m(2_000), payUrl: null, signature: 'Acme Ltd', ...over };
}

describe('the returned-payment email, per language', () => {
  it('English is exactly what it always was (subject, body, chargeback, pay link)', () => {
    const { subject, lines } = returnNotice('en', input('en'));
    expect(subject).toBe('Your payment for invoice INV-7 was returned — Acme Ltd');
    expect(lines.join('\n')).toBe(
      'Dear Sam,\n\nYour payment of £200.00 made on 1 December 2026 for invoice INV-7 was returned unpaid by your bank, so the invoice is open again.\n\nA returned-payment fee of £20.00 has been added, as our terms allow.\n\nPlease arrange payment again, or reply to this email if you believe this is a mistake.\n\nAcme Ltd',
    );
    const cb = returnNotice('en', input('en', 'GB', { origin: 'chargeback', feeText: null, payUrl: 'https://pay.example/x' }));
    expect(cb.lines).toEqual(['Dear Sam,', '', 'Your payment of £200.00 made on 1 December 2026 for invoice INV-7 was disputed with your card issuer and has been taken back, so the invoice is open again.', '', 'You can pay again online here: https://pay.example/x', '', 'Acme Ltd']);
    // No number: what the email always said ("invoice the invoice").
    expect(returnNotice('en', input('en', 'GB', { invoiceNumber: null })).subject).toBe('Your payment for invoice the invoice was returned — Acme Ltd');
    // core's noticeLines is the same English body.
    expect(noticeLines({ greeting: 'Dear Sam,', amountText: '£200.00', paidOnText: '1 December 2026', invoiceNumber: 'INV-7', origin: 'collector', feeText: '£20.00', payUrl: null, signature: 'Acme Ltd' })).toEqual(lines);
  });

  it('every language has every key, each saying something, and every sentence in its own words', () => {
    const keys = Object.keys(RETURN_WORDS.en).sort();
    expect(Object.keys(RETURN_WORDS).sort()).toEqual([...LANGUAGES].sort());
    for (const origin of ['collector', 'chargeback'] as const) {
      const english = returnNotice('en', input('en', 'GB', { origin, payUrl: origin === 'chargeback' ? 'https://pay.example/x' : null }));
      for (const l of LANGUAGES) {
        const w = RETURN_WORDS[l];
        expect(Object.keys(w).sort(), l).toEqual(keys);
        for (const k of keys) {
          const v = w[k as keyof typeof w];
          const text = typeof v === 'function' ? (v as (...a: string[]) => string)('A', 'B', 'C') : v;
          expect(text.trim().length, `${l}.${k}`).toBeGreaterThan(0);
        }
        const { subject, lines } = returnNotice(l, input(l, 'GB', { origin, payUrl: origin === 'chargeback' ? 'https://pay.example/x' : null }));
        expect(lines, l).toHaveLength(english.lines.length);
        if (l === 'en') continue;
        expect(subject, l).not.toBe(english.subject);
        lines.forEach((line, n) => {
          if (line !== '' && line !== 'Acme Ltd') expect(line, `${l} ${origin} line ${n}`).not.toBe(english.lines[n]);
        });
      }
    }
  });

  it('French: amounts and dates the French way, and no English word in the subject or body', () => {
    const all = (l: Language) =>
      (['collector', 'chargeback'] as const).flatMap((origin) => {
        const n = returnNotice(l, input(l, l === 'fr' ? 'FR' : 'GB', { origin, invoiceNumber: origin === 'chargeback' ? null : 'INV-7', payUrl: origin === 'chargeback' ? 'https://pay.example/x' : null }));
        return [n.subject, ...n.lines];
      });
    const french = all('fr').join('\n');
    // Checked against Intl's own French formats, independently of Arcus's formatting code.
    const gbp = (n: number) => new Intl.NumberFormat('fr-FR', { style: 'currency', currency: 'GBP' }).format(n);
    const date = new Intl.DateTimeFormat('fr-FR', { dateStyle: 'long', timeZone: 'UTC' }).format(new Date('2026-12-01T00:00:00Z'));
    expect(french).toContain(`Votre paiement de ${gbp(200)} effectué le ${date} pour la facture INV-7 a été rejeté par votre banque`);
    expect(french).toContain(`Des frais d’impayé de ${gbp(20)} ont été ajoutés`);
    expect(french).toContain('pour la facture sans numéro');
    const shared = new Set(['acme', 'ltd', 'sam', 'inv', 'https', 'pay', 'example']);
    const englishWords = new Set(all('en').join(' ').toLowerCase().match(/[a-z]{3,}/g)!.filter((x) => !shared.has(x)));
    const frenchWords = french.toLowerCase().match(/[\p{L}]+/gu)!;
    expect(frenchWords.filter((x) => englishWords.has(x))).toEqual([]);
    expect(french).not.toMatch(/December|£\d|\d,\d{3}\.\d\d|\d\.\d\d\b/);
  });

  it('German dates and amounts are German', () => {
    const { subject, lines } = returnNotice('de', input('de', 'DE'));
    expect(subject).toBe('Ihre Zahlung für Rechnung INV-7 wurde zurückgebucht — Acme Ltd');
    expect(lines[2]).toBe('Ihre Zahlung über 200,00\u00a0£ vom 1. Dezember 2026 für Rechnung INV-7 wurde von Ihrer Bank zurückgebucht, daher ist die Rechnung wieder offen.');
  });

  it('a language without words falls back to English', () => {
    expect(returnNotice('it' as Language, input('en'))).toEqual(returnNotice('en', input('en')));
  });
});
