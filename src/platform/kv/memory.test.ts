import { describe, expect, it, vi } from 'vitest';
import { MemoryCounters, MemoryPubSub, MemoryStore } from './memory.js';

/** A clock the test moves by hand. */
function fakeClock(start = 1_000_000) {
  let now = start;
  return {
    now: () => now,
    advance(ms: number) {
      now += ms;
    },
  };
}

describe('MemoryStore', () => {
  it('returns a value until its TTL passes, then forgets it', () => {
    const clock = fakeClock();
    const store = new MemoryStore(100, clock.now);
    store.set('k', 'v', { ttlMs: 1_000 });
    expect(store.get('k')).toBe('v');
    clock.advance(999);
    expect(store.get('k')).toBe('v');
    clock.advance(1);
    expect(store.get('k')).toBeUndefined();
    // The expired entry is removed, not just hidden.
    expect(store.size).toBe(0);
  });

  it('restarts the TTL when a key is written again', () => {
    const clock = fakeClock();
    const store = new MemoryStore(100, clock.now);
    store.set('k', 'old', { ttlMs: 1_000 });
    clock.advance(800);
    store.set('k', 'new', { ttlMs: 1_000 });
    clock.advance(800);
    expect(store.get('k')).toBe('new');
    expect(store.size).toBe(1);
  });

  it('keeps each key to its own TTL', () => {
    const clock = fakeClock();
    const store = new MemoryStore(100, clock.now);
    store.set('short', 's', { ttlMs: 100 });
    store.set('long', 'l', { ttlMs: 10_000 });
    clock.advance(500);
    expect(store.get('short')).toBeUndefined();
    expect(store.get('long')).toBe('l');
  });

  it('removes every key carrying an invalidated tag, and only those', () => {
    const store = new MemoryStore();
    store.set('a', '1', { ttlMs: 60_000, tags: ['t1'] });
    store.set('b', '2', { ttlMs: 60_000, tags: ['t1', 't2'] });
    store.set('c', '3', { ttlMs: 60_000, tags: ['t2'] });
    store.set('d', '4', { ttlMs: 60_000 });
    store.invalidateTag('t1');
    expect([store.get('a'), store.get('b'), store.get('c'), store.get('d')]).toEqual([undefined, undefined, '3', '4']);
    store.invalidateTag('t2');
    expect(store.get('c')).toBeUndefined();
    expect(store.get('d')).toBe('4');
    // Invalidating an unknown tag is harmless.
    store.invalidateTag('nope');
    expect(store.size).toBe(1);
  });

  it('forgets the old tags of a key written again without them', () => {
    const store = new MemoryStore();
    store.set('k', 'tagged', { ttlMs: 60_000, tags: ['t'] });
    store.set('k', 'untagged', { ttlMs: 60_000 });
    store.invalidateTag('t');
    expect(store.get('k')).toBe('untagged');
  });

  it('forgets the tags of a deleted key, so a later key of the same name survives the tag', () => {
    const store = new MemoryStore();
    store.set('k', 'v', { ttlMs: 60_000, tags: ['t'] });
    store.delete('k');
    expect(store.get('k')).toBeUndefined();
    store.set('k', 'again', { ttlMs: 60_000, tags: ['other'] });
    store.invalidateTag('t');
    expect(store.get('k')).toBe('again');
  });

  it('stays within its size bound by evicting the oldest write', () => {
    const store = new MemoryStore(3);
    store.set('a', '1', { ttlMs: 60_000 });
    store.set('b', '2', { ttlMs: 60_000 });
    store.set('c', '3', { ttlMs: 60_000 });
    store.set('d', '4', { ttlMs: 60_000 });
    expect(store.size).toBe(3);
    expect(store.get('a')).toBeUndefined();
    expect([store.get('b'), store.get('c'), store.get('d')]).toEqual(['2', '3', '4']);
    // Rewriting a key makes it the newest and does not evict anything.
    store.set('b', '2b', { ttlMs: 60_000 });
    expect(store.size).toBe(3);
    store.set('e', '5', { ttlMs: 60_000 });
    expect(store.get('c')).toBeUndefined();
    expect([store.get('b'), store.get('d'), store.get('e')]).toEqual(['2b', '4', '5']);
  });

  it('drops the tag index of evicted keys', () => {
    const store = new MemoryStore(1);
    store.set('a', '1', { ttlMs: 60_000, tags: ['t'] });
    store.set('b', '2', { ttlMs: 60_000 });
    store.invalidateTag('t');
    expect(store.get('b')).toBe('2');
  });

  it('clear() empties it', () => {
    const store = new MemoryStore();
    store.set('a', '1', { ttlMs: 60_000, tags: ['t'] });
    store.clear();
    expect(store.size).toBe(0);
    expect(store.get('a')).toBeUndefined();
  });
});

