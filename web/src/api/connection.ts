// Whether the server is reachable, as the requests themselves find out: a request that fails to
// connect marks the connection lost, the next one that gets any answer marks it back.
type Listener = (online: boolean) => void;

let online = true;
const listeners = new Set<Listener>();

function set(next: boolean): void {
  if (next === online) return;
  online = next;
  for (const listener of listeners) listener(online);
}

export const connection = {
  isOnline: () => online,
  lost: () => set(false),
  // An answer to a request sent before the browser went offline is not a way back: while the
  // browser says it is offline, only its 'online' event (and then an answer) restores the connection.
  reached: () => {
    if (typeof navigator === 'undefined' || navigator.onLine !== false) set(true);
  },
  subscribe(listener: Listener): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};

// The browser's own word counts too: offline means no request can reach Vigil (React Query then
// holds its fetches until the browser is back online, so no request would fail to tell us).
if (typeof window !== 'undefined') {
  window.addEventListener('offline', () => connection.lost());
  window.addEventListener('online', () => {
    // Back online is not the same as Vigil answering: the next answer marks it reached.
    void fetch('/health/live', { credentials: 'same-origin' }).then(
      () => connection.reached(),
      () => connection.lost(),
    );
  });
}
