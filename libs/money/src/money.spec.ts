import fc from 'fast-check';

import { AmountError, allocate, fromMinorUnits, toMinorUnits } from './index';

describe('amounts', () => {
  it('reads decimal strings into fen and back', () => {
    expect(toMinorUnits('55000.00', 'CNY')).toBe(5_500_000n);
    expect(toMinorUnits('0.01', 'CNY')).toBe(1n);
    expect(toMinorUnits('500', 'CNY')).toBe(50_000n);
    expect(fromMinorUnits(5_500_000n, 'CNY')).toBe('55000.00');
    expect(fromMinorUnits(-150n, 'CNY')).toBe('-1.50');
  });

  it.each([
    ['0', 'not-positive'],
    ['-70.00', 'not-positive'],
    ['1.001', 'too-precise'],
    ['1.100', 'too-precise'],
    ['1e3', 'not-a-number'],
    ['', 'not-a-number'],
    ['12,5', 'not-a-number'],
    ['99999999999999999999999', 'too-large'],
  ])('refuses %j (%s)', (input, problem) => {
    expect(() => toMinorUnits(input, 'CNY')).toThrow(expect.objectContaining({ problem }));
  });

  it('reads every way of writing an amount as the same fen: with or without decimals, one or two, leading zeros, yen without', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 2n ** 62n }), fc.nat({ max: 2 }), (fen, zeros) => {
        const yuan = fromMinorUnits(fen, 'CNY');
        expect(toMinorUnits(`${'0'.repeat(zeros)}${yuan}`, 'CNY')).toBe(fen);
        if (fen % 10n === 0n) expect(toMinorUnits(yuan.slice(0, -1), 'CNY')).toBe(fen);
        if (fen % 100n === 0n) expect(toMinorUnits(yuan.slice(0, -3), 'CNY')).toBe(fen);
        expect(toMinorUnits(fen.toString(), 'JPY')).toBe(fen);
      }),
    );
    expect(() => toMinorUnits('1.230', 'CNY')).toThrow(expect.objectContaining({ problem: 'too-precise' }));
    expect(() => toMinorUnits('1.5', 'JPY')).toThrow(expect.objectContaining({ problem: 'too-precise' }));
    expect(() => toMinorUnits('2.0', 'JPY')).toThrow(expect.objectContaining({ problem: 'too-precise' }));
  });

  it('reads short amounts as it reads the same amounts written long: the quick path for the common shape agrees with the general one', () => {
    // Leading zeros change neither the value nor whether an amount is well formed, and take it past the quick path's length.
    const outcome = (amount: string, currency: string): bigint | string => {
      try {
        return toMinorUnits(amount, currency);
      } catch (error) {
        return (error as AmountError).problem;
      }
    };
    const amount = fc.tuple(fc.constantFrom(...'0123456789'), fc.string({ unit: fc.constantFrom(...'0123456789.-e,'), maxLength: 16 })).map(([first, rest]) => first + rest);
    fc.assert(
      fc.property(amount, fc.constantFrom('CNY', 'JPY'), (short, currency) => {
        expect(outcome(short, currency)).toBe(outcome(`${'0'.repeat(16)}${short}`, currency));
      }),
      { numRuns: 2_000 },
    );
  });

  it('refuses a currency it does not know', () => {
    expect(() => toMinorUnits('1.00', 'XYZ')).toThrow(AmountError);
  });
});

describe('largest-remainder allocation', () => {
  it('splits 100.00 three ways so the parts add up to the fen', () => {
    expect(allocate(10_000n, [1n, 1n, 1n])).toEqual([3_334n, 3_333n, 3_333n]);
  });

  it('splits a payment across four sources pro rata', () => {
    expect(allocate(6_000_000n, [5_500_000n, 500_000n, 0n, 0n])).toEqual([5_500_000n, 500_000n, 0n, 0n]);
    expect(allocate(100n, [3n, 3n, 3n, 1n])).toEqual([30n, 30n, 30n, 10n]);
    expect(allocate(7n, [1n, 1n, 1n, 1n])).toEqual([2n, 2n, 2n, 1n]);
  });

  it('always adds up to the whole and never gives a share more than one fen off its exact part', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 12n }), fc.array(fc.bigInt({ min: 0n, max: 10n ** 9n }), { minLength: 1, maxLength: 12 }), (total, weights) => {
        fc.pre(weights.some((weight) => weight > 0n));
        const shares = allocate(total, weights);
        const sum = weights.reduce((a, b) => a + b, 0n);
        expect(shares.reduce((a, b) => a + b, 0n)).toBe(total);
        shares.forEach((share, index) => {
          const exactTimesSum = total * weights[index]!;
          expect(share * sum <= exactTimesSum + sum && share * sum >= exactTimesSum - sum).toBe(true);
        });
      }),
    );
  });
});
