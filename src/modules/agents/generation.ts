// One reply being written: asks the model (through the official OpenAI client, streaming), runs the
// tools it calls with the rights of the person chatting, and numbers every event of the reply. The
// events and the reply's text are saved every `saveIntervalMs` (a crash loses at most that much);
// listeners in this process get each event at once. Failures before the first token (a timeout, 429,
// 5xx, a refused connection) are tried again with backoff; after it, the reply ends with `error` and
// keeps its text. A circuit breaker per model server stops calling one that keeps failing.
import OpenAI from 'openai';
import CircuitBreaker from 'opossum';
import type { Logger } from '../../platform/log.js';
import type { AgentMetrics } from './agents.metrics.js';
import type { ProviderAccess } from './agents.service.js';
import type { ToolCaller, ToolDeps } from './tools.js';
import { runTool, toolDefinitions } from './tools.js';

export interface ReplyEvent {
  seq: number;
  type: 'message' | 'delta' | 'tool_call' | 'tool_result' | 'usage' | 'done' | 'error' | 'interrupted';
  data: unknown;
}

export interface ToolCallRecord {
  id: string;
  name: string;
  arguments: string;
  result: string | null;
  error: string | null;
}

export interface GenerationSettings {
  /** How long one model request may take to start answering, and between chunks. */
  timeoutMs: number;
  /** Attempts before the first token (1 = no retry). */
  attempts: number;
  retryBaseMs: number;
  /** Tool rounds one reply may take. */
  maxToolRounds: number;
  breakerResetMs: number;
}

export type ModelMessage = OpenAI.ChatCompletionMessageParam;

export interface GenerationRequest {
  provider: ProviderAccess;
  agent: { temperature: number | null; maxTokens: number | null; tools: readonly string[] };
  messages: ModelMessage[];
  caller: ToolCaller;
  signal: AbortSignal;
  /** Called with each event as it happens (text deltas, tool calls and results, usage). */
  emit: (type: ReplyEvent['type'], data: unknown) => void;
  /** The first text or tool call arrived. */
  onFirstToken: () => void;
}

export interface GenerationResult {
  content: string;
  toolCalls: ToolCallRecord[];
  usage: { promptTokens: number; completionTokens: number } | null;
}

/** A failure of the model server, with what the reply's error event says. */
export class ProviderError extends Error {
  constructor(
    readonly code:
      'PROVIDER_TIMEOUT' | 'PROVIDER_RATE_LIMITED' | 'PROVIDER_FAILED' | 'PROVIDER_UNAVAILABLE' | 'PROVIDER_REFUSED' | 'STREAM_DROPPED',
    message: string,
    readonly retriable: boolean,
  ) {
    super(message);
  }
}

function classify(error: unknown, metrics: AgentMetrics): ProviderError {
  if (error instanceof ProviderError) return error;
  if (error instanceof OpenAI.APIConnectionTimeoutError) {
    metrics.errors.inc({ kind: 'timeout' });
    return new ProviderError('PROVIDER_TIMEOUT', 'the model server did not answer in time', true);
  }
  if (error instanceof OpenAI.APIConnectionError) {
    metrics.errors.inc({ kind: 'connection' });
    return new ProviderError('PROVIDER_UNAVAILABLE', `could not reach the model server: ${error.message}`, true);
  }
  if (error instanceof OpenAI.APIError && typeof error.status === 'number') {
    if (error.status === 429) {
      metrics.errors.inc({ kind: 'rate_limited' });
      return new ProviderError('PROVIDER_RATE_LIMITED', 'the model server is rate limiting requests (429)', true);
    }
    if (error.status >= 500) {
      metrics.errors.inc({ kind: 'server_error' });
      return new ProviderError('PROVIDER_FAILED', `the model server failed (${error.status})`, true);
    }
    metrics.errors.inc({ kind: 'refused' });
    return new ProviderError('PROVIDER_REFUSED', `the model server refused the request (${error.status}): ${error.message}`, false);
  }
  metrics.errors.inc({ kind: 'dropped' });
  return new ProviderError('STREAM_DROPPED', `the model's answer stopped: ${error instanceof Error ? error.message : String(error)}`, true);
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });

