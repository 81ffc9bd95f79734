// Tree answers kept in this process, each with the org tree's stamp it was read at (migration 0014:
// the stamp changes in every transaction that writes org units or versions, whichever process
// commits it). An answer is served again only when the stamp read now is the same, so a write
// committed anywhere is seen by the next read here. Only whole answers for callers who see every
// unit are kept (a narrower reach gives another answer). Bounded by bytes, least recently used out.

export interface TreeCacheOptions {
  /** Bytes of answers kept at most (an answer larger than this is not kept). */
  maxBytes: number;
  /** Answers kept at most. */
  maxEntries: number;
}

interface Entry {
  stamp: string;
  json: Buffer;
}

export const TREE_CACHE_DEFAULTS: TreeCacheOptions = { maxBytes: 64 * 1024 * 1024, maxEntries: 256 };

export function treeCacheKey(code: string, date: string, depth: number): string {
  return `${code}\n${date}\n${depth}`;
}

export function createTreeCache(options: TreeCacheOptions = TREE_CACHE_DEFAULTS) {
  // A Map iterates in insertion order: re-inserting on use keeps the least recently used first.
  const entries = new Map<string, Entry>();
  let bytes = 0;

  function remove(key: string): void {
    const entry = entries.get(key);
    if (!entry) return;
    entries.delete(key);
    bytes -= entry.json.length;
  }

  return {
    /** The answer kept under `key`, if it was read at `stamp`; one read at another stamp is dropped. */
    get(key: string, stamp: string): Buffer | undefined {
      const entry = entries.get(key);
      if (!entry) return undefined;
      if (entry.stamp !== stamp) {
        remove(key);
        return undefined;
      }
      entries.delete(key);
      entries.set(key, entry);
      return entry.json;
    },

    /** Whether anything is kept under `key` (then a read asks for the stamp first). */
    has(key: string): boolean {
      return entries.has(key);
    },

    set(key: string, stamp: string, json: Buffer): void {
      remove(key);
      if (json.length > options.maxBytes) return;
      entries.set(key, { stamp, json });
      bytes += json.length;
      for (const [oldest] of entries) {
        if (bytes <= options.maxBytes && entries.size <= options.maxEntries) break;
        remove(oldest);
      }
    },

    get size(): number {
      return entries.size;
    },

    get bytes(): number {
      return bytes;
    },
  };
}

export type TreeCache = ReturnType<typeof createTreeCache>;
