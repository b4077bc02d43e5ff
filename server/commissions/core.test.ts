import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allocate, clawback, type Collection, computeStatement, grossCommission, type Plan } from './core';

const BASE: Plan = { baseRate: '0.05', tiers: [], accelerator: null, cap: null, holdback: null };

const rate = fc.integer({ min: 0, max: 300_000 }).map((n) => (n / 1_000_000).toFixed(6));
const plan: fc.Arbitrary<Plan> = fc.record({
  baseRate: rate,
  tiers: fc.array(fc.record({ from: fc.integer({ min: 1, max: 5_000_000 }), rate }), { maxLength: 3 }),
  accelerator: fc.option(fc.record({ above: fc.integer({ min: 0, max: 5_000_000 }), multiplier: fc.integer({ min: 1_000_000, max: 3_000_000 }).map((n) => (n / 1_000_000).toFixed(6)) })),
  cap: fc.option(fc.integer({ min: 0, max: 200_000 })),
  holdback: fc.option(fc.record({ lateDays: fc.integer({ min: 0, max: 60 }), share: fc.integer({ min: 0, max: 1_000_000 }).map((n) => (n / 1_000_000).toFixed(6)), releaseAfterMonths: fc.integer({ min: 1, max: 6 }) })),
});
const collections: fc.Arbitrary<Collection[]> = fc
  .array(fc.record({ inv: fc.integer({ min: 1, max: 6 }), day: fc.integer({ min: 1, max: 28 }), due: fc.integer({ min: 0, max: 120 }), amount: fc.integer({ min: 1, max: 2_000_000 }) }), { maxLength: 12 })
  .map((xs) =>
    xs.map((x, i) => ({ key: `pay:${i}`, invoiceExternalId: `i${x.inv}`, invoiceNumber: `INV-${x.inv}`, date: `2026-03-${String(x.day).padStart(2, '0')}`, dueDate: new Date(Date.UTC(2026, 2, x.day) - x.due * 86_400_000).toISOString().slice(0, 10), amount: x.amount })),
  );

