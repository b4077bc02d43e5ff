/**
 * Exact pro-rata splitting of an invoice across segments (tracking options), for segment
 * metrics. Pure.
 *
 * An amount is split by non-negative integer weights with the largest-remainder method
 * (ties to the earlier part): the parts are whole minor units and sum exactly to the amount;
 * a negative amount is split as the negation of its absolute value.
 *
 * An invoice is split by splitting its BALANCE after each settlement day: part i's total is
 * the split of the total, and its balance after each day is the split of the invoice's balance
 * then; its settlements are the differences. So the parts' totals and settlements sum to the
 * invoice's exactly, a zero or negative balance splits into parts that are all zero or
 * negative (every part of a settled invoice is settled by the same day), and a positive
 * balance leaves at least one part outstanding.
 */
import type { MetricInvoice } from '../domain/metrics';
import type { Minor } from '../../kernel/money';

export function splitByWeights(amount: Minor, weights: readonly bigint[]): Minor[] {
  if (amount < 0) return splitByWeights(-amount, weights).map((x) => (x === 0 ? 0 : -x));
  const W = weights.reduce((s, w) => s + w, 0n);
  if (W <= 0n) throw new Error('weights must have a positive sum');
  const a = BigInt(amount);
  const parts = weights.map((w) => (a * w) / W);
  const remainders = weights.map((w, i) => ({ i, r: (a * w) % W }));
  let left = a - parts.reduce((s, p) => s + p, 0n);
  remainders.sort((x, y) => (y.r > x.r ? 1 : y.r < x.r ? -1 : x.i - y.i));
  for (const { i } of remainders) {
    if (left === 0n) break;
    parts[i]! += 1n;
    left -= 1n;
  }
  return parts.map(Number);
}

/** The invoice cut into one part per weight (same dates and currency; ids suffixed `#i`). */
export function splitInvoice(inv: MetricInvoice, weights: readonly bigint[]): MetricInvoice[] {
  if (weights.length === 1) return [inv];
  const totals = splitByWeights(inv.total, weights);
  // Settlements grouped by day, in date order.
  const days = new Map<string, Minor>();
  for (const s of [...inv.settlements].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0))) days.set(s.date, (days.get(s.date) ?? 0) + s.amount);
  const parts: MetricInvoice[] = totals.map((total, i) => ({ ...inv, id: `${inv.id}#${i}`, total, settlements: [] }));
  let balance = inv.total;
  let before = totals;
  for (const [date, amount] of days) {
    balance -= amount;
    const after = splitByWeights(balance, weights);
    parts.forEach((p, i) => {
      const paid = before[i]! - after[i]!;
      if (paid !== 0) p.settlements.push({ date, amount: paid });
    });
    before = after;
  }
  return parts;
}
