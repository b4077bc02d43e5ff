/**
 * Languages (issue #20, decision 041): dates and amounts for each shipped language, checked by
 * hand against how a person in that country writes them (Intl's separators are U+202F narrow
 * no-break space in French groups, U+00A0 before a trailing currency sign); the language a
 * customer gets; the invoice table and footer in French; English byte-for-byte as before.
 */
import { describe, expect, it } from 'vitest';
import { effectiveLanguage, formatDateIn, LANGUAGE_NAMES, languageForCountry, localeFor } from '../../kernel/locale';
import { formatMoneyIn } from '../../kernel/money';
import { BUILTIN_TEMPLATES } from '../../server/reminders/defaults';
import { builtinIdIn } from '../../server/reminders/builtin-templates';
import { pickVersion } from '../../server/reminders/language';
import { parseTemplate } from '../../server/reminders/merge';
import { type EmailContext, formatMoney, renderEmail } from '../../server/reminders/render';

const NNBSP = '\u202f';
const NBSP = '\u00a0';

describe('locale formatting, by hand', () => {
  it('dates', () => {
    expect(formatDateIn('2026-12-15', localeFor('fr', 'FR'))).toBe('15 décembre 2026');
    expect(formatDateIn('2026-12-15', localeFor('de', 'DE'))).toBe('15. Dezember 2026');
    expect(formatDateIn('2026-12-15', localeFor('es', 'ES'))).toBe('15 de diciembre de 2026');
    expect(formatDateIn('2026-12-15', localeFor('nl', 'NL'))).toBe('15 december 2026');
    expect(formatDateIn('2026-12-15', localeFor('en', 'GB'))).toBe('15 Dec 2026');
    expect(formatDateIn('2026-03-01', localeFor('en', 'US'))).toBe('Mar 1, 2026');
    expect(formatDateIn('2026-03-01', localeFor('fr', 'GB'))).toBe('1 mars 2026');
  });

  it('amounts from minor units, exact', () => {
    expect(formatMoneyIn(123456, 'EUR', localeFor('fr', 'FR'))).toBe(`1${NNBSP}234,56${NBSP}€`);
    expect(formatMoneyIn(123456, 'EUR', localeFor('de', 'DE'))).toBe(`1.234,56${NBSP}€`);
    // Spanish groups thousands only from five digits (CLDR's minimum grouping digits).
    expect(formatMoneyIn(123456, 'EUR', localeFor('es', 'ES'))).toBe(`1234,56${NBSP}€`);
    expect(formatMoneyIn(1234567, 'EUR', localeFor('es', 'ES'))).toBe(`12.345,67${NBSP}€`);
    expect(formatMoneyIn(123456, 'EUR', localeFor('nl', 'NL'))).toBe(`€${NBSP}1.234,56`);
    expect(formatMoneyIn(123456, 'GBP', localeFor('en', 'GB'))).toBe('£1,234.56');
    expect(formatMoneyIn(-5, 'EUR', localeFor('de', 'DE'))).toBe(`-0,05${NBSP}€`);
    // Beyond a float's exact range: still to the cent.
    expect(formatMoneyIn(900719925474099, 'EUR', localeFor('fr', 'FR'))).toBe(`9${NNBSP}007${NNBSP}199${NNBSP}254${NNBSP}740,99${NBSP}€`);
    expect(formatMoneyIn(1200, 'JPY', localeFor('de', 'DE'))).toBe(`1.200${NBSP}¥`);
    expect(formatMoney(123456, 'EUR', 'GB')).toBe('€1,234.56');
  });

  it('which language: customer, else organisation, else its country, else English; names in their own words', () => {
    expect(effectiveLanguage('fr', 'de', 'GB')).toBe('fr');
    expect(effectiveLanguage(null, 'de', 'FR')).toBe('de');
    expect(effectiveLanguage(null, null, 'FR')).toBe('fr');
    expect(effectiveLanguage(null, null, 'BE')).toBe('nl');
    expect(effectiveLanguage(null, null, 'GB')).toBe('en');
    expect(effectiveLanguage('xx', null, null)).toBe('en');
    expect(languageForCountry('at')).toBe('de');
    expect(localeFor('fr', 'BE')).toBe('fr-BE');
    expect(localeFor('nl', 'BE')).toBe('nl-BE');
    expect(localeFor('es', 'MX')).toBe('es-MX');
    expect(localeFor('de', 'US')).toBe('de-DE');
    expect(Object.values(LANGUAGE_NAMES)).toEqual(['English', 'Français', 'Deutsch', 'Español', 'Nederlands']);
  });

  it('a template version: the customer’s language, else the organisation’s, else English', () => {
    const v = [{ language: 'en' }, { language: 'de' }, { language: 'fr' }];
    expect(pickVersion(v, { language: 'fr', organisation: 'de' })?.language).toBe('fr');
    expect(pickVersion(v, { language: 'es', organisation: 'de' })?.language).toBe('de');
    expect(pickVersion(v, { language: 'es', organisation: 'nl' })?.language).toBe('en');
    expect(pickVersion([{ language: 'nl' }], { language: 'es', organisation: 'fr' })?.language).toBe('nl');
  });
});

