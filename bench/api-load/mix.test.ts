import { describe, expect, it } from 'vitest';
import { createMix, kindOf } from './mix.js';

const world = {
  units: ['ORG', 'R1', 'S1', 'D1', 'D2', 'T1', 'T2', 'T3'],
  departments: ['D1', 'D2'],
  teams: ['T1', 'T2', 'T3'],
  cameraIds: ['c1', 'c2'],
};

describe('the mixed-load request mix', () => {
  it('sends 80% reads (unit 40%, subtree 20%, camera 20%) and 20% writes', () => {
    const counts: Record<string, number> = {};
    for (let i = 0; i < 1000; i++) counts[kindOf(i)] = (counts[kindOf(i)] ?? 0) + 1;
    expect(counts).toEqual({ unit: 400, subtree: 200, camera: 200, write: 200 });
  });

  it('gives both targets the same requests for the same numbers, and spreads them over the units', () => {
    const a = createMix(world);
    const b = createMix(world);
    const paths = (mix: typeof a) => Array.from({ length: 50 }, (_, i) => (kindOf(i) === 'write' ? '' : mix.request(i, {}).spec.path));
    expect(paths(a)).toEqual(paths(b));
    expect(new Set(paths(a).filter((p) => /organization-units\/[^/]+$/.exec(p))).size).toBeGreaterThan(4);
  });

  it('never starts two writes to one unit on the same day', () => {
    const mix = createMix(world);
    const seen = new Set<string>();
    for (let i = 0; i < 300; i++) {
      const { kind, spec } = mix.request(i, { authorization: 'Bearer x' });
      if (kind !== 'write') continue;
      expect(spec.method).toBe('POST');
      expect(spec.headers).toEqual({ authorization: 'Bearer x', 'content-type': 'application/json' });
      const { effectiveDate } = JSON.parse(spec.body!) as { effectiveDate: string };
      const key = `${spec.path} ${effectiveDate}`;
      expect(seen.has(key)).toBe(false);
      seen.add(key);
    }
    expect(seen.size).toBe(60);
    expect(mix.writes).toBe(60);
  });
});
