// A model server for tests, the benchmark and demos: the OpenAI chat-completions API (`POST
// /v1/chat/completions`, streamed or not, with tool calls) on plain node:http, answering from a
// script written into the last user message, so that every path of a chat (text, tool calls,
// failures before the first token, a connection dropped mid-reply, a slow model) can be asked for
// without a real model.
//
// Directives, in double brackets anywhere in the last user message:
//   [[tool:NAME {json arguments}]]  first answer: a call of tool NAME; once the request carries its
//                                   result (a `tool` message), a text reply quoting the result
//   [[status:429]] [[status:500]]   that status, with an OpenAI error body (`[[status:429 times:2]]`:
//                                   only the first 2 requests with this message, then a normal reply)
//   [[drop:N]]                      N text deltas (default 3), then the connection is destroyed
//   [[delay:MS]]                    wait MS before the first byte of the answer
//   [[words:N]]                     a reply of N words
//   [[rate:N]]                      N text deltas a second for this reply
// Without a directive the reply is "You said: <the message>". Text is streamed a word per delta, at
// `deltasPerSecond` (default 50); usage comes in the last chunk when `stream_options.include_usage`.
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Socket } from 'node:net';

export const MODEL_SIM_MODEL = 'vigil-sim';

export interface ModelSimulatorOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
  /** Text deltas a second while streaming (default 50). */
  deltasPerSecond?: number;
  /** When set, requests without `Authorization: Bearer <apiKey>` are answered 401. */
  apiKey?: string;
}

/** A request the simulator received, for tests to look at (the API key is kept as its length only). */
export interface SeenRequest {
  at: number;
  headers: Record<string, string | string[] | undefined>;
  body: ChatRequest;
}

export interface ModelSimulator {
  url: string;
  /** The base URL an OpenAI client takes (`<url>/v1`). */
  baseUrl: string;
  requests: SeenRequest[];
  /** Streams under way. */
  open(): number;
  close(): Promise<void>;
}

interface ChatMessage {
  role: string;
  content?: unknown;
  tool_call_id?: string;
  tool_calls?: unknown[];
}

interface ChatRequest {
  model?: string;
  messages?: ChatMessage[];
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
  tools?: { type: string; function: { name: string } }[];
}

interface Directives {
  tool?: { name: string; arguments: string };
  status?: { code: number; times: number };
  drop?: number;
  delayMs?: number;
  words?: number;
  rate?: number;
}

const DIRECTIVE = /\[\[(tool|status|drop|delay|words|rate)(?::([^\]]*))?\]\]/g;

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content))
    return content.map((part: unknown) => (part && typeof part === 'object' && 'text' in part ? String(part.text) : '')).join('');
  return '';
}

export function parseDirectives(text: string): Directives {
  const found: Directives = {};
  for (const [, name, raw = ''] of text.matchAll(DIRECTIVE)) {
    const arg = raw.trim();
    const int = (fallback: number) => (/^\d+$/.test(arg.split(/\s+/)[0] ?? '') ? Number(arg.split(/\s+/)[0]) : fallback);
    if (name === 'tool') {
      const space = arg.indexOf(' ');
      found.tool = space < 0 ? { name: arg, arguments: '{}' } : { name: arg.slice(0, space), arguments: arg.slice(space + 1).trim() };
    } else if (name === 'status') {
      const times = /times:(\d+)/.exec(arg);
      found.status = { code: int(500), times: times ? Number(times[1]) : Infinity };
    } else if (name === 'drop') found.drop = int(3);
    else if (name === 'delay') found.delayMs = int(0);
    else if (name === 'words') found.words = int(10);
    else if (name === 'rate') found.rate = Math.max(1, int(50));
  }
  return found;
}

