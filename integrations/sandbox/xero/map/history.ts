/** Invoice history entries → Xero HistoryRecords. */
import type { SbHistoryEntry } from '../../model';
import { msDateTime, utcSeconds } from '../dates';

export function historyOut(h: SbHistoryEntry): Record<string, unknown> {
  return { Changes: h.changes, DateUTCString: utcSeconds(h.at), DateUTC: msDateTime(h.at), User: h.user, Details: h.details };
}
