import { describe, expect, it } from 'vitest';
import { computeFee, type FeeFacts, FeePlanSchema, moneyText, shareOf } from './core';
import { amountProblems, matchByName } from './plans';

const facts = (over: Partial<FeeFacts> = {}): FeeFacts => ({ currency: 'GBP', invoicesChased: 0, customersChased: 0, cashThroughArcus: 0, dsoReductions: [null], ...over });
const plan = (components: unknown[]) => FeePlanSchema.parse({ components });

describe('a month’s fee, hand-computed', () => {
  it('fixed: the amount each month', () => {
    const r = computeFee(plan([{ type: 'fixed', amount: '450.00' }]), facts());
    expect(r.total).toBe(45000);
    expect(r.lines[0]).toEqual({ label: 'Monthly fee', detail: 'A fixed 450.00 GBP a month.', amount: 45000 });
  });

  describe('share of cash collected through Arcus, 7.5%, floor 200.00, cap 1,500.00', () => {
    const share = plan([{ type: 'share', percent: '7.5', floor: '200.00', cap: '1500.00' }]);
    it('between floor and cap: 7.5% × 12,345.67 = 925.92525 → 925.93', () => {
      const r = computeFee(share, facts({ cashThroughArcus: 1234567 }));
      expect(r.total).toBe(92593);
      expect(r.lines[0]!.detail).toBe('7.5% of 12,345.67 GBP collected through Arcus this month = 925.93 GBP.');
    });
    it('the floor binds: 7.5% × 1,000.00 = 75.00 < 200.00', () => {
      const r = computeFee(share, facts({ cashThroughArcus: 100000 }));
      expect(r.total).toBe(20000);
      expect(r.lines[0]!.detail).toContain('below the floor, so the floor of 200.00 GBP applies');
    });
    it('the floor binds with no cash at all', () => {
      expect(computeFee(share, facts({ cashThroughArcus: 0 })).total).toBe(20000);
    });
    it('the cap binds: 7.5% × 30,000.00 = 2,250.00 > 1,500.00', () => {
      const r = computeFee(share, facts({ cashThroughArcus: 3000000 }));
      expect(r.total).toBe(150000);
      expect(r.lines[0]!.detail).toContain('above the cap, so the cap of 1,500.00 GBP applies');
    });
    it('rounds half-even to minor units: 10% of 0.25 = 0.025 → 0.02; of 0.35 = 0.035 → 0.04', () => {
      expect(shareOf(25, '10')).toBe(2);
      expect(shareOf(35, '10')).toBe(4);
    });
    it('in a currency without minor units: 7.5% of ¥123,457 = 9,259.275 → 9,259', () => {
      const r = computeFee(plan([{ type: 'share', percent: '7.5', floor: null, cap: null }]), facts({ currency: 'JPY', cashThroughArcus: 123457 }));
      expect(r.total).toBe(9259);
      expect(r.lines[0]!.detail).toBe('7.5% of 123,457 JPY collected through Arcus this month = 9,259 JPY.');
    });
  });

  describe('tiered by invoices chased: up to 50 → 300.00, 51–200 → 600.00, above → 1,000.00', () => {
    const tiered = plan([{ type: 'tiered', measure: 'invoices', bands: [{ upTo: 50, amount: '300' }, { upTo: 200, amount: '600' }, { upTo: null, amount: '1000' }] }]);
    it.each([
      [0, 30000],
      [50, 30000],
      [51, 60000],
      [200, 60000],
      [201, 100000],
    ])('%i invoices → %i', (n, fee) => {
      expect(computeFee(tiered, facts({ invoicesChased: n })).total).toBe(fee);
    });
    it('says which band', () => {
      expect(computeFee(tiered, facts({ invoicesChased: 51 })).lines[0]!.detail).toBe('51 invoices chased this month, in the band for 51 to 200 invoices: 600.00 GBP.');
    });
  });

  describe('volume by customers chased: up to 10 at 40.00 each, above at 30.00 each', () => {
    const volume = plan([{ type: 'volume', measure: 'customers', bands: [{ upTo: 10, amount: '40' }, { upTo: null, amount: '30' }] }]);
    it('10 customers: 10 × 40.00 = 400.00; 11: every one at 30.00 = 330.00', () => {
      expect(computeFee(volume, facts({ customersChased: 10 })).total).toBe(40000);
      const r = computeFee(volume, facts({ customersChased: 11 }));
      expect(r.total).toBe(33000);
      expect(r.lines[0]!.detail).toBe('11 customers chased this month, priced at the rate for 11 or more customers: 11 × 30.00 GBP = 330.00 GBP.');
    });
  });

  describe('bonus of 25.00 per day of DSO reduced, sustained 3 months', () => {
    const bonus = plan([{ type: 'kpi_bonus', perDay: '25.00', sustainMonths: 3 }]);
    it('not yet sustained: reduced 2 months running of 3 → nothing', () => {
      const r = computeFee(bonus, facts({ dsoReductions: [6.5, 4, -1] }));
      expect(r.total).toBe(0);
      expect(r.lines[0]!.detail).toBe('No bonus yet: DSO is 6.50 days below the baseline, sustained for 2 of the 3 months the plan asks for.');
    });
    it('not yet sustained: the service is younger than 3 months', () => {
      expect(computeFee(bonus, facts({ dsoReductions: [6.5, 4] })).total).toBe(0);
      expect(computeFee(bonus, facts({ dsoReductions: [6.5, 4, null] })).total).toBe(0);
    });
    it('sustained: the smallest of 6.50, 4.25, 5.00 days → 4.25 × 25.00 = 106.25', () => {
      const r = computeFee(bonus, facts({ dsoReductions: [6.5, 4.25, 5, -3] }));
      expect(r.total).toBe(10625);
      expect(r.lines[0]!.detail).toContain('4.25 × 25.00 GBP = 106.25 GBP');
    });
    it('DSO above the baseline this month: nothing', () => {
      expect(computeFee(bonus, facts({ dsoReductions: [-2, 5, 5] })).lines[0]!.detail).toBe('No bonus: DSO is not below the baseline this month (2.00 days above it or level).');
    });
    it('rounds half-even: 0.33 per day × 2.50 days = 0.825 → 0.82', () => {
      const r = computeFee(plan([{ type: 'kpi_bonus', perDay: '0.33', sustainMonths: 1 }]), facts({ dsoReductions: [2.5] }));
      expect(r.total).toBe(82);
    });
  });

  it('a mix is the sum of its parts: 250.00 fixed + 5% of 4,000.00 (floor 300.00 binds) + bonus 10.00 × 2.00 days', () => {
    const mix = plan([
      { type: 'fixed', amount: '250' },
      { type: 'share', percent: '5', floor: '300', cap: null },
      { type: 'kpi_bonus', perDay: '10', sustainMonths: 1 },
    ]);
    const r = computeFee(mix, facts({ cashThroughArcus: 400000, dsoReductions: [2] }));
    expect(r.lines.map((l) => l.amount)).toEqual([25000, 30000, 2000]);
    expect(r.total).toBe(57000);
  });
});

