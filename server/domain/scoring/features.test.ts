import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays, diffDays, maxDate } from '../../../kernel/dates';
import { customerSnapshots, DEFAULT_EFFECTS, extractFeatures, F, FEATURE_COUNT, FEATURE_NAMES, featuresOf, forEachFeatureRow } from './features';
import type { ScoringInvoice } from './invoice';
import { median } from './metrics';

function inv(p: Partial<ScoringInvoice> & { id: string; issueDate: string }): ScoringInvoice {
  return {
    customerId: 'X',
    dueDate: addDays(p.issueDate, 30),
    amount: 100_00,
    settledDate: null,
    disputed: false,
    ...p,
  };
}

const row = (invoices: ScoringInvoice[], id: string) => {
  const m = extractFeatures(invoices);
  return featuresOf(m, invoices.findIndex((i) => i.id === id));
};

describe('no leakage: features see only what was known on the issue date', () => {
  const base = (aSettled: string) => [
    inv({ id: 'A', issueDate: '2024-01-10', dueDate: '2024-02-09', settledDate: aSettled, disputed: true }),
    inv({ id: 'B', issueDate: '2024-02-01' }),
    inv({ id: 'C', issueDate: '2024-03-01' }),
    inv({ id: 'D', issueDate: '2024-03-02' }),
  ];

  it('an invoice settled on or after the issue date is known only as open', () => {
    const invoices = base('2024-03-01');
    const b = row(invoices, 'B');
    expect(b.histCount).toBe(0);
    expect(b.openCount).toBe(1); // A issued before B, not yet settled
    expect(b.openOverdueCount).toBe(0); // A falls due 02-09, after B's issue
    const c = row(invoices, 'C');
    expect(c.histCount).toBe(0); // A settled ON C's issue date: not before it
    expect(c.openCount).toBe(2);
    expect(c.openOverdueCount).toBe(1);
    expect(c.maxDaysOverdue).toBe(21); // 2024-03-01 − 2024-02-09
    expect(c.histDisputesLastYear).toBe(0);
    const d = row(invoices, 'D');
    expect(d.histCount).toBe(1); // A settled the day before
    expect(d.histLateCount).toBe(1);
    expect(d.histMedianDaysToSettle).toBe(diffDays('2024-01-10', '2024-03-01'));
    expect(d.histDisputesLastYear).toBe(1);
  });

  it("changing a later outcome changes nothing in an earlier invoice's features", () => {
    const early = base('2024-03-01');
    const later = base('2024-09-30');
    for (const id of ['A', 'B', 'C']) expect(row(later, id)).toEqual(row(early, id));
    // …while D, issued after A settled in `early`, does see the difference.
    expect(row(later, 'D').histCount).toBe(0);
  });

  it("an invoice's own outcome never reaches its own features", () => {
    const a1 = row([inv({ id: 'A', issueDate: '2024-01-10', settledDate: '2024-01-10' })], 'A');
    const a2 = row([inv({ id: 'A', issueDate: '2024-01-10', settledDate: '2024-05-10' })], 'A');
    expect(a1).toEqual(a2);
    expect(a1.histCount).toBe(0);
    expect(a1.openCount).toBe(0);
  });
});

const adjustedPastDue = (x: ScoringInvoice) =>
  diffDays(x.dueDate, maxDate(x.settledDate!, x.issueDate)) - (x.disputed ? DEFAULT_EFFECTS.disputed : 0) - (x.paperless ? DEFAULT_EFFECTS.paperless : 0);

/** Brute force, O(n²): the definitions the sweep must reproduce. */
function reference(invoices: ScoringInvoice[], q: ScoringInvoice) {
  const D = q.issueDate;
  const settled = (x: ScoringInvoice) => (x.settledDate === null ? null : maxDate(x.settledDate, x.issueDate));
  const mine = invoices.filter((x) => x.customerId === q.customerId && x !== q);
  const hist = mine.filter((x) => settled(x) !== null && settled(x)! < D);
  const open = mine.filter((x) => x.issueDate < D && (settled(x) === null || settled(x)! >= D));
  const overdue = open.filter((x) => x.dueDate < D);
  const firm = invoices.filter((x) => settled(x) !== null && settled(x)! < D);
  const oldestDue = open.length ? open.map((x) => x.dueDate).sort()[0]! : null;
  return {
    histCount: hist.length,
    histLateCount: hist.filter((x) => settled(x)! > x.dueDate).length,
    histMedianDaysToSettle: hist.length ? median(hist.map((x) => diffDays(x.issueDate, settled(x)!))) : undefined,
    histMedianPastDue: hist.length ? median(hist.map((x) => diffDays(x.dueDate, settled(x)!))) : undefined,
    histDisputesLastYear: hist.filter((x) => x.disputed && diffDays(settled(x)!, D) <= 365).length,
    openCount: open.length,
    openOverdueCount: overdue.length,
    maxDaysOverdue: oldestDue !== null ? Math.max(0, diffDays(oldestDue, D)) : 0,
    tenureDays: mine.some((x) => x.issueDate < D) ? diffDays(mine.filter((x) => x.issueDate < D).map((x) => x.issueDate).sort()[0]!, D) : 0,
    firmLateShare: firm.length ? firm.filter((x) => settled(x)! > x.dueDate).length / firm.length : undefined,
    // Decision 057: days past due less the fixed effects of the invoice's own flags.
    histMedianPastDueAdjusted: hist.length ? median(hist.map(adjustedPastDue)) : firm.length ? median(firm.map(adjustedPastDue)) : undefined,
    histMedianPastDueAdjustedShrunk:
      hist.length && firm.length ? (hist.length * median(hist.map(adjustedPastDue)) + median(firm.map(adjustedPastDue))) / (hist.length + 1) : undefined,
  };
}

