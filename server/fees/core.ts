/**
 * Pricing the service (issue #18): a client's fee plan and one month's fee with its working shown.
 * Pure: no I/O. docs/decisions/035-service-fees.md.
 *
 * A plan is one or more components, summed (a "mix" is a plan with several):
 * - fixed        a flat amount each month;
 * - tiered       a flat amount chosen by the band the month's count falls in (invoices or customers
 *                chased), e.g. up to 50 invoices 300.00, up to 200 600.00, above that 1,000.00;
 * - volume       a price per invoice (or customer) chased, every unit at the price of the band the
 *                month's count reaches (volume pricing, not graduated);
 * - share        a percentage of the cash collected through Arcus (decision 031's rule), then raised
 *                to the floor and lowered to the cap;
 * - kpi_bonus    an amount per day of DSO reduced against the frozen baseline, paid only when DSO
 *                has been below the baseline in each of the last N months (this one included), on
 *                the smallest of those N reductions — the reduction that was sustained.
 *
 * Amounts in a plan are decimal strings in the client's currency; every result is exact minor units
 * of that currency, each product rounded half-even once. The working is lines of words a person can
 * redo by hand; no key or enum reaches them.
 */
import { z } from 'zod';
import { currencyExponent, divRoundHalfEven, type Minor, parseAmount, sumMinor, toMinor } from '../../kernel/money';

export const MEASURES = ['invoices', 'customers'] as const;
export type Measure = (typeof MEASURES)[number];
const MEASURE_WORDS: Record<Measure, { one: string; many: string }> = { invoices: { one: 'invoice', many: 'invoices' }, customers: { one: 'customer', many: 'customers' } };

const Amount = z
  .string({ message: 'Enter an amount such as 250.00.' })
  .trim()
  .regex(/^\d{1,12}(\.\d{1,3})?$/, { message: 'Enter an amount such as 250.00.' });
const Percent = z
  .string({ message: 'Enter a percentage such as 7.5.' })
  .trim()
  .regex(/^\d{1,3}(\.\d{1,4})?$/, { message: 'Enter a percentage such as 7.5.' })
  .refine((s) => Number(s) > 0 && Number(s) <= 100, { message: 'Enter a percentage more than 0 and at most 100.' });
const Measure = z.enum(MEASURES, { message: 'Choose invoices or customers.' });
const Band = z.object({
  upTo: z.number({ message: 'Enter a whole number.' }).int({ message: 'Enter a whole number.' }).min(0, { message: 'Enter a number of 0 or more.' }).nullable(),
  amount: Amount,
});
const Bands = z
  .array(Band)
  .min(1, { message: 'Add at least one band.' })
  .max(10, { message: 'Use at most 10 bands.' })
  .superRefine((bands, ctx) => {
    for (let i = 0; i < bands.length; i++) {
      const b = bands[i]!;
      const last = i === bands.length - 1;
      if (last && b.upTo !== null) ctx.addIssue({ code: 'custom', message: 'Leave the last band open: it covers every count above the one before.', path: [i, 'upTo'] });
      if (!last && b.upTo === null) ctx.addIssue({ code: 'custom', message: 'Only the last band may be open.', path: [i, 'upTo'] });
      const prev = bands[i - 1]?.upTo;
      if (b.upTo !== null && prev != null && b.upTo <= prev) ctx.addIssue({ code: 'custom', message: 'Each band must end above the one before.', path: [i, 'upTo'] });
    }
  });

export const FeeComponentSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('fixed'), amount: Amount }).strict(),
  z.object({ type: z.literal('tiered'), measure: Measure, bands: Bands }).strict(),
  z.object({ type: z.literal('volume'), measure: Measure, bands: Bands }).strict(),
  z.object({ type: z.literal('share'), percent: Percent, floor: Amount.nullable(), cap: Amount.nullable() }).strict(),
  z
    .object({
      type: z.literal('kpi_bonus'),
      perDay: Amount,
      sustainMonths: z.number({ message: 'Enter a number of months.' }).int({ message: 'Enter a whole number of months.' }).min(1, { message: 'Enter at least 1 month.' }).max(12, { message: 'Enter at most 12 months.' }),
    })
    .strict(),
]);
export type FeeComponent = z.infer<typeof FeeComponentSchema>;

