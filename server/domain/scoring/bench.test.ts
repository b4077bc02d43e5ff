import { describe, expect, it } from 'vitest';
import { benchScoringDetail } from './bench';

// The throughput figure belongs to `npm run bench`; this only checks the function runs.
describe('benchScoring', () => {
  it('returns a positive rate for a small run', () => {
    const r = benchScoringDetail(3000);
    expect(r.invoices).toBe(3000);
    expect(r.invoicesPerSecond).toBeGreaterThan(0);
    expect(Number.isFinite(r.invoicesPerSecond)).toBe(true);
  });
});