const arbInvoices = fc
  .array(
    fc.record({
      c: fc.integer({ min: 0, max: 3 }),
      issue: fc.integer({ min: 0, max: 120 }),
      terms: fc.constantFrom(0, 14, 30),
      pay: fc.option(fc.integer({ min: 0, max: 90 }), { freq: 5 }),
      disputed: fc.boolean(),
      paperless: fc.boolean(),
      amount: fc.integer({ min: 1, max: 1_000_000 }),
    }),
    { minLength: 1, maxLength: 40 },
  )
  .map((rs) =>
    rs.map(
      (r, i): ScoringInvoice => ({
        id: `I${i}`,
        customerId: `C${r.c}`,
        issueDate: addDays('2023-01-01', r.issue),
        dueDate: addDays('2023-01-01', r.issue + r.terms),
        amount: r.amount,
        settledDate: r.pay === null ? null : addDays('2023-01-01', r.issue + r.pay),
        disputed: r.disputed,
        paperless: r.paperless,
        countryCode: r.c % 2 ? 'A' : 'B',
      }),
    ),
  );

describe('the sweep equals the brute-force definitions', () => {
  it('on random histories (same-day issues, settlements and due dates included)', () => {
    fc.assert(
      fc.property(arbInvoices, (invoices) => {
        const m = extractFeatures(invoices);
        invoices.forEach((q, i) => {
          const got = featuresOf(m, i);
          const want = reference(invoices, q);
          for (const [k, v] of Object.entries(want)) {
            if (v === undefined) continue;
            expect(got[k as keyof typeof got], `${q.id} ${k}`).toBeCloseTo(v, 9);
          }
        });
      }),
      { numRuns: 150 },
    );
  });

  it('does not depend on input order (beyond float rounding), and streams the same rows it stores', () => {
    fc.assert(
      fc.property(arbInvoices, fc.integer(), (invoices, seed) => {
        const shuffled = [...invoices].sort((a, b) => ((Number(a.id.slice(1)) * 7919 + seed) % 101) - ((Number(b.id.slice(1)) * 7919 + seed) % 101));
        const m1 = extractFeatures(invoices);
        const m2 = extractFeatures(shuffled);
        // Same-day events are summed in input order, so floating-point sums may differ in the
        // last bit; anything beyond that would be a real order dependence.
        shuffled.forEach((x, j) => {
          const want = featuresOf(m1, invoices.indexOf(x));
          const got = featuresOf(m2, j);
          for (const [k, v] of Object.entries(want)) expect(got[k as keyof typeof got], `${x.id} ${k}`).toBeCloseTo(v, 9);
        });
        const seen = new Set<number>();
        forEachFeatureRow(invoices, (i, r) => {
          seen.add(i);
          expect(Array.from(r)).toEqual(Array.from(m1.data.subarray(i * FEATURE_COUNT, (i + 1) * FEATURE_COUNT)));
        });
        expect(seen.size).toBe(invoices.length);
      }),
      { numRuns: 50 },
    );
  });

  it('gives every feature a finite value', () => {
    fc.assert(
      fc.property(arbInvoices, (invoices) => {
        const m = extractFeatures(invoices);
        for (let i = 0; i < m.data.length; i++) expect(Number.isFinite(m.data[i]!), FEATURE_NAMES[i % FEATURE_COUNT]).toBe(true);
      }),
      { numRuns: 50 },
    );
  });
});

