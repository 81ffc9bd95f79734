import { describe, expect, it } from 'vitest';
import { describeFailure, describeState, hasPicture } from './words';

describe('camera words', () => {
  it('says a state and a failure for a person', () => {
    expect(describeState('degraded')).toMatch(/less than half the expected rate/);
    expect(describeFailure('HTTP_401')).toMatch(/refused the credentials/);
    expect(describeFailure('HTTP_500')).toBe('The camera answered with HTTP status 500.');
    expect(describeFailure('RTSP_454')).toBe('The camera answered with RTSP status 454.');
    expect(describeFailure('SOMETHING_NEW')).toBe('The camera could not be read.');
  });

  it('asks for pictures only of cameras that may have frames', () => {
    expect(['running', 'degraded', 'starting', 'reconnecting', 'error'].every((s) => hasPicture(s as 'running'))).toBe(true);
    expect([undefined, 'unknown', 'stopped', 'deactivated'].some((s) => hasPicture(s as 'stopped'))).toBe(false);
  });
});
