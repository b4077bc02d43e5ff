/**
 * Median of a growing multiset of numbers in O(log n) per insert (two binary heaps: the
 * lower half as a min-heap of negated values, the upper half as a min-heap). The median of
 * an even count is the mean of the two middle values, as in `median()`.
 */
export class RunningMedian {
  private readonly low: number[] = []; // −value, so its top is the largest of the lower half
  private readonly high: number[] = [];

  get size(): number {
    return this.low.length + this.high.length;
  }

  clear(): void {
    this.low.length = 0;
    this.high.length = 0;
  }

  push(value: number): void {
    const low = this.low;
    const high = this.high;
    if (low.length === 0 || value <= -low[0]!) minPush(low, -value);
    else minPush(high, value);
    if (low.length > high.length + 1) minPush(high, -minPop(low));
    else if (high.length > low.length) minPush(low, -minPop(high));
  }

  /** NaN when empty. */
  median(): number {
    const n = this.low.length + this.high.length;
    if (n === 0) return Number.NaN;
    if (n % 2 === 1) return -this.low[0]!;
    return (this.high[0]! - this.low[0]!) / 2;
  }
}

function minPush(h: number[], v: number): void {
  let i = h.length;
  h.push(v);
  while (i > 0) {
    const p = (i - 1) >> 1;
    const pv = h[p]!;
    if (pv <= v) break;
    h[i] = pv;
    i = p;
  }
  h[i] = v;
}

function minPop(h: number[]): number {
  const top = h[0]!;
  const last = h.pop()!;
  const n = h.length;
  if (n === 0) return top;
  let i = 0;
  for (;;) {
    const l = 2 * i + 1;
    if (l >= n) break;
    const r = l + 1;
    const c = r < n && h[r]! < h[l]! ? r : l;
    const cv = h[c]!;
    if (cv >= last) break;
    h[i] = cv;
    i = c;
  }
  h[i] = last;
  return top;
}

/**
 * Median of a growing multiset of whole numbers (day counts) — for firm-wide medians over
 * millions of invoices: a Fenwick tree of counts over [−4096, 4096), values clamped into
 * that range (a median is unaffected unless half the values lie beyond it). O(log range)
 * per insert and per query, in 64 KB.
 */
export class IntegerMedian {
  private static readonly OFFSET = 4096;
  private static readonly SIZE = 8192;
  private readonly tree = new Int32Array(IntegerMedian.SIZE + 1);
  private count = 0;

  get size(): number {
    return this.count;
  }

  push(value: number): void {
    const v = Math.max(-IntegerMedian.OFFSET, Math.min(IntegerMedian.OFFSET - 1, Math.round(value)));
    for (let i = v + IntegerMedian.OFFSET + 1; i <= IntegerMedian.SIZE; i += i & -i) this.tree[i]!++;
    this.count++;
  }

  /** The k-th smallest value (1-based). */
  private kth(k: number): number {
    let pos = 0;
    for (let step = IntegerMedian.SIZE; step > 0; step >>= 1) {
      const next = pos + step;
      if (next <= IntegerMedian.SIZE && this.tree[next]! < k) {
        pos = next;
        k -= this.tree[next]!;
      }
    }
    return pos - IntegerMedian.OFFSET; // pos is the 0-based index of the value
  }

  /** NaN when empty; the mean of the two middle values for an even count. */
  median(): number {
    const n = this.count;
    if (n === 0) return Number.NaN;
    if (n % 2 === 1) return this.kth((n + 1) / 2);
    return (this.kth(n / 2) + this.kth(n / 2 + 1)) / 2;
  }
}
