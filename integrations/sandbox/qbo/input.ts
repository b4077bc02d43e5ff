/**
 * Reading QuickBooks request bodies. QBO is lenient about what it ignores (read-only fields
 * such as Balance, MetaData or LinkedTxn sent back from a read) and strict about what it
 * uses: a wrong type is a 2010, a missing required field a 2020, and nothing here throws
 * anything but a QboFault.
 */
import { isCalendarDate } from '../../../kernel/dates';
import { fromMinor, type Minor, numberToDecimalString, toMinor } from '../../../kernel/money';
import type { NewLine } from '../store';
import { faults } from './faults';
import type { Json } from './mappers';
import type { QboView } from './view';

export function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function body(v: unknown): Json {
  if (!isObject(v)) throw faults.badRequest('The request body must be a JSON object');
  return v;
}

export function has(o: Json, key: string): boolean {
  return o[key] !== undefined;
}

export function optString(o: Json, key: string, element = key): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw faults.invalidProperty(element, 'expected a string');
}

export function reqString(o: Json, key: string, element = key): string {
  const v = optString(o, key, element);
  if (v === undefined || v.trim() === '') throw faults.requiredParam(element);
  return v;
}

export function optBoolean(o: Json, key: string): boolean | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'boolean') return v;
  if (v === 'true' || v === 'false') return v === 'true';
  throw faults.invalidProperty(key, 'expected true or false');
}

/** A money amount (JSON number or decimal string) in minor units; at most 2 decimals. */
export function optMoney(o: Json, key: string, element = key): Minor | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' && typeof v !== 'string') throw faults.invalidProperty(element, 'expected a number');
  try {
    return toMinor(typeof v === 'number' ? numberToDecimalString(v) : v.trim());
  } catch (e) {
    throw faults.invalidProperty(element, e instanceof Error ? e.message : 'not an amount');
  }
}

export function reqMoney(o: Json, key: string, element = key): Minor {
  const v = optMoney(o, key, element);
  if (v === undefined) throw faults.requiredParam(element);
  return v;
}

/** A non-negative decimal quantity as a string ("1", "2.5"). */
export function optQuantity(o: Json, key: string, element = key): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  const text = typeof v === 'number' ? (Number.isFinite(v) ? numberToDecimalString(v) : '') : typeof v === 'string' ? v.trim() : '';
  if (!/^\d+(?:\.\d+)?$/.test(text)) throw faults.invalidProperty(element, 'expected a non-negative number');
  return text;
}

export function optDate(o: Json, key: string, element = key): string | undefined {
  const v = o[key];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string' || !isCalendarDate(v.slice(0, 10)) || (v.length > 10 && v[10] !== 'T')) throw faults.invalidProperty(element, 'expected a date YYYY-MM-DD');
  return v.slice(0, 10);
}

/** A `{value, name}` reference's value. */
export function optRef(o: Json, key: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string' || typeof v === 'number') return String(v);
  if (!isObject(v)) throw faults.invalidProperty(key, 'expected a reference {value, name}');
  const value = v['value'];
  if (typeof value === 'number') return String(value);
  if (typeof value !== 'string' || !value.trim()) throw faults.invalidProperty(`${key}.value`, 'expected a reference id');
  return value;
}

export function reqRef(o: Json, key: string): string {
  const v = optRef(o, key);
  if (v === undefined) throw faults.requiredParam(key);
  return v;
}

/** `{Address}` / `{FreeFormNumber}` / `{value}` wrappers. */
export function optWrapped(o: Json, key: string, inner: string): string | null | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (v === null) return null;
  if (!isObject(v)) throw faults.invalidProperty(key, `expected {${inner}}`);
  const s = optString(v, inner, `${key}.${inner}`);
  return s === undefined || s === '' ? null : s;
}

/** Id + SyncToken of an update, void or delete. */
export function idAndSyncToken(o: Json): { id: string; syncToken: number } {
  const id = reqString(o, 'Id');
  const token = reqString(o, 'SyncToken');
  if (!/^\d+$/.test(token)) throw faults.invalidProperty('SyncToken', 'expected a number as a string');
  return { id, syncToken: Number(token) };
}

export function checkSyncToken(current: number, sent: number): void {
  if (current !== sent) throw faults.staleObject();
}

/** Multiply minor units by a decimal quantity, rounding half away from zero (as the store does). */
function times(unit: Minor, quantity: string): Minor {
  const [whole, frac = ''] = quantity.split('.');
  const scale = 10n ** BigInt(frac.length);
  const num = BigInt(unit) * BigInt(whole! + frac);
  const q = num / scale;
  const r = num % scale;
  const abs = r < 0n ? -r : r;
  return Number(abs * 2n >= scale ? q + (num < 0n ? -1n : 1n) : q);
}

