/** The pure parts of analytics: pro-rata splits, data-quality checks, CSV, target progress. */
import { describe, expect, it } from 'vitest';
import { toCsv } from '../../server/analytics/csv';
import { checkContacts, isValidEmail, isValidPhone, normaliseName } from '../../server/analytics/data-quality';
import { splitByWeights, splitInvoice } from '../../server/analytics/split';
import { goalOf, targetProgress } from '../../server/analytics/targets';
import { computeMetrics } from '../../server/domain/metrics';
import { invoice } from '../../server/domain/metrics/test-invoice';

describe('pro-rata splits', () => {
  it('splits exactly with the largest remainders, ties to the earlier part', () => {
    expect(splitByWeights(100, [1n, 1n, 1n])).toEqual([34, 33, 33]);
    expect(splitByWeights(1001, [30000n, 20000n])).toEqual([601, 400]);
    expect(splitByWeights(-100, [1n, 1n, 1n])).toEqual([-34, -33, -33]);
    expect(splitByWeights(0, [5n, 7n])).toEqual([0, 0]);
  });

  it('keeps every part settled when the invoice is, and the sums exact', () => {
    const inv = invoice('2024-01-01', '2024-01-31', '100.01', [
      ['2024-01-10', '33.33'],
      ['2024-02-05', '-10.00'],
      ['2024-02-20', '76.68'],
    ]);
    const parts = splitInvoice(inv, [1n, 1n, 1n]);
    expect(parts.reduce((s, p) => s + p.total, 0)).toBe(inv.total);
    for (const day of ['2024-01-10', '2024-02-05', '2024-02-20']) {
      const settled = (list: { date: string; amount: number }[]) => list.filter((s) => s.date <= day).reduce((x, s) => x + s.amount, 0);
      expect(parts.reduce((s, p) => s + settled(p.settlements), 0)).toBe(settled(inv.settlements));
    }
    const period = { from: '2024-02-01', to: '2024-02-29' };
    const whole = computeMetrics([inv], period);
    const split = computeMetrics(parts, period);
    expect([split.arOpen, split.arEnd, split.collected, split.dbt]).toEqual([whole.arOpen, whole.arEnd, whole.collected, whole.dbt]);
  });
});

describe('data quality checks', () => {
  it('normalises names for likely duplicates', () => {
    expect(normaliseName('Acme Ltd')).toBe('acme');
    expect(normaliseName('ACME  Limited')).toBe('acme');
    expect(normaliseName('Acme, Inc.')).toBe('acme');
    expect(normaliseName('The Smith & Sons Co.')).toBe('smith and sons');
    expect(normaliseName('Café Olé LLC')).toBe('cafe ole');
    expect(normaliseName('Ltd')).toBe('ltd');
  });

  it('judges emails and phones sanely', () => {
    for (const ok of ['ap@acme.example', 'first.last+ar@sub.domain.co.uk']) expect(isValidEmail(ok)).toBe(true);
    for (const bad of ['bob@@acme', 'no-at-sign.example', 'a@b', 'a..b@c.com', '.a@c.com', 'a b@c.com', 'a@-c.com']) expect(isValidEmail(bad)).toBe(false);
    for (const ok of ['+1 (555) 123-4567', '020 7946 0958', '555-1234 x12']) expect(isValidPhone(ok)).toBe(true);
    for (const bad of ['123', 'call me', '+1 555 CALL NOW', '1234567890123456']) expect(isValidPhone(bad)).toBe(false);
  });

  it('finds contacts sharing an email address', () => {
    const findings = checkContacts(
      [
        { id: 'a', externalId: 'a', name: 'North Ltd', emails: [{ address: 'AP@shared.example' }], phones: [{ number: '5551234567' }], addresses: [{ line1: 'x' }] },
        { id: 'b', externalId: 'b', name: 'South Ltd', emails: [{ address: 'ap@shared.example' }], phones: [{ number: '5551234567' }], addresses: [{ city: 'y' }] },
      ],
      'quickbooks',
    );
    expect(findings.map((f) => [f.kind, f.name, f.detail, f.link])).toEqual([
      ['duplicate_email', 'North Ltd', 'Shares ap@shared.example with “South Ltd”', 'https://app.qbo.intuit.com/app/customerdetail?nameId=a'],
      ['duplicate_email', 'South Ltd', 'Shares ap@shared.example with “North Ltd”', 'https://app.qbo.intuit.com/app/customerdetail?nameId=b'],
    ]);
  });
});

describe('CSV', () => {
  it('quotes what needs quoting, guards formulas, writes exact amounts and empty nulls', () => {
    const csv = toCsv(
      [
        { header: 'name', value: (r: { name: string; amount: number; ratio: number | null }) => r.name },
        { header: 'amount', type: 'amount', value: (r) => r.amount },
        { header: 'ratio', type: 'number', value: (r) => r.ratio },
      ],
      [
        { name: 'Plain', amount: 123456, ratio: 1.5 },
        { name: 'Comma, "quoted"\nline', amount: -7, ratio: null },
        { name: '=SUM(A1)', amount: 0, ratio: 0 },
        { name: ' padded ', amount: 100000000000, ratio: -2 },
      ],
    );
    expect(csv).toBe('name,amount,ratio\r\nPlain,1234.56,1.5\r\n"Comma, ""quoted""\nline",-0.07,\r\n\'=SUM(A1),0.00,0\r\n" padded ",1000000000.00,-2\r\n');
  });
});

describe('target progress', () => {
  const dso = { metric: 'dso' as const, baselineValue: 60, baselineDate: '2024-01-01', goalKind: 'relative' as const, goalValue: -15, dueDate: '2024-07-01' };
  it('computes the goal exactly', () => {
    expect(goalOf(dso)).toBe(51);
    expect(goalOf({ baselineValue: 33.33, goalKind: 'relative', goalValue: -15 })).toBe(28.33); // 28.3305
    expect(goalOf({ baselineValue: 70, goalKind: 'absolute', goalValue: 85 })).toBe(85);
  });

  it('reads progress the same way for metrics that should fall and rise', () => {
    expect(targetProgress(dso, 55.5, '2024-04-01')).toMatchObject({ goal: 51, progressPct: 50, expectedPct: 50, status: 'on_track' });
    expect(targetProgress(dso, 58, '2024-04-01')).toMatchObject({ progressPct: 22.22, status: 'behind' });
    expect(targetProgress(dso, 50, '2024-04-01')).toMatchObject({ progressPct: 111.11, status: 'achieved' });
    expect(targetProgress(dso, 58, '2024-08-01')).toMatchObject({ expectedPct: 100, status: 'missed' });
    expect(targetProgress(dso, 63, '2024-02-01')).toMatchObject({ progressPct: -33.33, status: 'behind' });
    expect(targetProgress(dso, null, '2024-02-01')).toMatchObject({ progressPct: null, status: 'no_data' });
    const cei = { metric: 'cei' as const, baselineValue: 70, baselineDate: '2024-01-01', goalKind: 'absolute' as const, goalValue: 85, dueDate: '2024-12-31' };
    expect(targetProgress(cei, 77.5, '2024-03-01')).toMatchObject({ progressPct: 50, status: 'on_track' });
  });
});
