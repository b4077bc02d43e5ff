import { addDays, type CalendarDate, diffDays } from '../../../kernel/dates';
import { mulberry32 } from '../random';
import type { ScoringInvoice } from './invoice';

/** Mulberry32: a small seeded PRNG (deterministic across runs and platforms). */
export const seededRandom = mulberry32;

/** Standard normal by Box–Muller from a uniform source. */
export function normal(rand: () => number): number {
  const u = Math.max(rand(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

export interface SyntheticOptions {
  seed?: number;
  /** Invoices per customer on average (default 40). */
  perCustomer?: number;
  start?: CalendarDate;
  /** Days the issue dates span (default 1095). */
  spanDays?: number;
  /** Invoices settling after this date are left open (default: start + span). */
  asOf?: CalendarDate;
}

/**
 * n synthetic invoices (for benchmarks and property tests): customers with their own
 * habits — a typical days past due, a spread, a drift per quarter, a dispute rate and a
 * paper/electronic preference — on 14/30/45-day terms. Deterministic for a given seed.
 */
export function syntheticInvoices(n: number, options: SyntheticOptions = {}): ScoringInvoice[] {
  const rand = seededRandom(options.seed ?? 1);
  const start = options.start ?? '2020-01-01';
  const span = options.spanDays ?? 1095;
  const asOf = options.asOf ?? addDays(start, span);
  const customers = Math.max(1, Math.round(n / (options.perCustomer ?? 40)));
  const habit = Array.from({ length: customers }, () => ({
    offset: -8 + 14 * normal(rand) * (rand() < 0.3 ? 1.5 : 0.6),
    spread: 2 + 6 * rand(),
    drift: rand() < 0.15 ? 1 + 4 * rand() : 0,
    disputes: 0.02 + 0.2 * rand() * rand(),
    paperless: rand() < 0.5,
    size: Math.exp(5 + 2 * rand()),
    terms: [14, 30, 30, 45][Math.floor(rand() * 4)]!,
  }));
  const out: ScoringInvoice[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const c = Math.floor(rand() * customers);
    const h = habit[c]!;
    const age = Math.floor(rand() * span);
    const issueDate = addDays(start, age);
    const dueDate = addDays(issueDate, h.terms);
    const disputed = rand() < h.disputes;
    const pastDue = h.offset + (h.drift * age) / 90 + h.spread * normal(rand) + (disputed ? 15 : 0) + (h.paperless ? -2 : 2);
    const days = Math.max(0, Math.round(h.terms + pastDue));
    const settled = addDays(issueDate, days);
    out[i] = {
      id: `S${i}`,
      customerId: `C${c}`,
      issueDate,
      dueDate,
      amount: Math.max(100, Math.round(h.size * Math.exp(0.5 * normal(rand)) * 100)),
      settledDate: diffDays(settled, asOf) > 0 ? settled : null,
      disputed,
      paperless: h.paperless,
      countryCode: `G${c % 5}`,
    };
  }
  return out;
}