describe('the plan, validated in words', () => {
  it('refuses bands out of order, an open band before the last, a floor above the cap', () => {
    const bad = FeePlanSchema.safeParse({
      components: [
        { type: 'tiered', measure: 'invoices', bands: [{ upTo: 50, amount: '1' }, { upTo: null, amount: '2' }, { upTo: 40, amount: '3' }] },
        { type: 'share', percent: '5', floor: '900', cap: '100' },
      ],
    });
    expect(bad.success).toBe(false);
    const messages = bad.error!.issues.map((i) => i.message);
    expect(messages).toContain('Only the last band may be open.');
    expect(messages).toContain('Leave the last band open: it covers every count above the one before.');
    expect(messages).toContain('The floor must not be above the cap.');
  });
  it('refuses a percentage over 100 and an empty plan', () => {
    expect(FeePlanSchema.safeParse({ components: [{ type: 'share', percent: '120', floor: null, cap: null }] }).error!.issues[0]!.message).toBe('Enter a percentage more than 0 and at most 100.');
    expect(FeePlanSchema.safeParse({ components: [] }).error!.issues[0]!.message).toBe('Add at least one part to the plan.');
  });
  it('formats amounts by the currency’s places', () => {
    expect(moneyText(123456789, 'GBP')).toBe('1,234,567.89 GBP');
    expect(moneyText(5, 'BHD')).toBe('0.005 BHD');
    expect(moneyText(0, 'JPY')).toBe('0 JPY');
  });
});

describe('the plan against the client’s currency, and the practice ledger’s customer', () => {
  it('refuses more places than the currency has', () => {
    const plan = FeePlanSchema.parse({ components: [{ type: 'fixed', amount: '250.5' }, { type: 'share', percent: '5', floor: '10.005', cap: null }] });
    expect(amountProblems(plan, 'GBP')).toEqual([{ field: 'plan.components.1.floor', message: 'Enter at most 2 decimal places in GBP.' }]);
    expect(amountProblems(plan, 'JPY').map((p) => p.message)).toEqual(['Enter whole amounts of JPY.', 'Enter whole amounts of JPY.']);
  });
  it('matches a customer by name, ignoring case, punctuation and Ltd', () => {
    const customers = [{ id: '1', name: 'Riverside Café' }, { id: '2', name: 'HARBOUR BAKERY LTD.' }];
    expect(matchByName('Harbour Bakery', customers)?.id).toBe('2');
    expect(matchByName('Harbour Bakeries', customers)).toBeNull();
  });
});
