/**
 * The note Arcus writes on a ledger invoice for each reminder sent, e.g.
 * 'Arcus: reminder 2 sent to ap@… · https://arcus.example/reminders/sends/…' — at most 250
 * characters (Xero's limit) with the link kept whole, and the debtor's address masked.
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
