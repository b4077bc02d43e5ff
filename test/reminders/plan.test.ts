/** The pure planner and policy resolution. */
import { describe, expect, it } from 'vitest';
import { zonedInstant } from '../../server/reminders/local-time';
import { type ExistingSend, type PlanCustomer, type PlanInput, type PlanInvoice, plan, sendKey } from '../../server/reminders/plan';
import { DEFAULT_STEPS, indexPolicies, normaliseSteps, occurrences, resolvePolicy, scopeKeys } from '../../server/reminders/policy';
import type { Policy } from '../../server/reminders/types';

const ORG = '00000000-0000-4000-8000-000000000001';
const TODAY = '2026-11-23';

function inv(n: string, due: string, contact = 'c1', extra: Partial<PlanInvoice> = {}): PlanInvoice {
  return { id: `id-${n}`, externalId: n, contactExternalId: contact, number: n, issueDate: '2026-10-01', dueDate: due, currency: 'GBP', total: '100.00', amountDue: '100.00', amountCredited: '0', amountPaid: '0', status: 'authorised', url: null, ...extra };
}

function customer(id: string, extra: Partial<PlanCustomer> = {}): PlanCustomer {
  return { externalId: id, name: `Customer ${id}`, firstName: null, emails: [{ address: `ap@${id}.example`, primary: true }], excluded: false, pausedUntil: null, recipientsOverride: null, unsubscribed: new Set(), segment: null, ...extra };
}

function input(extra: Partial<PlanInput>): PlanInput {
  return {
    now: zonedInstant(TODAY, 600, 'Europe/London'),
    organisationId: ORG,
    timezone: 'Europe/London',
    policies: [],
    invoices: [],
    customers: new Map([['c1', customer('c1')], ['c2', customer('c2')]]),
    invoiceHolds: new Map(),
    activityHolds: [],
    existing: new Map(),
    ...extra,
  };
}

function policy(p: Partial<Policy>): Policy {
  return { id: p.id ?? 'p', scope: 'firm', scopeKey: 'firm', organisationId: null, segment: null, contactExternalId: null, name: 'p', grouping: 'invoice', steps: DEFAULT_STEPS, enabled: true, ...p };
}

describe('policy steps', () => {
  it('expands repeats into dated, numbered occurrences', () => {
    const o = occurrences(DEFAULT_STEPS, '2026-01-31');
    expect(o.map((x) => `${x.number}:${x.key}:${x.day}`).slice(0, 7)).toEqual(['1:before-3:2026-01-28', '2:due:2026-01-31', '3:after-7:2026-02-07', '4:after-14:2026-02-14', '5:after-30:2026-03-02', '6:after-30.r1:2026-03-16', '7:after-30.r2:2026-03-30']);
    expect(o).toHaveLength(11);
  });

  it('gives new steps stable keys, keeps existing ones, refuses two steps on one day', () => {
    expect(normaliseSteps([{ offsetDays: 7 }, { offsetDays: -3, key: 'early' }, { offsetDays: 0 }]).map((s) => s.key)).toEqual(['early', 'due', 'after-7']);
    expect(() => normaliseSteps([{ offsetDays: 7 }, { offsetDays: 7 }])).toThrow('Two steps are 7 days after the due date');
  });

  it('resolves the most specific policy: customer, segment (organisation, then firm), organisation, firm, default', () => {
    const all = [
      policy({ id: 'firm', scopeKey: scopeKeys.firm() }),
      policy({ id: 'org', scopeKey: scopeKeys.organisation(ORG) }),
      policy({ id: 'seg-firm', scopeKey: scopeKeys.segment('slow', null) }),
      policy({ id: 'seg-org', scopeKey: scopeKeys.segment('slow', ORG) }),
      policy({ id: 'cust', scopeKey: scopeKeys.customer(ORG, 'c9') }),
      policy({ id: 'off', scopeKey: scopeKeys.segment('vip', null), enabled: false }),
    ];
    const idx = indexPolicies(all);
    const r = (c: string, segment: string | null) => resolvePolicy(idx, { organisationId: ORG, contactExternalId: c, segment }).id;
    expect(r('c9', 'slow')).toBe('cust');
    expect(r('c1', 'slow')).toBe('seg-org');
    expect(r('c1', 'vip')).toBe('org');
    expect(r('c1', null)).toBe('org');
    expect(resolvePolicy(indexPolicies([policy({ id: 'seg-firm', scopeKey: scopeKeys.segment('slow', null) })]), { organisationId: ORG, contactExternalId: 'c1', segment: 'slow' }).id).toBe('seg-firm');
    expect(resolvePolicy(indexPolicies([]), { organisationId: ORG, contactExternalId: 'c1', segment: null }).id).toBe('default');
  });
});

