/**
 * Properties of exact money (kernel/money.ts) and of the allocations built on it: decimal
 * parse/format round trips at every scale, rounding bounds, splits and prorations that sum exactly
 * to the total, and ISO 4217 minor units per currency (JPY 0 places, BHD 3, GBP 2).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays, diffDays } from '../../kernel/dates';
import { CURRENCY_EXPONENTS, currencyExponent, divRate, divRoundHalfEven, formatAmount, fromMinor, MoneyError, mulRate, numberToDecimalString, parseAmount, splitEvenly, sumMinor, toMinor } from '../../kernel/money';
import { splitLast } from '../../server/domain/collections/plans';
import { prorateCredit } from '../../server/domain/proration';
import { formatMoney, minorOf } from '../../server/reminders/render';

const SAFE = Number.MAX_SAFE_INTEGER;
const units = fc.integer({ min: -SAFE, max: SAFE });
/** Amounts a ledger holds: up to ten thousand million in any currency's minor units. */
const ledgerUnits = fc.integer({ min: -1e13, max: 1e13 });
const scale = fc.integer({ min: 0, max: 6 });
const digits = (min: number, max: number) => fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: min, maxLength: max });

/** Canonical decimal text: no leading zeros in the whole part, no "-0". */
function canonical(neg: boolean, whole: string, frac: string): string {
  const w = whole.replace(/^0+(?=\d)/, '');
  const zero = /^0*$/.test(w + frac);
  return `${neg && !zero ? '-' : ''}${w}${frac ? `.${frac}` : ''}`;
}

/** Exact value of a decimal string times 10^places, as a bigint fraction num / 10^extra. */
function exactScaled(text: string, places: number): { num: bigint; den: bigint } {
  const m = /^(-)?(\d+)(?:\.(\d+))?$/.exec(text)!;
  const frac = m[3] ?? '';
  const num = BigInt(`${m[2]}${frac}`) * (m[1] ? -1n : 1n) * 10n ** BigInt(places);
  return { num, den: 10n ** BigInt(frac.length) };
}

const abs = (n: bigint) => (n < 0n ? -n : n);

describe('decimal strings ⇄ minor units', () => {
  it('fromMinor then toMinor gives the units back, at every scale', () => {
    fc.assert(
      fc.property(units, scale, (u, s) => {
        const text = fromMinor(u, s);
        expect(text).toMatch(s === 0 ? /^-?\d+$/ : new RegExp(`^-?\\d+\\.\\d{${s}}$`));
        expect(toMinor(text, s)).toBe(u);
      }),
    );
  });

  it('toMinor then fromMinor gives the canonical text back, whatever zeros it was written with', () => {
    fc.assert(
      fc.property(fc.boolean(), digits(1, 9), scale, fc.nat(), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 }), (neg, whole, s, f, leading, trailing) => {
        const frac = String(f).padStart(s, '0').slice(-s || undefined).slice(0, s);
        const zeros = (n: number) => '0'.repeat(n);
        const places = frac + zeros(trailing);
        const written = `${neg ? '-' : ''}${zeros(leading)}${whole}${places ? `.${places}` : ''}`;
        const u = toMinor(written, s);
        expect(Object.is(u, -0)).toBe(false);
        expect(fromMinor(u, s)).toBe(canonical(neg, whole, frac));
      }),
    );
  });

  it('rounds extra places half away from zero, and refuses them without round', () => {
    fc.assert(
      fc.property(fc.boolean(), digits(1, 10), digits(1, 6), fc.integer({ min: 0, max: 4 }), (neg, whole, frac, s) => {
        const text = `${neg ? '-' : ''}${whole}.${frac}`;
        const rounded = toMinor(text, s, true);
        const { num, den } = exactScaled(text, s);
        // |rounded − exact| ≤ ½, and a tie goes away from zero
        const diff = BigInt(rounded) * den - num;
        expect(abs(diff) * 2n <= den).toBe(true);
        if (abs(diff) * 2n === den) expect(abs(BigInt(rounded)) * den > abs(num)).toBe(true);
        if (frac.length > s && /[1-9]/.test(frac.slice(s))) expect(() => toMinor(text, s)).toThrow(MoneyError);
        else expect(toMinor(text, s)).toBe(rounded);
      }),
    );
  });

  it('a float from decimal JSON (u / 100) reads back as exactly u cents, millions and billions too', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e12, max: 1e12 }), (u) => {
        expect(toMinor(u / 100, 2)).toBe(u);
        expect(numberToDecimalString(u / 100)).toBe(fromMinor(u, 2).replace(/\.?0+$/, ''));
      }),
    );
    expect(numberToDecimalString(1000000.07)).toBe('1000000.07');
    expect(numberToDecimalString(0.1 + 0.2)).toBe('0.3');
    expect(numberToDecimalString(1 / 3)).toBe('0.3333333333');
    expect(numberToDecimalString(1.5e-7)).toBe('0.00000015');
    expect(numberToDecimalString(1e21)).toBe('1000000000000000000000');
    expect(numberToDecimalString(-0)).toBe('0');
    expect(numberToDecimalString(-1e-12)).toBe('0');
  });

  it('refuses what is not an exact safe amount', () => {
    expect(() => toMinor('1e3')).toThrow(MoneyError);
    expect(() => toMinor('12.5.0')).toThrow(MoneyError);
    expect(() => toMinor('')).toThrow(MoneyError);
    expect(() => toMinor('99999999999999999999')).toThrow(MoneyError);
    expect(() => fromMinor(0.5)).toThrow(MoneyError);
    expect(() => sumMinor([SAFE, 1])).toThrow(MoneyError);
  });
});

