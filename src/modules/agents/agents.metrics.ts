// The agents module's metrics, registered on the service's registry. No label carries an id.
import { Counter, Gauge, Histogram } from 'prom-client';
import type { Registry } from 'prom-client';

export function createAgentMetrics(registry: Registry) {
  return {
    requests: new Counter({
      name: 'agent_requests_total',
      help: 'Requests to model servers (one per model answer, tool rounds included), by result: ok, error.',
      labelNames: ['result'],
      registers: [registry],
    }),
    errors: new Counter({
      name: 'agent_errors_total',
      help: 'Failures calling model servers, by kind: timeout, rate_limited (429), server_error (5xx), refused (other 4xx), connection, dropped (the stream ended early), breaker_open, retried (a failure before the first token that was tried again).',
      labelNames: ['kind'],
      registers: [registry],
    }),
    messages: new Counter({
      name: 'messages_sent_total',
      help: 'Chat messages sent to agents, by how their reply ended: complete, error, interrupted, cancelled.',
      labelNames: ['status'],
      registers: [registry],
    }),
    sendDuration: new Histogram({
      name: 'message_send_duration_seconds',
      help: 'From a chat message stored to the end of its reply.',
      buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers: [registry],
    }),
    firstToken: new Histogram({
      name: 'agent_time_to_first_token_seconds',
      help: 'From a chat message stored to the first text or tool call of its reply.',
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    tokens: new Counter({
      name: 'agent_tokens_total',
      help: 'Tokens model servers reported using, by kind: prompt, completion.',
      labelNames: ['kind'],
      registers: [registry],
    }),
    streams: new Gauge({
      name: 'chat_streams_open',
      help: 'Chat reply streams open to clients (new messages and resumed streams).',
      registers: [registry],
    }),
    replies: new Gauge({
      name: 'chat_replies_writing',
      help: 'Chat replies this process is writing now.',
      registers: [registry],
    }),
    toolCalls: new Counter({
      name: 'agent_tool_calls_total',
      help: 'Tool calls made by models, by tool and result: ok, error.',
      labelNames: ['tool', 'result'],
      registers: [registry],
    }),
  };
}

export type AgentMetrics = ReturnType<typeof createAgentMetrics>;
