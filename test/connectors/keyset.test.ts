/**
 * Keyset paging (integrations/ledger/keyset.ts) over a model ledger that answers "changed since
 * T (inclusive or not), oldest first, page n of size P" — the way Xero's If-Modified-Since and
 * QuickBooks' LastUpdatedTime queries do — including ties bigger than a page and records that
 * change while we page. The property: every record's latest change made before the read ends is
 * seen, and calls stay at the minimum the page size allows (+1 overlap page at most per ~1000).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type KeysetRequest, keysetPages } from '../../integrations/ledger/keyset';

interface Rec {
  id: string;
  at: number;
  seq: number;
}

class ModelLedger {
  rows = new Map<string, Rec>();
  /** The ledger as it was at the last fetch (what a complete read must have seen). */
  atLastFetch = new Map<string, Rec>();
  private seq = 0;
  calls = 0;
  constructor(
    public clock = 1000,
    private readonly snapshots = false,
  ) {}

  put(id: string, at = this.clock++): void {
    this.rows.set(id, { id, at, seq: this.seq++ });
  }

  fetch(r: KeysetRequest, size: number): Rec[] {
    this.calls++;
    if (this.snapshots) this.atLastFetch = new Map([...this.rows].map(([k, v]) => [k, { ...v }]));
    const list = [...this.rows.values()]
      .filter((x) => r.since === null || (r.inclusive ? x.at >= r.since : x.at > r.since))
      .sort((a, b) => a.at - b.at || a.seq - b.seq);
    return list.slice(r.page * size, r.page * size + size).map((x) => ({ ...x }));
  }
}

async function read(ledger: ModelLedger, size: number, start: { since: number | null; inclusive: boolean } = { since: null, inclusive: false }, between?: (page: number) => void) {
  const seen = new Map<string, number>();
  let n = 0;
  let last = null;
  for await (const page of keysetPages<Rec>(start, { pageSize: size, fetch: async (r) => ledger.fetch(r, size), key: (x) => ({ id: x.id, at: x.at }) })) {
    for (const r of page.rows) seen.set(r.id, Math.max(seen.get(r.id) ?? 0, r.at));
    last = page;
    between?.(++n);
  }
  return { seen, last };
}

describe('keyset paging', () => {
  it('2,500 records at 1,000 a page: 3 calls, each record once', async () => {
    const l = new ModelLedger();
    for (let i = 0; i < 2500; i++) l.put(`r${i}`);
    const { seen, last } = await read(l, 1000);
    expect(seen.size).toBe(2500);
    expect(l.calls).toBe(3);
    expect(last!.resume).toBeNull();
    expect(last!.highWater).toBe(1000 + 2499);
  });

  it('100,000 records: within 1.05 × the minimum number of calls', async () => {
    const l = new ModelLedger();
    for (let i = 0; i < 100_000; i++) l.put(`r${i}`);
    await read(l, 1000);
    expect(l.calls).toBeLessThanOrEqual(Math.ceil(100_000 / 1000) * 1.05);
  });

  it('nothing changed since the checkpoint: one call', async () => {
    const l = new ModelLedger();
    for (let i = 0; i < 50; i++) l.put(`r${i}`);
    const { seen } = await read(l, 1000, { since: l.clock - 1, inclusive: false });
    expect(seen.size).toBe(0);
    expect(l.calls).toBe(1);
  });

  it('a tie bigger than a page is paged by number, and nothing is lost', async () => {
    const l = new ModelLedger();
    for (let i = 0; i < 10; i++) l.put(`a${i}`);
    for (let i = 0; i < 2_345; i++) l.put(`t${i}`, 5000);
    for (let i = 0; i < 10; i++) l.put(`z${i}`, 6000 + i);
    const { seen } = await read(l, 1000);
    expect(seen.size).toBe(2_365);
  });

  it('property: records created, edited and moved out of ties while paging are never skipped', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 400 }),
        fc.integer({ min: 0, max: 120 }),
        fc.integer({ min: 3, max: 40 }),
        fc.array(fc.tuple(fc.nat(), fc.boolean()), { maxLength: 60 }),
        async (n, tie, size, edits) => {
          const l = new ModelLedger(1000, true);
          for (let i = 0; i < n; i++) l.put(`r${i}`);
          for (let i = 0; i < tie; i++) l.put(`t${i}`, 100_000);
          l.clock = 200_000;
          const ids = () => [...l.rows.keys()];
          let k = 0;
          const { seen } = await read(l, size, { since: null, inclusive: false }, () => {
            // Between pages: edit an existing record (it moves to the end) or create one.
            const e = edits[k++];
            if (!e) return;
            const [pick, create] = e;
            if (create) l.put(`new${k}`);
            else if (ids().length) l.put(ids()[pick % ids().length]!);
          });
          // Changes after the last fetch belong to the next read (the checkpoint is the newest change seen).
          for (const r of l.atLastFetch.values()) expect(seen.get(r.id), `record ${r.id} changed at ${r.at}`).toBe(r.at);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a read resumed from any page’s resume position still sees everything', async () => {
    const l = new ModelLedger();
    for (let i = 0; i < 230; i++) l.put(`r${i}`, 1000 + Math.floor(i / 3));
    for (let stopAfter = 1; stopAfter < 12; stopAfter++) {
      const seen = new Set<string>();
      let resume: { since: number; inclusive: true } | null = null;
      let n = 0;
      for await (const page of keysetPages<Rec>({ since: null, inclusive: false }, { pageSize: 25, fetch: async (r) => l.fetch(r, 25), key: (x) => ({ id: x.id, at: x.at }) })) {
        for (const r of page.rows) seen.add(r.id);
        resume = page.resume;
        if (++n === stopAfter) break;
      }
      if (resume) {
        for await (const page of keysetPages<Rec>(resume, { pageSize: 25, fetch: async (r) => l.fetch(r, 25), key: (x) => ({ id: x.id, at: x.at }) })) for (const r of page.rows) seen.add(r.id);
      }
      expect(seen.size).toBe(230);
    }
  });
});
