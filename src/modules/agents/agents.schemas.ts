import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import { PageQuery } from '../../platform/http/pagination.js';
import { TOOL_NAMES } from './tools.js';

const UnitCode = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$' });
const ToolName = Type.Union(
  TOOL_NAMES.map((name) => Type.Literal(name)),
  { description: `A tool over Vigil's data: ${TOOL_NAMES.map((n) => `\`${n}\``).join(', ')}.` },
);
const HEADER_NAME = "^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$";

const providerFields = {
  baseUrl: Type.String({
    minLength: 1,
    maxLength: 2048,
    description:
      "The server's OpenAI-compatible API root, with its version path: `https://api.openai.com/v1`, `http://127.0.0.1:11434/v1` (Ollama).",
  }),
  model: Type.String({ minLength: 1, maxLength: 200, description: 'The model name the server knows (`gpt-4o-mini`, `llama3.1`).' }),
  apiKey: Type.Optional(
    Type.Union([Type.String({ minLength: 1, maxLength: 4096 }), Type.Null()], {
      description:
        'Sent as `Authorization: Bearer`; sealed at rest and never returned (`hasApiKey` says whether one is set). On PATCH, null removes it and leaving it out keeps it.',
    }),
  ),
  headers: Type.Optional(
    Type.Record(Type.String(), Type.String({ maxLength: 4096 }), {
      propertyNames: { pattern: HEADER_NAME },
      maxProperties: 16,
      description:
        'Extra request headers (an organisation id, a gateway key); sealed like the key, only their names are returned. On PATCH, replaces them all.',
    }),
  ),
};

export const ProviderBody = Type.Object(
  {
    type: Type.Literal('openai-compatible', {
      description: 'Any server speaking the OpenAI chat-completions API with streaming and tool calls.',
    }),
    ...providerFields,
  },
  { additionalProperties: false },
);
/** A provider change: any of its fields. */
export const ProviderPatch = Type.Partial(ProviderBody);

const agentFields = {
  name: Type.String({ minLength: 1, maxLength: 100, description: 'Unique (ignoring case).' }),
  description: Type.String({ maxLength: 2000 }),
  systemPrompt: Type.String({ maxLength: 20000, description: 'Sent first in every request to the model.' }),
  temperature: Type.Union([Type.Number({ minimum: 0, maximum: 2 }), Type.Null()], { description: "Null: the server's default." }),
  maxTokens: Type.Union([Type.Integer({ minimum: 1, maximum: 1_000_000 }), Type.Null()], {
    description: "The most tokens of one model answer; null: the server's default.",
  }),
  tools: Type.Array(ToolName, {
    maxItems: 32,
    uniqueItems: true,
    description: 'The tools the model may call, run with the rights of the person chatting.',
  }),
  enabled: Type.Boolean({ description: 'A disabled agent keeps its sessions but answers no message (409 AGENT_DISABLED).' }),
  orgUnitCode: Type.Union([UnitCode, Type.Null()], {
    description: 'Who may chat with it: people whose `agents:use` grants reach this unit. Null: everyone holding `agents:use`.',
  }),
  rateLimitPerMinute: Type.Integer({ minimum: 1, maximum: 10_000, description: 'Messages one person may send it a minute.' }),
};

const { name: nameField, ...settingFields } = agentFields;
/** The fields with defaults: optional on creation, each changed alone by PATCH. */
const settings = Type.Partial(Type.Object(settingFields)).properties;

export const AgentBody = Type.Object({ name: nameField, provider: ProviderBody, ...settings }, { additionalProperties: false });
export type AgentInput = Static<typeof AgentBody>;

export const AgentPatchBody = Type.Object(
  { name: Type.Optional(nameField), provider: Type.Optional(ProviderPatch), ...settings },
  { additionalProperties: false, minProperties: 1 },
);
export type AgentPatch = Static<typeof AgentPatchBody>;

