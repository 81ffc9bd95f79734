import { Writable } from 'node:stream';
import Fastify, { LogController } from 'fastify';
import type { FastifyBaseLogger } from 'fastify';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../log.js';
import { installObservability, installReplyBasics, lazyRequestLogger, requestIdFor } from './observability.js';
import { createMetrics } from '../metrics.js';

function memoryLogger() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  // Typed as Fastify's logger, as the server's own instance is.
  return { lines, log: createLogger({ level: 'debug', destination }) as FastifyBaseLogger };
}

describe('the request path', () => {
  it("writes one line per request with its id, and a request's own lines (made on first use) carry the id too", async () => {
    const { lines, log } = memoryLogger();
    const app = Fastify({
      loggerInstance: log,
      childLoggerFactory: lazyRequestLogger,
      genReqId: requestIdFor,
      logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'requestId' }),
    });
    installObservability(app, createMetrics());
    installReplyBasics(app, { 'x-content-type-options': 'nosniff' }, () => false);
    app.get('/quiet', () => ({ ok: true }));
    app.get('/chatty', (request) => {
      request.log.warn({ detail: 1 }, 'something to say');
      request.log.child({ step: 'two' }).info('and more');
      return { ok: true };
    });
    const quiet = await app.inject({ method: 'GET', url: '/quiet', headers: { 'x-request-id': 'req-quiet' } });
    const chatty = await app.inject({ method: 'GET', url: '/chatty', headers: { 'x-request-id': 'req-chatty' } });
    await new Promise((resolve) => setImmediate(resolve));
    expect(quiet.headers['x-request-id']).toBe('req-quiet');
    expect(quiet.headers['x-content-type-options']).toBe('nosniff');
    expect(chatty.headers['x-request-id']).toBe('req-chatty');
    const requestLines = lines.filter((l) => l.msg === 'request');
    expect(requestLines.map((l) => [l.requestId, l.route, l.status])).toEqual([
      ['req-quiet', '/quiet', 200],
      ['req-chatty', '/chatty', 200],
    ]);
    expect(lines.find((l) => l.msg === 'something to say')).toMatchObject({ requestId: 'req-chatty', level: 'warn', detail: 1 });
    expect(lines.find((l) => l.msg === 'and more')).toMatchObject({ requestId: 'req-chatty', step: 'two' });
    await app.close();
  });

  it('turns requests away while draining, with Connection: close, but still answers the probes', async () => {
    const { log } = memoryLogger();
    let draining = false;
    const app = Fastify({ loggerInstance: log, childLoggerFactory: lazyRequestLogger });
    installReplyBasics(app, {}, () => draining);
    app.get('/work', () => ({ ok: true }));
    app.get('/health/live', () => ({ ok: true }));
    expect((await app.inject({ method: 'GET', url: '/work' })).statusCode).toBe(200);
    draining = true;
    const refused = await app.inject({ method: 'GET', url: '/work' });
    expect(refused.statusCode).toBe(503);
    expect(refused.headers.connection).toBe('close');
    expect((await app.inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);
    await app.close();
  });
});
