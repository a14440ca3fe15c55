import { describe, expect, it } from 'vitest';
import { formatDuration, InvalidDurationError, parseDuration } from './duration.js';

describe('parseDuration', () => {
  it('reads every unit into microseconds', () => {
    expect(parseDuration('250ms')).toBe(250_000);
    expect(parseDuration('5s')).toBe(5_000_000);
    expect(parseDuration('1m')).toBe(60_000_000);
    expect(parseDuration('2h')).toBe(7_200_000_000);
    expect(parseDuration('30d')).toBe(2_592_000_000_000);
    expect(parseDuration('1.5s')).toBe(1_500_000);
    expect(parseDuration('7us')).toBe(7);
  });

  it('refuses text without a unit, negative values and fractions of a microsecond, naming the input', () => {
    for (const bad of ['', '5', '-1s', '5 minutes', '1.5us', 's']) {
      expect(() => parseDuration(bad)).toThrow(InvalidDurationError);
    }
    expect(() => parseDuration('5 minutes')).toThrow(/"5 minutes"/);
  });

  it('writes a duration back in the largest exact unit', () => {
    expect(formatDuration(60_000_000)).toBe('1m');
    expect(formatDuration(250_000)).toBe('250ms');
    expect(formatDuration(1_500_000)).toBe('1500ms');
    expect(formatDuration(3)).toBe('3us');
    for (const text of ['250ms', '5s', '1m', '2h', '30d']) expect(formatDuration(parseDuration(text))).toBe(text);
  });
});
