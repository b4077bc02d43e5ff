/** Repeated timeline entries shown once with a count and their time span (client/src/writebacks/collapse.ts). */
import { describe, expect, it } from 'vitest';
import { collapseRepeats } from '../../client/src/writebacks/collapse';

const entry = (id: string, at: string, over: Partial<Parameters<typeof collapseRepeats>[0][number]> = {}) => ({
  id,
  at,
  kind: 'contact.contacted',
  actorType: 'user',
  actorName: 'Dana Demo',
  summary: 'Contacted Bayside Cafe',
  invoiceId: null,
  writebackId: null,
  ...over,
});

describe('collapseRepeats', () => {
  it('three identical "Mark contacted" in a row are one entry, ×3, from the first to the last', () => {
    // Newest first, as the timeline is.
    const out = collapseRepeats([entry('c', '2026-11-23T11:40:00Z'), entry('b', '2026-11-23T10:05:00Z'), entry('a', '2026-11-23T09:02:00Z'), entry('n', '2026-11-23T08:00:00Z', { kind: 'note.added', summary: 'Note: left early' })]);
    expect(out.map((e) => [e.id, e.count, e.firstAt, e.at])).toEqual([
      ['c', 3, '2026-11-23T09:02:00Z', '2026-11-23T11:40:00Z'],
      ['n', 1, '2026-11-23T08:00:00Z', '2026-11-23T08:00:00Z'],
    ]);
  });

  it('keeps apart what differs, what is not in a row, and anything about a write-back', () => {
    const out = collapseRepeats([
      entry('a', '2026-11-23T12:00:00Z'),
      entry('b', '2026-11-23T11:00:00Z', { actorName: 'Sam Other' }),
      entry('c', '2026-11-23T10:00:00Z', { invoiceId: 'inv-1' }),
      entry('d', '2026-11-23T09:00:00Z'),
      entry('e', '2026-11-23T08:00:00Z', { kind: 'writeback.requested', summary: 'Note on INV-1 in the ledger', writebackId: 'w1' }),
      entry('f', '2026-11-23T07:00:00Z', { kind: 'writeback.requested', summary: 'Note on INV-1 in the ledger', writebackId: 'w2' }),
    ]);
    expect(out.map((e) => [e.id, e.count])).toEqual([
      ['a', 1],
      ['b', 1],
      ['c', 1],
      ['d', 1],
      ['e', 1],
      ['f', 1],
    ]);
  });

  it('leaves its input as it was', () => {
    const input = [entry('b', '2026-11-23T10:00:00Z'), entry('a', '2026-11-23T09:00:00Z')];
    const copy = structuredClone(input);
    expect(collapseRepeats(input)).toHaveLength(1);
    expect(input).toEqual(copy);
  });
});
