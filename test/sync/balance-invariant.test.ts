/** The balance invariant's pure check (server/sync/balance-invariant.ts). */
import { describe, expect, it } from 'vitest';
import { checkBalances, type InvariantInvoice, settlementDate } from '../../server/sync/balance-invariant';

const base: InvariantInvoice = { id: 'i1', externalId: 'x1', number: 'INV-1', status: 'authorised', issueDate: '2026-03-01', total: 10_000, amountDue: 10_000, fullyPaidOn: null, settledOn: null, settlements: [] };
const inv = (patch: Partial<InvariantInvoice>): InvariantInvoice => ({ ...base, ...patch });

describe('settlementDate', () => {
  it('is the first day of the final run at zero or below, never before the issue date', () => {
    expect(settlementDate(100, '2026-03-01', [])).toBeNull();
    expect(settlementDate(100, '2026-03-01', [{ date: '2026-03-05', amount: 60 }])).toBeNull();
    expect(settlementDate(100, '2026-03-01', [{ date: '2026-03-09', amount: 40 }, { date: '2026-03-05', amount: 60 }])).toBe('2026-03-09');
    expect(settlementDate(100, '2026-03-01', [{ date: '2026-02-20', amount: 100 }])).toBe('2026-03-01');
    expect(settlementDate(0, '2026-03-01', [])).toBe('2026-03-01');
  });
});

describe('checkBalances', () => {
  it('passes an open, a part-paid and a settled invoice whose numbers agree', () => {
    expect(
      checkBalances([
        base,
        inv({ amountDue: 4_000, settlements: [{ date: '2026-03-10', amount: 6_000 }] }),
        inv({ status: 'paid', amountDue: 0, fullyPaidOn: '2026-03-20', settledOn: '2026-03-20', settlements: [{ date: '2026-03-10', amount: 6_000 }, { date: '2026-03-20', amount: 4_000 }] }),
        // Left out, as the analytics leave them out.
        inv({ status: 'voided', amountDue: 0 }),
        inv({ status: 'draft', amountDue: 123 }),
      ]),
    ).toEqual([]);
  });

  it('an invoice the ledger settled by a source Arcus does not count is a balance violation', () => {
    const [v, ...rest] = checkBalances([inv({ status: 'paid', amountDue: 0, fullyPaidOn: '2026-03-20', settledOn: null })]);
    expect(rest).toEqual([]);
    expect(v).toMatchObject({ id: 'i1', externalId: 'x1', kind: 'balance' });
    expect(v!.message).toBe("INV-1: the ledger's balance is 0.00, Arcus explains 100.00 (total 100.00 − settled 0.00)");
  });

  it('settled_on out of step with the settlements', () => {
    const paid = { status: 'paid', amountDue: 0, settlements: [{ date: '2026-03-20', amount: 10_000 }] };
    expect(checkBalances([inv({ ...paid, settledOn: null })])[0]?.kind).toBe('unsettled');
    expect(checkBalances([inv({ ...paid, settledOn: '2026-03-21' })])[0]?.kind).toBe('settled_on');
    expect(checkBalances([inv({ settledOn: '2026-03-21' })])[0]?.kind).toBe('settled_while_due');
  });

  it("a settlement date other than the ledger's fully-paid date", () => {
    const v = checkBalances([inv({ status: 'paid', amountDue: 0, fullyPaidOn: '2026-03-22', settledOn: '2026-03-20', settlements: [{ date: '2026-03-20', amount: 10_000 }] })]);
    expect(v.map((x) => x.kind)).toEqual(['paid_date']);
    // A payment dated before the issue date settles on the issue date, as the analytics count it.
    expect(checkBalances([inv({ status: 'paid', amountDue: 0, fullyPaidOn: '2026-02-25', settledOn: '2026-03-01', settlements: [{ date: '2026-02-25', amount: 10_000 }] })])).toEqual([]);
  });
});
