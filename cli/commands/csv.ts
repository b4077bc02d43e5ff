import { csvText } from '../../server/analytics/csv';

/** Shared by the CLI's CSV output: RFC 4180 quoting, and the uuid shape of ids taken as options. */
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** One CSV line of text cells, written as every Arcus CSV is (server/analytics/csv.ts: formula-guarded, RFC 4180 quoting). */
export function csvLine(fields: readonly (string | number)[]): string {
  return fields.map((f) => csvText(String(f))).join(',');
}