describe('commission core', () => {
  it('computes marginal tiers, the accelerator and the cap by hand', () => {
    // 10,000.00 collected: 5% on the first 5,000.00 (250.00), 8% on the rest (400.00) = 650.00
    expect(grossCommission({ ...BASE, tiers: [{ from: 500_000, rate: '0.08' }] }, 1_000_000)).toBe(65_000);
    // accelerator ×1.5 above 8,000.00: 5% × 8,000 = 400 + 5% × 1.5 × 2,000 = 150 → 550.00
    expect(grossCommission({ ...BASE, accelerator: { above: 800_000, multiplier: '1.5' } }, 1_000_000)).toBe(55_000);
    const capped = computeStatement({ plan: { ...BASE, cap: 30_000 }, month: '2026-03', collections: [{ key: 'a', invoiceExternalId: 'i', invoiceNumber: 'I', date: '2026-03-02', dueDate: null, amount: 1_000_000 }], reversals: [], history: new Map(), held: [] });
    expect(capped.totals).toMatchObject({ gross: 50_000, earned: 30_000, total: 30_000 });
  });

  it('splits by largest remainder', () => {
    expect(allocate(100, [1, 1, 1])).toEqual([34, 33, 33]);
    expect(allocate(-100, [1, 1, 1])).toEqual([-34, -33, -33]);
  });

  it('per-line commissions sum exactly to the total, and the cap is never exceeded', () => {
    fc.assert(
      fc.property(plan, collections, (p, cs) => {
        const s = computeStatement({ plan: p, month: '2026-03', collections: cs, reversals: [], history: new Map(), held: [] });
        const lines = s.lines.filter((l) => l.kind === 'commission');
        expect(lines.reduce((a, l) => a + l.commission, 0)).toBe(s.totals.earned);
        expect(s.lines.reduce((a, l) => a + l.payable, 0)).toBe(s.totals.total);
        expect(s.totals.total + s.totals.held).toBe(s.totals.earned);
        if (p.cap !== null) expect(s.totals.earned).toBeLessThanOrEqual(p.cap);
        for (const l of lines) expect(l.commission).toBeGreaterThanOrEqual(0);
      }),
      { numRuns: 300 },
    );
  });

  it('a full clawback reverses exactly what was paid, however it is split', () => {
    fc.assert(
      fc.property(plan, collections, fc.array(fc.integer({ min: 1, max: 100 }), { minLength: 1, maxLength: 4 }), (p, cs, pieces) => {
        const march = computeStatement({ plan: p, month: '2026-03', collections: cs, reversals: [], history: new Map(), held: [] });
        const history = new Map<string, { collected: number; paid: number }>();
        for (const l of march.lines) {
          const h = history.get(l.invoiceExternalId) ?? { collected: 0, paid: 0 };
          history.set(l.invoiceExternalId, { collected: h.collected + l.base, paid: h.paid + l.payable });
        }
        // Every invoice reversed in full in April, in several credit notes.
        const reversals = [...history].flatMap(([inv, h]) => {
          const parts = allocate(h.collected, pieces);
          return parts.map((amount, i) => ({ key: `cn:${inv}:${i}`, invoiceExternalId: inv, invoiceNumber: inv, date: `2026-04-${String(i + 1).padStart(2, '0')}`, amount }));
        });
        const april = computeStatement({ plan: p, month: '2026-04', collections: [], reversals, history, held: [] });
        const paid = march.lines.reduce((a, l) => a + l.payable, 0);
        expect(april.totals.clawedBack).toBe(paid);
        expect(april.lines.filter((l) => l.kind === 'clawback').reduce((a, l) => a + l.payable, 0) + paid).toBe(0);
        // Held amounts of reversed invoices are forfeited, never released.
        expect(april.totals.released).toBe(0);
        expect(april.totals.forfeited).toBe(0);
      }),
      { numRuns: 300 },
    );
  });

  it('never claws back more than was paid', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e9 }), fc.integer({ min: 0, max: 1e7 }), fc.integer({ min: 1, max: 1e9 }), (collected, paid, amount) => {
        const c = clawback({ collected, paid }, Math.min(amount, collected));
        expect(c).toBeLessThanOrEqual(paid);
        expect(c).toBeGreaterThanOrEqual(0);
      }),
    );
  });

  it('holds back a share of late payments and releases it later, or forfeits it on a reversal', () => {
    const p: Plan = { ...BASE, baseRate: '0.1', holdback: { lateDays: 30, share: '0.5', releaseAfterMonths: 2 } };
    const march = computeStatement({ plan: p, month: '2026-03', collections: [{ key: 'a', invoiceExternalId: 'i', invoiceNumber: 'I', date: '2026-03-20', dueDate: '2026-01-31', amount: 100_000 }], reversals: [], history: new Map(), held: [] });
    expect(march.lines[0]).toMatchObject({ commission: 10_000, held: 5_000, payable: 5_000, releaseMonth: '2026-05' });
    const held = [{ key: 'a', invoiceExternalId: 'i', invoiceNumber: 'I', amount: 5_000, releaseMonth: '2026-05' }];
    const may = computeStatement({ plan: p, month: '2026-05', collections: [], reversals: [], history: new Map([['i', { collected: 100_000, paid: 5_000 }]]), held });
    expect(may.totals).toMatchObject({ released: 5_000, total: 5_000 });
    const april = computeStatement({ plan: p, month: '2026-04', collections: [], reversals: [{ key: 'cn', invoiceExternalId: 'i', invoiceNumber: 'I', date: '2026-04-03', amount: 100_000 }], history: new Map([['i', { collected: 100_000, paid: 5_000 }]]), held });
    expect(april.totals).toMatchObject({ clawedBack: 5_000, forfeited: 5_000, released: 0, total: -5_000 });
  });
});