describe('currency minor units (ISO 4217)', () => {
  it('knows the exponents: 0 for JPY and friends, 3 for the dinars, 2 otherwise', () => {
    for (const c of ['JPY', 'KRW', 'VND', 'CLP', 'ISK', 'UGX', 'XAF', 'jpy', ' krw ']) expect(currencyExponent(c)).toBe(0);
    for (const c of ['BHD', 'KWD', 'OMR', 'JOD', 'TND', 'LYD', 'IQD', 'bhd']) expect(currencyExponent(c)).toBe(3);
    for (const c of ['GBP', 'USD', 'EUR', 'NZD', 'AUD', 'INR', 'HUF', 'IDR', 'XYZ']) expect(currencyExponent(c)).toBe(2);
    expect(currencyExponent('CLF')).toBe(4);
    for (const [code, e] of Object.entries(CURRENCY_EXPONENTS)) expect([code, currencyExponent(code)]).toEqual([code, e]);
  });

  const currency = fc.constantFrom('JPY', 'KRW', 'ISK', 'BHD', 'KWD', 'IQD', 'GBP', 'USD', 'EUR', 'CLF');

  it('an amount formatted in its currency has exactly its places and parses back to the same units', () => {
    fc.assert(
      fc.property(ledgerUnits, currency, (u, c) => {
        const text = formatAmount(u, c);
        const places = currencyExponent(c);
        expect(text.includes('.') ? text.split('.')[1]!.length : 0).toBe(places);
        expect(parseAmount(text, c)).toBe(u);
        expect(parseAmount(`${text}${places === 0 ? '.' : ''}00`, c)).toBe(u);
      }),
    );
  });

  it('JPY carries no fraction and BHD carries thousandths', () => {
    expect(parseAmount('1200', 'JPY')).toBe(1200);
    expect(parseAmount('1200.00', 'JPY')).toBe(1200);
    expect(() => parseAmount('1200.5', 'JPY')).toThrow(MoneyError);
    expect(parseAmount('1200.5', 'JPY', true)).toBe(1201);
    expect(parseAmount('-1200.5', 'JPY', true)).toBe(-1201);
    expect(formatAmount(1200, 'JPY')).toBe('1200');
    expect(parseAmount('12.345', 'BHD')).toBe(12_345);
    expect(parseAmount('12.3450', 'BHD')).toBe(12_345);
    expect(() => parseAmount('12.3456', 'BHD')).toThrow(MoneyError);
    expect(parseAmount('12.3455', 'BHD', true)).toBe(12_346);
    expect(formatAmount(12_345, 'BHD')).toBe('12.345');
    expect(formatAmount(5, 'KWD')).toBe('0.005');
    expect(formatAmount(-5, 'GBP')).toBe('-0.05');
  });

  it('the same decimal amount is 10^(e₁−e₂) times the units in a currency with more places', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e9, max: 1e9 }), (yen) => {
        const text = formatAmount(yen, 'JPY');
        expect(parseAmount(text, 'GBP')).toBe(yen * 100);
        expect(parseAmount(text, 'BHD')).toBe(yen * 1000);
        expect(parseAmount(formatAmount(yen * 10, 'BHD'), 'GBP')).toBe(yen);
      }),
    );
  });

  it('amounts for people (reminder emails, pay confirmations) show exactly the currency’s places', () => {
    const shown = (amount: string, c: string) => formatMoney(minorOf(amount, c), c, 'GB').replace(/\s/g, ' ');
    expect(shown('1200.00', 'JPY')).toBe('JP¥1,200');
    expect(shown('1200.50', 'JPY')).toBe('JP¥1,201');
    expect(shown('12.345', 'BHD')).toBe('BHD 12.345');
    expect(shown('12.3456', 'BHD')).toBe('BHD 12.346');
    expect(shown('12.5', 'IQD')).toBe('IQD 12.500');
    expect(shown('125.5', 'GBP')).toBe('£125.50');
    expect(shown('-0.01', 'GBP')).toBe('-£0.01');
    fc.assert(
      fc.property(ledgerUnits, currency, (u, c) => {
        const text = formatMoney(u, c, 'GB');
        // Only the digits, the decimal point and the sign, as the exact decimal has them.
        const bare = text.replace(/[^0-9.-]/g, '').replace(/^\.+|\.+$/g, '');
        expect(bare).toBe(formatAmount(u, c));
      }),
    );
  });
});

