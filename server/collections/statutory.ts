/**
 * Interest and compensation the law allows on late commercial payments — pure: which reference
 * rate applies to an invoice, the statutory rate, simple interest in exact minor units (half to
 * even), and the fixed compensation. No I/O: the rate table is handed in (built-in rows below,
 * with a firm's edits over them: server/collections/statutory-rates.ts). docs/decisions/042.
 *
 * UK — Late Payment of Commercial Debts (Interest) Act 1998
 *   https://www.legislation.gov.uk/ukpga/1998/20
 *   Rate: the Late Payment of Commercial Debts (Rate of Interest) (No. 3) Order 2002, SI 2002/1675
 *   (https://www.legislation.gov.uk/uksi/2002/1675/made), art. 4: 8% a year over the Bank of
 *   England's official dealing rate ("base rate") in force on the reference date — 30 June for
 *   debts falling due 1 July–31 December, 31 December (of the year before) for debts falling due
 *   1 January–30 June. The rate is fixed for the life of the debt. Simple interest (s.1(1)), from
 *   the day after the debt fell due: debt × rate ÷ 365 × days.
 *   Compensation: s.5A (https://www.legislation.gov.uk/ukpga/1998/20/section/5A), once per debt:
 *   £40 for a debt under £1,000; £70 for £1,000 up to £9,999.99; £100 for £10,000 or more.
 *
 * EU — Directive 2011/7/EU on combating late payment in commercial transactions
 *   (CELEX 32011L0007, https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=CELEX:32011L0007)
 *   Art. 2(6)–(7), art. 3(5)/4(6) + recital: statutory interest = the reference rate + at least 8
 *   percentage points; for the euro, the reference rate is the ECB's main refinancing operations
 *   rate in force on the first calendar day of the half-year in question, applying for the
 *   following six months — so, unlike the UK's, it is taken afresh for each half-year the debt is
 *   late in. Art. 6: a fixed sum of at least €40 as compensation for recovery costs, per debt.
 *   Member states' laws implement it (some add more points): the preset is the directive's floor.
 */
import { addDays, type CalendarDate } from '../../kernel/dates';
import type { Minor } from '../../kernel/money';
import { addRates, parseRate, simpleInterestHalfEven } from '../domain/collections/rates';

export const JURISDICTIONS = ['uk', 'eu'] as const;
export type Jurisdiction = (typeof JURISDICTIONS)[number];

export const RATE_KINDS = { uk: 'boe_base', eu: 'ecb_mro' } as const;
export type RateKind = (typeof RATE_KINDS)[Jurisdiction];

export interface JurisdictionRules {
  name: string;
  rateName: string;
  currency: string;
  /** Percentage points over the reference rate. */
  margin: string;
  /** Rows of the table that apply: the reference rate in force on which day. */
  fixedForLife: boolean;
  source: string;
}

export const STATUTORY: Record<Jurisdiction, JurisdictionRules> = {
  uk: { name: 'UK statutory interest (Late Payment of Commercial Debts (Interest) Act 1998)', rateName: 'Bank of England base rate', currency: 'GBP', margin: '8', fixedForLife: true, source: 'https://www.legislation.gov.uk/ukpga/1998/20' },
  eu: { name: 'EU Late Payment Directive 2011/7/EU', rateName: 'ECB main refinancing rate', currency: 'EUR', margin: '8', fixedForLife: false, source: 'https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=CELEX:32011L0007' },
};

export interface RateRow {
  jurisdiction: Jurisdiction;
  effectiveFrom: CalendarDate;
  /** Percent a year, decimal string ("4.75"). */
  rate: string;
}

/**
 * The built-in table: each change of the rate with the day it took effect. Written from the
 * Bank of England's "Bank Rate history" (https://www.bankofengland.co.uk/boeapps/database/Bank-Rate.asp)
 * and the ECB's key interest rates page (https://www.ecb.europa.eu/stats/policy_and_exchange_rates/key_ecb_interest_rates/html/index.en.html)
 * and checked on 7 December 2026 against public reports of each decision (docs/decisions/042); an
 * administrator can correct or add rows (Settings › Collections).
 */
