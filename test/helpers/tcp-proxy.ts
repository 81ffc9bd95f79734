// A loopback TCP proxy that a test controls, to simulate a dependency going away and coming back
// without touching the shared servers: cut() drops every open connection and stops listening (new
// connects are refused), restore() listens again on the same port, so the URL given to the service
// stays valid across the outage. pause() makes the dependency silent instead, the way a frozen
// server or a dropped route does: connections stay open and new ones are accepted, but nothing is
// forwarded either way until resume(), which delivers what was held back.
import { createServer, connect } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';

export interface TcpProxy {
  /** Port the proxy listens on; fixed after the first start(). */
  readonly port: number;
  /** Whether the proxy is listening (false after cut(), until restore()). */
  readonly listening: boolean;
  /** Connections accepted since start(), across restores. */
  readonly accepted: number;
  /** Connections open now. */
  readonly open: number;
  start(): Promise<number>;
  /** Destroys every open connection and stops accepting: new connects are refused. */
  cut(): Promise<void>;
  /** Listens again on the same port. */
  restore(): Promise<void>;
  /** Stops forwarding in both directions without closing anything; new connections are accepted and held. */
  pause(): void;
  /** Forwards again, what was held back first. */
  resume(): void;
  /** Whether the proxy is paused. */
  readonly paused: boolean;
  close(): Promise<void>;
  /** `url` with its host and port replaced by the proxy's. */
  rewrite(url: string): string;
}

export function createTcpProxy(target: { host: string; port: number }): TcpProxy {
  const sockets = new Set<Socket>();
  /** Each accepted connection and its upstream, to stop and start forwarding between them. */
  const pairs = new Set<{ client: Socket; upstream: Socket }>();
  let server: Server | undefined;
  let port = 0;
  let accepted = 0;
  let paused = false;

  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };
  const forward = ({ client, upstream }: { client: Socket; upstream: Socket }) => {
    client.pipe(upstream);
    upstream.pipe(client);
  };
  // Unpiped and paused, a socket is not read: what the other side sends waits in the kernel's
  // buffers, and its writes stall once they are full, as with a peer that has stopped answering.
  const hold = ({ client, upstream }: { client: Socket; upstream: Socket }) => {
    client.unpipe(upstream);
    upstream.unpipe(client);
    client.pause();
    upstream.pause();
  };

  const listen = (onPort: number) =>
    new Promise<void>((resolve, reject) => {
      const next = createServer((client) => {
        accepted += 1;
        const upstream = connect(target.port, target.host);
        const pair = { client, upstream };
        pairs.add(pair);
        track(client);
        track(upstream);
        client.setNoDelay(true);
        upstream.setNoDelay(true);
        if (paused) hold(pair);
        else forward(pair);
        // Either side failing ends both: the client sees the connection drop, as with a real outage.
        client.on('error', () => upstream.destroy());
        upstream.on('error', () => client.destroy());
        client.on('close', () => {
          upstream.destroy();
          pairs.delete(pair);
        });
        upstream.on('close', () => client.destroy());
      });
      next.once('error', reject);
      next.listen({ host: '127.0.0.1', port: onPort, exclusive: true }, () => {
        next.off('error', reject);
        server = next;
        port = (next.address() as AddressInfo).port;
        resolve();
      });
    });

  const stop = async () => {
    const current = server;
    server = undefined;
    for (const socket of sockets) socket.destroy();
    sockets.clear();
    pairs.clear();
    if (current) await new Promise<void>((resolve) => current.close(() => resolve()));
  };

  return {
    get port() {
      return port;
    },
    get listening() {
      return server !== undefined;
    },
    get accepted() {
      return accepted;
    },
    get open() {
      return sockets.size;
    },
    get paused() {
      return paused;
    },
    pause() {
      if (paused) return;
      paused = true;
      for (const pair of pairs) hold(pair);
    },
    resume() {
      if (!paused) return;
      paused = false;
      for (const pair of pairs) forward(pair);
    },
    async start() {
      if (server) return port;
      await listen(port);
      return port;
    },
    cut: stop,
    async restore() {
      if (server) return;
      if (port === 0) throw new Error('restore() before start()');
      // The port was ours a moment ago; retry briefly in case the OS has not released it yet.
      for (let attempt = 0; ; attempt++) {
        try {
          await listen(port);
          return;
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= 20) throw error;
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    },
    close: stop,
    rewrite(url) {
      if (port === 0) throw new Error('rewrite() before start()');
      const parsed = new URL(url);
      parsed.hostname = '127.0.0.1';
      parsed.port = String(port);
      return parsed.toString();
    },
  };
}

/** The host and port a postgres:// or redis:// URL points at. */
export function targetOf(url: string, defaultPort: number): { host: string; port: number } {
  const parsed = new URL(url);
  return { host: parsed.hostname || '127.0.0.1', port: parsed.port ? Number(parsed.port) : defaultPort };
}