describe('allocation sums exactly to the total', () => {
  it('splitEvenly: n parts, the total exactly, differing by at most one unit, the larger first', () => {
    fc.assert(
      fc.property(ledgerUnits, fc.integer({ min: 1, max: 240 }), (total, n) => {
        const parts = splitEvenly(total, n);
        expect(parts).toHaveLength(n);
        expect(sumMinor(parts)).toBe(total);
        const mags = parts.map(Math.abs);
        expect(Math.max(...mags) - Math.min(...mags)).toBeLessThanOrEqual(1);
        expect(mags.every((m, i) => i === 0 || m <= mags[i - 1]!)).toBe(true);
        expect(parts.every((p) => p === 0 || Math.sign(p) === Math.sign(total))).toBe(true);
      }),
    );
  });

  it('splitLast (payment plans): equal parts, the rest on the last, the total exactly', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e13 }), fc.integer({ min: 1, max: 240 }), (total, n) => {
        const parts = splitLast(total, n);
        expect(parts).toHaveLength(n);
        expect(sumMinor(parts)).toBe(total);
        const base = parts[0]!;
        expect(parts.slice(0, -1).every((p) => p === base)).toBe(true);
        expect(parts[n - 1]! - base).toBeGreaterThanOrEqual(0);
        expect(parts[n - 1]! - base).toBeLessThan(n);
      }),
    );
  });

  const period = (maxDays: number) => fc.record({ total: fc.integer({ min: 0, max: 1e12 }), start: fc.integer({ min: 0, max: 3000 }), days: fc.integer({ min: 1, max: maxDays }) }).map(({ total, start, days }) => {
    const serviceStart = addDays('2024-01-01', start);
    return { total, serviceStart, serviceEnd: addDays(serviceStart, days - 1), days };
  });

  it('prorateCredit: the whole period credits the total; each day’s share is within a unit of total/days and they add up to it', () => {
    fc.assert(
      fc.property(period(120), ({ total, serviceStart, serviceEnd, days }) => {
        const credit = (k: number) => (k === days ? 0 : prorateCredit(total, { serviceStart, serviceEnd, cancelFrom: addDays(serviceStart, k) }));
        expect(credit(0)).toBe(total);
        // Day k's share: what cancelling a day later no longer credits.
        const shares = Array.from({ length: days }, (_, k) => credit(k) - credit(k + 1));
        expect(sumMinor(shares)).toBe(total);
        expect(shares.every((s) => s >= 0)).toBe(true);
        // |share − total/days| < 1 unit, in integers
        expect(shares.filter((s) => Math.abs(s * days - total) >= days)).toEqual([]);
      }),
      { numRuns: 50 },
    );
  });

  it('prorateCredit: within half a unit of total × undelivered / days, never more than the total', () => {
    fc.assert(
      fc.property(period(800), fc.nat(), ({ total, serviceStart, serviceEnd, days }, cut) => {
        const cancelFrom = addDays(serviceStart, cut % days);
        const undelivered = diffDays(cancelFrom, serviceEnd) + 1;
        const credit = prorateCredit(total, { serviceStart, serviceEnd, cancelFrom });
        expect(abs(BigInt(credit) * BigInt(days) - BigInt(total) * BigInt(undelivered)) * 2n <= BigInt(days)).toBe(true);
        expect(credit).toBeLessThanOrEqual(total);
        expect(credit).toBeGreaterThanOrEqual(0);
      }),
    );
  });

  it('mulRate and divRate round half to even, within half a unit of the exact value', () => {
    const rate = fc.tuple(fc.integer({ min: 0, max: 99_999 }), fc.integer({ min: 0, max: 6 })).map(([n, places]) => (places === 0 ? String(n) : `${String(n).padStart(places + 1, '0').slice(0, -places)}.${String(n).padStart(places + 1, '0').slice(-places)}`));
    fc.assert(
      fc.property(fc.integer({ min: -1e10, max: 1e10 }), rate, (u, r) => {
        const places = r.includes('.') ? r.split('.')[1]!.length : 0;
        const R = BigInt(r.replace('.', ''));
        const den = 10n ** BigInt(places);
        const product = mulRate(u, r);
        const diff = BigInt(product) * den - BigInt(u) * R;
        expect(abs(diff) * 2n <= den).toBe(true);
        if (abs(diff) * 2n === den) expect(Math.abs(product % 2)).toBe(0);
        // A quotient beyond exact integers is refused, never rounded away (e.g. -9,007,199,255 / 0.000001).
        if (R !== 0n && abs(divRoundHalfEven(BigInt(u) * den, R)) > BigInt(Number.MAX_SAFE_INTEGER)) {
          expect(() => divRate(u, r)).toThrow(MoneyError);
        } else if (R !== 0n) {
          const quotient = divRate(u, r);
          const qd = BigInt(quotient) * R - BigInt(u) * den;
          expect(abs(qd) * 2n <= R).toBe(true);
          if (abs(qd) * 2n === R) expect(Math.abs(quotient % 2)).toBe(0);
        }
        expect(mulRate(u, '1')).toBe(u);
        expect(mulRate(u, '1.0000')).toBe(u);
      }),
    );
  });

  it('divRoundHalfEven is the nearest integer, ties to even, for any signs', () => {
    const big = fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n });
    fc.assert(
      fc.property(big, big.filter((d) => d !== 0n), (num, den) => {
        const q = divRoundHalfEven(num, den);
        const d = abs(den);
        const r = abs(q * den - num);
        expect(r * 2n <= d).toBe(true);
        if (r * 2n === d) expect(q % 2n).toBe(0n);
      }),
    );
  });
});