export const AgentView = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    name: Type.String(),
    description: Type.String(),
    provider: Type.Object(
      {
        type: Type.Literal('openai-compatible'),
        baseUrl: Type.String(),
        model: Type.String(),
        hasApiKey: Type.Boolean(),
        headerNames: Type.Array(Type.String()),
      },
      { additionalProperties: false },
    ),
    systemPrompt: Type.String(),
    temperature: Type.Union([Type.Number(), Type.Null()]),
    maxTokens: Type.Union([Type.Integer(), Type.Null()]),
    tools: Type.Array(Type.String()),
    enabled: Type.Boolean(),
    orgUnitCode: Type.Union([Type.String(), Type.Null()]),
    rateLimitPerMinute: Type.Integer(),
    revision: Type.Integer(),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
    createdBy: Type.Union([Type.String(), Type.Null()]),
  },
  { $id: 'Agent', additionalProperties: false },
);

export const AgentParams = Type.Object({ agent_id: Type.String({ format: 'uuid' }) }, { additionalProperties: false });
export const AgentListQuery = Type.Object(
  { ...PageQuery, enabled: Type.Optional(Type.Boolean({ description: 'Only enabled (true) or disabled (false) agents.' })) },
  { additionalProperties: false },
);

export const SessionBody = Type.Object(
  {
    agentId: Type.String({ format: 'uuid' }),
    title: Type.Optional(
      Type.String({ minLength: 1, maxLength: 200, description: 'Default: "New chat"; the first message names it when left out.' }),
    ),
  },
  { additionalProperties: false },
);
export const SessionPatchBody = Type.Object({ title: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false });

export const SessionView = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    agentId: Type.String({ format: 'uuid' }),
    title: Type.String(),
    revision: Type.Integer(),
    createdAt: Type.String({ format: 'date-time' }),
    lastActivityAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'ChatSession', additionalProperties: false },
);
export const SessionParams = Type.Object({ session_id: Type.String({ format: 'uuid' }) }, { additionalProperties: false });
export const MessageParams = Type.Object(
  { session_id: Type.String({ format: 'uuid' }), message_id: Type.String({ format: 'uuid' }) },
  { additionalProperties: false },
);

export const MESSAGE_STATUSES = ['pending', 'streaming', 'complete', 'interrupted', 'error'] as const;

export const ToolCallView = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    arguments: Type.String({ description: 'As the model wrote them (JSON text).' }),
    result: Type.Union([Type.String(), Type.Null()], { description: 'What the tool answered (JSON text, bounded), null while it runs.' }),
    error: Type.Union([Type.String(), Type.Null()]),
  },
  { additionalProperties: false },
);

export const MessageView = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    sessionId: Type.String({ format: 'uuid' }),
    role: Type.Union([Type.Literal('user'), Type.Literal('assistant')]),
    content: Type.String(),
    status: Type.Union(MESSAGE_STATUSES.map((s) => Type.Literal(s))),
    clientMessageId: Type.Union([Type.String(), Type.Null()]),
    replyTo: Type.Union([Type.String(), Type.Null()]),
    toolCalls: Type.Array(ToolCallView),
    error: Type.Union([Type.Object({ code: Type.String(), message: Type.String() }, { additionalProperties: false }), Type.Null()]),
    usage: Type.Union([
      Type.Object({ promptTokens: Type.Integer(), completionTokens: Type.Integer() }, { additionalProperties: false }),
      Type.Null(),
    ]),
    firstTokenMs: Type.Union([Type.Integer(), Type.Null()]),
    latencyMs: Type.Union([Type.Integer(), Type.Null()]),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'ChatMessage', additionalProperties: false },
);

export const MessageBody = Type.Object(
  {
    content: Type.String({ minLength: 1, maxLength: 20_000 }),
    clientMessageId: Type.String({
      minLength: 1,
      maxLength: 100,
      pattern: '^[A-Za-z0-9_.:-]+$',
      description: 'Your own id for this message: sending it again answers the stored message and its reply, never a second one.',
    }),
  },
  { additionalProperties: false },
);

export const ExportQuery = Type.Object(
  { format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('markdown')], { default: 'json' })) },
  { additionalProperties: false },
);
