// A loopback TCP proxy that a test controls, to simulate a dependency going away and coming back
// without touching the shared servers: cut() drops every open connection and stops listening (new
// connects are refused), restore() listens again on the same port, so the URL given to the service
// stays valid across the outage.
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
  close(): Promise<void>;
  /** `url` with its host and port replaced by the proxy's. */
  rewrite(url: string): string;
}

export function createTcpProxy(target: { host: string; port: number }): TcpProxy {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  let accepted = 0;

  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };

  const listen = (onPort: number) =>
    new Promise<void>((resolve, reject) => {
      const next = createServer((client) => {
        accepted += 1;
        const upstream = connect(target.port, target.host);
        track(client);
        track(upstream);
        client.setNoDelay(true);
        upstream.setNoDelay(true);
        client.pipe(upstream);
        upstream.pipe(client);
        // Either side failing ends both: the client sees the connection drop, as with a real outage.
        client.on('error', () => upstream.destroy());
        upstream.on('error', () => client.destroy());
        client.on('close', () => upstream.destroy());
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
