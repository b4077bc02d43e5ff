import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays, fromDayNumber, toDayNumber } from '../../kernel/dates';
import { CancelError, creditShare, lineCredit, linesOf, monthOfTerm, noticeLines, periodFromText, planCancellation, type CancelInvoice, type ServiceTerms } from './core';

const day = (n: number) => fromDayNumber(toDayNumber('2026-01-01') + n);
const lineArb = fc.record({ lineNo: fc.integer({ min: 1, max: 50 }), description: fc.constant('Service'), net: fc.integer({ min: 0, max: 10_000_000_00 }), tax: fc.integer({ min: 0, max: 2_000_000_00 }) });
const invoiceArb = fc
  .tuple(fc.uniqueArray(lineArb, { minLength: 1, maxLength: 6, selector: (l) => l.lineNo }), fc.integer({ min: 0, max: 100 }), fc.boolean())
  .map(([lines, openPct, all]): CancelInvoice => {
    const total = lines.reduce((s, l) => s + l.net + l.tax, 0);
    return { invoiceId: `i${lines[0]!.lineNo}`, number: 'INV-1', currency: 'GBP', open: Math.floor((total * openPct) / 100), lines, chosen: all ? 'all' : lines.slice(0, Math.ceil(lines.length / 2)).map((l) => l.lineNo) };
  });
const termsArb = fc
  .tuple(fc.integer({ min: 0, max: 400 }), fc.integer({ min: 1, max: 800 }), fc.integer({ min: -100, max: 1300 }), fc.constantFrom('by_days' as const, 'fixed_schedule' as const))
  .map(([s, len, e, method]): ServiceTerms => ({ start: day(s), end: day(s + len), effective: day(s + e - 100), method }));

describe('cancellation core: properties', () => {
  it('a line’s credit never exceeds the line; sums are exact; allocation never exceeds the open balance', () => {
    fc.assert(
      fc.property(invoiceArb, termsArb, (inv, terms) => {
        const r = planCancellation({ invoices: [inv], terms });
        const i = r.invoices[0]!;
        for (const l of i.lines) {
          expect(l.credit).toBeLessThanOrEqual(l.lineTotal);
          expect(l.net).toBeGreaterThanOrEqual(0);
          expect(l.tax).toBeGreaterThanOrEqual(0);
          expect(l.credit).toBe(l.net + l.tax);
        }
        expect(i.credit).toBe(i.lines.reduce((s, l) => s + l.credit, 0));
        expect(i.allocated).toBeLessThanOrEqual(i.open);
        expect(i.allocated + i.leftAsCredit).toBe(i.credit);
        expect(i.leftAsCredit).toBeGreaterThanOrEqual(0);
        expect(r.credit).toBe(r.allocated + r.leftAsCredit);
      }),
      { numRuns: 500 },
    );
  });

  it('nothing when the cancellation takes effect on or after the end; everything on or before the start', () => {
    fc.assert(
      fc.property(invoiceArb, termsArb, fc.integer({ min: 0, max: 500 }), (inv, terms, k) => {
        const late = planCancellation({ invoices: [inv], terms: { ...terms, effective: addDays(terms.end, k) } });
        expect(late.credit).toBe(0);
        const early = planCancellation({ invoices: [{ ...inv, chosen: 'all' }], terms: { ...terms, effective: addDays(terms.start, -k) } });
        expect(early.credit).toBe(inv.lines.reduce((s, l) => s + l.net + l.tax, 0));
      }),
      { numRuns: 300 },
    );
  });

  it('by days: more unused days never credit less', () => {
    fc.assert(
      fc.property(lineArb, fc.integer({ min: 2, max: 800 }), fc.integer({ min: 0, max: 800 }), (line, len, e) => {
        const terms = (eff: number): ServiceTerms => ({ start: day(0), end: day(len), effective: day(eff), method: 'by_days' });
        const a = lineCredit(line, creditShare(terms(Math.min(e, len))));
        const b = lineCredit(line, creditShare(terms(Math.min(e + 1, len))));
        expect(b.credit).toBeLessThanOrEqual(a.credit);
      }),
    );
  });

  it('linesOf: the lines add up to the invoice total exactly (invoice-level tax spread by net)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 1_000_000 }), { minLength: 1, maxLength: 8 }), fc.integer({ min: 0, max: 300_000 }), (nets, tax) => {
        const total = nets.reduce((s, n) => s + n, 0) + tax;
        const lines = linesOf({ number: 'X', total, totalTax: tax }, nets.map((n, i) => ({ lineNo: i + 1, description: 'L', net: n, tax: 0 })));
        expect(lines.reduce((s, l) => s + l.net + l.tax, 0)).toBe(total);
      }),
    );
  });

  it('linesOf with tax codes (decision 061): invoice-level tax only on the taxed lines, codes kept, the total exact; a credit is its net plus its tax', () => {
    const code = fc.constantFrom<string | null>(null, 'NON', 'TAX', '2');
    fc.assert(
      fc.property(fc.array(fc.record({ net: fc.integer({ min: 0, max: 1_000_000 }), code }), { minLength: 1, maxLength: 8 }), fc.integer({ min: 0, max: 300_000 }), fc.integer({ min: 0, max: 365 }), (ls, tax, unused) => {
        const total = ls.reduce((s, l) => s + l.net, 0) + tax;
        const lines = linesOf({ number: 'X', total, totalTax: tax }, ls.map((l, i) => ({ lineNo: i + 1, description: 'L', net: l.net, tax: 0, taxCode: l.code })));
        expect(lines.reduce((s, l) => s + l.net + l.tax, 0)).toBe(total);
        if (lines.length === ls.length) {
          expect(lines.map((l) => l.taxCode)).toEqual(ls.map((l) => l.code));
          const taxed = ls.some((l) => (l.code === 'TAX' || l.code === '2') && l.net > 0);
          if (taxed) {
            lines.forEach((l, i) => {
              if (ls[i]!.code !== 'TAX' && ls[i]!.code !== '2') expect(l.tax).toBe(0);
            });
          }
        }
        for (const l of lines) {
          const c = lineCredit(l, { num: BigInt(unused), den: 365n });
          expect(c.credit).toBe(c.net + c.tax);
          expect(c.taxCode).toBe(l.taxCode ?? null);
          expect(c.tax).toBeLessThanOrEqual(l.tax);
        }
      }),
    );
  });

  it('linesOf: 20% VAT kept by QuickBooks on the invoice goes to the taxed line only; a whole-invoice line keeps a code all lines share', () => {
    expect(linesOf({ number: 'Q', total: 130_000, totalTax: 20_000 }, [{ lineNo: 1, description: 'Support', net: 100_000, tax: 0, taxCode: '2' }, { lineNo: 2, description: 'Setup', net: 10_000, tax: 0, taxCode: 'NON' }])).toEqual([
      { lineNo: 1, description: 'Support', net: 100_000, tax: 20_000, taxCode: '2' },
      { lineNo: 2, description: 'Setup', net: 10_000, tax: 0, taxCode: 'NON' },
    ]);
    expect(linesOf({ number: 'D', total: 10_800, totalTax: 1_800 }, [{ lineNo: 1, description: 'A', net: 10_000, tax: 2_000, taxCode: 'OUTPUT2' }, { lineNo: 2, description: 'Discount', net: -1_000, tax: -200, taxCode: 'OUTPUT2' }])[0]).toMatchObject({ lineNo: 0, net: 9_000, tax: 1_800, taxCode: 'OUTPUT2' });
  });
});

