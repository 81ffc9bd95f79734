import { describe, expect, it } from 'vitest';
import { fingerprint, render, unknownFields } from './labels.js';

describe('alert labels and templates', () => {
  it('fingerprints a label set whatever its order, and tells sets apart', () => {
    expect(fingerprint({ a: '1', b: '2' })).toBe(fingerprint({ b: '2', a: '1' }));
    expect(fingerprint({ a: '1', b: '2' })).not.toBe(fingerprint({ a: '1', b: '3' }));
    // The separators keep "ab"+"c" apart from "a"+"bc".
    expect(fingerprint({ ab: 'c' })).not.toBe(fingerprint({ a: 'bc' }));
    expect(fingerprint({ a: '1' })).toMatch(/^[0-9a-f]{16}$/);
  });

  it('renders the camera, unit, rule, value and labels, and leaves unknown fields empty', () => {
    const context = {
      rule: { id: 'r1', name: 'Camera offline' },
      severity: 'high',
      camera: { id: 'c1', name: 'Kitchen' },
      unit: { code: 'S1', name: 'Site one' },
      value: 2.5,
      labels: { team: 'site-a' },
    };
    expect(
      render('{{camera.name}} at {{ unit.name }} ({{unit.code}}) is offline: {{value}} [{{labels.team}}] {{rule.name}}', context),
    ).toBe('Kitchen at Site one (S1) is offline: 2.5 [site-a] Camera offline');
    expect(render('{{camera.name}}|{{labels.none}}', { ...context, camera: undefined })).toBe('|');
    expect(unknownFields('{{camera.name}} {{camera.ip}} {{labels.x}} {{oops}}')).toEqual(['camera.ip', 'oops']);
  });
});
