/**
 * Sales commissions, the pure core (no I/O; docs/decisions/036-sales-commissions.md).
 *
 * One salesperson, one month:
 * - the cash collected on their invoices that month (payment allocations, by payment date) earns
 *   commission on marginal brackets (`baseRate` from zero, each tier's rate above its `from`),
 *   times the accelerator's multiplier on the part above its target, computed exactly on the
 *   month's total and rounded once (half-even);
 * - the month's commission never exceeds the cap;
 * - it is split over the month's collections by largest remainder, so the lines sum exactly to it;
 * - a share of a line paid more than `lateDays` after its due date is held back, released
 *   `releaseAfterMonths` months later, or forfeited if the invoice is reversed before then;
 * - a reversal (credit note or refund allocated to an invoice already commissioned) claws back
 *   exactly the commission paid on the reversed amount: paid × reversed / collected, and the whole
 *   remainder when the reversal takes the rest, so a full reversal gives back exactly what was paid.
 *
 * Amounts are integer minor units (kernel/money); rates are decimal strings.
 */
import { divRoundHalfEven, type Minor } from '../../kernel/money';

export interface Plan {
  /** The rate on collected cash from zero, e.g. "0.05". */
  baseRate: string;
  /** Marginal brackets on the month's collected: from `from` up, `rate` replaces the one below. */
  tiers: { from: Minor; rate: string }[];
  /** Above `above` collected in the month, the bracket rate is multiplied by `multiplier`. */
  accelerator: { above: Minor; multiplier: string } | null;
  /** The most a month's commission can be (before releases and clawbacks). */
  cap: Minor | null;
  holdback: { lateDays: number; share: string; releaseAfterMonths: number } | null;
}

export interface Collection {
  /** Stable key of the source (a payment allocation): a source is commissioned once. */
  key: string;
  invoiceExternalId: string;
  invoiceNumber: string;
  date: string;
  dueDate: string | null;
  amount: Minor;
}

export interface Reversal {
  key: string;
  invoiceExternalId: string;
  invoiceNumber: string;
  date: string;
  amount: Minor;
}

/** What earlier statements commissioned on an invoice and have not reversed yet. */
export interface InvoiceHistory {
  collected: Minor;
  paid: Minor;
}

/** Commission held back by an earlier statement and neither released nor forfeited yet. */
export interface HeldItem {
  key: string;
  invoiceExternalId: string;
  invoiceNumber: string;
  amount: Minor;
  releaseMonth: string;
}

export type LineKind = 'commission' | 'clawback' | 'release' | 'forfeit';

export interface StatementLine {
  kind: LineKind;
  key: string;
  invoiceExternalId: string;
  invoiceNumber: string;
  date: string;
  /** Cash collected (commission), reversed (clawback, negative), or 0. */
  base: Minor;
  /** Commission earned on the line (negative for a clawback). */
  commission: Minor;
  /** Change in the held balance: + held back, − released or forfeited. */
  held: Minor;
  /** What the line adds to the statement's total. */
  payable: Minor;
  /** For a line with a holdback: the month it is due to be released. */
  releaseMonth: string | null;
}

export interface StatementTotals {
  collected: Minor;
  gross: Minor;
  earned: Minor;
  held: Minor;
  released: Minor;
  forfeited: Minor;
  clawedBack: Minor;
  total: Minor;
}

export interface Statement {
  lines: StatementLine[];
  totals: StatementTotals;
}

const SCALE = 12;
const ONE = 10n ** BigInt(SCALE);
const RATE = /^(\d+)(?:\.(\d{1,6}))?$/;

/** A decimal rate (at most 6 places, not negative) as an integer at 10^-6. */
function micro(rate: string): bigint {
  const m = RATE.exec(rate.trim());
  if (!m) throw new RangeError(`not a rate: ${JSON.stringify(rate)}`);
  return BigInt(m[1]! + (m[2] ?? '').padEnd(6, '0'));
}

