import { describe, expect, it } from 'vitest';
import { matchesSilence, validRegex } from './silences.js';

const m = (name: string, value: string, isRegex = false, isEqual = true) => ({ name, value, isRegex, isEqual });

describe('silence matchers', () => {
  const labels = { alertname: 'Camera offline', severity: 'high', org_unit: 'S1' };

  it('matches when every matcher does', () => {
    expect(matchesSilence([m('alertname', 'Camera offline')], labels)).toBe(true);
    expect(matchesSilence([m('alertname', 'Camera offline'), m('severity', 'low')], labels)).toBe(false);
    expect(matchesSilence([m('org_unit', 'S[0-9]', true)], labels)).toBe(true);
    // Anchored at both ends, as in Alertmanager.
    expect(matchesSilence([m('org_unit', 'S', true)], labels)).toBe(false);
    expect(matchesSilence([m('severity', 'high', false, false)], labels)).toBe(false);
    expect(matchesSilence([m('severity', 'low|medium', true, false)], labels)).toBe(true);
    // A missing label is the empty string.
    expect(matchesSilence([m('team', '')], labels)).toBe(true);
    expect(matchesSilence([], labels)).toBe(false);
  });

  it('tells a usable regular expression from one that is not', () => {
    expect(validRegex('S[0-9]+')).toBe(true);
    expect(validRegex('S[0-9')).toBe(false);
  });
});
