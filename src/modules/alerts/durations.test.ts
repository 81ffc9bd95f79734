import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from './durations.js';

describe('Prometheus durations', () => {
  it('reads each unit and their sums, largest first', () => {
    expect(parseDuration('30s')).toBe(30);
    expect(parseDuration('5m')).toBe(300);
    expect(parseDuration('4h')).toBe(14_400);
    expect(parseDuration('1h30m')).toBe(5_400);
    expect(parseDuration('2d')).toBe(172_800);
    expect(parseDuration('1w')).toBe(604_800);
    expect(parseDuration('1y')).toBe(31_536_000);
    expect(parseDuration('0s')).toBe(0);
    expect(parseDuration('0')).toBe(0);
  });

  it('refuses what is not a duration', () => {
    for (const bad of ['', '5', 'm', '5M', '30sec', '1m1h', '1.5h', '-5m', ' 5m', '5m ', '500ms', '1h1h', '9'.repeat(40) + 's']) {
      expect(parseDuration(bad), bad).toBeUndefined();
    }
  });

  it('writes whole seconds back in the shortest form, which reads back the same', () => {
    for (const seconds of [0, 1, 59, 60, 90, 3_600, 5_400, 86_400, 694_861]) {
      expect(parseDuration(formatDuration(seconds))).toBe(seconds);
    }
    expect(formatDuration(5_400)).toBe('1h30m');
  });
});