export function isRate(rate: string): boolean {
  return RATE.test(rate.trim());
}

/** The month's commission before the cap, exact: Σ segment × rate × multiplier, rounded half-even once. */
export function grossCommission(plan: Plan, collected: Minor): Minor {
  if (collected <= 0) return 0;
  const tiers = [{ from: 0, rate: plan.baseRate }, ...plan.tiers.filter((t) => t.from > 0)].sort((a, b) => a.from - b.from);
  const points = new Set<number>([0, collected]);
  for (const t of tiers) if (t.from < collected) points.add(t.from);
  if (plan.accelerator && plan.accelerator.above > 0 && plan.accelerator.above < collected) points.add(plan.accelerator.above);
  const sorted = [...points].sort((a, b) => a - b);
  let sum = 0n;
  for (let i = 0; i + 1 < sorted.length; i++) {
    const a = sorted[i]!;
    const b = sorted[i + 1]!;
    let rate = 0n;
    for (const t of tiers) if (t.from <= a) rate = micro(t.rate);
    const mult = plan.accelerator && a >= plan.accelerator.above ? micro(plan.accelerator.multiplier) : 1_000_000n;
    sum += BigInt(b - a) * rate * mult;
  }
  return Number(divRoundHalfEven(sum, ONE));
}

/**
 * Largest remainder: `total` split in proportion to `weights` (positive), the parts summing
 * exactly to `total`; leftover units go to the largest remainders, ties to the earlier weight.
 */
export function allocate(total: Minor, weights: readonly Minor[]): Minor[] {
  const sumW = weights.reduce((s, w) => s + BigInt(w), 0n);
  if (weights.length === 0) return [];
  if (sumW === 0n) return weights.map((_, i) => (i === 0 ? total : 0));
  const sign = total < 0 ? -1n : 1n;
  const t = BigInt(total) * sign;
  const parts = weights.map((w) => (t * BigInt(w)) / sumW);
  const rems = weights.map((w, i) => ({ i, r: (t * BigInt(w)) % sumW }));
  let left = t - parts.reduce((s, p) => s + p, 0n);
  rems.sort((x, y) => (x.r === y.r ? x.i - y.i : x.r > y.r ? -1 : 1));
  for (const { i } of rems) {
    if (left <= 0n) break;
    parts[i] = parts[i]! + 1n;
    left -= 1n;
  }
  return parts.map((p) => Number(p * sign));
}

/** Whole days from `a` to `b` ('YYYY-MM-DD'). */
export function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86_400_000);
}

/** 'YYYY-MM' plus n months. */
export function addMonths(month: string, n: number): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const idx = y * 12 + (m - 1) + n;
  return `${Math.floor(idx / 12)}-${String((idx % 12) + 1).padStart(2, '0')}`;
}

export function monthRange(month: string): { from: string; to: string } {
  return { from: `${month}-01`, to: `${addMonths(month, 1)}-01` };
}

function mulShare(units: Minor, share: string): Minor {
  return Number(divRoundHalfEven(BigInt(units) * micro(share), 1_000_000n));
}

export interface StatementInput {
  plan: Plan;
  month: string;
  collections: readonly Collection[];
  reversals: readonly Reversal[];
  /** Per invoice, what earlier statements commissioned and have not reversed. */
  history: ReadonlyMap<string, InvoiceHistory>;
  /** Held amounts still pending from earlier statements. */
  held: readonly HeldItem[];
}

