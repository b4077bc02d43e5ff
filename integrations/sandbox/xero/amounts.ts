/**
 * Amounts across the Xero boundary. Inside, money is integer minor units; Xero JSON carries
 * numbers (123.45) that we produce from exact decimal strings. Incoming numbers are read as the
 * decimal they were written as: up to 4 decimal places (Xero's unitdp limit), rounded half away
 * from zero to the currency's 2; more places are rejected.
 */
import { fromMinor, type Minor, numberToDecimalString, toMinor } from '../../../kernel/money';
import { XeroValidationError } from './http';

/** Minor units → the JSON number Xero would send (built from the exact decimal string). */
export function amountOut(units: Minor): number {
  return Number(fromMinor(units));
}

/** A decimal string as written by the client, or null when `value` is not a number. */
export function decimalText(value: unknown): string | null {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return null;
    const s = String(value);
    return /e/i.test(s) ? numberToDecimalString(value) : s;
  }
  if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value.trim())) return value.trim();
  return null;
}

function places(text: string): number {
  const dot = text.indexOf('.');
  return dot < 0 ? 0 : text.length - dot - 1;
}

/** Read a money amount (may be negative unless told otherwise). */
export function parseAmount(value: unknown, field: string, opts: { allowNegative?: boolean } = {}): Minor {
  const text = decimalText(value);
  if (text === null) throw new XeroValidationError([`${field} must be a number`]);
  if (places(text) > 4) throw new XeroValidationError([`${field} cannot have more than 4 decimal places`]);
  const units = toMinor(text, 2, true);
  if (units < 0 && opts.allowNegative === false) throw new XeroValidationError([`${field} cannot be negative`]);
  return units;
}

/** Read a line quantity as a normalised non-negative decimal string. */
export function parseQuantity(value: unknown, label = 'Quantity'): string {
  const text = decimalText(value);
  if (text === null) throw new XeroValidationError([`${label} must be a number`]);
  if (text.startsWith('-')) throw new XeroValidationError([`${label} cannot be negative`]);
  if (places(text) > 4) throw new XeroValidationError([`${label} cannot have more than 4 decimal places`]);
  const [whole, frac = ''] = text.split('.');
  const trimmed = frac.replace(/0+$/, '');
  const int = whole!.replace(/^0+(?=\d)/, '');
  return trimmed ? `${int}.${trimmed}` : int;
}

/** A decimal string → JSON number (quantities, currency rates). */
export function decimalOut(text: string): number {
  return Number(text);
}
