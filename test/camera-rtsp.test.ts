// RTSP sources go through an ffmpeg child. Without ffmpeg the camera says so (FFMPEG_NOT_AVAILABLE)
// instead of failing silently.
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { createAttemptGate, createSupervisor } from '../src/modules/cameras/index.js';
import type { Supervisor } from '../src/modules/cameras/index.js';

describe('RTSP sources', () => {
  let supervisor: Supervisor | undefined;
  afterAll(() => supervisor?.stopAll());

  it('says FFMPEG_NOT_AVAILABLE, in state error, when ffmpeg is not installed', async () => {
    supervisor = createSupervisor({
      log: pino({ level: 'silent' }),
      gate: createAttemptGate({ perSecond: 50 }),
      settings: {
        stallTimeoutMs: 3_000,
        backoff: { baseMs: 200, maxMs: 1_000 },
        connectTimeoutMs: 5_000,
        fpsWindowMs: 5_000,
        maxFrameBytes: 1 << 22,
        ffmpegPath: '/nonexistent/ffmpeg',
      },
      hooks: {
        onState: () => undefined,
        onFrame: () => undefined,
        onBytes: () => undefined,
        onStall: () => undefined,
        onReconnect: () => undefined,
      },
    });
    await supervisor.start({ id: 'rtsp-1', sourceUrl: 'rtsp://127.0.0.1:1/none', sourceType: 'rtsp', expectedFps: 5, credentials: null });
    const t0 = Date.now();
    while (supervisor.status('rtsp-1')?.state !== 'error' && Date.now() - t0 < 5_000) await new Promise((r) => setTimeout(r, 50));
    const status = supervisor.status('rtsp-1')!;
    expect(status.state).toBe('error');
    expect(status.lastError).toMatchObject({ code: 'FFMPEG_NOT_AVAILABLE' });
    expect(status.lastError?.message).toContain('VIGIL_FFMPEG_PATH');
  });
});