/** The reply's words: what the directives ask for, or an echo of the message without them. */
function replyWords(request: ChatRequest, directives: Directives, plain: string): string[] {
  const last = request.messages?.at(-1);
  if (last?.role === 'tool') {
    const result = textOf(last.content);
    return `The tool answered: ${result.length > 400 ? `${result.slice(0, 400)}…` : result}`.split(/(?<= )/);
  }
  if (directives.words !== undefined) return Array.from({ length: directives.words }, (_, i) => `word${i + 1} `);
  return `You said: ${plain || '(nothing)'}`.split(/(?<= )/);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function json(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}

const STATUS_TYPES: Record<number, string> = { 401: 'invalid_request_error', 429: 'rate_limit_exceeded', 500: 'server_error' };

export async function startModelSimulator(options: ModelSimulatorOptions = {}): Promise<ModelSimulator> {
  const host = options.host ?? '127.0.0.1';
  const defaultRate = options.deltasPerSecond ?? 50;
  const requests: SeenRequest[] = [];
  /** Requests seen per message text, for `[[status:N times:K]]`. */
  const failures = new Map<string, number>();
  const sockets = new Set<Socket>();
  let streams = 0;
  let sequence = 0;

  async function chat(request: IncomingMessage, response: ServerResponse, body: ChatRequest): Promise<void> {
    const lastUser = [...(body.messages ?? [])].reverse().find((m) => m.role === 'user');
    const text = textOf(lastUser?.content);
    const directives = parseDirectives(text);
    const plain = text.replace(DIRECTIVE, '').replace(/\s+/g, ' ').trim();
    if (directives.delayMs) await sleep(directives.delayMs);
    if (directives.status) {
      const seen = (failures.get(text) ?? 0) + 1;
      failures.set(text, seen);
      if (seen <= directives.status.times) {
        const code = directives.status.code;
        json(
          response,
          code,
          { error: { message: `simulated ${code}`, type: STATUS_TYPES[code] ?? 'server_error', code: null } },
          code === 429 ? { 'retry-after-ms': '50' } : {},
        );
        return;
      }
    }
    const id = `chatcmpl-sim-${++sequence}`;
    const created = Math.floor(Date.now() / 1000);
    const model = body.model ?? MODEL_SIM_MODEL;
    const promptTokens = Math.max(1, Math.ceil(JSON.stringify(body.messages ?? []).length / 4));
    const wantsTool = directives.tool !== undefined && body.messages?.at(-1)?.role !== 'tool';
    const words = wantsTool ? [] : replyWords(body, directives, plain);
    const completionTokens = wantsTool ? 10 : words.length;
    const usage = { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens };
    const toolCall = wantsTool
      ? {
          id: `call_${sequence}`,
          type: 'function' as const,
          function: { name: directives.tool!.name, arguments: directives.tool!.arguments },
        }
      : undefined;

    if (!body.stream) {
      json(response, 200, {
        id,
        object: 'chat.completion',
        created,
        model,
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: toolCall ? null : words.join(''), ...(toolCall ? { tool_calls: [toolCall] } : {}) },
            finish_reason: toolCall ? 'tool_calls' : 'stop',
          },
        ],
        usage,
      });
      return;
    }

    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    streams += 1;
    const chunk = (delta: Record<string, unknown>, finish: string | null = null, extra: Record<string, unknown> = {}) =>
      response.write(
        `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta, finish_reason: finish }], ...extra })}\n\n`,
      );
    try {
      chunk({ role: 'assistant', content: '' });
      if (toolCall) {
        chunk({ tool_calls: [{ index: 0, id: toolCall.id, type: 'function', function: { name: toolCall.function.name, arguments: '' } }] });
        chunk({ tool_calls: [{ index: 0, function: { arguments: toolCall.function.arguments } }] });
        chunk({}, 'tool_calls');
      } else {
        const interval = 1000 / (directives.rate ?? defaultRate);
        for (const [i, word] of words.entries()) {
          if (directives.drop !== undefined && i >= directives.drop) {
            request.socket.destroy();
            return;
          }
          if (response.destroyed) return;
          chunk({ content: word });
          await sleep(interval);
        }
        chunk({}, 'stop');
      }
      if (body.stream_options?.include_usage)
        response.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices: [], usage })}\n\n`);
      response.end('data: [DONE]\n\n');
    } finally {
      streams -= 1;
    }
  }

  const server: Server = createServer((request, response) => {
    void (async () => {
      const url = request.url ?? '/';
      if (request.method === 'GET' && url === '/health') return json(response, 200, { status: 'ok' });
      if (options.apiKey !== undefined && request.headers.authorization !== `Bearer ${options.apiKey}`) {
        return json(response, 401, { error: { message: 'invalid API key', type: 'invalid_request_error', code: 'invalid_api_key' } });
      }
      if (request.method === 'GET' && url === '/v1/models') {
        return json(response, 200, { object: 'list', data: [{ id: MODEL_SIM_MODEL, object: 'model', created: 0, owned_by: 'vigil' }] });
      }
      if (request.method === 'POST' && url === '/v1/chat/completions') {
        let body: ChatRequest;
        try {
          body = JSON.parse(await readBody(request)) as ChatRequest;
        } catch {
          return json(response, 400, { error: { message: 'the body is not JSON', type: 'invalid_request_error', code: null } });
        }
        if (!Array.isArray(body.messages) || body.messages.length === 0) {
          return json(response, 400, {
            error: { message: 'messages must be a non-empty array', type: 'invalid_request_error', code: null },
          });
        }
        const headers = { ...request.headers };
        if (typeof headers.authorization === 'string') headers.authorization = `Bearer <${headers.authorization.length - 7} characters>`;
        requests.push({ at: Date.now(), headers, body });
        if (requests.length > 1000) requests.shift();
        return chat(request, response, body);
      }
      return json(response, 404, {
        error: { message: `no route for ${request.method} ${url}`, type: 'invalid_request_error', code: null },
      });
    })().catch(() => request.socket.destroy());
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return {
    url,
    baseUrl: `${url}/v1`,
    requests,
    open: () => streams,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
