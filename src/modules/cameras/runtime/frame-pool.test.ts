import { describe, expect, it } from 'vitest';
import { FramePool } from './frame-pool.js';

describe('frame pool', () => {
  it('gives a frame the memory of one given back, when it fits, with room to grow', () => {
    const pool = new FramePool();
    const first = pool.take(10_000);
    expect(first.length).toBe(10_000);
    expect(first.buffer.byteLength).toBeGreaterThan(10_000);
    pool.give(first);
    const second = pool.take(10_500);
    expect(second.buffer).toBe(first.buffer);
    expect(second.length).toBe(10_500);
    expect(pool.free).toBe(0);
  });

  it('does not spend a large buffer on a small frame, nor a small one on a large frame', () => {
    const pool = new FramePool();
    const large = pool.take(100_000);
    pool.give(large);
    expect(pool.take(1_000).buffer).not.toBe(large.buffer);
    expect(pool.take(200_000).buffer).not.toBe(large.buffer);
    expect(pool.free).toBe(1);
  });

  it('keeps at most `limit` free buffers', () => {
    const pool = new FramePool(2);
    const frames = [pool.take(100), pool.take(100), pool.take(100)];
    for (const frame of frames) pool.give(frame);
    expect(pool.free).toBe(2);
  });
});