export function createGenerator(deps: { tools: ToolDeps; metrics: AgentMetrics; log: Logger; settings: GenerationSettings }) {
  const { metrics, settings, log } = deps;
  const clients = new Map<string, OpenAI>();
  const breakers = new Map<string, CircuitBreaker<[() => Promise<unknown>], unknown>>();

  function clientFor(provider: ProviderAccess): OpenAI {
    const key = JSON.stringify([provider.baseUrl, provider.apiKey, provider.headers]);
    let client = clients.get(key);
    if (!client) {
      if (clients.size > 100) clients.clear();
      client = new OpenAI({
        baseURL: provider.baseUrl,
        apiKey: provider.apiKey ?? 'no-key',
        defaultHeaders: provider.headers,
        maxRetries: 0,
        timeout: settings.timeoutMs,
      });
      clients.set(key, client);
    }
    return client;
  }

  function breakerFor(baseUrl: string) {
    let breaker = breakers.get(baseUrl);
    if (!breaker) {
      breaker = new CircuitBreaker((open: () => Promise<unknown>) => open(), {
        timeout: false,
        resetTimeout: settings.breakerResetMs,
        errorThresholdPercentage: 50,
        volumeThreshold: 5,
        rollingCountTimeout: 60_000,
        // A refused request (4xx other than 429) says nothing of the server's health.
        errorFilter: (error: unknown) => error instanceof ProviderError && error.code === 'PROVIDER_REFUSED',
      });
      breaker.on('open', () => log.warn({ baseUrl }, 'model server failing: its circuit breaker opened'));
      breaker.on('close', () => log.info({ baseUrl }, 'model server answering again: its circuit breaker closed'));
      breakers.set(baseUrl, breaker);
    }
    return breaker;
  }

  /** Opens a streamed answer and reads its first chunk, retrying what may pass; answers the stream and that chunk. */
  async function open(request: GenerationRequest, body: OpenAI.ChatCompletionCreateParamsStreaming) {
    const client = clientFor(request.provider);
    const breaker = breakerFor(request.provider.baseUrl);
    for (let attempt = 1; ; attempt++) {
      try {
        return await (breaker.fire(async () => {
          try {
            const stream = await client.chat.completions.create(body, { signal: request.signal });
            const iterator = stream[Symbol.asyncIterator]();
            const first = await iterator.next();
            metrics.requests.inc({ result: 'ok' });
            return { iterator, first };
          } catch (error) {
            if (request.signal.aborted) throw error;
            metrics.requests.inc({ result: 'error' });
            throw classify(error, metrics);
          }
        }) as Promise<{ iterator: AsyncIterator<OpenAI.ChatCompletionChunk>; first: IteratorResult<OpenAI.ChatCompletionChunk> }>);
      } catch (error) {
        if (request.signal.aborted) throw error;
        if (breaker.opened && !(error instanceof ProviderError)) {
          metrics.errors.inc({ kind: 'breaker_open' });
          throw new ProviderError('PROVIDER_UNAVAILABLE', 'the model server keeps failing; not asking it again for a while', false);
        }
        const failure = classify(error, metrics);
        if (!failure.retriable || attempt >= settings.attempts) throw failure;
        metrics.errors.inc({ kind: 'retried' });
        await sleep(settings.retryBaseMs * 2 ** (attempt - 1), request.signal);
        if (request.signal.aborted) throw error;
      }
    }
  }

  /** Writes one reply: model answers and tool rounds until the model answers with text (or a limit). */
  async function generate(request: GenerationRequest): Promise<GenerationResult> {
    const messages = [...request.messages];
    const definitions = toolDefinitions(request.agent.tools);
    let content = '';
    const toolCalls: ToolCallRecord[] = [];
    let usage: GenerationResult['usage'] = null;
    let first = true;
    for (let round = 0; round <= settings.maxToolRounds; round++) {
      const tools = round < settings.maxToolRounds && definitions.length > 0 ? definitions : undefined;
      const body: OpenAI.ChatCompletionCreateParamsStreaming = {
        model: request.provider.model,
        messages,
        stream: true,
        stream_options: { include_usage: true },
        ...(tools ? { tools } : {}),
        ...(request.agent.temperature !== null ? { temperature: request.agent.temperature } : {}),
        ...(request.agent.maxTokens !== null ? { max_tokens: request.agent.maxTokens } : {}),
      };
      const { iterator, first: head } = await open(request, body);
      const calls = new Map<number, { id: string; name: string; arguments: string }>();
      let text = '';
      let finish: string | null = null;
      const take = (chunk: OpenAI.ChatCompletionChunk) => {
        if (chunk.usage) {
          usage = {
            promptTokens: (usage?.promptTokens ?? 0) + chunk.usage.prompt_tokens,
            completionTokens: (usage?.completionTokens ?? 0) + chunk.usage.completion_tokens,
          };
        }
        const choice = chunk.choices[0];
        if (!choice) return;
        const delta = choice.delta;
        const firstToken = () => {
          if (!first) return;
          first = false;
          request.onFirstToken();
        };
        if (delta?.content) {
          firstToken();
          text += delta.content;
          content += delta.content;
          request.emit('delta', { text: delta.content });
        }
        for (const call of delta?.tool_calls ?? []) {
          firstToken();
          const entry = calls.get(call.index) ?? { id: '', name: '', arguments: '' };
          if (call.id) entry.id = call.id;
          if (call.function?.name) entry.name += call.function.name;
          if (call.function?.arguments) entry.arguments += call.function.arguments;
          calls.set(call.index, entry);
        }
        if (choice.finish_reason) finish = choice.finish_reason;
      };
      try {
        if (!head.done) take(head.value);
        for (;;) {
          const next = await iterator.next();
          if (next.done) break;
          take(next.value);
        }
      } catch (error) {
        if (request.signal.aborted) throw error;
        metrics.requests.inc({ result: 'error' });
        const failure = classify(error, metrics);
        throw new ProviderError(failure.code, failure.message, false);
      }
      if (finish === null && !request.signal.aborted) {
        metrics.errors.inc({ kind: 'dropped' });
        throw new ProviderError('STREAM_DROPPED', "the model's answer ended before it was complete", false);
      }
      if (calls.size === 0 || finish !== 'tool_calls') break;

      // The model asked for tools: run them for the person chatting, then ask again with the results.
      const asked = [...calls.values()].map((call, i) => ({ ...call, id: call.id || `call_${round}_${i}` }));
      messages.push({
        role: 'assistant',
        content: text || null,
        tool_calls: asked.map((call) => ({ id: call.id, type: 'function', function: { name: call.name, arguments: call.arguments } })),
      });
      for (const call of asked) {
        request.emit('tool_call', { id: call.id, name: call.name, arguments: call.arguments });
        let outcome;
        try {
          outcome = await runTool(deps.tools, request.agent.tools, request.caller, call.name, call.arguments);
        } catch (error) {
          log.error({ err: error, tool: call.name }, 'a tool failed');
          outcome = { result: null, error: 'the tool failed inside Vigil; it has been logged' };
        }
        metrics.toolCalls.inc({ tool: toolLabel(call.name, request.agent.tools), result: outcome.error === null ? 'ok' : 'error' });
        toolCalls.push({ ...call, result: outcome.result, error: outcome.error });
        request.emit('tool_result', { id: call.id, name: call.name, result: outcome.result, error: outcome.error });
        messages.push({
          role: 'tool',
          tool_call_id: call.id,
          content: outcome.error === null ? outcome.result! : JSON.stringify({ error: outcome.error }),
        });
      }
    }
    if (usage) {
      const { promptTokens, completionTokens } = usage as { promptTokens: number; completionTokens: number };
      metrics.tokens.inc({ kind: 'prompt' }, promptTokens);
      metrics.tokens.inc({ kind: 'completion' }, completionTokens);
      request.emit('usage', usage);
    }
    return { content, toolCalls, usage };
  }

  return {
    generate,
    close() {
      for (const breaker of breakers.values()) breaker.shutdown();
    },
  };
}

/** A tool's metric label: its name when it is one of the agent's tools, else `unknown` (no free text in labels). */
function toolLabel(name: string, allowed: readonly string[]): string {
  return allowed.includes(name) ? name : 'unknown';
}

export type Generator = ReturnType<typeof createGenerator>;