describe('MemoryCounters', () => {
  it('peeks at a window without counting a hit, and sees none once it has passed', async () => {
    const clock = fakeClock();
    const counters = new MemoryCounters(clock.now);
    expect(await counters.peek('k')).toEqual({ count: 0, resetMs: 0 });
    await counters.hit('k', 1_000);
    await counters.hit('k', 1_000);
    expect(await counters.peek('k')).toEqual({ count: 2, resetMs: 1_000 });
    expect((await counters.peek('k')).count).toBe(2);
    clock.advance(1_000);
    expect(await counters.peek('k')).toEqual({ count: 0, resetMs: 0 });
  });

  it('counts hits in a window that starts at the first hit, and says when it resets', () => {
    const clock = fakeClock();
    const counters = new MemoryCounters(clock.now);
    expect(counters.hitSync('k', 1_000)).toEqual({ count: 1, resetMs: 1_000 });
    clock.advance(300);
    expect(counters.hitSync('k', 1_000)).toEqual({ count: 2, resetMs: 700 });
    clock.advance(699);
    expect(counters.hitSync('k', 1_000)).toEqual({ count: 3, resetMs: 1 });
  });

  it('starts a new window once the old one has passed', () => {
    const clock = fakeClock();
    const counters = new MemoryCounters(clock.now);
    counters.hitSync('k', 1_000);
    counters.hitSync('k', 1_000);
    clock.advance(1_000);
    expect(counters.hitSync('k', 1_000)).toEqual({ count: 1, resetMs: 1_000 });
  });

  it('keeps keys apart', async () => {
    const counters = new MemoryCounters(fakeClock().now);
    await counters.hit('a', 1_000);
    await counters.hit('a', 1_000);
    expect((await counters.hit('b', 1_000)).count).toBe(1);
    expect((await counters.hit('a', 1_000)).count).toBe(3);
  });

  it('reserves within the window, refuses once full with the time left, and grants again in the next window', () => {
    const clock = fakeClock();
    const counters = new MemoryCounters(clock.now);
    const limits = [{ key: 'k', limit: 2 }];
    expect(counters.reserveSync(limits, 1_000)).toEqual({ granted: true });
    clock.advance(400);
    expect(counters.reserveSync(limits, 1_000)).toEqual({ granted: true });
    expect(counters.reserveSync(limits, 1_000)).toEqual({ granted: false, resetMs: 600 });
    clock.advance(600);
    expect(counters.reserveSync(limits, 1_000)).toEqual({ granted: true });
    expect(counters.peekSync('k')).toEqual({ count: 1, resetMs: 1_000 });
  });

  it('release() of an ended window does nothing', () => {
    const clock = fakeClock();
    const counters = new MemoryCounters(clock.now);
    counters.reserveSync([{ key: 'k', limit: 2 }], 1_000);
    clock.advance(1_000);
    counters.releaseSync('k');
    expect(counters.hitSync('k', 1_000)).toEqual({ count: 1, resetMs: 1_000 });
  });

  it('reset() starts the key over', async () => {
    const counters = new MemoryCounters(fakeClock().now);
    await counters.hit('k', 1_000);
    await counters.hit('k', 1_000);
    await counters.reset('k');
    expect((await counters.hit('k', 1_000)).count).toBe(1);
  });
});

describe('MemoryPubSub', () => {
  it('delivers a message to every subscriber of its channel, and only those', async () => {
    const pubsub = new MemoryPubSub();
    const first = vi.fn();
    const second = vi.fn();
    const elsewhere = vi.fn();
    await pubsub.subscribe('c', first);
    await pubsub.subscribe('c', second);
    await pubsub.subscribe('other', elsewhere);
    await pubsub.publish('c', 'hello');
    expect(first).toHaveBeenCalledExactlyOnceWith('hello');
    expect(second).toHaveBeenCalledExactlyOnceWith('hello');
    expect(elsewhere).not.toHaveBeenCalled();
  });

  it('stops delivering to a handler once it unsubscribes, and keeps delivering to the others', async () => {
    const pubsub = new MemoryPubSub();
    const leaving = vi.fn();
    const staying = vi.fn();
    const unsubscribe = await pubsub.subscribe('c', leaving);
    await pubsub.subscribe('c', staying);
    await pubsub.publish('c', 'one');
    await unsubscribe();
    await pubsub.publish('c', 'two');
    expect(leaving.mock.calls).toEqual([['one']]);
    expect(staying.mock.calls).toEqual([['one'], ['two']]);
  });

  it('publishes to a channel nobody listens to without error', async () => {
    await expect(new MemoryPubSub().publish('nobody', 'x')).resolves.toBeUndefined();
  });
});