export const FeePlanSchema = z
  .object({
    components: z.array(FeeComponentSchema, { message: 'Add at least one part to the plan.' }).min(1, { message: 'Add at least one part to the plan.' }).max(6, { message: 'Use at most 6 parts.' }),
  })
  .strict()
  .superRefine((plan, ctx) => {
    plan.components.forEach((c, i) => {
      if (c.type === 'share' && c.floor !== null && c.cap !== null && Number(c.floor) > Number(c.cap)) ctx.addIssue({ code: 'custom', message: 'The floor must not be above the cap.', path: ['components', i, 'floor'] });
    });
  });
export type FeePlan = z.infer<typeof FeePlanSchema>;

/** What a month's fee is computed from (server/fees/service.ts loads it with server/reports). */
export interface FeeFacts {
  currency: string;
  /** Distinct invoices an Arcus action named in the month. */
  invoicesChased: number;
  /** Distinct customers an Arcus action was about in the month. */
  customersChased: number;
  /** Cash collected through Arcus in the month (decision 031), minor units of `currency`. */
  cashThroughArcus: Minor;
  /** Days of DSO reduced against the baseline (2 decimals), this month first, then the months before; null: no baseline or no DSO that month. */
  dsoReductions: readonly (number | null)[];
}

export interface WorkingLine {
  /** The component in words ("Share of cash collected through Arcus"). */
  label: string;
  /** How it was worked out, in words with the amounts. */
  detail: string;
  amount: Minor;
}

export interface FeeResult {
  total: Minor;
  lines: WorkingLine[];
}

/** Minor units as a plain amount with the currency code ("1,234.50 GBP"): the working's own formatting, no locale. */
export function moneyText(units: Minor, currency: string): string {
  const places = currencyExponent(currency);
  const neg = units < 0;
  const digits = String(Math.abs(units)).padStart(places + 1, '0');
  const whole = digits.slice(0, digits.length - places).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const frac = places ? `.${digits.slice(digits.length - places)}` : '';
  return `${neg ? '−' : ''}${whole}${frac} ${currency}`;
}

const count = (n: number, m: Measure) => `${n} ${n === 1 ? MEASURE_WORDS[m].one : MEASURE_WORDS[m].many}`;
const chased = (f: FeeFacts, m: Measure) => (m === 'invoices' ? f.invoicesChased : f.customersChased);

/** The band a count falls in: the first whose upTo is at least the count (the last is open). */
export function bandFor<B extends { upTo: number | null }>(bands: readonly B[], n: number): { band: B; index: number } {
  const index = bands.findIndex((b) => b.upTo === null || n <= b.upTo);
  const i = index < 0 ? bands.length - 1 : index;
  return { band: bands[i]!, index: i };
}

function bandWords(bands: readonly { upTo: number | null }[], index: number, m: Measure): string {
  const from = index === 0 ? 0 : bands[index - 1]!.upTo! + 1;
  const to = bands[index]!.upTo;
  if (to === null) return `${from === 0 ? 'any number of' : `${from} or more`} ${MEASURE_WORDS[m].many}`;
  return `${from} to ${to} ${MEASURE_WORDS[m].many}`;
}

/** A decimal percentage as an exact scaled integer: "7.5" → 75000 (4 places). */
const percentScaled = (p: string): bigint => BigInt(toMinor(p, 4));

/** round_half_even(cash × percent ÷ 100). */
export function shareOf(cash: Minor, percent: string): Minor {
  return Number(divRoundHalfEven(BigInt(cash) * percentScaled(percent), 100n * 10_000n));
}

/** round_half_even(perDay × days), days in hundredths. */
export function perDayTimes(perDay: Minor, days: number): Minor {
  return Number(divRoundHalfEven(BigInt(perDay) * BigInt(Math.round(days * 100)), 100n));
}

const daysText = (d: number) => `${d.toFixed(2)} day${d === 1 ? '' : 's'}`;