export const BUILT_IN_RATES: readonly RateRow[] = [
  // Bank of England base rate
  { jurisdiction: 'uk', effectiveFrom: '2022-12-15', rate: '3.5' },
  { jurisdiction: 'uk', effectiveFrom: '2023-02-02', rate: '4' },
  { jurisdiction: 'uk', effectiveFrom: '2023-03-23', rate: '4.25' },
  { jurisdiction: 'uk', effectiveFrom: '2023-05-11', rate: '4.5' },
  { jurisdiction: 'uk', effectiveFrom: '2023-06-22', rate: '5' },
  { jurisdiction: 'uk', effectiveFrom: '2023-08-03', rate: '5.25' },
  { jurisdiction: 'uk', effectiveFrom: '2024-08-01', rate: '5' },
  { jurisdiction: 'uk', effectiveFrom: '2024-11-07', rate: '4.75' },
  { jurisdiction: 'uk', effectiveFrom: '2025-02-06', rate: '4.5' },
  { jurisdiction: 'uk', effectiveFrom: '2025-05-08', rate: '4.25' },
  { jurisdiction: 'uk', effectiveFrom: '2025-08-07', rate: '4' },
  { jurisdiction: 'uk', effectiveFrom: '2025-12-18', rate: '3.75' },
  // ECB main refinancing operations rate
  { jurisdiction: 'eu', effectiveFrom: '2022-12-21', rate: '2.5' },
  { jurisdiction: 'eu', effectiveFrom: '2023-02-08', rate: '3' },
  { jurisdiction: 'eu', effectiveFrom: '2023-03-22', rate: '3.5' },
  { jurisdiction: 'eu', effectiveFrom: '2023-05-10', rate: '3.75' },
  { jurisdiction: 'eu', effectiveFrom: '2023-06-21', rate: '4' },
  { jurisdiction: 'eu', effectiveFrom: '2023-08-02', rate: '4.25' },
  { jurisdiction: 'eu', effectiveFrom: '2023-09-20', rate: '4.5' },
  { jurisdiction: 'eu', effectiveFrom: '2024-06-12', rate: '4.25' },
  { jurisdiction: 'eu', effectiveFrom: '2024-09-18', rate: '3.65' },
  { jurisdiction: 'eu', effectiveFrom: '2024-10-23', rate: '3.4' },
  { jurisdiction: 'eu', effectiveFrom: '2024-12-18', rate: '3.15' },
  { jurisdiction: 'eu', effectiveFrom: '2025-02-05', rate: '2.9' },
  { jurisdiction: 'eu', effectiveFrom: '2025-03-12', rate: '2.65' },
  { jurisdiction: 'eu', effectiveFrom: '2025-04-23', rate: '2.4' },
  { jurisdiction: 'eu', effectiveFrom: '2025-06-11', rate: '2.15' },
];

/**
 * The last central-bank decision the built-in rows were checked against (BoE and ECB both held on
 * 5 February 2026). A reference day after it takes the last row, which a later decision may have
 * changed: the settings page says so, and an administrator adds the rate.
 */
export const RATES_CONFIRMED_THROUGH: CalendarDate = '2026-02-05';

/**
 * The day whose reference rate applies. UK: the reference date before the due date (31 December
 * of the year before for a debt due January–June, 30 June for one due July–December), fixed for
 * the debt's life. EU: the first calendar day of the half-year `day` falls in.
 */
export function referenceDate(jurisdiction: Jurisdiction, dueDate: CalendarDate, day: CalendarDate = dueDate): CalendarDate {
  const y = Number(dueDate.slice(0, 4));
  const firstHalf = Number(dueDate.slice(5, 7)) <= 6;
  if (jurisdiction === 'uk') return firstHalf ? `${y - 1}-12-31` : `${y}-06-30`;
  const dy = day.slice(0, 4);
  return Number(day.slice(5, 7)) <= 6 ? `${dy}-01-01` : `${dy}-07-01`;
}

/** The rate in force on `date`: the latest row taking effect on or before it (null: the table does not reach back that far). */
export function rateInForce(rows: readonly RateRow[], jurisdiction: Jurisdiction, date: CalendarDate): RateRow | null {
  let best: RateRow | null = null;
  for (const r of rows) if (r.jurisdiction === jurisdiction && r.effectiveFrom <= date && (!best || r.effectiveFrom > best.effectiveFrom)) best = r;
  return best;
}

export interface StatutoryRate {
  referenceDate: CalendarDate;
  referenceRate: string;
  /** Reference + margin, percent a year. */
  ratePct: string;
}

