/**
 * P(never paid) of every open invoice in a history as of a day (the fixed rule of
 * server/domain/scoring/never-paid.ts, decision 039), and live promises' dates for timing. Pure.
 */
import { type CalendarDate, diffDays } from '../../kernel/dates';
import { excessOfCustomer, neverPaidOfCustomer, STALE_EXCESS_DAYS, STALE_SPREAD_DAYS } from '../domain/scoring/never-paid';
import { customerKey, type HistoryInvoice } from './history';
import { mixture, type PayDistribution } from './pay-distribution';

/** By invoice id: the chance each invoice open at the end of `day` is never paid. `history`: as known at `day`. */
export function neverPaidMap(history: readonly HistoryInvoice[], day: CalendarDate): Map<string, number> {
  return perCustomer(history, day, neverPaidOfCustomer);
}

/** By invoice id: the open invoices more than STALE_EXCESS_DAYS past their customer's usual lateness at the end of `day`. */
export function staleSet(history: readonly HistoryInvoice[], day: CalendarDate): Set<string> {
  const excess = perCustomer(history, day, excessOfCustomer);
  return new Set([...excess].filter(([, d]) => d > STALE_EXCESS_DAYS).map(([id]) => id));
}

/** A stale invoice's timing: uniform over the next STALE_SPREAD_DAYS from `day` (days from issue). */
export function staleTiming(issueDate: CalendarDate, day: CalendarDate): PayDistribution {
  const age = diffDays(issueDate, day);
  return { x: [age + 0.5, age + 0.5 + STALE_SPREAD_DAYS], p: [0, 1] };
}

function perCustomer<T>(history: readonly HistoryInvoice[], day: CalendarDate, each: (list: HistoryInvoice[], day: CalendarDate) => Map<string, T>): Map<string, T> {
  const byCustomer = new Map<string, HistoryInvoice[]>();
  for (const inv of history) {
    if (inv.issueDate > day) continue;
    const key = customerKey(inv.organisationId, inv.contactExternalId);
    const list = byCustomer.get(key);
    if (list) list.push(inv);
    else byCustomer.set(key, [inv]);
  }
  const out = new Map<string, T>();
  for (const list of byCustomer.values()) for (const [id, v] of each(list, day)) out.set(id, v);
  return out;
}

/**
 * A live promise to pay by a date moves that share of the invoice's (paid) mass to the promised
 * date plus PROMISE_SLACK_DAYS; the rest keeps the model's timing. A fixed weight: promises are
 * often late or partial, but they are the best news of timing there is.
 */
export const PROMISE_WEIGHT = 0.6;
export const PROMISE_SLACK_DAYS = 3;

/** The invoice's distribution (days from issue) with a live promise mixed in. */
export function withPromise(dist: PayDistribution, issueDate: CalendarDate, promisedDate: CalendarDate): PayDistribution {
  const at = Math.max(0, diffDays(issueDate, promisedDate) + PROMISE_SLACK_DAYS);
  const point: PayDistribution = { x: [at - 0.5, at + 0.5], p: [0, 1] };
  return mixture([
    { weight: PROMISE_WEIGHT, dist: point },
    { weight: 1 - PROMISE_WEIGHT, dist },
  ]);
}
