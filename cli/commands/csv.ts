/** Shared by the CLI's CSV output: RFC 4180 quoting, and the uuid shape of ids taken as options. */
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** One CSV line: a field with a comma, quote or line break is quoted, its quotes doubled; a leading =, +, - or @ is prefixed with ' (no formulas in a spreadsheet). */
export function csvLine(fields: readonly (string | number)[]): string {
  return fields
    .map((f) => {
      let s = String(f);
      if (/^[=+\-@]/.test(s)) s = `'${s}`;
      return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
    })
    .join(',');
}
