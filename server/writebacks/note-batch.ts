/**
 * Notes for one invoice requested on the same day are written as one ledger note. Every note
 * keeps its own `writebacks` row (its source key, its place in the outbox and on a send's page);
 * the first of them to be executed fixes a batch before its ledger call: itself and the notes for
 * the same invoice, requested the same local day, still waiting — as many as fit in one note
 * (Xero's 250 characters). Their texts are combined into one line, stored on the writer's row, and
 * written once with the writer's id as key; when it is written every note of the batch is
 * confirmed with it.
 *
 * A batch is fixed once (its text never changes, so a retry repeats the same call with the same
 * key and the ledger replays it). Notes in another's batch are never executed on their own (a
 * worker that leased one steps back); if the writer fails, they leave the batch and are written
 * by themselves.
 */
import { sql } from 'drizzle-orm';
import { XERO_NOTE_MAX } from '../../integrations/ledger/notes';
import type { Provider } from '../../integrations/ledger/types';
import { addDays, type CalendarDate } from '../../kernel/dates';
import { type Db, queryRows } from '../db/client';
import { localClock, zonedInstant } from '../reminders/local-time';

/** Longest combined note: Xero's limit; QuickBooks appends a line to a PrivateNote of 4,000. */
export function noteLimit(provider: Provider): number {
  return provider === 'xero' ? XERO_NOTE_MAX : 1000;
}

const LINK = /\s+·\s+(https?:\/\/\S+)$/;

/**
 * One line from several notes: their texts without the "Arcus:" prefix and the trailing link,
 * joined with "; ", with the first note's link once at the end. Null when it would not fit.
 */
export function combineNotes(texts: readonly string[], max: number): string | null {
  if (texts.length === 1) return texts[0]!;
  let link: string | null = null;
  const heads = texts.map((t) => {
    let head = t.replace(/\s+/g, ' ').trim();
    const m = LINK.exec(head);
    if (m) {
      link ??= m[1]!;
      head = head.slice(0, m.index);
    }
    return head.replace(/^Arcus:\s*/, '');
  });
  // The same line twice (three "Mark contacted" in a morning) is written once, counted.
  const counts = new Map<string, number>();
  for (const h of heads) counts.set(h, (counts.get(h) ?? 0) + 1);
  const lines = [...counts].map(([h, n]) => (n > 1 ? `${h} (×${n})` : h));
  const text = `Arcus: ${lines.join('; ')}${link ? ` · ${link}` : ''}`;
  return text.length <= max ? text : null;
}

interface Candidate {
  id: string;
  text: string;
  created_at: string | Date;
}

/**
 * Fix the batch of the leased note write-back `row` and return the text to write, or null when
 * another note for the invoice took this one into its batch (the caller gives the row back; it is
 * confirmed with that note). Serialised per invoice by an advisory lock: the first worker there
 * takes in every unwritten note for the invoice that day — waiting ones, and ones another worker
 * has just leased but not yet batched (that worker then steps back). A batch is fixed once; a
 * retry returns the text fixed the first time.
 */
export async function noteBatchText(
  db: Db,
  row: { id: string; firm_id: string; organisation_id: string; invoice_external_id: string | null; note_text: string | null; request: unknown },
  org: { timezone: string; provider: Provider },
  createdAt: Date,
): Promise<string | null> {
  const own = row.note_text ?? (row.request as { text: string }).text;
  if (!row.invoice_external_id) return own;
  const day: CalendarDate = localClock(org.timezone, createdAt).date;
  const from = zonedInstant(day, 0, org.timezone).toISOString();
  const to = zonedInstant(addDays(day, 1), 0, org.timezone).toISOString();
  return db.transaction(async (tx) => {
    const t = tx as unknown as Db;
    await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtext(${`note_batch:${row.organisation_id}:${row.invoice_external_id}`}))`);
    const [me] = await queryRows<{ batch: string | null; text: string | null }>(t, sql`SELECT note_batch_id AS batch, note_text AS text FROM writebacks WHERE id = ${row.id}::uuid`);
    if (me?.batch && me.batch !== row.id) {
      // Taken into another note's batch while leased here: step back (no attempt spent).
      await tx.execute(sql`UPDATE writebacks SET status = 'pending', lease_until = NULL, attempts = greatest(attempts - 1, 0) WHERE id = ${row.id}::uuid AND status = 'sending'`);
      return null;
    }
    if (me?.batch === row.id) return me.text ?? own;
    const waiting = await queryRows<Candidate>(
      t,
      sql`SELECT id, coalesce(note_text, request->>'text') AS text, created_at FROM writebacks
          WHERE firm_id = ${row.firm_id}::uuid AND organisation_id = ${row.organisation_id}::uuid AND kind = 'note' AND status IN ('pending', 'sending')
            AND invoice_external_id = ${row.invoice_external_id} AND note_batch_id IS NULL AND id <> ${row.id}::uuid
            AND created_at >= ${from}::timestamptz AND created_at < ${to}::timestamptz
          ORDER BY created_at, id`,
    );
    const max = noteLimit(org.provider);
    const taken: Candidate[] = [];
    let text = own;
    for (const w of waiting) {
      const next = combineNotes([own, ...taken.map((x) => x.text), w.text], max);
      if (next === null) continue;
      taken.push(w);
      text = next;
    }
    // Written in the order the notes were asked for, whichever worker leads the batch.
    if (taken.length > 0) {
      const inOrder = [{ id: row.id, text: own, at: createdAt.getTime() }, ...taken.map((x) => ({ id: x.id, text: x.text, at: new Date(x.created_at).getTime() }))].sort((x, y) => x.at - y.at || (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
      text = combineNotes(inOrder.map((x) => x.text), max) ?? text;
    }
    const ids = [row.id, ...taken.map((x) => x.id)];
    await tx.execute(sql`UPDATE writebacks SET note_batch_id = ${row.id}::uuid WHERE id IN (${sql.join(
      ids.map((id) => sql`${id}::uuid`),
      sql`, `,
    )})`);
    await tx.execute(sql`UPDATE writebacks SET note_text = ${text} WHERE id = ${row.id}::uuid`);
    return text;
  });
}

/** The writer's note is in the ledger: every other note of its batch is confirmed with it (inside the caller's transaction). */
export async function confirmBatchFollowers(tx: Db, writerId: string, at: Date): Promise<number> {
  const rows = await queryRows<{ id: string }>(
    tx,
    sql`UPDATE writebacks SET status = 'confirmed', note_status = 'written', sent_at = ${at.toISOString()}::timestamptz, confirmed_at = ${at.toISOString()}::timestamptz,
               error = NULL, lease_until = NULL, updated_at = ${at.toISOString()}::timestamptz,
               result = jsonb_build_object('writtenWith', ${writerId}::text)
        WHERE note_batch_id = ${writerId}::uuid AND id <> ${writerId}::uuid AND status IN ('pending', 'sending')
        RETURNING id`,
  );
  return rows.length;
}

/** The writer failed: the other notes leave its batch (and are written by themselves); its own text is its own again. */
export async function dissolveBatch(db: Db, writerId: string): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.execute(sql`UPDATE writebacks SET note_batch_id = NULL WHERE note_batch_id = ${writerId}::uuid AND id <> ${writerId}::uuid AND status = 'pending'`);
    await tx.execute(sql`UPDATE writebacks SET note_batch_id = NULL, note_text = request->>'text' WHERE id = ${writerId}::uuid AND kind = 'note'`);
  });
}
