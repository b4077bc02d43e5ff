/** Merge field names in words, without the editor (the templates list shows subjects with it and must not pull the editor into the main bundle). */

/** "invoice.amount_due" → "Invoice amount due"; sections: "If payment link…", "…end of payment link". */
export function mergeFieldLabel(name: string): string {
  if (name === 'invoices.table') return 'Table of the invoices';
  const words = name.replace(/^[#^/]/, '').replace(/[._]/g, ' ');
  if (name.startsWith('#')) return `If there is a ${words}…`;
  if (name.startsWith('^')) return `If there is no ${words}…`;
  if (name.startsWith('/')) return `…end of “${words}”`;
  return words.charAt(0).toUpperCase() + words.slice(1);
}