describe('no leakage, on random histories (decision 057)', () => {
  it("an invoice's row is unchanged when its own outcome or any outcome not yet known on its issue date changes", () => {
    fc.assert(
      fc.property(arbInvoices, fc.nat(), fc.array(fc.option(fc.integer({ min: 0, max: 200 }), { freq: 3 }), { minLength: 40, maxLength: 40 }), (invoices, pick, shifts) => {
        const q = invoices[pick % invoices.length]!;
        // Every outcome unknown on q's issue date (open then, or settled on or after it — q's own
        // included) is moved to another day on or after that date, or made open.
        const changed = invoices.map((x, k): ScoringInvoice => {
          const unknown = x === q || x.settledDate === null || maxDate(x.settledDate, x.issueDate) >= q.issueDate;
          if (!unknown) return x;
          const shift = shifts[k % shifts.length]!;
          return { ...x, settledDate: shift === null ? null : addDays(maxDate(x.issueDate, q.issueDate), shift) };
        });
        const i = invoices.indexOf(q);
        expect(featuresOf(extractFeatures(changed), i)).toEqual(featuresOf(extractFeatures(invoices), i));
      }),
      { numRuns: 150 },
    );
  });

  it('reads the adjusted habit net of disputes and electronic billing', () => {
    // A customer paying 10 days late on paper moves to electronic billing and pays 5 days late
    // (the fixed paperless effect is −5): the adjusted habit stays at 10.
    const invoices: ScoringInvoice[] = [];
    for (let k = 0; k < 6; k++) {
      const issue = addDays('2024-01-01', k * 20);
      invoices.push(inv({ id: `p${k}`, issueDate: issue, settledDate: addDays(issue, 30 + (k < 3 ? 10 : 5)), paperless: k >= 3 }));
    }
    invoices.push(inv({ id: 'now', issueDate: '2024-06-01', paperless: true }));
    const f = row(invoices, 'now');
    expect(f.histMedianPastDueAdjusted).toBe(10);
    expect(f.histMedianPastDue).toBe(7.5);
    // Shrunk with one pseudo-invoice toward the firm's (here the same customer's) adjusted median.
    expect(f.histMedianPastDueAdjustedShrunk).toBe(10);
    expect(f.expectedDaysAdjusted).toBe(30 + 10 + DEFAULT_EFFECTS.paperless);
  });
});

describe('derived features', () => {
  it('shrinks the late share toward the firm share with k = 5', () => {
    const invoices = [
      inv({ id: 'o1', customerId: 'other', issueDate: '2024-01-01', settledDate: '2024-01-05' }), // on time
      inv({ id: 'o2', customerId: 'other', issueDate: '2024-01-01', settledDate: '2024-01-05' }), // on time
      inv({ id: 'x1', issueDate: '2024-01-01', settledDate: '2024-03-01' }), // late
      inv({ id: 'x2', issueDate: '2024-01-02', settledDate: '2024-01-20' }), // on time
      inv({ id: 'q', issueDate: '2024-04-01' }),
    ];
    const q = row(invoices, 'q');
    expect(q.firmLateShare).toBeCloseTo(1 / 4, 12);
    expect(q.histLateShare).toBeCloseTo((1 + 5 * 0.25) / (2 + 5), 12);
  });

  it('sees a customer paying later each quarter', () => {
    const invoices: ScoringInvoice[] = [];
    for (let q = 0; q < 8; q++) {
      const issue = addDays('2023-01-01', q * 45);
      invoices.push(inv({ id: `t${q}`, issueDate: issue, settledDate: addDays(issue, 20 + 5 * q) })); // +10 days a quarter
    }
    invoices.push(inv({ id: 'now', issueDate: '2024-06-01' }));
    const f = row(invoices, 'now');
    expect(f.histTrendPerQuarter).toBeGreaterThan(4);
    expect(f.histRecentPastDue).toBeGreaterThan(f.histMedianPastDue);
  });

  it('customer snapshots use what was settled before the snapshot date', () => {
    const invoices = [
      inv({ id: 'a', issueDate: '2024-01-01', settledDate: '2024-02-15' }),
      inv({ id: 'b', issueDate: '2024-01-10', settledDate: '2024-03-15' }),
      inv({ id: 'c', customerId: 'Y', issueDate: '2024-01-10' }),
    ];
    const snap = customerSnapshots(invoices, '2024-03-01');
    expect(snap.get('X')!.histCount).toBe(1);
    expect(snap.get('X')!.openCount).toBe(1);
    expect(snap.get('Y')!.histCount).toBe(0);
    expect(snap.get('Y')!.maxDaysOverdue).toBe(diffDays('2024-02-09', '2024-03-01'));
    expect(snap.get('X')![FEATURE_NAMES[F.amountLog]!]).toBe(0);
  });
});
