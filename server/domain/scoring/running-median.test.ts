import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { median } from './metrics';
import { IntegerMedian, RunningMedian } from './running-median';

describe('running medians', () => {
  it('RunningMedian equals the sorted median after every insert', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -200, max: 200 }), { minLength: 1, maxLength: 60 }), (xs) => {
        const rm = new RunningMedian();
        xs.forEach((x, i) => {
          rm.push(x);
          expect(rm.median()).toBe(median(xs.slice(0, i + 1)));
        });
      }),
    );
  });

  it('IntegerMedian equals the sorted median for whole numbers in range', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -4000, max: 4000 }), { minLength: 1, maxLength: 60 }), (xs) => {
        const im = new IntegerMedian();
        xs.forEach((x, i) => {
          im.push(x);
          expect(im.median()).toBe(median(xs.slice(0, i + 1)));
        });
      }),
    );
  });

  it('are NaN when empty and reusable after clear()', () => {
    const rm = new RunningMedian();
    expect(rm.median()).toBeNaN();
    rm.push(5);
    rm.clear();
    expect(rm.size).toBe(0);
    rm.push(7);
    expect(rm.median()).toBe(7);
    expect(new IntegerMedian().median()).toBeNaN();
  });
});
