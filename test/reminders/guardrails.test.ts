/**
 * Contact guardrails in the planner (docs/decisions/042): Australia's at most 3 contacts a week and
 * 10 a month, and contact hours 7:30–21:00 weekdays / 9:00–21:00 weekends in the debtor's time. The
 * clock is pinned: Monday 23 November 2026 in Sydney.
 */
import { describe, expect, it } from 'vitest';
import { CONTACT_RULES, contactRulesFor, contactsLeft, inContactHours } from '../../server/reminders/guardrails';
import { zonedInstant } from '../../server/reminders/local-time';
import { type PlanCustomer, type PlanInput, type PlanInvoice, plan } from '../../server/reminders/plan';
import { normaliseSteps } from '../../server/reminders/policy';
import type { Policy } from '../../server/reminders/types';

const ORG = '00000000-0000-4000-8000-000000000001';
const TZ = 'Australia/Sydney';
const MONDAY = '2026-11-23';
const AU = CONTACT_RULES['AU']!;
const at = (day: string, hh: number, mm = 0) => zonedInstant(day, hh * 60 + mm, TZ);

function inv(n: string, contact: string, extra: Partial<PlanInvoice> = {}): PlanInvoice {
  return { id: `id-${n}`, externalId: n, contactExternalId: contact, number: n, issueDate: '2026-10-01', dueDate: '2026-11-13', currency: 'AUD', total: '100.00', amountDue: '100.00', amountCredited: '0', amountPaid: '0', status: 'authorised', url: null, ...extra };
}
function customer(id: string): PlanCustomer {
  return { externalId: id, name: `Customer ${id}`, firstName: null, emails: [{ address: `ap@${id}.example`, primary: true }], excluded: false, pausedUntil: null, recipientsOverride: null, unsubscribed: new Set(), segment: null };
}
const policy: Policy = { id: 'p', scope: 'firm', scopeKey: 'firm', organisationId: null, segment: null, contactExternalId: null, name: 'p', grouping: 'invoice', steps: normaliseSteps([{ offsetDays: 10 }]), enabled: true };

function input(now: Date, history: Map<string, Date[]>, extra: Partial<PlanInput> = {}): PlanInput {
  return {
    now,
    organisationId: ORG,
    timezone: TZ,
    policies: [policy],
    invoices: [inv('A', 'c1'), inv('B', 'c2'), inv('C', 'c3')],
    customers: new Map(['c1', 'c2', 'c3'].map((c) => [c, customer(c)])),
    invoiceHolds: new Map(),
    activityHolds: [],
    existing: new Map(),
    contactRules: contactRulesFor('AU'),
    contactHistory: history,
    ...extra,
  };
}

describe('contact guardrails (AU)', () => {
  it('counts contacts in the last 7 and 30 days', () => {
    const now = at(MONDAY, 10);
    const days = (...ago: number[]) => ago.map((d) => new Date(now.getTime() - d * 86_400_000));
    expect(contactsLeft(AU, [], now)).toBe(3);
    expect(contactsLeft(AU, days(1, 2), now)).toBe(1);
    expect(contactsLeft(AU, days(1, 2, 6.9), now)).toBe(0);
    expect(contactsLeft(AU, days(1, 2, 7.1), now)).toBe(1); // a week and a bit ago no longer counts for the week
    expect(contactsLeft(AU, days(8, 9, 10, 11, 12, 13, 14, 15, 16, 20), now)).toBe(0); // 10 in the month
    expect(contactsLeft(AU, days(8, 9, 10, 11, 12, 13, 14, 15, 16, 31), now)).toBe(1);
    expect(contactRulesFor('GB')).toBeNull();
  });

  it('keeps to contact hours in the debtor’s time: 7:30–21:00 weekdays, 9:00–21:00 weekends', () => {
    expect(inContactHours(AU, TZ, at(MONDAY, 7, 29))).toBe(false);
    expect(inContactHours(AU, TZ, at(MONDAY, 7, 30))).toBe(true);
    expect(inContactHours(AU, TZ, at(MONDAY, 20, 59))).toBe(true);
    expect(inContactHours(AU, TZ, at(MONDAY, 21, 0))).toBe(false);
    expect(inContactHours(AU, TZ, at('2026-11-22', 8, 30))).toBe(false); // Sunday
    expect(inContactHours(AU, TZ, at('2026-11-22', 9, 0))).toBe(true);
  });

  it('the planner holds back customers at their cap and everyone outside contact hours', () => {
    const now = at(MONDAY, 10);
    const ago = (d: number) => new Date(now.getTime() - d * 86_400_000);
    const history = new Map([
      ['c1', [ago(1), ago(2), ago(3)]], // 3 this week: at the cap
      ['c2', [ago(1), ago(2)]], // room for one
      ['c3', [ago(8), ago(9), ago(10), ago(11), ago(12), ago(13), ago(14), ago(15), ago(16), ago(17)]], // 10 this month
    ]);
    expect(plan(input(now, history)).sends.map((s) => s.subjectId)).toEqual(['B']);
    expect(plan(input(at(MONDAY, 6), new Map())).sends).toEqual([]); // before 7:30
    expect(plan(input(now, new Map())).sends.map((s) => s.subjectId)).toEqual(['A', 'B', 'C']);
    // Without rules (a UK organisation) the history does not limit anything.
    expect(plan(input(now, history, { contactRules: null })).sends).toHaveLength(3);
  });

  it('a letter counts as a contact and takes the last place left before an email', () => {
    const now = at(MONDAY, 10);
    const ago = (d: number) => new Date(now.getTime() - d * 86_400_000);
    const letterPolicy: Policy = { ...policy, steps: normaliseSteps([{ offsetDays: 10, channel: 'letter' }]) };
    const r = plan(input(now, new Map([['c1', [ago(1), ago(2)]]]), { policies: [letterPolicy], invoices: [inv('A', 'c1')] }));
    expect(r.letters.map((l) => l.contactExternalId)).toEqual(['c1']);
    const full = plan(input(now, new Map([['c1', [ago(1), ago(2), ago(3)]]]), { policies: [letterPolicy], invoices: [inv('A', 'c1')] }));
    expect(full.letters).toEqual([]);
  });
});
