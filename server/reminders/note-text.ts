/**
 * The note Arcus writes on a ledger invoice for each reminder sent, e.g.
 * 'Arcus: reminder 2 sent to ap@… · https://arcus.example/reminders/sends/…' — at most 250
 * characters (Xero's limit) with the link kept whole, and the debtor's address masked. It goes
 * to the ledger as a `note` write-back (one per sent reminder and invoice; see send.ts).
 */
import { XERO_NOTE_MAX } from '../../integrations/ledger/notes';
import { maskList } from './recipients';

export function noteText(params: { appUrl: string; sendId: string; stepNumber: number; recipients: string[]; grouped: boolean; invoiceCount: number; sentOn: string }): string {
  const link = `${params.appUrl.replace(/\/+$/, '')}/reminders/sends/${params.sendId}`;
  const what = params.grouped ? `overdue statement (${params.invoiceCount} invoice${params.invoiceCount === 1 ? '' : 's'}, reminder ${params.stepNumber})` : `reminder ${params.stepNumber}`;
  let head = `Arcus: ${what} sent ${params.sentOn} to ${maskList(params.recipients, 2)}`;
  const room = XERO_NOTE_MAX - link.length - 3;
  if (room < 20) return `Arcus: ${what} sent ${params.sentOn}`.slice(0, XERO_NOTE_MAX);
  if (head.length > room) head = `${head.slice(0, room - 1)}…`;
  return `${head} · ${link}`;
}

/**
 * The source key of a sent reminder's note on one invoice: one `note` write-back per (send,
 * invoice), however often the send is recorded. Migration 0008 builds the same key for the notes
 * it carried over from the old reminder_notes table.
 */
export function reminderNoteKey(sendId: string, invoiceExternalId: string): string {
  return `reminder_note:${sendId}:${invoiceExternalId}`;
}

/** The note's line on the activity timeline, e.g. 'Note on INV-0042 in the ledger: reminder 2 sent'. */
export function noteSummary(params: { invoiceNumber: string | null; stepNumber: number; grouped: boolean }): string {
  const what = params.grouped ? `overdue statement sent (reminder ${params.stepNumber})` : `reminder ${params.stepNumber} sent`;
  return `Note on ${params.invoiceNumber || 'the invoice'} in the ledger: ${what}`;
}
