import { describe, expect, it } from 'vitest';
import type { Camera } from '../api/types';
import { EMPTY_FORM, fieldErrorsOf, parseLabels, toCreateBody, toPatchBody, validateCameraForm, valuesOf } from './form';

const CAMERA: Camera = {
  id: '0190a000-0000-7000-8000-000000000001',
  orgUnitCode: 'S1',
  name: 'Gate',
  sourceUrl: 'http://10.0.0.5/stream',
  sourceType: 'mjpeg',
  expectedFps: 5,
  frozenDetection: true,
  hasCredentials: true,
  labels: ['gate', 'outdoor'],
  active: true,
  autoStart: false,
  revision: 3,
  createdAt: '2026-03-01T10:00:00Z',
  updatedAt: '2026-03-01T10:00:00Z',
};
const filled = { ...EMPTY_FORM, orgUnitCode: 'S1', name: ' Gate ', sourceUrl: 'http://10.0.0.5/stream', labels: 'gate, outdoor gate' };

describe('the camera form', () => {
  it('splits labels on commas and spaces, once each', () => {
    expect(parseLabels(' gate, outdoor  north,gate ')).toEqual(['gate', 'outdoor', 'north']);
    expect(parseLabels('')).toEqual([]);
  });

  it('says what is missing or wrong, field by field', () => {
    expect(validateCameraForm(EMPTY_FORM, 'create')).toEqual({
      orgUnitCode: expect.stringContaining('org unit'),
      name: 'Enter a name.',
      sourceUrl: expect.stringContaining('address'),
    });
    expect(validateCameraForm(filled, 'create')).toEqual({});
    const wrong = validateCameraForm(
      { ...filled, orgUnitCode: 'a b', sourceUrl: 'ftp://x/y', expectedFps: '0', labels: 'ok -bad', password: 'p' },
      'create',
    );
    expect(Object.keys(wrong).sort()).toEqual(['expectedFps', 'labels', 'orgUnitCode', 'sourceUrl', 'username']);
    expect(validateCameraForm({ ...filled, sourceUrl: 'http://user:pw@cam/x' }, 'create').sourceUrl).toMatch(/credentials fields/);
    expect(validateCameraForm({ ...filled, sourceUrl: 'rtsp://cam/x', sourceType: 'mjpeg' }, 'create').sourceType).toBeDefined();
    expect(validateCameraForm({ ...filled, sourceUrl: 'not a url' }, 'create').sourceUrl).toMatch(/not a complete address/);
    expect(validateCameraForm({ ...valuesOf(CAMERA), credentials: 'set' }, 'edit').username).toBeDefined();
    expect(validateCameraForm(valuesOf(CAMERA), 'edit')).toEqual({});
  });

  it('makes the create body: trimmed, type only when chosen, credentials only with a user name', () => {
    expect(toCreateBody(filled)).toEqual({
      orgUnitCode: 'S1',
      name: 'Gate',
      sourceUrl: 'http://10.0.0.5/stream',
      expectedFps: 5,
      labels: ['gate', 'outdoor'],
      autoStart: false,
    });
    expect(toCreateBody({ ...filled, sourceType: 'snapshot', username: 'cam', password: 'pw', autoStart: true })).toMatchObject({
      sourceType: 'snapshot',
      credentials: { username: 'cam', password: 'pw' },
      autoStart: true,
    });
  });

  it('sends only what changed when editing, and nothing when nothing did', () => {
    expect(toPatchBody(valuesOf(CAMERA), CAMERA)).toBeUndefined();
    expect(toPatchBody({ ...valuesOf(CAMERA), name: 'Front gate', labels: 'outdoor, gate', expectedFps: '10' }, CAMERA)).toEqual({
      name: 'Front gate',
      labels: ['outdoor', 'gate'],
      expectedFps: 10,
    });
    expect(toPatchBody({ ...valuesOf(CAMERA), credentials: 'remove' }, CAMERA)).toEqual({ credentials: null });
    expect(toPatchBody({ ...valuesOf(CAMERA), credentials: 'remove' }, { ...CAMERA, hasCredentials: false })).toBeUndefined();
    expect(toPatchBody({ ...valuesOf(CAMERA), credentials: 'set', username: 'u', password: '' }, CAMERA)).toEqual({
      credentials: { username: 'u', password: '' },
    });
  });

  it('sends frozen detection only when chosen: on or off, or back to the default for the source type', () => {
    expect(toCreateBody(filled)).not.toHaveProperty('frozenDetection');
    expect(toCreateBody({ ...filled, frozenDetection: 'off' })).toMatchObject({ frozenDetection: false });
    expect(toCreateBody({ ...filled, frozenDetection: 'on' })).toMatchObject({ frozenDetection: true });
    expect(valuesOf(CAMERA).frozenDetection).toBe('on');
    expect(toPatchBody({ ...valuesOf(CAMERA), frozenDetection: 'off' }, CAMERA)).toEqual({ frozenDetection: false });
    expect(toPatchBody({ ...valuesOf(CAMERA), frozenDetection: 'default' }, CAMERA)).toEqual({ frozenDetection: null });
    expect(toPatchBody(valuesOf({ ...CAMERA, frozenDetection: false }), { ...CAMERA, frozenDetection: false })).toBeUndefined();
  });

  it('puts the server’s refusals on the fields they are about', () => {
    expect(fieldErrorsOf({ code: 'UNKNOWN_ORG_UNIT', message: 'org unit X does not exist', details: {} })).toEqual({
      orgUnitCode: 'Org unit X does not exist.',
    });
    expect(
      fieldErrorsOf({
        code: 'VALIDATION_FAILED',
        message: 'invalid',
        details: {
          errors: [
            { path: 'body.labels.1', message: 'must match pattern' },
            { path: 'body.name', message: 'is too long' },
          ],
        },
      }),
    ).toEqual({ labels: 'This must match pattern.', name: 'This is too long.' });
    expect(fieldErrorsOf({ code: 'INTERNAL', message: 'x', details: undefined })).toEqual({});
  });
});
