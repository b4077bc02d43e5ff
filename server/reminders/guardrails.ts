/**
 * Contact guardrails where a jurisdiction limits how often and when a debtor may be contacted
 * (issue #20, docs/decisions/042) — pure. The planner (plan.ts) applies them per customer: at most
 * `perWeek` contacts in any 7 days and `perMonth` in any 30 days (rolling windows ending now, the
 * stricter reading of "a week" / "a month"), and no reminder planned outside the contact hours in
 * the debtor's local time (taken as the organisation's time zone: Arcus does not know the debtor's).
 *
 * A "contact" is one message that reaches the debtor: an email (a grouped email counts once, its
 * invoice rows do not), a text, a call step, a posted letter — a `reminder_sends` row that went
 * out, or is claimed and on its way (server/reminders/load.ts, `loadContactHistory`). Letters
 * count toward the caps but are not held to contact hours (the post delivers them).
 *
 * Australia — ACCC & ASIC, "Debt collection guideline: for collectors and creditors" (2021),
 * https://www.accc.gov.au/about-us/publications/debt-collection-guideline-for-collectors-and-creditors
 * (part 2, "Frequency of contact": no more than 3 times a week or 10 times a month; "Contact
 * hours": 7.30 am–9.00 pm on weekdays, 9.00 am–9.00 pm on weekends, in the debtor's time).
 */
import { localClock } from './local-time';

export interface ContactRules {
  name: string;
  perWeek: number;
  perMonth: number;
  /** Minutes from local midnight, [from, to). */
  weekdayHours: readonly [number, number];
  weekendHours: readonly [number, number];
  source: string;
}

export const CONTACT_RULES: Readonly<Record<string, ContactRules>> = {
  AU: {
    name: 'ACCC & ASIC debt collection guideline',
    perWeek: 3,
    perMonth: 10,
    weekdayHours: [7 * 60 + 30, 21 * 60],
    weekendHours: [9 * 60, 21 * 60],
    source: 'https://www.accc.gov.au/about-us/publications/debt-collection-guideline-for-collectors-and-creditors',
  },
};

/** The rules for an organisation's country (ISO 3166 code), or null where none apply. */
export function contactRulesFor(countryCode: string | null | undefined): ContactRules | null {
  return (countryCode && CONTACT_RULES[countryCode.toUpperCase()]) || null;
}

const DAY_MS = 86_400_000;

/** How many more contacts the customer may have now, given when its past contacts were (any order). */
export function contactsLeft(rules: ContactRules, history: readonly Date[], now: Date): number {
  const t = now.getTime();
  let week = 0;
  let month = 0;
  for (const d of history) {
    const age = t - d.getTime();
    if (age < 0) continue;
    if (age < 7 * DAY_MS) week++;
    if (age < 30 * DAY_MS) month++;
  }
  return Math.max(0, Math.min(rules.perWeek - week, rules.perMonth - month));
}

/** Whether `now` is inside the contact hours in `timeZone`. */
export function inContactHours(rules: ContactRules, timeZone: string, now: Date): boolean {
  const c = localClock(timeZone, now);
  const [from, to] = c.isoWeekday >= 6 ? rules.weekendHours : rules.weekdayHours;
  return c.minute >= from && c.minute < to;
}
