/**
 * The worklist's ranking rule, pure (worklist.ts loads the inputs and groups by customer):
 *
 *   value = amount due × risk × overdue factor × Π in-motion factors
 *
 * - amount due: minor units in the firm's reporting currency (or the organisation's own when it
 *   has no exchange rate);
 * - risk: the invoice's P(late);
 * - overdue factor: 1 + days past due / 30, capped at 180 days (×7); 0.5 while not yet due;
 * - in motion: the factors of in-motion.ts (MOTION_FACTOR), multiplied together;
 * - changed behaviour: × CHANGE_BOOST when the customer has a changing-risk alert (decision 039),
 *   once however many alerts.
 * Every figure of the value is returned with it ("why here").
 */
import type { Minor } from '../../kernel/money';
import type { Motion } from './in-motion';

export const OVERDUE_CAP_DAYS = 180;
export const NOT_DUE_FACTOR = 0.5;
/**
 * A customer whose paying behaviour changed (a changing-risk alert: paying later, a first missed
 * promise, paying in parts, a new dispute, a bounced reminder) ranks as if 50% more were at stake:
 * the change is news the collector should act on before the usual order catches up with it.
 */
export const CHANGE_BOOST = 1.5;

export function overdueFactor(daysOverdue: number): number {
  return daysOverdue > 0 ? 1 + Math.min(daysOverdue, OVERDUE_CAP_DAYS) / 30 : NOT_DUE_FACTOR;
}

/** One open invoice as ranked (amounts: `amount` in reporting units for ranking, the rest in the invoice currency). */
export interface RankInput {
  invoiceId: string;
  organisationId: string;
  contactId: string | null;
  contactExternalId: string;
  /** Minor units used for ranking (reporting currency when converted). */
  amount: Minor;
  pLate: number;
  daysOverdue: number;
}

export interface Why {
  amount: number;
  risk: number;
  daysOverdue: number;
  overdueFactor: number;
  base: number;
  motions: { kind: Motion['kind']; label: string; factor: number }[];
  /** The changed-behaviour boost, when the customer has an alert. */
  change?: { label: string; factor: number };
  value: number;
}

export function rankValue(item: RankInput, motions: readonly Motion[], change?: { label: string }): Why {
  const amount = item.amount / 100;
  const factor = overdueFactor(item.daysOverdue);
  const base = amount * item.pLate * factor;
  const inMotion = motions.reduce((s, m) => s * m.factor, 1) * (change ? CHANGE_BOOST : 1);
  return {
    amount: round2(amount),
    risk: item.pLate,
    daysOverdue: item.daysOverdue,
    overdueFactor: round2(factor),
    base: round2(base),
    motions: motions.map((m) => ({ kind: m.kind, label: m.label, factor: m.factor })),
    ...(change ? { change: { label: change.label, factor: CHANGE_BOOST } } : {}),
    value: round2(base * inMotion),
  };
}

/** The worklist's figures are shown to the cent. */
export const round2 = (x: number) => Math.round(x * 100) / 100;
