/** Xero HistoryRecord request elements (notes on an invoice). */
import { type Obj, Reader } from '../body';

export function parseHistory(item: Obj): string {
  const r = new Reader(item);
  const details = r.str('Details', { required: true });
  if (details !== undefined && details.length > 250) r.fail('The note cannot exceed 250 characters');
  r.done();
  return details!;
}
