/**
 * The rate the portfolio converts an organisation's base currency with, where it came from, and
 * whether it is too old to trust — pure, exact, in plain words.
 *
 * A rate here is always "one unit of `currency` in the reporting currency". Two sources:
 * - entered: the firm's own `exchange_rates` row (latest dated on or before the period's end);
 * - ledger: the most recent synced invoice that prices one currency in the other. Arcus stores a
 *   document's `currency_rate` as one unit of the document's currency in the organisation's base
 *   currency (server/analytics/README.md, migration 0005's trigger). So an invoice in B issued by
 *   an organisation whose base is the reporting currency R gives B→R directly; an invoice in R
 *   issued by an organisation whose base is B gives R→B, which is inverted (`invertRate`).
 * The firm's entered rate always wins over a ledger's: it is a deliberate choice.
 */
import { type CalendarDate, diffDays, longDate } from '../../kernel/dates';
import { divRoundHalfEven } from '../../kernel/money';

/** Decimal places of an inverted rate: the scale of every rate column (numeric(19,10)). */
export const RATE_PLACES = 10;

/** A rate older than this many days (against today, or the period's end if earlier) is stale. */
export const STALE_AFTER_DAYS = 45;

const DECIMAL = /^(\d+)(?:\.(\d+))?$/;

/**
 * 1 / rate, rounded half-even to `places` decimal places and written with exactly that many
 * (e.g. '0.8' → '1.2500000000', '1.27' → '0.7874015748', '3' → '0.3333333333'). Exact: the
 * quotient is taken on integers (10^(f + places) / digits), so the only error is the final
 * rounding, at most half a unit in the last place. Null for a zero rate or one so large its
 * inverse rounds to zero — neither can convert anything.
 */
export function invertRate(rate: string, places = RATE_PLACES): string | null {
  const m = DECIMAL.exec(rate.trim());
  if (!m) throw new Error(`not a positive decimal rate: ${JSON.stringify(rate)}`);
  const [, whole, frac = ''] = m;
  const digits = BigInt(whole! + frac);
  if (digits === 0n) return null;
  const scaled = divRoundHalfEven(10n ** BigInt(frac.length + places), digits);
  if (scaled === 0n) return null;
  const text = scaled.toString().padStart(places + 1, '0');
  return places > 0 ? `${text.slice(0, -places)}.${text.slice(-places)}` : text;
}

export interface EnteredRate {
  rate: string;
  asOf: CalendarDate;
}

/** The latest invoice pricing one currency in the other, as found in the firm's ledgers. */
export interface LedgerDocument {
  provider: 'xero' | 'quickbooks';
  organisationName: string;
  /** The invoice number as the ledger shows it ('' when it has none). */
  number: string;
  issueDate: CalendarDate;
  /** The invoice's `currency_rate`: one unit of its currency in its organisation's base currency. */
  currencyRate: string;
  /** direct: the invoice is in the converted currency, issued where the base is the reporting currency; inverse: the other way round. */
  direction: 'direct' | 'inverse';
}

export type UsedRate = { value: string; asOf: CalendarDate } & ({ source: 'entered' } | { source: 'ledger'; document: LedgerDocument });

/** The rate a ledger document implies from its currency to the reporting currency, or null. */
export function rateFromDocument(doc: LedgerDocument): string | null {
  if (!DECIMAL.test(doc.currencyRate.trim()) || !/[1-9]/.test(doc.currencyRate)) return null;
  return doc.direction === 'direct' ? doc.currencyRate : invertRate(doc.currencyRate);
}

/** The firm's entered rate if there is one, else the ledgers', else none. */
export function chooseRate(entered: EnteredRate | null, ledger: LedgerDocument | null): UsedRate | null {
  if (entered) return { value: entered.rate, asOf: entered.asOf, source: 'entered' };
  if (!ledger) return null;
  const value = rateFromDocument(ledger);
  return value === null ? null : { value, asOf: ledger.issueDate, source: 'ledger', document: ledger };
}

/** Stale: dated more than STALE_AFTER_DAYS before `reference` (today, or the period's end if earlier). */
export function isStale(asOf: CalendarDate, reference: CalendarDate): boolean {
  return diffDays(asOf, reference) > STALE_AFTER_DAYS;
}

const PROVIDER = { xero: 'Xero', quickbooks: 'QuickBooks' } as const;

function documentWords(doc: LedgerDocument): string {
  const number = doc.number.trim();
  return number ? `${PROVIDER[doc.provider]} invoice ${number} of ${doc.organisationName}` : `a ${PROVIDER[doc.provider]} invoice of ${doc.organisationName}`;
}

/** Where a rate came from: "entered by your firm, dated 3 March 2021" or "from Xero invoice INV-0042 of Thames Studio, 28 November 2026". */
export function rateSourceWords(rate: UsedRate): string {
  if (rate.source === 'entered') return `entered by your firm, dated ${longDate(rate.asOf)}`;
  return `from ${documentWords(rate.document)}, ${longDate(rate.asOf)}`;
}

/** The warning for a stale rate, naming the currency, the date and where to update it. */
export function staleRateWarning(currency: string, rate: UsedRate): string {
  const from = rate.source === 'entered' ? `from ${longDate(rate.asOf)}` : `from ${longDate(rate.asOf)} (${documentWords(rate.document)})`;
  return `The ${currency} rate is ${from}; figures in ${currency} may be off. Update it under Exchange rates on the Portfolio page.`;
}

function list(items: readonly string[], last: 'and' | 'or'): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} ${last} ${items.at(-1)}`;
}

/**
 * Which organisations are left out of the totals and why, or null when none is:
 * "Cape Traders (ZAR) is not in these totals: there is no ZAR to USD rate, entered by your firm
 * or found in a ledger. Add one under Exchange rates to include it."
 */
export function missingRateNote(excluded: readonly { name: string; currency: string }[], reportingCurrency: string): string | null {
  if (excluded.length === 0) return null;
  const one = excluded.length === 1;
  const currencies = [...new Set(excluded.map((e) => e.currency))];
  const names = list(
    excluded.map((e) => `${e.name} (${e.currency})`),
    'and',
  );
  return `${names} ${one ? 'is' : 'are'} not in these totals: there is no ${list(currencies, 'or')} to ${reportingCurrency} rate, entered by your firm or found in a ledger. Add ${currencies.length === 1 ? 'one' : 'them'} under Exchange rates to include ${one ? 'it' : 'them'}.`;
}
