// A webhook receiver on loopback, standing in for the outside world: it records every request (its
// headers and JSON body), answers with the status a test sets (503 while "down"), can hold requests
// without answering, and counts deliveries per idempotency key as a receiver that deduplicates would.
import { createServer } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  raw: string;
  body: unknown;
  status: number;
}

export interface WebhookReceiver {
  url: string;
  received: Received[];
  /** Answered 2xx, by idempotency key: what a receiver that deduplicates acts on (each key once). */
  accepted(): Map<string, number>;
  /** The status to answer from now on (200 by default; 503: "down"). */
  answer(status: number): void;
  /** Hold requests without answering (until released or the server closes). */
  hold(on: boolean): void;
  /** Requests held now. */
  held(): number;
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: Received[] = [];
  let status = 200;
  let holding = false;
  const held: (() => void)[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      try {
        body = JSON.parse(raw);
      } catch {
        body = raw;
      }
      const respond = () => {
        // A sender that went away (killed while we held its request) got no answer: not delivered.
        if (res.destroyed || req.socket.destroyed) {
          received.push({ path: req.url ?? '', headers: req.headers, raw, body, status: 0 });
          return;
        }
        received.push({ path: req.url ?? '', headers: req.headers, raw, body, status });
        res.writeHead(status, { 'content-type': 'application/json' }).end('{}');
      };
      if (holding) held.push(respond);
      else respond();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    accepted() {
      const out = new Map<string, number>();
      for (const r of received) {
        if (r.status < 200 || r.status > 299) continue;
        const key = String(r.headers['idempotency-key'] ?? '');
        out.set(key, (out.get(key) ?? 0) + 1);
      }
      return out;
    },
    answer(next) {
      status = next;
    },
    held: () => held.length,
    hold(on) {
      holding = on;
      if (!on) for (const respond of held.splice(0)) respond();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