/**
 * Sales lines (Invoice, CreditMemo). SubTotalLineDetail lines are ignored (QBO computes
 * them); DescriptionOnly lines become zero-amount lines; other detail types are refused.
 * Amount must equal UnitPrice × Qty when all three are given (QBO's 6070). The transaction's
 * TxnTaxDetail.TotalTax, if sent, is carried on the first taxable line (a TaxCodeRef other than
 * "NON"), or the first line. A line's TaxCodeRef is kept and rendered back as sent.
 */
export function salesLines(view: QboView, v: unknown, totalTax: Minor | undefined): NewLine[] {
  if (!Array.isArray(v)) throw faults.invalidProperty('Line', 'expected an array of lines');
  const classes = view.classes();
  const category = view.company.tracking[0]?.name;
  const out: (NewLine & { taxable: boolean })[] = [];
  v.forEach((raw, i) => {
    const el = `Line[${i}]`;
    if (!isObject(raw)) throw faults.invalidProperty(el, 'expected a line object');
    const type = optString(raw, 'DetailType', `${el}.DetailType`) ?? (isObject(raw['SalesItemLineDetail']) ? 'SalesItemLineDetail' : undefined);
    if (type === 'SubTotalLineDetail') return;
    const description = optString(raw, 'Description', `${el}.Description`) ?? '';
    if (type === 'DescriptionOnly') {
      out.push({ description, unitAmount: 0, quantity: '1', taxable: false });
      return;
    }
    if (type !== 'SalesItemLineDetail') {
      if (type === undefined) throw faults.requiredParam(`${el}.DetailType`);
      throw faults.unsupported(`${el}.DetailType=${type} (the sandbox supports SalesItemLineDetail, DescriptionOnly and SubTotalLineDetail)`);
    }
    const detail = raw['SalesItemLineDetail'] ?? {};
    if (!isObject(detail)) throw faults.invalidProperty(`${el}.SalesItemLineDetail`, 'expected an object');
    const lineAmount = optMoney(raw, 'Amount', `${el}.Amount`);
    const unitPrice = optMoney(detail, 'UnitPrice', `${el}.SalesItemLineDetail.UnitPrice`);
    const qty = optQuantity(detail, 'Qty', `${el}.SalesItemLineDetail.Qty`);
    let unitAmount: Minor;
    let quantity: string;
    if (unitPrice !== undefined) {
      quantity = qty ?? '1';
      unitAmount = unitPrice;
      const computed = times(unitPrice, quantity);
      if (lineAmount !== undefined && lineAmount !== computed) throw faults.amountMismatch(fromMinor(lineAmount), fromMinor(computed));
    } else if (lineAmount !== undefined) {
      const q = qty ?? '1';
      // QBO derives UnitPrice = Amount / Qty; exact cents only, else the line keeps Qty 1.
      const [whole, frac = ''] = q.split('.');
      const qUnits = BigInt(whole! + frac);
      const scaled = BigInt(lineAmount) * 10n ** BigInt(frac.length);
      if (qUnits > 0n && scaled % qUnits === 0n) {
        unitAmount = Number(scaled / qUnits);
        quantity = q;
      } else {
        unitAmount = lineAmount;
        quantity = '1';
      }
    } else {
      throw faults.requiredParam(`${el}.Amount`);
    }
    const itemCode = optRef(detail, 'ItemRef') ?? null;
    const classRef = isObject(detail['ClassRef']) ? detail['ClassRef'] : undefined;
    let tracking: { name: string; option: string }[] = [];
    if (classRef) {
      const byId = classes.find((c) => c.id === String(classRef['value']));
      const byName = classes.find((c) => c.name === classRef['name']);
      const cls = byId ?? byName;
      if (!cls || !category) throw faults.invalidReference(`${el}.SalesItemLineDetail.ClassRef`, `Class ${String(classRef['value'])} does not exist`);
      tracking = [{ name: category, option: cls.name }];
    }
    const taxCode = optRef(detail, 'TaxCodeRef');
    // The code is kept as sent ("TAX"/"NON" in the US, a tax code id elsewhere) and rendered back.
    out.push({ description, unitAmount, quantity, itemCode: itemCode === '1' ? null : itemCode, tracking, ...(taxCode ? { taxType: taxCode } : {}), taxable: taxCode !== undefined && taxCode !== 'NON' });
  });
  if (out.length === 0) throw faults.requiredParam('Line');
  if (totalTax !== undefined && totalTax !== 0) {
    const target = out.find((l) => l.taxable) ?? out[0]!;
    target.taxAmount = totalTax;
  }
  return out.map(({ taxable: _taxable, ...line }) => line);
}