describe('plan', () => {
  // Updated for issue #15: a late start begins at the first overdue step (not the latest: after-14
  // would escalate past a reminder that never went out), and per-invoice emails are one a day per
  // customer, the most advanced first, unless the organisation allows more.
  it('per-invoice: a late start sends the first overdue step, earlier notices superseded; one a day per customer, most advanced first', () => {
    const perInvoice = [policy({})];
    const invoices = [inv('A', '2026-11-08'), inv('B', '2026-11-26'), inv('C', '2026-12-20')];
    const r = plan(input({ policies: perInvoice, invoices }));
    expect(r.sends.map((s) => `${s.subjectId}:${s.stepKey}:${s.occurrence.number}`)).toEqual(['A:after-7:3']);
    expect(r.skips.map((s) => `${s.subjectId}:${s.stepKey}:${s.reason}`)).toEqual(['A:before-3:superseded', 'A:due:superseded']);
    expect(r.sends[0]!.recipients).toEqual(['ap@c1.example']);
    const two = plan(input({ policies: perInvoice, invoices, customerDailyLimit: 2 }));
    expect(two.sends.map((s) => `${s.subjectId}:${s.stepKey}`)).toEqual(['A:after-7', 'B:before-3']);
    // One already went to the customer today: the rest wait for tomorrow.
    expect(plan(input({ policies: perInvoice, invoices, customerToday: new Map([['c1', 1]]) })).sends).toEqual([]);
  });

  it('the default policy sends one email per customer listing its due invoices', () => {
    const r = plan(input({ invoices: [inv('A', '2026-11-08'), inv('B', '2026-11-16'), inv('C', '2026-11-23'), inv('D', '2026-11-23', 'c2')] }));
    expect(r.sends.map((s) => `${s.subjectType}:${s.subjectId}:${s.invoiceExternalIds.join('+')}:${s.occurrence.key}`)).toEqual(['customer:c1:A+B+C:after-7', 'customer:c2:D:due']);
  });

  it('escalates only after the step before went out, and keeps the policy’s spacing from that day', () => {
    const perInvoice = [policy({})];
    const due = '2026-11-01'; // after-7 on 11-08, after-14 on 11-15, after-30 on 12-01
    const at = (status: ExistingSend['status'], passedOn: string | null) => new Map<string, ExistingSend>([[sendKey('invoice', 'A', 'after-7'), { status, skipReason: null, passedOn }]]);
    const next = (existing: Map<string, ExistingSend>) => plan(input({ policies: perInvoice, invoices: [inv('A', due)], existing })).sends.map((s) => s.stepKey);
    expect(next(at('sent', '2026-11-08'))).toEqual(['after-14']);
    // Sent late (a pause, a late start): the next step waits its 7 days from then.
    expect(next(at('sent', '2026-11-20'))).toEqual([]);
    expect(next(at('sent', '2026-11-16'))).toEqual(['after-14']);
    // Not sent (failed, waiting for approval, still claimed): no escalation past it.
    expect(next(at('failed_permanent', null))).toEqual([]);
    expect(next(at('pending_approval', null))).toEqual([]);
    expect(next(at('claimed', null))).toEqual([]);
    // Listed in a grouped email that went out: it counts as sent.
    expect(next(at('grouped', '2026-11-08'))).toEqual(['after-14']);
    expect(next(at('grouped', null))).toEqual([]);
  });

  it('never plans a claimed step again; revives a lifted skip while its step is current', () => {
    const existing = new Map<string, ExistingSend>([
      [sendKey('invoice', 'A', 'after-14'), { status: 'sent', skipReason: null, passedOn: '2026-11-22' }],
      [sendKey('invoice', 'B', 'before-3'), { status: 'skipped', skipReason: 'customer_paused' }],
      [sendKey('invoice', 'C', 'due'), { status: 'skipped', skipReason: 'superseded' }],
      [sendKey('invoice', 'C', 'before-3'), { status: 'sent', skipReason: null, passedOn: '2026-11-20' }],
    ]);
    for (const k of ['before-3', 'due', 'after-7']) existing.set(sendKey('invoice', 'A', k), { status: 'skipped', skipReason: 'superseded' });
    const r = plan(input({ policies: [policy({})], existing, invoices: [inv('A', '2026-11-08'), inv('B', '2026-11-26'), inv('C', '2026-11-23')] }));
    expect(r.sends.map((s) => `${s.subjectId}:${s.stepKey}:${s.revive}`)).toEqual(['B:before-3:true']);
    expect(r.skips).toEqual([]);
  });

  it('skips with a reason: paused, excluded, promise, dispute, plan, unsubscribed, no address, another channel', () => {
    const customers = new Map([
      ['c1', customer('c1', { pausedUntil: '2026-11-23' })],
      ['c2', customer('c2', { unsubscribed: new Set(['ap@c2.example']) })],
      ['c3', customer('c3', { emails: [{ address: 'n/a', primary: true }] })],
      ['c4', customer('c4', { excluded: true })],
      ['c5', customer('c5')],
      ['c6', customer('c6')],
    ]);
    const r = plan(
      input({
        customers,
        invoices: [inv('P', '2026-11-23', 'c1'), inv('U', '2026-11-23', 'c2'), inv('N', '2026-11-23', 'c3'), inv('X', '2026-11-23', 'c4'), inv('PR', '2026-11-23', 'c5'), inv('D', '2026-11-23', 'c5'), inv('PL', '2026-11-23', 'c6'), inv('CH', '2026-11-23', 'c6'), inv('OLD', '2026-11-23', 'c6')],
        invoiceHolds: new Map([['OLD', { excluded: false, pausedUntil: '2026-11-30' }]]),
        activityHolds: [
          { kind: 'promise', invoiceExternalId: 'PR', contactExternalId: null, until: '2026-11-23' },
          { kind: 'dispute', invoiceExternalId: 'D', contactExternalId: null, until: null },
          { kind: 'plan', invoiceExternalId: 'PL', contactExternalId: null, until: null },
          { kind: 'promise', invoiceExternalId: 'CH', contactExternalId: null, until: '2026-11-22' },
        ],
        policies: [policy({ scopeKey: scopeKeys.customer(ORG, 'c6'), steps: normaliseSteps([{ offsetDays: 0, channel: 'call' }]) }), policy({ id: 'p2', scopeKey: 'firm' })],
      }),
    );
    const reasons = Object.fromEntries(r.skips.filter((s) => s.reason !== 'superseded').map((s) => [s.subjectId, s.reason]));
    // A call step (issue #20) needs no email address: it is planned, and checks the customer's numbers when it is sent.
    expect(reasons).toEqual({ P: 'customer_paused', U: 'unsubscribed', N: 'no_recipients', X: 'customer_excluded', PR: 'promise_to_pay', D: 'disputed', PL: 'payment_plan', OLD: 'invoice_paused' });
    expect(r.sends.map((s) => [s.subjectId, s.occurrence.step.channel])).toEqual([['CH', 'call']]);
  });

  it('leaves out paid, voided and draft invoices and those without a due date', () => {
    const r = plan(input({ invoices: [inv('PAID', '2026-11-23', 'c1', { status: 'paid', amountDue: '0' }), inv('V', '2026-11-23', 'c1', { status: 'voided' }), inv('DR', '2026-11-23', 'c1', { status: 'draft' }), inv('ND', '2026-11-23', 'c1', { dueDate: null })] }));
    expect(r).toMatchObject({ sends: [], skips: [] });
  });

  it('grouped: one send per customer per day listing every overdue invoice; none again that day', () => {
    const grouped = [policy({ grouping: 'customer' })];
    const invoices = [inv('A', '2026-11-08'), inv('B', '2026-11-20'), inv('C', '2026-12-20'), inv('D', '2026-11-23', 'c2')];
    const r = plan(input({ policies: grouped, invoices, existing: new Map([[sendKey('invoice', 'B', 'due'), { status: 'sent', skipReason: null, passedOn: '2026-11-20' }]]) }));
    expect(r.sends.map((s) => ({ subject: `${s.subjectType}:${s.subjectId}:${s.stepKey}`, listed: s.invoiceExternalIds, triggers: s.triggers.map((t) => `${t.invoiceExternalId}:${t.occurrence.key}`) }))).toEqual([
      { subject: 'customer:c1:day:2026-11-23', listed: ['A', 'B'], triggers: ['A:after-7'] },
      { subject: 'customer:c2:day:2026-11-23', listed: ['D'], triggers: ['D:due'] },
    ]);
    const again = plan(input({ policies: grouped, invoices, existing: new Map([[sendKey('customer', 'c1', 'day:2026-11-23'), { status: 'sent', skipReason: null }], [sendKey('invoice', 'B', 'due'), { status: 'sent', skipReason: null }]]) }));
    expect(again.sends.map((s) => s.subjectId)).toEqual(['c2']);
  });
});
