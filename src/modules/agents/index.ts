// AI agents and chat.
// Invariants: an agent's API key and extra headers are sealed at rest and never answered or logged;
// a chat session is seen only by the principal that holds it; a person's message is stored before
// any reply is asked for, and a repeated clientMessageId is the same message, never a second reply
// (a unique index decides between racing sends); one reply is under way per session (a unique
// index); a reply's text and events are saved as it streams, so a client resumes it from any
// process and a reply whose writer died ends `interrupted` with its text; tools run with the rights
// of the person chatting; every write is audited in its transaction.
export { createAgentService } from './agents.service.js';
export type { AgentService, Agent } from './agents.service.js';
export { createChatService, CHAT_CANCEL_CHANNEL } from './chat.service.js';
export type { ChatService, ChatSettings } from './chat.service.js';
export { createGenerator } from './generation.js';
export type { GenerationSettings } from './generation.js';
export { agentRoutes } from './agents.routes.js';
export { AgentView, SessionView, MessageView } from './agents.schemas.js';
export { createAgentMetrics } from './agents.metrics.js';
export type { AgentMetrics } from './agents.metrics.js';
export { agentErrors } from './agents.errors.js';
export type { AgentErrorCode } from './agents.errors.js';
export { TOOL_NAMES } from './tools.js';
export type { ToolDeps, ToolCaller } from './tools.js';
