// Where notifications go, and how each is sent: webhooks (JSON signed with HMAC-SHA256 when a
// secret is set), Alertmanager (/api/v2/alerts) and email (SMTP). Every connection goes to an
// address the camera network rules allow (cloud metadata and link-local refused), checked after
// resolution and pinned, like a camera's. Each delivery carries its idempotency key.
import { createHmac } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';

export type Channel =
  { type: 'webhook'; url: string; secret?: string } | { type: 'alertmanager'; url: string } | { type: 'email'; to: string[] };

/** A channel as the API shows it: secrets replaced by whether there is one. */
export function publicChannel(channel: Channel) {
  return channel.type === 'webhook' ? { type: channel.type, url: channel.url, hasSecret: channel.secret !== undefined } : channel;
}

export const SIGNATURE_HEADER = 'x-vigil-signature';
export const TIMESTAMP_HEADER = 'x-vigil-timestamp';
export const IDEMPOTENCY_HEADER = 'idempotency-key';

/** `sha256=<hex>` of `<timestamp>.<body>` under the secret: a receiver recomputes it, and refuses old timestamps. */
export function sign(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** A failure to deliver: `permanent` ones (a 4xx other than 408 and 429, a refused address) are not retried. */
export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
  ) {
    super(message);
    this.name = 'DeliveryError';
  }
}

/** Where a host may be reached: the checked address, or why not. */
export type Target = { kind: 'allowed'; address: string; family: 4 | 6 } | { kind: 'refused'; reason: string } | { kind: 'unresolved' };

export interface PostOptions {
  url: string;
  body: string;
  headers: Record<string, string>;
  target: (url: URL) => Promise<Target>;
  timeoutMs: number;
}

/** POSTs JSON to a URL, connecting only to the address the network rules allowed. */
export async function postJson(options: PostOptions): Promise<number> {
  const url = new URL(options.url);
  const target = await options.target(url);
  if (target.kind === 'refused')
    throw new DeliveryError(`the address of ${url.host} is refused by the network rules (${target.reason})`, true);
  if (target.kind === 'unresolved') throw new DeliveryError(`${url.hostname} does not resolve`, false);
  const lookup: LookupFunction = (_host, opts, callback) => {
    if ((opts as { all?: boolean }).all)
      (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [
        { address: target.address, family: target.family },
      ]);
    else callback(null, target.address, target.family);
  };
  const client = url.protocol === 'https:' ? https : http;
  return new Promise<number>((resolve, reject) => {
    const request = client.request(
      url,
      {
        method: 'POST',
        lookup,
        timeout: options.timeoutMs,
        headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(options.body)), ...options.headers },
      },
      (response) => {
        response.resume();
        response.on('end', () => {
          const status = response.statusCode ?? 0;
          if (status >= 200 && status < 300) resolve(status);
          else
            reject(
              new DeliveryError(`${url.origin} answered ${status}`, status >= 400 && status < 500 && status !== 408 && status !== 429),
            );
        });
        response.on('error', (error) => reject(new DeliveryError(error.message, false)));
      },
    );
    request.on('timeout', () => request.destroy(new Error(`no answer within ${options.timeoutMs} ms`)));
    request.on('error', (error) => reject(error instanceof DeliveryError ? error : new DeliveryError(error.message, false)));
    request.end(options.body);
  });
}
