/**
 * Promises kept and broken in a report month. Pure: no I/O.
 *
 * A promise falls in the month when its promised date does. It was kept when a payment against
 * what was promised (the invoice, or any invoice of the customer for a promise about all of
 * them) is dated from the day the promise was made through the promised date; otherwise broken.
 * A promise made again for the same thing is a new promise, counted on its own date.
 */
import type { CalendarDate } from '../../kernel/dates';
import type { AttributedPayment } from './attribution';

export interface PromiseMade {
  madeOn: CalendarDate;
  promisedDate: CalendarDate;
  customerKey: string;
  invoiceKeys: readonly string[] | null;
}

export function promiseOutcomes(promises: readonly PromiseMade[], payments: readonly AttributedPayment[], from: CalendarDate, to: CalendarDate): { kept: number; broken: number } {
  let kept = 0;
  let broken = 0;
  for (const pr of promises) {
    if (pr.promisedDate < from || pr.promisedDate > to) continue;
    const paid = payments.some((p) => p.amount > 0 && p.customerKey === pr.customerKey && (pr.invoiceKeys === null || pr.invoiceKeys.includes(p.invoiceKey)) && p.date >= pr.madeOn && p.date <= pr.promisedDate);
    if (paid) kept++;
    else broken++;
  }
  return { kept, broken };
}
