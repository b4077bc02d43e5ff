import { describe, expect, it } from 'vitest';
import { customerRisk, explain, explainReasons } from './explain';
import { FEATURE_NAMES, type InvoiceFeatures } from './features';

function features(patch: Partial<InvoiceFeatures>): InvoiceFeatures {
  const f = Object.fromEntries(FEATURE_NAMES.map((n) => [n, 0])) as InvoiceFeatures;
  return { ...f, firmLateShare: 0.35, histLateShare: 0.35, amountLog: 7, ...patch };
}

describe('explain', () => {
  it('says how late a customer pays, over how many invoices', () => {
    const f = features({ histCount: 14, histLateCount: 11, histLateShare: (11 + 5 * 0.35) / 19, histMeanDaysLate: 18.2 });
    expect(explain(f)[0]).toBe('pays 18 days late on average over 14 invoices');
  });

  it('ranks reasons by their contribution', () => {
    const f = features({
      histCount: 10,
      histLateCount: 3,
      histLateShare: (3 + 5 * 0.35) / 15, // ≈ 0.317: slightly better than the firm
      histMeanDaysLate: 3,
      histTrendPerQuarter: 8.4,
      histDisputesLastYear: 2,
      openOverdueCount: 3,
      maxDaysOverdue: 45,
    });
    expect(explain(f)[0]).toBe('3 invoices overdue now (oldest 45 days past due)');
    const codes = explainReasons(f).map((r) => r.code);
    expect(codes).toEqual(['overdue_now', 'disputes', 'trend_later', 'history_on_time']);
    expect(explain(f)).toContain('2 disputes this year');
    expect(explain(f)).toContain('paying later each quarter (+8 days per quarter)');
    const contributions = explainReasons(f).map((r) => Math.abs(r.contribution));
    expect([...contributions].sort((a, b) => b - a)).toEqual(contributions);
  });

  it('names a customer without history and a disputed invoice', () => {
    const f = features({ histCount: 0, disputed: 1 });
    expect(explain(f)).toEqual(['this invoice is disputed', 'no payment history yet: firm-wide rates apply']);
  });

  it('notes an unusually large invoice', () => {
    const f = features({ histCount: 5, histLateShare: 0.2, tenureDays: 200, amountVsTypical: Math.log(3.2) });
    expect(explain(f)).toContain('invoice is 3.2× their typical amount');
  });

  it('caps the number of reasons', () => {
    const f = features({ histCount: 10, histLateCount: 8, histLateShare: 0.6, histMeanDaysLate: 20, histTrendPerQuarter: 5, histDisputesLastYear: 1, disputed: 1, openOverdueCount: 1, maxDaysOverdue: 10 });
    expect(explain(f, 2)).toHaveLength(2);
  });
});

describe('customerRisk', () => {
  it('segments by the documented rules, first match wins', () => {
    expect(customerRisk(features({ histCount: 1 })).segment).toBe('new');
    expect(customerRisk(features({ histCount: 1, maxDaysOverdue: 120 })).segment).toBe('bad_debt_risk');
    expect(customerRisk(features({ histCount: 6, histLateCount: 5, histMeanDaysLate: 70 })).segment).toBe('bad_debt_risk');
    expect(customerRisk(features({ histCount: 10, histLateCount: 7, histMeanDaysLate: 12 })).segment).toBe('chronic_late');
    expect(customerRisk(features({ histCount: 10, histLateCount: 2, histTrendPerQuarter: 4, histRecentPastDue: 6, histMedianPastDue: -2 })).segment).toBe('deteriorating');
    expect(customerRisk(features({ histCount: 10, histLateCount: 4, histMeanDaysLate: 3 })).segment).toBe('slow');
    expect(customerRisk(features({ histCount: 10, histLateCount: 1, histMeanDaysLate: 1 })).segment).toBe('reliable');
  });

  it('scores 0–100, higher for more risk', () => {
    const reliable = customerRisk(features({ histCount: 12, histLateShare: 0.1 }));
    const overdue = customerRisk(features({ histCount: 12, histLateShare: 0.1, maxDaysOverdue: 60 }));
    const worst = customerRisk(features({ histCount: 12, histLateShare: 0.9, maxDaysOverdue: 400, histTrendPerQuarter: 30 }));
    expect(reliable.score0to100).toBe(10);
    expect(overdue.score0to100).toBeGreaterThan(reliable.score0to100);
    expect(worst.score0to100).toBe(100);
    expect(customerRisk(features({ histCount: 12 }), 0.42).score0to100).toBe(42);
  });
});
