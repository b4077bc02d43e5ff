/**
 * A reminder's ledger note is combined only with the notes requested on the same day of the
 * organisation's clock (server/writebacks/note-batch.ts) — the injected clock, not the database's
 * (decision 052: the kill test's lost ledger note). A note left pending by a dead worker on one
 * day is not folded into a later day's note for the same invoice: each is its own line.
 */
import { eq } from 'drizzle-orm';
import { expect, it } from 'vitest';
import type { Db } from '../../server/db/client';
import { writebacks } from '../../server/db/schema';
import { noteBatchText } from '../../server/writebacks/note-batch';
import { requestWritebacksIn } from '../../server/writebacks/request';
import { describeWith } from '../support/services';
import { startSmall } from './seed';

const DAY = 86_400_000;

describeWith('pg', 'Reminder notes: the day a note was requested is the injected clock’s', () => {
  it('a note still pending from an earlier day stays its own; one from the same day is combined', async () => {
    const s = await startSmall({ invoices: [{ number: 'INV-1', due: -10 }] });
    try {
      const invoice = 'inv-0-INV-1';
      const note = async (key: string, text: string, at: Date) => {
        const [r] = await requestWritebacksIn(
          s.db,
          [{ firmId: s.firmId, organisationId: s.org.id, kind: 'note', purpose: 'reminder', sourceKey: key, contactExternalId: 'c-bayside', request: { invoiceExternalId: invoice, text }, requestedBy: 'system', summary: 'Reminder note' }],
          at,
        );
        return r!.id;
      };
      const rowOf = async (db: Db, id: string) => {
        const [w] = await db.select().from(writebacks).where(eq(writebacks.id, id));
        return w!;
      };
      const monday = s.now();
      const first = await note('reminder_note:a:inv', 'Arcus: Reminder 1 sent to a***@bayside.example', monday);
      const wednesday = new Date(monday.getTime() + 2 * DAY);
      const second = await note('reminder_note:b:inv', 'Arcus: Reminder 2 sent to a***@bayside.example', wednesday);
      const third = await note('reminder_note:c:inv', 'Arcus: contacted by Dana', new Date(wednesday.getTime() + 60_000));

      const w = await rowOf(s.db, second);
      expect(w.createdAt.toISOString()).toBe(wednesday.toISOString());
      const text = await noteBatchText(
        s.db,
        { id: w.id, firm_id: w.firmId, organisation_id: w.organisationId, invoice_external_id: w.invoiceExternalId, note_text: w.noteText, request: w.request },
        { timezone: s.org.timezone, provider: 'xero' },
        w.createdAt,
      );
      // Wednesday's two notes are one line; Monday's, still pending, is not in it.
      expect(text).toBe('Arcus: Reminder 2 sent to a***@bayside.example; contacted by Dana');
      expect((await rowOf(s.db, third)).noteBatchId).toBe(second);
      expect((await rowOf(s.db, first)).noteBatchId).toBeNull();
    } finally {
      await s.close();
    }
  });
});
