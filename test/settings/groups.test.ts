/**
 * The pure core of firm defaults and overrides (server/settings/groups.ts): effective = override
 * when present, else the firm default; what "apply to all clients" would change, in words.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../server/collections/policy';
import { BUILTIN_CLIENT_APPROVAL, BUILTIN_WINDOW, daysWords, describeValue, planApplyToAll, resolveEffective, sameValue, type SettingValues } from '../../server/settings/groups';

const defaults: SettingValues = {
  lateFees: { ...DEFAULT_POLICY.lateFees, enabled: true, kind: 'percentage', percent: '2', graceDays: 7 },
  earlyDiscount: DEFAULT_POLICY.earlyDiscount,
  approvalThreshold: { amount: '1000.00' },
  clientApproval: BUILTIN_CLIENT_APPROVAL,
  sendingWindow: BUILTIN_WINDOW,
  returnedPaymentFee: { enabled: true, amount: '25', percent: '0', cap: null },
};

describe('the returned-payment fee in words (decision 056)', () => {
  it('no fee, a flat fee, a share with a cap', () => {
    expect(describeValue('returnedPaymentFee', { enabled: false, amount: '25', percent: '0', cap: null })).toBe('No fee: nothing is charged when a payment comes back');
    expect(describeValue('returnedPaymentFee', { enabled: true, amount: '25', percent: '0', cap: null })).toBe('A fee of 25.00 when a payment comes back, where the firm’s countries allow it');
    expect(describeValue('returnedPaymentFee', { enabled: true, amount: '10', percent: '1.5', cap: '40' })).toBe('A fee of 10.00 plus 1.5% of the payment, at most 40.00 when a payment comes back, where the firm’s countries allow it');
  });
  it('an organisation’s own fee wins over the firm’s', () => {
    const eff = resolveEffective(defaults, { returnedPaymentFee: { enabled: false, amount: '0', percent: '0', cap: null } });
    expect(eff.returnedPaymentFee).toEqual({ value: { enabled: false, amount: '0', percent: '0', cap: null }, overridden: true });
  });
});

describe('resolveEffective', () => {
  it('takes each group from the override when there is one and from the firm default otherwise', () => {
    const eff = resolveEffective(defaults, { approvalThreshold: { amount: null }, sendingWindow: { startMinute: 480, endMinute: 720, businessDays: [1, 3] } });
    expect(eff.approvalThreshold).toEqual({ value: { amount: null }, overridden: true });
    expect(eff.sendingWindow).toEqual({ value: { startMinute: 480, endMinute: 720, businessDays: [1, 3] }, overridden: true });
    expect(eff.lateFees).toEqual({ value: defaults.lateFees, overridden: false });
    expect(eff.clientApproval.overridden).toBe(false);
  });

  it('with no overrides is the firm default for every group', () => {
    const eff = resolveEffective(defaults, {});
    for (const g of Object.values(eff)) expect(g.overridden).toBe(false);
    expect(eff.earlyDiscount.value).toBe(defaults.earlyDiscount);
  });
});

describe('words', () => {
  it('describes each group in sentences, without keys or enum values', () => {
    expect(describeValue('lateFees', defaults.lateFees)).toBe('A fee of 2% of the overdue amount, 7 days after the due date, once');
    expect(describeValue('lateFees', { ...defaults.lateFees, enabled: false })).toBe('Off: no late fees or interest are charged');
    expect(describeValue('lateFees', { ...defaults.lateFees, kind: 'annual_rate', annualRatePct: '8.0000' })).toBe('Interest at 8% a year, 7 days after the due date');
    expect(describeValue('approvalThreshold', { amount: '12500.5' }, 'GBP')).toBe('Ledger changes above GBP 12,500.50 wait for an administrator’s approval');
    expect(describeValue('sendingWindow', BUILTIN_WINDOW)).toBe('09:00 to 17:00, Monday to Friday');
    expect(describeValue('clientApproval', { ...BUILTIN_CLIENT_APPROVAL, lateFees: true, creditsAbove: '250' })).toBe('The client approves late fees and credits above 250.00');
    expect(describeValue('clientApproval', BUILTIN_CLIENT_APPROVAL)).toBe('Nothing waits for the client');
    expect(daysWords([6, 1, 3])).toBe('Monday, Wednesday and Saturday');
  });

  it('compares values as what they say (day order, trailing zeros)', () => {
    expect(sameValue('sendingWindow', { startMinute: 540, endMinute: 1020, businessDays: [5, 1, 2, 3, 4] }, BUILTIN_WINDOW)).toBe(true);
    expect(sameValue('approvalThreshold', { amount: '250.00' }, { amount: '250' })).toBe(true);
    expect(sameValue('approvalThreshold', { amount: '250.00' }, { amount: null })).toBe(false);
  });
});

describe('planApplyToAll', () => {
  const orgs = [
    { id: 'a', name: 'Alder Ltd', override: undefined },
    { id: 'b', name: 'Birch Ltd', override: { amount: '50.00' } },
    { id: 'c', name: 'Cedar Ltd', override: { amount: '1000' } },
  ];

  it('clearing overrides lists only the clients whose setting changes, and clears every override', () => {
    const plan = planApplyToAll('approvalThreshold', defaults.approvalThreshold, defaults.approvalThreshold, orgs, 'GBP');
    expect(plan.overridesToClear).toEqual(['b', 'c']);
    expect(plan.changes.map((c) => [c.organisationName, c.words])).toEqual([
      ['Birch Ltd', 'Approval of ledger changes: from “Ledger changes above GBP 50.00 wait for an administrator’s approval” to “Ledger changes above GBP 1,000.00 wait for an administrator’s approval”.'],
    ]);
  });

  it('a new default changes the clients that follow the default too; applied again it changes nothing', () => {
    const next = { amount: null };
    const plan = planApplyToAll('approvalThreshold', defaults.approvalThreshold, next, orgs, 'GBP');
    expect(plan.changes.map((c) => c.organisationName)).toEqual(['Alder Ltd', 'Birch Ltd', 'Cedar Ltd']);
    expect(plan.changes[0]!.after).toBe('No ledger change waits for approval');
    const again = planApplyToAll('approvalThreshold', next, next, orgs.map((o) => ({ ...o, override: undefined })), 'GBP');
    expect(again).toEqual({ changes: [], overridesToClear: [] });
  });
});