describe('cancellation core: examples', () => {
  const inv = (open: number): CancelInvoice => ({
    invoiceId: 'a',
    number: 'INV-7',
    currency: 'GBP',
    open,
    lines: [
      { lineNo: 1, description: 'Support, 2027', net: 120_000, tax: 24_000 },
      { lineNo: 2, description: 'Setup', net: 10_000, tax: 2_000 },
    ],
    chosen: [1],
  });
  const year = { start: '2027-01-01', end: '2028-01-01' };

  it('by days: 1 July of a 365-day year leaves 184 unused days; rounded half up per part', () => {
    const r = planCancellation({ invoices: [inv(146_000)], terms: { ...year, effective: '2027-07-01', method: 'by_days' } });
    // 120000 × 184 / 365 = 60493.15… → 60493; 24000 × 184 / 365 = 12098.63… → 12099
    expect(r.invoices[0]!.lines).toEqual([{ lineNo: 1, description: 'Support, 2027', lineTotal: 144_000, net: 60_493, tax: 12_099, credit: 72_592, taxCode: null }]);
    expect(r).toMatchObject({ credit: 72_592, allocated: 72_592, leftAsCredit: 0 });
  });

  it('already paid: the credit beyond what is owed is left as the customer’s credit', () => {
    const r = planCancellation({ invoices: [inv(30_000)], terms: { ...year, effective: '2027-07-01', method: 'by_days' } });
    expect(r).toMatchObject({ credit: 72_592, allocated: 30_000, leftAsCredit: 42_592 });
    expect(r.invoices[0]!.settles).toBe(true);
  });

  it('fixed schedule: the month of the term picks the percent; after the last row nothing', () => {
    expect(monthOfTerm('2027-01-31', '2027-02-27')).toBe(1);
    expect(monthOfTerm('2027-01-31', '2027-02-28')).toBe(2);
    const schedule = [
      { throughMonth: 1, percent: '90' },
      { throughMonth: 3, percent: '37.5' },
    ];
    const at = (effective: string) => planCancellation({ invoices: [inv(0)], terms: { ...year, effective, method: 'fixed_schedule', schedule } }).credit;
    expect(at('2027-01-15')).toBe(129_600);
    expect(at('2027-03-31')).toBe(54_000);
    expect(at('2027-04-01')).toBe(0);
    expect(() => planCancellation({ invoices: [inv(0)], terms: { ...year, effective: '2027-02-01', method: 'fixed_schedule', schedule: [{ throughMonth: 2, percent: '101' }] } })).toThrow(CancelError);
  });

  it('plans: a plan whose invoices owe nothing afterwards ends; one still owed shrinks last first; offers on credited invoices go', () => {
    const whole = { ...inv(146_000), chosen: 'all' as const };
    const plan = { planId: 'p', invoiceIds: ['a'], postsInvoices: false, owed: 146_000, instalments: [1, 2, 3, 4].map((seq) => ({ seq, amount: 36_500, paid: 0, status: 'due' as const, dueDate: `2027-0${seq}-01` })) };
    const offer = { offerId: 'o', invoiceId: 'a', discount: 2_000, currency: 'GBP', expiresOn: '2027-01-10' };
    const ends = planCancellation({ invoices: [whole], terms: { ...year, effective: '2026-12-01', method: 'by_days' }, plans: [plan], offers: [offer] });
    expect(ends.plans).toEqual([{ planId: 'p', kind: 'ends', cancels: plan.instalments.map((s) => ({ seq: s.seq, amount: 36_500, dueDate: s.dueDate })) }]);
    expect(ends.offers).toEqual([offer]);
    const shrinks = planCancellation({ invoices: [inv(146_000)], terms: { ...year, effective: '2027-07-01', method: 'by_days' }, plans: [plan] });
    expect(shrinks.plans[0]).toMatchObject({ kind: 'shrinks', by: 72_592, changes: [{ seq: 3, from: 36_500, to: 408 }, { seq: 4, from: 36_500, to: 0 }] });
    const none = planCancellation({ invoices: [inv(146_000)], terms: { ...year, effective: '2028-01-01', method: 'by_days' }, plans: [plan], offers: [offer] });
    expect(none.plans).toEqual([]);
    expect(none.offers).toEqual([]);
  });

  it('refuses in words: no line, a discount line, two currencies, an end before the start', () => {
    expect(() => planCancellation({ invoices: [{ ...inv(0), chosen: [9] }], terms: { ...year, effective: '2027-02-01', method: 'by_days' } })).toThrow('Choose at least one line of invoice INV-7.');
    expect(() => planCancellation({ invoices: [inv(0), { ...inv(0), currency: 'EUR' }], terms: { ...year, effective: '2027-02-01', method: 'by_days' } })).toThrow('Choose invoices in one currency');
    expect(() => planCancellation({ invoices: [inv(0)], terms: { start: '2027-01-01', end: '2027-01-01', effective: '2027-02-01', method: 'by_days' } })).toThrow('The service must end after the day it starts.');
    expect(linesOf({ number: 'INV-8', total: 9_000, totalTax: 0 }, [{ lineNo: 1, description: 'A', net: 10_000, tax: 0 }, { lineNo: 2, description: 'Discount', net: -1_000, tax: 0 }])).toEqual([{ lineNo: 0, description: 'All of invoice INV-8', net: 9_000, tax: 0, taxCode: null }]);
  });

  it('periodFromText: two dates in a description, the second the last day of service', () => {
    expect(periodFromText('Support 1 January 2027 – 31 December 2027')).toEqual({ start: '2027-01-01', end: '2028-01-01' });
    expect(periodFromText('Hosting 2027-03-01 to 2027-05-31')).toEqual({ start: '2027-03-01', end: '2027-06-01' });
    expect(periodFromText('Hosting 1 Mar 2027 to 31 May 2027')).toEqual({ start: '2027-03-01', end: '2027-06-01' });
    expect(periodFromText('Consulting')).toBeNull();
    expect(periodFromText('31 May 2027 – 1 March 2027')).toBeNull();
  });

  it('the debtor’s notice says what was credited and where it went', () => {
    const lines = noticeLines({ greeting: 'Dear Ann,', effectiveText: '1 July 2027', invoices: [{ number: 'INV-7', creditText: '£725.92', allocatedText: '£300.00', leftText: '£425.92', stillOwedText: null }], totalText: '£725.92', leftText: '£425.92', planEnded: true, signature: 'Acme' });
    expect(lines.join('\n')).toContain('Invoice INV-7: a credit of £725.92 (£300.00 taken off what you owe and £425.92 kept as credit on your account). Nothing more is owed on it.');
    expect(lines.join('\n')).toContain('payment plan are cancelled');
  });
});
