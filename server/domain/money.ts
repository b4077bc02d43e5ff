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
 * hands us floats that were parsed from decimal JSON): 0.1 + 0.2 style drift is removed by
 * rounding to 10 significant decimals, far beyond any ledger precision.
 */
export function numberToDecimalString(n: number): string {
  if (!Number.isFinite(n)) throw new MoneyError(`not a finite amount: ${n}`);
  const s = n.toFixed(10).replace(/\.?0+$/, '');
  return s === '-0' ? '0' : s;
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
