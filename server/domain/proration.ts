/**
 * Prorating a credit for service not delivered: the share of the invoice total that covers the
 * days from the cancellation to the end of the service period (both inclusive), in exact minor
 * units rounded half up. Pure.
 */
import { type CalendarDate, diffDays } from '../../kernel/dates';
import type { Minor } from '../../kernel/money';

export interface ServicePeriod {
  serviceStart: CalendarDate;
  serviceEnd: CalendarDate;
  /** The first day not delivered. */
  cancelFrom: CalendarDate;
}

export class ProrationError extends Error {
  override name = 'ProrationError';
  constructor(
    message: string,
    /** The input field at fault (its key) and the problem as a sentence for the form. */
    readonly field: 'proration.serviceEnd' | 'proration.cancelFrom',
    readonly sentence: string,
  ) {
    super(message);
  }
}

export function prorateCredit(total: Minor, p: ServicePeriod): Minor {
  const days = diffDays(p.serviceStart, p.serviceEnd) + 1;
  if (days <= 0) throw new ProrationError('the service period ends before it starts', 'proration.serviceEnd', 'The service period must end on or after the day it starts.');
  if (p.cancelFrom < p.serviceStart || p.cancelFrom > p.serviceEnd) throw new ProrationError('the cancellation date must fall inside the service period', 'proration.cancelFrom', 'The cancellation date must fall inside the service period.');
  const undelivered = diffDays(p.cancelFrom, p.serviceEnd) + 1;
  const num = BigInt(total) * BigInt(undelivered);
  const den = BigInt(days);
  return Number((num * 2n + den) / (2n * den));
}
