/** Same-day notes combined into one ledger line (server/writebacks/note-batch.ts): repeats are written once, counted. */
import { describe, expect, it } from 'vitest';
import { combineNotes } from '../../server/writebacks/note-batch';

describe('combineNotes', () => {
  it('joins different notes, writes a repeated one once with its count, and keeps one link at the end', () => {
    const text = combineNotes(['Arcus: contacted by Dana', 'Arcus: note by Dana: away', 'Arcus: contacted by Dana · https://pay.example/p/1', 'Arcus: contacted by Dana'], 250);
    expect(text).toBe('Arcus: contacted by Dana (×3); note by Dana: away · https://pay.example/p/1');
  });
  it('refuses what does not fit', () => {
    expect(combineNotes(['Arcus: a', `Arcus: ${'b'.repeat(250)}`], 250)).toBeNull();
  });
});
