/**
 * Languages and locales (issue #20, docs/decisions/041-languages.md). Pure.
 *
 * - A customer's language is one of LANGUAGES; shown to people by its own name ("Français"),
 *   never by its code.
 * - An organisation without a language of its own takes the one its country mostly speaks
 *   (`languageForCountry`), else English.
 * - Dates and amounts are formatted with Intl for `localeFor(language, country)`: the language
 *   with the organisation's country when that country speaks it (fr-BE, de-AT, es-MX, nl-BE,
 *   en-<any>), else the language's home locale (fr-FR, de-DE, es-ES, nl-NL). English keeps the
 *   locale it always had (`en-<country>`, else en-GB), so English reminders read as before.
 */

export const LANGUAGES = ['en', 'fr', 'de', 'es', 'nl'] as const;
export type Language = (typeof LANGUAGES)[number];

/** Each language in its own words, for pickers and switchers. */
export const LANGUAGE_NAMES: Readonly<Record<Language, string>> = Object.freeze({
  en: 'English',
  fr: 'Français',
  de: 'Deutsch',
  es: 'Español',
  nl: 'Nederlands',
});

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);
}

/**
 * Countries whose main business language is not English. Multilingual countries take the
 * language most of their people speak (Belgium: Dutch, Switzerland: German); an organisation or
 * a customer set otherwise in Arcus wins over this.
 */
const COUNTRY_LANGUAGE: Readonly<Record<string, Language>> = Object.freeze({
  FR: 'fr', MC: 'fr', LU: 'fr', SN: 'fr', CI: 'fr', MA: 'fr', TN: 'fr',
  DE: 'de', AT: 'de', CH: 'de', LI: 'de',
  ES: 'es', MX: 'es', AR: 'es', CO: 'es', CL: 'es', PE: 'es', VE: 'es', EC: 'es', GT: 'es', CU: 'es', BO: 'es', DO: 'es', HN: 'es', PY: 'es', SV: 'es', NI: 'es', CR: 'es', PA: 'es', UY: 'es',
  NL: 'nl', BE: 'nl', SR: 'nl',
});

/** Countries where each language is spoken, so `fr` in Belgium is fr-BE; elsewhere its home. */
const SPOKEN_IN: Readonly<Record<Exclude<Language, 'en'>, { home: string; countries: readonly string[] }>> = Object.freeze({
  fr: { home: 'FR', countries: ['FR', 'BE', 'CH', 'LU', 'MC', 'CA', 'SN', 'CI', 'MA', 'TN'] },
  de: { home: 'DE', countries: ['DE', 'AT', 'CH', 'LI', 'LU', 'BE'] },
  es: { home: 'ES', countries: ['ES', 'MX', 'AR', 'CO', 'CL', 'PE', 'VE', 'EC', 'GT', 'CU', 'BO', 'DO', 'HN', 'PY', 'SV', 'NI', 'CR', 'PA', 'UY', 'US'] },
  nl: { home: 'NL', countries: ['NL', 'BE', 'SR'] },
});

function country(code: string | null | undefined): string | null {
  return code && /^[A-Z]{2}$/i.test(code.trim()) ? code.trim().toUpperCase() : null;
}

/** The language an organisation in `countryCode` writes to its customers in, unless told otherwise. */
export function languageForCountry(countryCode: string | null | undefined): Language {
  const c = country(countryCode);
  return (c && COUNTRY_LANGUAGE[c]) || 'en';
}

/** Customer's own → the organisation's (set, or from its country) → English. */
export function effectiveLanguage(customer: string | null | undefined, organisation: string | null | undefined, countryCode: string | null | undefined): Language {
  if (isLanguage(customer)) return customer;
  if (isLanguage(organisation)) return organisation;
  return languageForCountry(countryCode);
}

/** The organisation's default language: its own setting, else its country's. */
export function organisationLanguage(organisation: string | null | undefined, countryCode: string | null | undefined): Language {
  return isLanguage(organisation) ? organisation : languageForCountry(countryCode);
}

const tags = new Map<string, string>();

function supported(tag: string, fallback: string): string {
  try {
    return Intl.DateTimeFormat.supportedLocalesOf([tag]).length ? tag : fallback;
  } catch {
    return fallback;
  }
}

/** The BCP 47 locale for `language` in an organisation of `countryCode` (see the file's comment). */
export function localeFor(language: Language, countryCode: string | null | undefined): string {
  const c = country(countryCode);
  const key = `${language}|${c ?? ''}`;
  let tag = tags.get(key);
  if (tag === undefined) {
    if (language === 'en') tag = c ? supported(`en-${c}`, 'en-GB') : 'en-GB';
    else {
      const spoken = SPOKEN_IN[language];
      tag = supported(`${language}-${c && spoken.countries.includes(c) ? c : spoken.home}`, `${language}-${spoken.home}`);
    }
    tags.set(key, tag);
  }
  return tag;
}

const dateFormats = new Map<string, Intl.DateTimeFormat>();

/**
 * A calendar date ("2026-12-15") for people: "15 Dec 2026" in English (as always), the month in
 * full elsewhere ("15 décembre 2026", "15. Dezember 2026", "15 de diciembre de 2026",
 * "15 december 2026") — abbreviated months read as clipped in those languages.
 */
export function formatDateIn(date: string | null, locale: string): string {
  if (!date) return '';
  let f = dateFormats.get(locale);
  if (!f) {
    f = new Intl.DateTimeFormat(locale, { day: 'numeric', month: locale.startsWith('en') ? 'short' : 'long', year: 'numeric', timeZone: 'UTC' });
    dateFormats.set(locale, f);
  }
  return f.format(new Date(`${date}T00:00:00Z`));
}

/**
 * A debtor email's words in `language`, else English: every email with words per language
 * (refunds, cancellations, returned payments, autopay) falls back the same way.
 */
export function wordsIn<W>(table: Readonly<Record<Language, W>>, language: Language): W {
  return table[language] ?? table.en;
}
