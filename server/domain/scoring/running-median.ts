/**
 * Median of a growing multiset of numbers in O(log n) per insert (two binary heaps:
 * a max-heap of the lower half and a min-heap of the upper half). The median of an even
 * count is the mean of the two middle values, as in `median()`.
 */
export class RunningMedian {
  private readonly low: number[] = []; // max-heap
  private readonly high: number[] = []; // min-heap

  get size(): number {
    return this.low.length + this.high.length;
  }

  push(value: number): void {
    if (this.low.length === 0 || value <= this.low[0]!) heapPush(this.low, value, greater);
    else heapPush(this.high, value, less);
    if (this.low.length > this.high.length + 1) heapPush(this.high, heapPop(this.low, greater), less);
    else if (this.high.length > this.low.length) heapPush(this.low, heapPop(this.high, less), greater);
  }

  /** NaN when empty. */
  median(): number {
    const n = this.size;
    if (n === 0) return Number.NaN;
    if (n % 2 === 1) return this.low[0]!;
    return (this.low[0]! + this.high[0]!) / 2;
  }
}

type Before = (a: number, b: number) => boolean;
const less: Before = (a, b) => a < b;
const greater: Before = (a, b) => a > b;

function heapPush(h: number[], v: number, before: Before): void {
  let i = h.length;
  h.push(v);
  while (i > 0) {
    const p = (i - 1) >> 1;
    if (!before(v, h[p]!)) break;
    h[i] = h[p]!;
    i = p;
  }
  h[i] = v;
}

function heapPop(h: number[], before: Before): number {
  const top = h[0]!;
  const last = h.pop()!;
  const n = h.length;
  if (n === 0) return top;
  let i = 0;
  for (;;) {
    const l = 2 * i + 1;
    if (l >= n) break;
    const r = l + 1;
    const c = r < n && before(h[r]!, h[l]!) ? r : l;
    if (!before(h[c]!, last)) break;
    h[i] = h[c]!;
    i = c;
  }
  h[i] = last;
  return top;
}
