import Decimal from 'decimal.js';

/** Decimal places of each currency's minor unit (CNY: fen). */
const MINOR_DIGITS: Readonly<Record<string, number>> = { CNY: 2, HKD: 2, USD: 2, EUR: 2, JPY: 0 };

export const DEFAULT_CURRENCY = 'CNY';

/** The largest amount a posting may carry: what Postgres bigint holds, with room for sums. */
const MAX_MINOR = 2n ** 62n;

export type AmountProblem = 'not-a-number' | 'not-positive' | 'too-precise' | 'too-large' | 'unknown-currency';

export class AmountError extends Error {
  constructor(
    readonly problem: AmountProblem,
    readonly input: string,
  ) {
    super(`${problem}: ${JSON.stringify(input)}`);
    this.name = 'AmountError';
  }
}

const DECIMAL = /^-?\d+(\.\d+)?$/;

export function minorDigits(currency: string): number {
  const digits = MINOR_DIGITS[currency];
  if (digits === undefined) throw new AmountError('unknown-currency', currency);
  return digits;
}

export function isKnownCurrency(currency: string): boolean {
  return MINOR_DIGITS[currency] !== undefined;
}

/**
 * "55000.00" CNY → 5500000n fen. Refuses anything that is not a positive amount the currency can
 * hold, and more decimals than it has even when they are zeros ("1.230" CNY): an amount written
 * finer than fen is a mistake of units to be corrected, not rounded or read past.
 */
export function toMinorUnits(amount: string, currency: string): bigint {
  const digits = minorDigits(currency);
  // The ledger parses every posting's amount: the common shape is read from its characters.
  const plain = plainMinorUnits(amount, digits);
  if (plain !== undefined) return plain;
  if (!DECIMAL.test(amount)) throw new AmountError('not-a-number', amount);
  const value = new Decimal(amount);
  if (value.lte(0)) throw new AmountError('not-positive', amount);
  if (decimalsWritten(amount) > digits) throw new AmountError('too-precise', amount);
  const minor = BigInt(value.times(new Decimal(10).pow(digits)).toFixed(0));
  if (minor > MAX_MINOR) throw new AmountError('too-large', amount);
  return minor;
}

function decimalsWritten(amount: string): number {
  const point = amount.indexOf('.');
  return point < 0 ? 0 : amount.length - point - 1;
}

/** 5500000n fen → "55000.00". Negative amounts keep their sign. */
export function fromMinorUnits(minor: bigint, currency: string): string {
  return new Decimal(minor.toString()).dividedBy(new Decimal(10).pow(minorDigits(currency))).toFixed(minorDigits(currency));
}

const ZERO = 48;
const NINE = 57;
const POINT = 46;

/**
 * Digits, then at most as many decimals as the currency has, of a positive amount short enough
 * for a Number to hold its fen exactly: read from the characters, with no regex match, substring
 * or Decimal. undefined for anything else, which the general path reads or refuses.
 */
function plainMinorUnits(amount: string, digits: number): bigint | undefined {
  if (amount.length > 15) return undefined;
  let units = 0;
  let decimals = -1;
  for (let at = 0; at < amount.length; at += 1) {
    const code = amount.charCodeAt(at);
    if (code === POINT && decimals < 0 && at > 0) {
      decimals = 0;
      continue;
    }
    if (code < ZERO || code > NINE) return undefined;
    units = units * 10 + (code - ZERO);
    if (decimals >= 0) decimals += 1;
  }
  if (decimals === 0 || decimals > digits) return undefined;
  const minor = units * 10 ** (digits - Math.max(decimals, 0));
  return minor > 0 && Number.isSafeInteger(minor) ? BigInt(minor) : undefined;
}
