// Every error code of the agents module, each written once with its status (docs/errors.md lists
// them). An agent, session or message that is missing or out of the caller's reach is 404.
import { errorCatalogue, platformErrors } from '../../platform/errors.js';

export type AgentErrorCode =
  | 'AGENT_NOT_FOUND'
  | 'AGENT_NAME_TAKEN'
  | 'AGENT_DISABLED'
  | 'CHAT_SESSION_NOT_FOUND'
  | 'CHAT_MESSAGE_NOT_FOUND'
  | 'GENERATION_IN_PROGRESS'
  | 'MESSAGE_ID_REUSED'
  | 'INVALID_AGENT';

export const agentErrors = errorCatalogue<AgentErrorCode>({
  AGENT_NOT_FOUND: 404,
  AGENT_NAME_TAKEN: 409,
  AGENT_DISABLED: 409,
  CHAT_SESSION_NOT_FOUND: 404,
  CHAT_MESSAGE_NOT_FOUND: 404,
  GENERATION_IN_PROGRESS: 409,
  MESSAGE_ID_REUSED: 409,
  INVALID_AGENT: 400,
});
const raise = agentErrors.raise;

export const AgentErrors = {
  notFound: (id: string) => raise('AGENT_NOT_FOUND', `agent ${id} does not exist`, { agentId: id }),
  nameTaken: (name: string) => raise('AGENT_NAME_TAKEN', `an agent named ${JSON.stringify(name)} exists already`, { name }),
  disabled: (id: string) => raise('AGENT_DISABLED', `agent ${id} is disabled; an agents:write holder can enable it`, { agentId: id }),
  invalid: (field: string, reason: string) => raise('INVALID_AGENT', `${field}: ${reason}`, { field }),
  sessionNotFound: (id: string) => raise('CHAT_SESSION_NOT_FOUND', `chat session ${id} does not exist`, { sessionId: id }),
  messageNotFound: (id: string) => raise('CHAT_MESSAGE_NOT_FOUND', `message ${id} does not exist in this session`, { messageId: id }),
  generating: (sessionId: string, messageId: string | null) =>
    raise(
      'GENERATION_IN_PROGRESS',
      `session ${sessionId} is answering a message already; wait for its reply or cancel it, then send again`,
      { sessionId, replyId: messageId },
    ),
  messageIdReused: (clientMessageId: string) =>
    raise(
      'MESSAGE_ID_REUSED',
      `clientMessageId ${JSON.stringify(clientMessageId)} was sent before with other content; use a new one for a new message`,
      { clientMessageId },
    ),
  stale: (what: string, id: string, expected: number, actual: number) =>
    platformErrors.raise('PRECONDITION_FAILED', `${what} ${id} is at revision ${actual}, not ${expected}; read it again and retry`, {
      id,
      expectedRevision: expected,
      revision: actual,
    }),
  rateLimited: (agentId: string, perMinute: number, retryAfterS: number) =>
    platformErrors.raise('RATE_LIMITED', `you may send agent ${agentId} ${perMinute} messages a minute; try again in ${retryAfterS} s`, {
      agentId,
      limitPerMinute: perMinute,
      retryAfterSeconds: retryAfterS,
    }),
} as const;