function componentLine(c: FeeComponent, f: FeeFacts): WorkingLine {
  const cur = f.currency;
  const amt = (s: string) => parseAmount(s, cur, true);
  const money = (u: Minor) => moneyText(u, cur);
  switch (c.type) {
    case 'fixed':
      return { label: 'Monthly fee', detail: `A fixed ${money(amt(c.amount))} a month.`, amount: amt(c.amount) };
    case 'tiered': {
      const n = chased(f, c.measure);
      const { band, index } = bandFor(c.bands, n);
      return {
        label: `Fee by ${MEASURE_WORDS[c.measure].many} chased`,
        detail: `${count(n, c.measure)} chased this month, in the band for ${bandWords(c.bands, index, c.measure)}: ${money(amt(band.amount))}.`,
        amount: amt(band.amount),
      };
    }
    case 'volume': {
      const n = chased(f, c.measure);
      const { band, index } = bandFor(c.bands, n);
      const total = amt(band.amount) * n;
      return {
        label: `Fee per ${MEASURE_WORDS[c.measure].one} chased`,
        detail: `${count(n, c.measure)} chased this month, priced at the rate for ${bandWords(c.bands, index, c.measure)}: ${n} × ${money(amt(band.amount))} = ${money(total)}.`,
        amount: total,
      };
    }
    case 'share': {
      const cash = Math.max(0, f.cashThroughArcus);
      const raw = shareOf(cash, c.percent);
      const floor = c.floor === null ? null : amt(c.floor);
      const cap = c.cap === null ? null : amt(c.cap);
      let fee = raw;
      let bound = '';
      if (floor !== null && fee < floor) {
        fee = floor;
        bound = ` That is below the floor, so the floor of ${money(floor)} applies.`;
      } else if (cap !== null && fee > cap) {
        fee = cap;
        bound = ` That is above the cap, so the cap of ${money(cap)} applies.`;
      }
      return {
        label: 'Share of cash collected through Arcus',
        detail: `${c.percent}% of ${money(cash)} collected through Arcus this month = ${money(raw)}.${bound}`,
        amount: fee,
      };
    }
    case 'kpi_bonus': {
      const perDay = amt(c.perDay);
      const window = f.dsoReductions.slice(0, c.sustainMonths);
      const months = `${c.sustainMonths} month${c.sustainMonths === 1 ? '' : 's'}`;
      const label = 'Bonus for days of DSO reduced';
      const now = f.dsoReductions[0] ?? null;
      if (now === null) return { label, detail: 'No bonus: there is no baseline DSO, or no DSO this month, to compare.', amount: 0 };
      const held = window.length === c.sustainMonths && window.every((d) => d !== null && d > 0);
      if (!held) {
        const run = f.dsoReductions.findIndex((d) => d === null || d <= 0);
        const so = run < 0 ? f.dsoReductions.length : run;
        return {
          label,
          detail: now > 0 ? `No bonus yet: DSO is ${daysText(now)} below the baseline, sustained for ${so} of the ${months} the plan asks for.` : `No bonus: DSO is not below the baseline this month (${daysText(-now)} above it or level).`,
          amount: 0,
        };
      }
      const days = Math.min(...(window as number[]));
      const bonus = perDayTimes(perDay, days);
      return {
        label,
        detail: `DSO has been below the baseline for ${months} running; the smallest reduction in that time is ${daysText(days)}: ${days.toFixed(2)} × ${money(perDay)} = ${money(bonus)}.`,
        amount: bonus,
      };
    }
  }
}

/** A month's fee: one line per component, summed. */
export function computeFee(plan: FeePlan, facts: FeeFacts): FeeResult {
  const lines = plan.components.map((c) => componentLine(c, facts));
  return { total: sumMinor(lines.map((l) => l.amount)), lines };
}

/** The most months of DSO history a plan needs (its longest sustain period; 1 when it has no bonus). */
export function monthsOfHistory(plan: FeePlan): number {
  return Math.max(1, ...plan.components.map((c) => (c.type === 'kpi_bonus' ? c.sustainMonths : 1)));
}

/** One line of the plan in words, for the screen and the CLI. */
export function describeComponent(c: FeeComponent): string {
  const bands = (bs: readonly { upTo: number | null; amount: string }[], m: Measure, each: boolean) => bs.map((b, i) => `${bandWords(bs, i, m)}: ${b.amount}${each ? ' each' : ''}`).join('; ');
  switch (c.type) {
    case 'fixed':
      return `A fixed ${c.amount} a month`;
    case 'tiered':
      return `A monthly fee by ${MEASURE_WORDS[c.measure].many} chased — ${bands(c.bands, c.measure, false)}`;
    case 'volume':
      return `A price per ${MEASURE_WORDS[c.measure].one} chased — ${bands(c.bands, c.measure, true)}`;
    case 'share':
      return `${c.percent}% of cash collected through Arcus${c.floor ? `, at least ${c.floor}` : ''}${c.cap ? `, at most ${c.cap}` : ''}`;
    case 'kpi_bonus':
      return `${c.perDay} per day of DSO reduced against the baseline, once sustained for ${c.sustainMonths} month${c.sustainMonths === 1 ? '' : 's'}`;
  }
}
