/**
 * Exact money. Amounts in code are integer minor units (cents) held in a JS number and
 * checked to stay a safe integer; in PostgreSQL they are `numeric`; on the wire they are
 * decimal strings. No ledger amount ever goes through float arithmetic.
 */

export type Minor = number;

const DECIMAL = /^(-)?(\d+)(?:\.(\d+))?$/;

export class MoneyError extends Error {
  override name = 'MoneyError';
}

function checkSafe(n: number, what: string): number {
  if (!Number.isSafeInteger(n)) throw new MoneyError(`${what} is outside the exact range`);
  return n;
}

/**
 * Parse a decimal string ("1234.5", "-0.07", "12.3400") into minor units at `scale`
 * decimal places. Extra decimal places must be zeros unless `round` is set, in which case
 * the value is rounded half away from zero (how ledgers round displayed amounts).
 */
export function toMinor(value: string | number, scale = 2, round = false): Minor {
  const text = typeof value === 'number' ? numberToDecimalString(value) : value.trim();
  const m = DECIMAL.exec(text);
  if (!m) throw new MoneyError(`not a decimal amount: ${JSON.stringify(value)}`);
  const [, neg, whole, frac = ''] = m;
  const kept = frac.slice(0, scale).padEnd(scale, '0');
  const rest = frac.slice(scale);
  let units = BigInt(whole! + kept);
  if (rest && /[1-9]/.test(rest)) {
    if (!round) throw new MoneyError(`amount has more than ${scale} decimal places: ${text}`);
    if (rest[0]! >= '5') units += 1n;
  }
  const n = Number(neg ? -units : units);
  return checkSafe(n === 0 ? 0 : n, `amount ${text}`);
}

/**
 * Decimal string of a JS number as written (used only at SDK boundaries, where xero-node
 * hands us floats that were parsed from decimal JSON): the shortest decimal that reads back as
 * the same float (what the JSON said: 1000000.07, not toFixed's 1000000.0699999999), in plain
 * notation, with 0.1 + 0.2 style drift removed by rounding half away from zero to 10 decimal
 * places, far beyond any ledger precision.
 */
export function numberToDecimalString(n: number): string {
  if (!Number.isFinite(n)) throw new MoneyError(`not a finite amount: ${n}`);
  const m = DECIMAL.exec(plainNotation(String(n)))!;
  const [, neg, whole, frac = ''] = m;
  const places = Math.min(frac.length, MAX_NUMBER_PLACES);
  let units = BigInt(whole! + frac.slice(0, places));
  if (frac.length > places && frac[places]! >= '5') units += 1n;
  if (units === 0n) return '0';
  const digits = units.toString().padStart(places + 1, '0');
  const text = places ? `${digits.slice(0, -places)}.${digits.slice(-places)}`.replace(/\.?0+$/, '') : digits;
  return `${neg ? '-' : ''}${text}`;
}

const MAX_NUMBER_PLACES = 10;