export function computeStatement(input: StatementInput): Statement {
  const { plan, month } = input;
  const lines: StatementLine[] = [];
  const collections = [...input.collections].filter((c) => c.amount > 0).sort((a, b) => a.date.localeCompare(b.date) || a.key.localeCompare(b.key));
  const collected = collections.reduce((s, c) => s + c.amount, 0);
  const gross = grossCommission(plan, collected);
  const earned = plan.cap !== null ? Math.min(gross, Math.max(0, plan.cap)) : gross;
  const parts = allocate(earned, collections.map((c) => c.amount));
  const history = new Map<string, InvoiceHistory>();
  for (const [k, v] of input.history) history.set(k, { ...v });
  const pending: HeldItem[] = input.held.map((h) => ({ ...h }));

  collections.forEach((c, i) => {
    const commission = parts[i]!;
    const late = plan.holdback && c.dueDate !== null && daysBetween(c.dueDate, c.date) > plan.holdback.lateDays;
    const held = late && plan.holdback ? mulShare(commission, plan.holdback.share) : 0;
    const releaseMonth = held > 0 && plan.holdback ? addMonths(month, plan.holdback.releaseAfterMonths) : null;
    lines.push({ kind: 'commission', key: c.key, invoiceExternalId: c.invoiceExternalId, invoiceNumber: c.invoiceNumber, date: c.date, base: c.amount, commission, held, payable: commission - held, releaseMonth });
    const h = history.get(c.invoiceExternalId) ?? { collected: 0, paid: 0 };
    history.set(c.invoiceExternalId, { collected: h.collected + c.amount, paid: h.paid + commission - held });
    if (held > 0) pending.push({ key: c.key, invoiceExternalId: c.invoiceExternalId, invoiceNumber: c.invoiceNumber, amount: held, releaseMonth: releaseMonth! });
  });

  const z = (n: Minor): Minor => (n === 0 ? 0 : n);
  const reversed = new Set<string>();
  for (const r of [...input.reversals].sort((a, b) => a.date.localeCompare(b.date) || a.key.localeCompare(b.key))) {
    const h = history.get(r.invoiceExternalId);
    if (!h || h.collected <= 0 || r.amount <= 0) continue;
    const amount = Math.min(r.amount, h.collected);
    const claw = clawback(h, amount);
    history.set(r.invoiceExternalId, { collected: h.collected - amount, paid: h.paid - claw });
    reversed.add(r.invoiceExternalId);
    lines.push({ kind: 'clawback', key: r.key, invoiceExternalId: r.invoiceExternalId, invoiceNumber: r.invoiceNumber, date: r.date, base: -amount, commission: z(-claw), held: 0, payable: z(-claw), releaseMonth: null });
  }

  for (const h of pending) {
    if (reversed.has(h.invoiceExternalId)) {
      lines.push({ kind: 'forfeit', key: `forfeit:${h.key}`, invoiceExternalId: h.invoiceExternalId, invoiceNumber: h.invoiceNumber, date: `${month}-01`, base: 0, commission: 0, held: -h.amount, payable: 0, releaseMonth: null });
    } else if (h.releaseMonth <= month) {
      lines.push({ kind: 'release', key: `release:${h.key}`, invoiceExternalId: h.invoiceExternalId, invoiceNumber: h.invoiceNumber, date: `${month}-01`, base: 0, commission: 0, held: -h.amount, payable: h.amount, releaseMonth: null });
    }
  }

  const sum = (kind: LineKind, f: (l: StatementLine) => Minor) => lines.filter((l) => l.kind === kind).reduce((s, l) => s + f(l), 0);
  const totals: StatementTotals = {
    collected,
    gross,
    earned,
    held: sum('commission', (l) => l.held),
    released: sum('release', (l) => l.payable),
    forfeited: z(-sum('forfeit', (l) => l.held)),
    clawedBack: z(-sum('clawback', (l) => l.payable)),
    total: lines.reduce((s, l) => s + l.payable, 0),
  };
  return { lines, totals };
}

/**
 * The commission given back when `amount` of an invoice's remaining commissioned cash is reversed:
 * in proportion, rounded half-even; all that remains paid when the reversal takes all that remains.
 */
export function clawback(h: InvoiceHistory, amount: Minor): Minor {
  if (amount >= h.collected) return h.paid;
  return Number(divRoundHalfEven(BigInt(h.paid) * BigInt(amount), BigInt(h.collected)));
}