describe('built-in templates in every language', () => {
  const fields = (src: string) => [...src.matchAll(/\{\{\s*[#^/]?\s*([a-z_.]+)\s*\}\}/g)].map((m) => m[1]).sort();
  it('each translation uses exactly the merge fields of its English template', () => {
    const english = BUILTIN_TEMPLATES.filter((t) => !/:(fr|de|es|nl)$/.test(t.id));
    expect(english).toHaveLength(6);
    for (const en of english) {
      for (const l of ['fr', 'de', 'es', 'nl'] as const) {
        const t = BUILTIN_TEMPLATES.find((b) => b.id === builtinIdIn(en.id, l));
        expect(t, `${en.id} in ${l}`).toBeDefined();
        for (const part of ['subject', 'bodyHtml', 'bodyText'] as const) {
          expect(parseTemplate(t![part]).issues, `${t!.id} ${part}`).toEqual([]);
          expect(new Set(fields(t![part])), `${t!.id} ${part}`).toEqual(new Set(fields(en[part])));
        }
      }
    }
  });
});

describe('a reminder email in French', () => {
  const ctx: EmailContext = {
    organisation: { name: 'Menuiserie Dupont SARL', countryCode: 'FR' },
    settings: { brandColour: '#1c7ed6', logoUrl: null, signature: 'Service comptabilité', senderName: null },
    customer: { name: 'Café du Port', firstName: 'Camille', contactName: null },
    invoices: [{ number: 'F-1042', issueDate: '2026-11-01', dueDate: '2026-12-01', currency: 'EUR', total: '1500.00', amountDue: '1234.56', url: null }],
    stepNumber: 2,
    today: '2026-12-15',
    unsubscribeUrl: 'https://arcus.test/u/abc',
    payLink: 'https://arcus.test/pay/tok',
    discountOffer: { expiresOn: '2026-12-20', rateBp: 250, amount: '30.86', currency: 'EUR' },
  };
  const overdueFr = BUILTIN_TEMPLATES.find((t) => t.id === 'builtin:overdue:fr')!;

  it('dates, amounts, table headings, status and footer are French', () => {
    const e = renderEmail(overdueFr, { ...ctx, language: 'fr' });
    // The subject's white space is folded to plain spaces (render.ts), a no-break space too.
    expect(e.subject).toBe('Rappel : facture F-1042 impayée');
    expect(e.text).toContain(`Sauf erreur de notre part, la facture F-1042, échue le 1 décembre 2026, reste impayée pour un montant de 1${NNBSP}234,56${NBSP}€ (14${NBSP}jours de retard).`);
    expect(e.text).toContain(`- F-1042${NBSP}: 1${NNBSP}234,56${NBSP}€, échéance le 1 décembre 2026 (en retard de 14${NBSP}jours)`);
    expect(e.text).toContain(`Réglez au plus tard le 20 décembre 2026 et bénéficiez d’un escompte de 2,5${NBSP}% (30,86${NBSP}€)`);
    expect(e.text).toContain(`Envoyé au nom de Menuiserie Dupont SARL. Pour ne plus recevoir de rappels de paiement${NBSP}: https://arcus.test/u/abc`);
    expect(e.html).toContain('<html lang="fr">');
    expect(e.html).toMatch(/>Facture<\/th><th [^>]*>Date<\/th><th [^>]*>Échéance<\/th><th [^>]*>Montant dû<\/th>/);
    expect(e.html).toContain('Consulter et régler en ligne');
    expect(e.html).not.toMatch(/Invoice|Amount due|overdue|Sent on behalf/);
  });

  it('English is what it always was', () => {
    const overdueEn = BUILTIN_TEMPLATES.find((t) => t.id === 'builtin:overdue')!;
    const a = renderEmail(overdueEn, { ...ctx, organisation: { name: 'Harbour Joinery Ltd', countryCode: 'GB' } });
    const b = renderEmail(overdueEn, { ...ctx, organisation: { name: 'Harbour Joinery Ltd', countryCode: 'GB' }, language: 'en' });
    expect(b).toEqual(a);
    expect(a.html).toContain('<!doctype html><html><head>');
    expect(a.text).toContain('- F-1042: €1,234.56 due 1 Dec 2026 (14 days overdue)');
    expect(a.text).toContain('Pay by 20 Dec 2026 and save 2.5% (€30.86)');
    expect(a.text).toContain('Sent on behalf of Harbour Joinery Ltd. To stop payment reminders: https://arcus.test/u/abc');
    expect(a.html).toMatch(/>Invoice<\/th><th [^>]*>Date<\/th><th [^>]*>Due<\/th><th [^>]*>Amount due<\/th>/);
  });
});
