import { DateReader } from './calendar';
import { type MetricInvoice, MetricsError } from './types';

/** `settled[i]` of an invoice that is not settled for good. */
export const NOT_SETTLED = -0x8000_0000;

/**
 * One computation's invoices in columns (docs/decisions/022-metrics-engine.md): day numbers in
 * Int32Arrays, amounts as integer minor units in Float64Arrays (each a safe integer, checked on
 * the way in), each invoice's settlements in date order in one shared pair of columns, and the
 * day each invoice was settled for good. Built once by `metricLedger`; every metric pass reads only
 * these arrays, so callers that compute several periods or series over the same invoices
 * (dashboard, customer page) can convert once and pass the ledger instead of the list.
 */
export class MetricLedger {
  constructor(
    /** Number of invoices. */
    readonly size: number,
    /** The one currency of the invoices, or null when there are none. */
    readonly currency: string | null,
    readonly issue: Int32Array,
    /** Due day; the issue day when the invoice has no due date. */
    readonly due: Int32Array,
    readonly total: Float64Array,
    /** The day the balance reached zero and stayed there, never before issue; NOT_SETTLED if never. */
    readonly settled: Int32Array,
    /** Invoice i's settlements are [settlementStart[i], settlementStart[i + 1]) of the two columns below. */
    readonly settlementStart: Int32Array,
    readonly settlementDay: Int32Array,
    readonly settlementAmount: Float64Array,
  ) {}
}

function grownInt(a: Int32Array<ArrayBuffer>, size: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(size);
  b.set(a);
  return b;
}

function grownFloat(a: Float64Array<ArrayBuffer>, size: number): Float64Array<ArrayBuffer> {
  const b = new Float64Array(size);
  b.set(a);
  return b;
}

/**
 * The invoices as a MetricLedger. Throws MetricsError on mixed currencies, a negative or
 * fractional total or a fractional settlement amount; DateError on a malformed date.
 */
export function metricLedger(invoices: Iterable<MetricInvoice>): MetricLedger {
  const list = Array.isArray(invoices) ? (invoices as readonly MetricInvoice[]) : [...invoices];
  return new LedgerBuilder(list.length).build(list, 0, list.length);
}

/**
 * The invoices as consecutive MetricLedgers of up to `blockSize` invoices each, all written
 * into the same buffers (each block is valid until the next is asked for): a pass over a list
 * converts it a block at a time, in memory that stays in the processor's caches, instead of
 * allocating columns for all of it. Validates like metricLedger, across blocks.
 */
export function* ledgerBlocks(invoices: Iterable<MetricInvoice>, blockSize = 4096): Generator<MetricLedger> {
  const list = Array.isArray(invoices) ? (invoices as readonly MetricInvoice[]) : [...invoices];
  const builder = new LedgerBuilder(Math.min(blockSize, list.length));
  for (let from = 0; from < list.length; from += blockSize) yield builder.build(list, from, Math.min(list.length, from + blockSize));
}

/** Column buffers for up to `capacity` invoices (settlement columns grow as needed), and the currency seen so far. */
class LedgerBuilder {
  private readonly dates: DateReader;
  private readonly issue: Int32Array;
  private readonly due: Int32Array;
  private readonly total: Float64Array;
  private readonly settled: Int32Array;
  private readonly start: Int32Array;
  private sDay: Int32Array<ArrayBuffer>;
  private sAmount: Float64Array<ArrayBuffer>;
  private currency: string | null = null;

  constructor(capacity: number) {
    this.dates = new DateReader(3 * capacity);
    this.issue = new Int32Array(capacity);
    this.due = new Int32Array(capacity);
    this.total = new Float64Array(capacity);
    this.settled = new Int32Array(capacity);
    this.start = new Int32Array(capacity + 1);
    this.sDay = new Int32Array(Math.max(16, capacity));
    this.sAmount = new Float64Array(Math.max(16, capacity));
  }

  /** Columns for list[from, to) (at most `capacity` invoices), in this builder's buffers. */
  build(list: readonly MetricInvoice[], from: number, to: number): MetricLedger {
    const { dates, issue, due, total, settled, start } = this;
    let { sDay, sAmount, currency } = this;
    let m = 0;
    for (let i = from; i < to; i++) {
      const inv = list[i]!;
      const n = i - from;
      if (currency === null) currency = inv.currency;
      else if (inv.currency !== currency) {
        throw new MetricsError(`invoices are in more than one currency (${currency}, ${inv.currency}); convert them first (convertInvoices)`);
      }
      const amount = inv.total;
      if (!Number.isSafeInteger(amount) || amount < 0) throw new MetricsError(`invoice ${inv.id}: total must be a non-negative whole number of minor units`);
      const issueDay = dates.day(inv.issueDate);
      issue[n] = issueDay;
      due[n] = inv.dueDate === null ? issueDay : dates.day(inv.dueDate);
      total[n] = amount;

      // Settlements as parallel columns in date order.
      const settlements = inv.settlements;
      const k = settlements.length;
      if (m + k > sDay.length) {
        const size = Math.max(2 * sDay.length, m + k);
        sDay = grownInt(sDay, size);
        sAmount = grownFloat(sAmount, size);
      }
      start[n] = m;
      let sorted = true;
      for (let j = 0; j < k; j++) {
        const s = settlements[j]!;
        if (!Number.isSafeInteger(s.amount)) throw new MetricsError(`invoice ${inv.id}: settlement amounts must be whole minor units`);
        const d = dates.day(s.date);
        if (j > 0 && d < sDay[m + j - 1]!) sorted = false;
        sDay[m + j] = d;
        sAmount[m + j] = s.amount;
      }
      if (!sorted) sortByDay(sDay, sAmount, m, m + k);

      // Settled for good: the day the balance reached zero and stayed there, never before issue.
      let settledDay = NOT_SETTLED;
      if (amount > 0) {
        let cum = 0;
        for (let j = m; j < m + k; j++) {
          cum += sAmount[j]!;
          if (j + 1 < m + k && sDay[j + 1] === sDay[j]) continue;
          if (amount - cum > 0) settledDay = NOT_SETTLED;
          else if (settledDay === NOT_SETTLED) settledDay = Math.max(sDay[j]!, issueDay);
        }
      }
      settled[n] = settledDay;
      m += k;
    }
    start[to - from] = m;
    this.sDay = sDay;
    this.sAmount = sAmount;
    this.currency = currency;
    return new MetricLedger(to - from, currency, issue, due, total, settled, start, sDay, sAmount);
  }
}

/** Sort pairs [from, to) by day, keeping the given order among equal days. */
function sortByDay(days: Int32Array, amounts: Float64Array, from: number, to: number): void {
  if (to - from <= 32) {
    for (let i = from + 1; i < to; i++) {
      const d = days[i]!;
      const a = amounts[i]!;
      let j = i - 1;
      while (j >= from && days[j]! > d) {
        days[j + 1] = days[j]!;
        amounts[j + 1] = amounts[j]!;
        j--;
      }
      days[j + 1] = d;
      amounts[j + 1] = a;
    }
    return;
  }
  const order = Array.from({ length: to - from }, (_, j) => from + j).sort((a, b) => days[a]! - days[b]! || a - b);
  const d = order.map((j) => days[j]!);
  const a = order.map((j) => amounts[j]!);
  days.set(d, from);
  amounts.set(a, from);
}
