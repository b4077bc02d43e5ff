/** Line items in Xero request bodies → the store's NewLine. */
import type { SbCompany } from '../../model';
import type { NewLine } from '../../store';
import { parseQuantity } from '../amounts';
import { isObj, Reader } from '../body';

export type LineAmountTypes = 'Exclusive' | 'Inclusive' | 'NoTax';

const LINE_AMOUNT_TYPES: Record<string, LineAmountTypes> = { exclusive: 'Exclusive', inclusive: 'Inclusive', notax: 'NoTax' };

export function readLineAmountTypes(r: Reader): LineAmountTypes | undefined {
  const v = r.str('LineAmountTypes');
  if (v === undefined) return undefined;
  const t = LINE_AMOUNT_TYPES[v.toLowerCase()];
  if (!t) r.fail(`LineAmountTypes must be Exclusive, Inclusive or NoTax, got "${v}"`);
  return t;
}

/**
 * Read `LineItems`. Tax is what the client states (the sandbox has no tax rates), and so is a
 * line's `TaxType`, kept and rendered back; NoTax lines carry neither. Inclusive amounts with tax are refused: the ledger adds tax on top of line amounts.
 */
export function readLines(r: Reader, company: SbCompany, lineAmountTypes: LineAmountTypes): NewLine[] | undefined {
  const raw = r.array('LineItems');
  if (raw === undefined) return undefined;
  const lines: NewLine[] = [];
  raw.forEach((item, i) => {
    const at = `Line ${i + 1}`;
    if (!isObj(item)) {
      r.fail(`${at}: a line item must be an object`);
      return;
    }
    const l = new Reader(item, r.errors);
    const description = l.str('Description', { max: 4000, label: `${at}: Description` }) ?? '';
    const itemCode = l.str('ItemCode', { max: 30, label: `${at}: ItemCode` });
    if (description.trim() === '' && !itemCode) r.fail(`${at}: Description cannot be empty`);
    const quantity = l.has('Quantity') ? l.guard(() => parseQuantity(l.raw('Quantity'), `${at}: Quantity`)) : '1';
    let unitAmount = l.amount('UnitAmount', { label: `${at}: UnitAmount` });
    if (unitAmount === undefined && l.has('LineAmount')) {
      const lineAmount = l.amount('LineAmount', { label: `${at}: LineAmount` });
      if (lineAmount !== undefined && quantity !== '1') r.fail(`${at}: give UnitAmount when Quantity is not 1`);
      unitAmount = lineAmount;
    }
    let taxAmount = l.amount('TaxAmount', { label: `${at}: TaxAmount`, allowNegative: false }) ?? 0;
    if (lineAmountTypes === 'NoTax') taxAmount = 0;
    if (lineAmountTypes === 'Inclusive' && taxAmount !== 0) r.fail(`${at}: tax-inclusive line amounts with tax are not supported by the sandbox; send Exclusive amounts`);
    if (l.has('DiscountRate') || l.has('DiscountAmount')) r.fail(`${at}: discounts are not supported by the sandbox`);
    const accountCode = l.str('AccountCode', { max: 10, label: `${at}: AccountCode` });
    // Kept and rendered as sent (the sandbox has no tax rates to check it against); none on NoTax.
    const taxType = lineAmountTypes === 'NoTax' ? undefined : l.str('TaxType', { max: 50, label: `${at}: TaxType` });
    const tracking = readTracking(l, company, at);
    // A line with errors still counts (the errors are thrown with the element).
    lines.push({ description, quantity: quantity ?? '1', unitAmount: unitAmount ?? 0, taxAmount, ...(taxType ? { taxType } : {}), accountCode, itemCode: itemCode ?? null, tracking });
  });
  return lines;
}

function readTracking(l: Reader, company: SbCompany, at: string): { name: string; option: string }[] {
  const raw = l.array('Tracking');
  if (!raw) return [];
  if (raw.length > 2) l.fail(`${at}: a line can be tracked in at most 2 categories`);
  const out: { name: string; option: string }[] = [];
  for (const t of raw) {
    if (!isObj(t)) {
      l.fail(`${at}: Tracking entries must be objects`);
      continue;
    }
    const tr = new Reader(t, l.errors);
    const name = tr.str('Name', { required: true, label: `${at}: Tracking Name` });
    const option = tr.str('Option', { required: true, label: `${at}: Tracking Option` });
    if (!name || !option) continue;
    const category = company.tracking.find((c) => c.name.toLowerCase() === name.trim().toLowerCase());
    if (!category) {
      l.fail(`${at}: Tracking category "${name}" does not exist`);
      continue;
    }
    const opt = category.options.find((o) => o.toLowerCase() === option.trim().toLowerCase());
    if (!opt) {
      l.fail(`${at}: Tracking option "${option}" does not exist in category "${category.name}"`);
      continue;
    }
    out.push({ name: category.name, option: opt });
  }
  return out;
}
