/** The worklist's pure rules: the ranking value (rank.ts) and what is "in motion" (in-motion.ts). */
import { describe, expect, it } from 'vitest';
import { type ActivityRow, CONTACT_CONTACTED, DISPUTE_RESOLVED, INVOICE_DISPUTED, type Motion, MOTION_FACTOR, MotionIndex, PLAN_CREATED, PLAN_ENDED, PROMISE_RECORDED, REMINDER_SENT } from '../../server/scoring/in-motion';
import { OVERDUE_CAP_DAYS, overdueFactor, rankValue } from '../../server/scoring/rank';

const item = (amount: number, pLate: number, daysOverdue: number) => ({ invoiceId: 'i', organisationId: 'o', contactId: null, contactExternalId: 'c', amount, pLate, daysOverdue });

describe('rankValue', () => {
  it('values bigger, riskier and older invoices more, and what is in motion less', () => {
    const base = rankValue(item(100_000, 0.5, 30), []).value;
    expect(base).toBe(1000); // 1000.00 × 0.5 × (1 + 30/30)
    expect(rankValue(item(200_000, 0.5, 30), []).value).toBeGreaterThan(base);
    expect(rankValue(item(100_000, 0.9, 30), []).value).toBeGreaterThan(base);
    expect(rankValue(item(100_000, 0.5, 60), []).value).toBeGreaterThan(base);
    const promise: Motion = { kind: 'promised', scope: 'customer', label: 'promised to pay by 2026-07-01', at: '', factor: MOTION_FACTOR.promised };
    const why = rankValue(item(100_000, 0.5, 30), [promise]);
    expect(why.value).toBe(200);
    expect(why.base).toBe(1000);
    expect(why.motions).toEqual([{ kind: 'promised', label: 'promised to pay by 2026-07-01', factor: 0.2 }]);
  });

  it('multiplies several in-motion factors and rounds every figure to the cent', () => {
    const motions: Motion[] = [
      { kind: 'disputed', scope: 'invoice', label: 'disputed', at: '', factor: MOTION_FACTOR.disputed },
      { kind: 'contacted', scope: 'customer', label: 'contacted', at: '', factor: MOTION_FACTOR.contacted },
    ];
    const why = rankValue(item(12_345, 0.37, 10), motions);
    // 123.45 × 0.37 × (1 + 10/30) = 60.9020; × 0.3 × 0.5 = 9.13530
    expect(why).toEqual({ amount: 123.45, risk: 0.37, daysOverdue: 10, overdueFactor: 1.33, base: 60.9, motions: motions.map(({ kind, label, factor }) => ({ kind, label, factor })), value: 9.14 });
  });

  it('has an overdue factor of 0.5 before and on the due date, growing by 1/30 a day up to the cap', () => {
    expect(overdueFactor(0)).toBe(0.5);
    expect(overdueFactor(-10)).toBe(0.5);
    expect(overdueFactor(1)).toBeCloseTo(1 + 1 / 30, 12);
    expect(overdueFactor(OVERDUE_CAP_DAYS)).toBe(7);
    expect(overdueFactor(400)).toBe(7);
  });
});

describe('MotionIndex', () => {
  const now = new Date('2026-11-23T12:00:00Z');
  const today = '2026-11-23';
  const row = (kind: string, at: string, fields: Partial<ActivityRow> = {}): ActivityRow => ({ organisation_id: 'o', kind, contact_id: null, contact_external_id: 'c', invoice_id: null, at, promised: null, actor: null, ...fields });
  const target = { organisationId: 'o', contactId: 'contact-1', contactExternalId: 'c', invoiceId: 'inv-1' };
  const kinds = (ms: Motion[]) => ms.map((m) => m.kind).sort();

  it('keeps a promise live through its date, and drops it the day after', () => {
    const promise = row(PROMISE_RECORDED, '2026-11-01T09:00:00.000Z', { promised: today });
    expect(kinds(new MotionIndex([promise], now, today).motionsOf(target))).toEqual(['promised']);
    expect(new MotionIndex([promise], now, '2026-11-24').motionsOf(target)).toEqual([]);
  });

  it('ends a dispute at its resolution and a plan at its end, in time order', () => {
    const rows = [
      row(INVOICE_DISPUTED, '2026-10-01T09:00:00.000Z', { invoice_id: 'inv-1', contact_external_id: null }),
      row(DISPUTE_RESOLVED, '2026-10-05T09:00:00.000Z', { invoice_id: 'inv-1', contact_external_id: null }),
      row(PLAN_CREATED, '2026-10-02T09:00:00.000Z'),
      row(PLAN_ENDED, '2026-10-01T09:00:00.000Z'),
    ];
    const ms = new MotionIndex(rows, now, today).motionsOf(target);
    expect(ms).toEqual([{ kind: 'on_plan', scope: 'customer', label: 'on a payment plan since 2026-10-02', at: '2026-10-02T09:00:00.000Z', factor: 0.2 }]);
  });

  it('counts reminders and contacts for 7 days only, and finds the customer by row id or ledger id', () => {
    const rows = [
      row(REMINDER_SENT, '2026-11-22T12:00:00.000Z', { contact_id: 'contact-1', contact_external_id: null }),
      row(CONTACT_CONTACTED, '2026-11-15T11:59:00.000Z', { actor: 'Dana' }),
      row(CONTACT_CONTACTED, '2026-11-20T12:00:00.000Z', { actor: 'Dana', organisation_id: 'other' }),
    ];
    const ms = new MotionIndex(rows, now, today).motionsOf(target);
    expect(ms).toEqual([{ kind: 'reminded', scope: 'customer', label: 'reminder sent yesterday', at: '2026-11-22T12:00:00.000Z', factor: 0.7 }]);
    const recent = new MotionIndex([row(CONTACT_CONTACTED, '2026-11-21T12:00:00.000Z', { actor: 'Dana' })], now, today).motionsOf(target);
    expect(recent.map((m) => m.label)).toEqual(['contacted 2 days ago by Dana']);
  });
});