/** The statutory rate for a debt due on `dueDate`, for interest accruing on `day` (EU: the half-year of `day`). */
export function statutoryRate(rows: readonly RateRow[], jurisdiction: Jurisdiction, dueDate: CalendarDate, day: CalendarDate = dueDate): StatutoryRate | null {
  const ref = referenceDate(jurisdiction, dueDate, day);
  const row = rateInForce(rows, jurisdiction, ref);
  if (!row) return null;
  return { referenceDate: ref, referenceRate: row.rate, ratePct: addRates(row.rate, STATUTORY[jurisdiction].margin) };
}

/** Fixed compensation for a debt, minor units: UK s.5A bands; EU the directive's €40. */
export function compensation(jurisdiction: Jurisdiction, debt: Minor): Minor {
  if (jurisdiction === 'eu') return 4000;
  if (debt < 100_000) return 4000;
  if (debt < 1_000_000) return 7000;
  return 10_000;
}

export interface StatutoryClaim {
  daysLate: number;
  interest: Minor;
  compensation: Minor;
  /** The rates applied, oldest first (one for the UK; one per half-year for the EU). */
  pieces: { from: CalendarDate; to: CalendarDate; days: number; ratePct: string; referenceDate: CalendarDate; referenceRate: string; interest: Minor }[];
  /** A period with no rate in the table (null: every day had one). */
  missingRateOn: CalendarDate | null;
}

/**
 * What the law allows on a debt of `debt` due on `dueDate`, assessed on `asOf` (days late =
 * asOf − dueDate): interest for the whole period in one piece per rate (UK: one piece), each
 * rounded half to even, and the compensation. For letters and previews; posting is by month
 * (the late-fee assessment, server/domain/collections/lateFees.ts).
 */
export function statutoryClaim(rows: readonly RateRow[], jurisdiction: Jurisdiction, debt: Minor, dueDate: CalendarDate, asOf: CalendarDate): StatutoryClaim {
  const pieces: StatutoryClaim['pieces'] = [];
  let missingRateOn: CalendarDate | null = null;
  let from = addDays(dueDate, 1);
  let daysLate = 0;
  while (from <= asOf) {
    const halfEnd = Number(from.slice(5, 7)) <= 6 ? `${from.slice(0, 4)}-06-30` : `${from.slice(0, 4)}-12-31`;
    const to = jurisdiction === 'uk' || halfEnd > asOf ? asOf : halfEnd;
    const days = Math.round((Date.parse(to) - Date.parse(from)) / 86_400_000) + 1;
    daysLate += days;
    const rate = statutoryRate(rows, jurisdiction, dueDate, from);
    if (!rate) missingRateOn ??= from;
    else pieces.push({ from, to, days, ratePct: rate.ratePct, referenceDate: rate.referenceDate, referenceRate: rate.referenceRate, interest: simpleInterestHalfEven(debt, rate.ratePct, days) });
    from = addDays(to, 1);
  }
  return { daysLate, interest: pieces.reduce((s, p) => s + p.interest, 0), compensation: daysLate > 0 ? compensation(jurisdiction, debt) : 0, pieces, missingRateOn };
}

/** A rate as an administrator types it: a decimal 0–99.9999 ("4.75"); null when it is not one. */
export function cleanRate(text: string): string | null {
  const t = text.trim();
  if (!/^\d{1,2}(\.\d{1,4})?$/.test(t)) return null;
  parseRate(t);
  return t.replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');
}

/** The built-in rows with a firm's rows over them (same jurisdiction and day: the firm's wins). */
export function mergeRates(builtIn: readonly RateRow[], firm: readonly RateRow[]): (RateRow & { origin: 'built_in' | 'edited' | 'added' })[] {
  const key = (r: RateRow) => `${r.jurisdiction}|${r.effectiveFrom}`;
  const own = new Map(firm.map((r) => [key(r), r]));
  const out: (RateRow & { origin: 'built_in' | 'edited' | 'added' })[] = builtIn.map((b) => {
    const f = own.get(key(b));
    return f ? { ...f, origin: f.rate === b.rate ? 'built_in' : 'edited' } : { ...b, origin: 'built_in' };
  });
  const base = new Set(builtIn.map(key));
  for (const f of firm) if (!base.has(key(f))) out.push({ ...f, origin: 'added' });
  return out.sort((a, b) => a.jurisdiction.localeCompare(b.jurisdiction) || a.effectiveFrom.localeCompare(b.effectiveFrom));
}