/** "1.5e-7" → "0.00000015", "1e+21" → "1000000000000000000000" (String(n) of a finite number). */
function plainNotation(text: string): string {
  const m = /^(-?)(\d+)(?:\.(\d+))?e([+-]\d+)$/.exec(text);
  if (!m) return text;
  const [, sign, int, frac = '', exp] = m;
  const digits = int! + frac;
  const point = int!.length + Number(exp);
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return `${sign}${digits}${'0'.repeat(point - digits.length)}`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

/** Minor units back to a decimal string with exactly `scale` places. */
export function fromMinor(units: Minor, scale = 2): string {
  checkSafe(units, 'amount');
  const neg = units < 0;
  const digits = Math.abs(units).toString().padStart(scale + 1, '0');
  const whole = digits.slice(0, digits.length - scale);
  const frac = digits.slice(digits.length - scale);
  return `${neg ? '-' : ''}${whole}${scale > 0 ? `.${frac}` : ''}`;
}

export function sumMinor(values: Iterable<Minor>): Minor {
  let total = 0;
  for (const v of values) total = checkSafe(total + v, 'sum');
  return total;
}

/**
 * Multiply minor units by an exact decimal rate (an exchange rate, a percentage as a
 * fraction, a proration) and round half-even to whole minor units.
 */
export function mulRate(units: Minor, rate: string): Minor {
  const m = DECIMAL.exec(rate.trim());
  if (!m) throw new MoneyError(`not a decimal rate: ${JSON.stringify(rate)}`);
  const [, neg, whole, frac = ''] = m;
  const scale = BigInt(10) ** BigInt(frac.length);
  const r = BigInt(whole! + frac) * (neg ? -1n : 1n);
  return checkSafe(Number(divRoundHalfEven(BigInt(units) * r, scale)), 'product');
}

/** Divide minor units by an exact decimal (e.g. convert at a rate quoted as base→foreign). */
export function divRate(units: Minor, rate: string): Minor {
  const m = DECIMAL.exec(rate.trim());
  if (!m) throw new MoneyError(`not a decimal rate: ${JSON.stringify(rate)}`);
  const [, neg, whole, frac = ''] = m;
  const r = BigInt(whole! + frac) * (neg ? -1n : 1n);
  if (r === 0n) throw new MoneyError('division by a zero rate');
  const scale = BigInt(10) ** BigInt(frac.length);
  return checkSafe(Number(divRoundHalfEven(BigInt(units) * scale, r)), 'quotient');
}

export function divRoundHalfEven(num: bigint, den: bigint): bigint {
  if (den < 0n) return divRoundHalfEven(-num, -den);
  const q = num / den;
  const r = num % den;
  if (r === 0n) return q;
  const twice = (r < 0n ? -r : r) * 2n;
  const away = num < 0n ? q - 1n : q + 1n;
  if (twice > den) return away;
  if (twice < den) return q;
  return q % 2n === 0n ? q : away;
}

/**
 * Split an amount into `parts` instalments that sum exactly to it, the remainder cents
 * going to the first instalments.
 */
export function splitEvenly(units: Minor, parts: number): Minor[] {
  if (!Number.isInteger(parts) || parts < 1) throw new MoneyError('parts must be a positive integer');
  const base = Math.trunc(units / parts);
  let rest = units - base * parts;
  const step = rest < 0 ? -1 : 1;
  return Array.from({ length: parts }, () => {
    if (rest === 0) return base;
    rest -= step;
    return base + step;
  });
}

/**
 * ISO 4217 minor units: how many decimal places an amount in a currency has. The table lists
 * only the exceptions to ISO's usual 2 (list one, "minor unit" column); every other code,
 * including one ISO does not know, has 2, which is also the scale ledgers keep amounts at.
 * Payment providers may have rules of their own (Stripe's zero-decimal list, in
 * integrations/payments/stripe.ts); this is the standard's.
 */
export const CURRENCY_EXPONENTS: Readonly<Record<string, 0 | 3 | 4>> = Object.freeze({
  // 0: no minor unit
  BIF: 0,
  CLP: 0,
  DJF: 0,
  GNF: 0,
  ISK: 0,
  JPY: 0,
  KMF: 0,
  KRW: 0,
  PYG: 0,
  RWF: 0,
  UGX: 0,
  UYI: 0,
  VND: 0,
  VUV: 0,
  XAF: 0,
  XOF: 0,
  XPF: 0,
  // 3: thousandths (fils, baisa, millimes, dirhams)
  BHD: 3,
  IQD: 3,
  JOD: 3,
  KWD: 3,
  LYD: 3,
  OMR: 3,
  TND: 3,
  // 4: units of account
  CLF: 4,
  UYW: 4,
});

/** Decimal places of an ISO 4217 currency code (any case): 0 for JPY, 3 for BHD, else 2. */
export function currencyExponent(currency: string): number {
  return CURRENCY_EXPONENTS[currency.trim().toUpperCase()] ?? 2;
}

/**
 * A decimal amount in `currency` ("1200" JPY, "12.345" BHD, "125.50" GBP) to that currency's
 * minor units (1200, 12345, 12550). Places beyond the currency's must be zeros ("1200.00" JPY is
 * 1200) unless `round` is set, in which case the amount is rounded half away from zero.
 */
export function parseAmount(value: string, currency: string, round = false): Minor {
  return toMinor(value, currencyExponent(currency), round);
}

/** Minor units of `currency` back to a decimal string with exactly its places ("1200", "12.345"). */
export function formatAmount(units: Minor, currency: string): string {
  return fromMinor(units, currencyExponent(currency));
}

const moneyFormats = new Map<string, Intl.NumberFormat | null>();

/**
 * Minor units of `currency` for people in `locale` ("£1,234.56" en-GB, "1 234,56 €" fr-FR,
 * "1.234,56 €" de-DE): Intl is handed the exact decimal string (`formatAmount`), never a float
 * from arithmetic, with exactly the currency's ISO 4217 places. An unknown currency code:
 * "XYZ 12.30".
 */
export function formatMoneyIn(units: Minor, currency: string, locale: string): string {
  const decimal = formatAmount(units, currency);
  const key = `${locale}|${currency}`;
  let f = moneyFormats.get(key);
  if (f === undefined) {
    const places = currencyExponent(currency);
    try {
      f = new Intl.NumberFormat(locale, { style: 'currency', currency, minimumFractionDigits: places, maximumFractionDigits: places });
    } catch {
      f = null;
    }
    moneyFormats.set(key, f);
  }
  // Intl.NumberFormat.format takes a decimal string and keeps it exact (ECMA-402 "Intl.NumberFormat v3").
  return f ? f.format(decimal as unknown as number) : `${currency} ${decimal}`;
}
