/**
 * Exact rate arithmetic for collections: percentages written as decimal strings ("2", "2.5",
 * "8.25") applied to minor units with bigint, rounded half-up (half away from zero) to whole
 * minor units — how a fee or a discount on an invoice is rounded to the cent.
 */
import { type Minor, MoneyError } from '../../../kernel/money';

const DECIMAL = /^(\d+)(?:\.(\d+))?$/;

/** A non-negative decimal string as an exact fraction num / den. */
export function parseRate(text: string): { num: bigint; den: bigint } {
  const m = DECIMAL.exec(text.trim());
  if (!m) throw new MoneyError(`not a non-negative decimal rate: ${JSON.stringify(text)}`);
  const frac = m[2] ?? '';
  return { num: BigInt(m[1]! + frac), den: 10n ** BigInt(frac.length) };
}

/** num / den rounded half away from zero. */
export function divHalfUp(num: bigint, den: bigint): bigint {
  if (den <= 0n) throw new MoneyError('division by a non-positive number');
  const neg = num < 0n;
  const a = neg ? -num : num;
  const q = (a * 2n + den) / (den * 2n);
  return neg ? -q : q;
}

function safe(n: bigint): Minor {
  const v = Number(n);
  if (!Number.isSafeInteger(v)) throw new MoneyError('amount is outside the exact range');
  return v;
}

/** `pct` percent of `units`, half-up: percentOf(12345, '2') = 247 (246.9 → 247). */
export function percentOf(units: Minor, pct: string): Minor {
  const r = parseRate(pct);
  return safe(divHalfUp(BigInt(units) * r.num, r.den * 100n));
}

/**
 * Simple interest at `annualPct` per year on `units` for `days` days, ACT/365, half-up:
 * units × annualPct/100 × days/365.
 */
export function simpleInterest(units: Minor, annualPct: string, days: number): Minor {
  if (!Number.isInteger(days) || days < 0) throw new MoneyError('days must be a non-negative integer');
  const r = parseRate(annualPct);
  return safe(divHalfUp(BigInt(units) * r.num * BigInt(days), r.den * 100n * 365n));
}

/** A percentage string as whole basis points (2.5 → 250); refuses finer than 0.01 %. */
export function toBasisPoints(pct: string): number {
  const r = parseRate(pct);
  const bp = r.num * 100n;
  if (bp % r.den !== 0n) throw new MoneyError(`rate ${pct} is finer than a basis point`);
  return safe(bp / r.den);
}

/** num / den rounded half to even (banker's rounding): 2.5 → 2, 3.5 → 4. */
export function divHalfEven(num: bigint, den: bigint): bigint {
  if (den <= 0n) throw new MoneyError('division by a non-positive number');
  const neg = num < 0n;
  const a = neg ? -num : num;
  let q = a / den;
  const twice = (a % den) * 2n;
  if (twice > den || (twice === den && q % 2n === 1n)) q += 1n;
  return neg ? -q : q;
}

/** Simple interest as `simpleInterest`, rounded half to even (statutory interest, server/collections/statutory.ts). */
export function simpleInterestHalfEven(units: Minor, annualPct: string, days: number): Minor {
  if (!Number.isInteger(days) || days < 0) throw new MoneyError('days must be a non-negative integer');
  const r = parseRate(annualPct);
  return safe(divHalfEven(BigInt(units) * r.num * BigInt(days), r.den * 100n * 365n));
}

/** Adds two non-negative decimal rate strings exactly ("4.75" + "8" = "12.75"). */
export function addRates(a: string, b: string): string {
  const x = parseRate(a);
  const y = parseRate(b);
  const den = x.den > y.den ? x.den : y.den;
  const num = x.num * (den / x.den) + y.num * (den / y.den);
  const places = den.toString().length - 1;
  const whole = num / den;
  const frac = (num % den).toString().padStart(places, '0').replace(/0+$/, '');
  return frac ? `${whole}.${frac}` : `${whole}`;
}
