import { describe, expect, it } from 'vitest';
import { InvalidFeeConfigError, makerTakerFees, tieredFeeModel } from './fees.js';
import { atomsToDecimal, decimalToAtoms, divRoundHalfEven, mulRate, parseRate } from './money.js';

describe('fees', () => {
  it('charges notional × rate exactly, rebates negative', () => {
    const fees = makerTakerFees({ maker: '-0.00025', taker: '0.00075' });
    expect(atomsToDecimal(fees.feeAtoms(decimalToAtoms('12345.67'), 'taker'))).toBe('9.2592525');
    expect(atomsToDecimal(fees.feeAtoms(decimalToAtoms('12345.67'), 'maker'))).toBe('-3.0864175');
    expect(() => makerTakerFees({ maker: '0.1%', taker: '0' })).toThrow(InvalidFeeConfigError);
  });

  it('picks a tier of a schedule and names the known tiers when it is missing', () => {
    const schedule = { vip0: { maker: '0.001', taker: '0.001' }, vip1: { maker: '0.0009', taker: '0.001' } };
    expect(tieredFeeModel(schedule, 'vip1').rateText('maker')).toBe('0.0009');
    expect(() => tieredFeeModel(schedule, 'vip9')).toThrow(
      "fee tier 'vip9' is not in the schedule (known: vip0, vip1)",
    );
  });
});

describe('money', () => {
  it('parses and prints atoms exactly, and refuses malformed or too precise text', () => {
    expect(decimalToAtoms('-0.000000000000000001')).toBe(-1n);
    expect(atomsToDecimal(decimalToAtoms('10.25'))).toBe('10.25');
    expect(atomsToDecimal(decimalToAtoms('10.255'), 2)).toBe('10.26');
    expect(atomsToDecimal(decimalToAtoms('10.245'), 2)).toBe('10.24');
    expect(() => decimalToAtoms('1e-3')).toThrow(/not a decimal number/);
    expect(() => decimalToAtoms('0.0000000000000000001')).toThrow(/19 decimals/);
  });

  it('rounds half to even only beyond 18 decimals', () => {
    expect(divRoundHalfEven(5n, 2n)).toBe(2n);
    expect(divRoundHalfEven(7n, 2n)).toBe(4n);
    expect(divRoundHalfEven(-5n, 2n)).toBe(-2n);
    expect(mulRate(3n, parseRate('0.5'))).toBe(2n); // 1.5 atoms → 2
    expect(mulRate(decimalToAtoms('1000'), parseRate('0.001'))).toBe(decimalToAtoms('1'));
  });
});
