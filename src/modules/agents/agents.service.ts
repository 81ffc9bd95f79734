// Agents: a model behind an OpenAI-compatible server, its prompt, its tools and who may use it.
// Managed with agents:write (on the agent's unit; an agent on no unit needs a global grant); seen
// and used with agents:use (on the agent's unit; an agent on no unit by anyone holding it). The API
// key and extra headers are sealed under the agent's own context and never leave the service but
// to call the model. Agents are read through a shared cache (Redis when configured): a change drops
// the entry, so every process sees it on its next read.
import type { Kysely } from 'kysely';
import type { Actor, Audit } from '../../platform/audit.js';
import { byActor } from '../../platform/audit.js';
import type { Schema } from '../../platform/db/schema.js';
import type { Principal } from '../../platform/http/access.js';
import { cursorCodec, cursorField, cursorShape } from '../../platform/http/pagination.js';
import { uuidv7 } from '../../platform/ids.js';
import type { Cache } from '../../platform/kv/types.js';
import type { SecretBox } from '../../platform/secrets.js';
import type { ScopePolicy } from '../auth/index.js';
import { AgentErrors } from './agents.errors.js';
import type { AgentRow } from './agents.repo.js';
import { agentsRepo } from './agents.repo.js';
import type { AgentInput, AgentPatch } from './agents.schemas.js';

export interface AgentCaller {
  principal: Principal;
  actor: Actor;
}

export interface Agent {
  id: string;
  name: string;
  description: string;
  provider: { type: 'openai-compatible'; baseUrl: string; model: string; hasApiKey: boolean; headerNames: string[] };
  systemPrompt: string;
  temperature: number | null;
  maxTokens: number | null;
  tools: string[];
  enabled: boolean;
  orgUnitCode: string | null;
  rateLimitPerMinute: number;
  revision: number;
  createdAt: string;
  updatedAt: string;
  createdBy: string | null;
}

/** An agent as the chat needs it: its view and its provider's secrets, still sealed (JSON-safe, for the cache). */
export interface StoredAgent {
  agent: Agent;
  apiKeySealed: string | null;
  headersSealed: string | null;
}

/** What calling the model takes: the provider with its secrets opened. */
export interface ProviderAccess {
  baseUrl: string;
  model: string;
  apiKey: string | null;
  headers: Record<string, string>;
}

export interface AgentServiceDeps {
  db: Kysely<Schema>;
  audit: Audit;
  policy: ScopePolicy;
  secrets: SecretBox;
  cache: Cache;
  /** How long a cached agent may be served: short when each process has its own cache (no Redis). */
  cacheTtlMs: number;
  unitExists: (code: string) => Promise<boolean>;
  now?: () => Date;
}

export const DEFAULT_RATE_LIMIT_PER_MINUTE = 20;
const agentCursor = cursorCodec('agents', cursorShape({ i: cursorField.uuid }));
const keyContext = (id: string) => `agent:${id}:api-key`;
const headersContext = (id: string) => `agent:${id}:headers`;

function toStored(row: AgentRow): StoredAgent {
  return {
    agent: {
      id: row.id,
      name: row.name,
      description: row.description,
      provider: {
        type: row.provider_type,
        baseUrl: row.base_url,
        model: row.model,
        hasApiKey: row.api_key_sealed !== null,
        headerNames: row.header_names,
      },
      systemPrompt: row.system_prompt,
      temperature: row.temperature === null ? null : Number(row.temperature),
      maxTokens: row.max_tokens,
      tools: row.tools,
      enabled: row.enabled,
      orgUnitCode: row.org_unit_code,
      rateLimitPerMinute: row.rate_limit_per_minute,
      revision: row.revision,
      createdAt: row.created_at.toISOString(),
      updatedAt: row.updated_at.toISOString(),
      createdBy: row.created_by,
    },
    apiKeySealed: row.api_key_sealed,
    headersSealed: row.headers_sealed,
  };
}

/** What the audit trail keeps of an agent: everything but its secrets (only whether they are set). */
const summary = (agent: Agent) => ({
  name: agent.name,
  provider: agent.provider,
  tools: agent.tools,
  enabled: agent.enabled,
  orgUnitCode: agent.orgUnitCode,
  rateLimitPerMinute: agent.rateLimitPerMinute,
  temperature: agent.temperature,
  maxTokens: agent.maxTokens,
});

/** A provider's base URL: http(s), no credentials in it (they go in apiKey or headers), no query or fragment. */
export function checkBaseUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw AgentErrors.invalid('provider.baseUrl', 'is not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw AgentErrors.invalid('provider.baseUrl', 'must be http or https');
  if (url.username || url.password)
    throw AgentErrors.invalid('provider.baseUrl', 'must not hold credentials: put the key in provider.apiKey');
  if (url.search || url.hash) throw AgentErrors.invalid('provider.baseUrl', 'must not have a query or fragment');
  return url.toString().replace(/\/+$/, '');
}

export function createAgentService(deps: AgentServiceDeps) {
  const { db, audit, policy, secrets, cache } = deps;
  const now = deps.now ?? (() => new Date());

  async function mayManage(principal: Principal, unit: string | null): Promise<boolean> {
    return policy.allows(principal, 'agents:write', unit);
  }
  async function mayUse(principal: Principal, unit: string | null): Promise<boolean> {
    if (unit === null) return policy.can(principal, 'agents:use');
    return policy.allows(principal, 'agents:use', unit);
  }

  /** The agent through the cache (a miss reads the database). */
  async function stored(id: string): Promise<StoredAgent | undefined> {
    return cache.getOrLoad<StoredAgent | undefined>(id, { ttlMs: deps.cacheTtlMs }, async () => {
      const row = await agentsRepo.findAgent(db, id);
      return row ? toStored(row) : undefined;
    });
  }

  /** The agent if the caller may use or manage it; 404 otherwise. */
  async function visible(caller: AgentCaller, id: string, manage = false): Promise<StoredAgent> {
    const found = await stored(id);
    const unit = found?.agent.orgUnitCode ?? null;
    const allowed = found && ((await mayManage(caller.principal, unit)) || (!manage && (await mayUse(caller.principal, unit))));
    if (!found || !allowed) throw AgentErrors.notFound(id);
    return found;
  }

  async function checkUnit(caller: AgentCaller, unit: string | null): Promise<void> {
    if (unit !== null && !(await deps.unitExists(unit))) throw AgentErrors.invalid('orgUnitCode', `org unit ${unit} does not exist`);
    if (!(await mayManage(caller.principal, unit))) {
      throw AgentErrors.invalid(
        'orgUnitCode',
        unit === null ? 'an agent on no unit needs a global agents:write grant' : `unit ${unit} is outside your grants`,
      );
    }
  }

  const sealHeaders = (id: string, headers: Record<string, string> | undefined) =>
    headers && Object.keys(headers).length > 0 ? secrets.encrypt(JSON.stringify(headers), headersContext(id)) : null;

  async function changed(id: string): Promise<void> {
    await cache.delete(id);
  }

  return {
    /** Opens the provider's secrets, to call the model. */
    access(found: StoredAgent): ProviderAccess {
      const { agent } = found;
      return {
        baseUrl: agent.provider.baseUrl,
        model: agent.provider.model,
        apiKey: found.apiKeySealed === null ? null : secrets.decrypt(found.apiKeySealed, keyContext(agent.id)),
        headers:
          found.headersSealed === null
            ? {}
            : (JSON.parse(secrets.decrypt(found.headersSealed, headersContext(agent.id))) as Record<string, string>),
      };
    },

    /** The agent, for chatting: 404 when the caller may not use it, 409 AGENT_DISABLED when disabled. */
    async usable(caller: AgentCaller, id: string): Promise<StoredAgent> {
      const found = await stored(id);
      if (!found || !(await mayUse(caller.principal, found.agent.orgUnitCode))) throw AgentErrors.notFound(id);
      if (!found.agent.enabled) throw AgentErrors.disabled(id);
      return found;
    },

    async create(caller: AgentCaller, input: AgentInput): Promise<Agent> {
      const id = uuidv7();
      const unit = input.orgUnitCode ?? null;
      await checkUnit(caller, unit);
      const baseUrl = checkBaseUrl(input.provider.baseUrl);
      const at = now();
      const row = await db.transaction().execute(async (tx) => {
        if (await agentsRepo.nameTaken(tx, input.name)) throw AgentErrors.nameTaken(input.name);
        const created = await agentsRepo.insertAgent(tx, {
          id,
          name: input.name,
          description: input.description ?? '',
          provider_type: 'openai-compatible',
          base_url: baseUrl,
          model: input.provider.model,
          api_key_sealed: input.provider.apiKey ? secrets.encrypt(input.provider.apiKey, keyContext(id)) : null,
          headers_sealed: sealHeaders(id, input.provider.headers),
          header_names: Object.keys(input.provider.headers ?? {}),
          system_prompt: input.systemPrompt ?? '',
          temperature: input.temperature ?? null,
          max_tokens: input.maxTokens ?? null,
          tools: input.tools ?? [],
          enabled: input.enabled ?? true,
          org_unit_code: unit,
          rate_limit_per_minute: input.rateLimitPerMinute ?? DEFAULT_RATE_LIMIT_PER_MINUTE,
          revision: 1,
          created_at: at,
          updated_at: at,
          created_by: caller.actor.id,
        });
        await audit.write(tx, {
          ...byActor(caller.actor),
          action: 'agent.create',
          resourceType: 'agent',
          resourceId: id,
          orgUnitCode: unit,
          after: summary(toStored(created).agent),
          result: 'success',
        });
        return created;
      });
      await changed(id);
      return toStored(row).agent;
    },

    get: async (caller: AgentCaller, id: string) => (await visible(caller, id)).agent,

    /** Agents the caller may use or manage, by id, cursor-paginated. */
    async list(caller: AgentCaller, options: { limit: number; cursor?: string; enabled?: boolean }) {
      const after = agentCursor.decode(options.cursor)?.i;
      const use = await policy.reach(caller.principal, 'agents:use');
      const manage = await policy.reach(caller.principal, 'agents:write');
      const global = use === 'all' || manage === 'all';
      const units = global ? undefined : [...new Set([...use, ...manage])];
      const rows = await agentsRepo.listAgents(db, {
        limit: options.limit + 1,
        ...(after !== undefined ? { after } : {}),
        ...(units !== undefined ? { units } : {}),
        // Agents on no unit: anyone holding agents:use sees them.
        global: policy.can(caller.principal, 'agents:use'),
        ...(options.enabled !== undefined ? { enabled: options.enabled } : {}),
      });
      const page = rows.slice(0, options.limit);
      const last = page.at(-1);
      return {
        items: page.map((row) => toStored(row).agent),
        nextCursor: rows.length > options.limit && last ? agentCursor.encode({ i: last.id }) : null,
      };
    },

    async update(caller: AgentCaller, id: string, patch: AgentPatch, ifMatch?: number): Promise<Agent> {
      await visible(caller, id, true);
      if (patch.orgUnitCode !== undefined) await checkUnit(caller, patch.orgUnitCode);
      const baseUrl = patch.provider?.baseUrl !== undefined ? checkBaseUrl(patch.provider.baseUrl) : undefined;
      const row = await db.transaction().execute(async (tx) => {
        const current = await agentsRepo.findAgent(tx, id, true);
        if (!current || !(await mayManage(caller.principal, current.org_unit_code))) throw AgentErrors.notFound(id);
        if (ifMatch !== undefined && ifMatch !== current.revision) throw AgentErrors.stale('agent', id, ifMatch, current.revision);
        if (patch.name !== undefined && (await agentsRepo.nameTaken(tx, patch.name, id))) throw AgentErrors.nameTaken(patch.name);
        const provider = patch.provider;
        const updated = await agentsRepo.updateAgent(tx, id, {
          ...(patch.name !== undefined ? { name: patch.name } : {}),
          ...(patch.description !== undefined ? { description: patch.description } : {}),
          ...(baseUrl !== undefined ? { base_url: baseUrl } : {}),
          ...(provider?.model !== undefined ? { model: provider.model } : {}),
          ...(provider?.apiKey !== undefined
            ? { api_key_sealed: provider.apiKey === null ? null : secrets.encrypt(provider.apiKey, keyContext(id)) }
            : {}),
          ...(provider?.headers !== undefined
            ? { headers_sealed: sealHeaders(id, provider.headers), header_names: Object.keys(provider.headers) }
            : {}),
          ...(patch.systemPrompt !== undefined ? { system_prompt: patch.systemPrompt } : {}),
          ...(patch.temperature !== undefined ? { temperature: patch.temperature } : {}),
          ...(patch.maxTokens !== undefined ? { max_tokens: patch.maxTokens } : {}),
          ...(patch.tools !== undefined ? { tools: patch.tools } : {}),
          ...(patch.enabled !== undefined ? { enabled: patch.enabled } : {}),
          ...(patch.orgUnitCode !== undefined ? { org_unit_code: patch.orgUnitCode } : {}),
          ...(patch.rateLimitPerMinute !== undefined ? { rate_limit_per_minute: patch.rateLimitPerMinute } : {}),
          updated_at: now(),
        });
        await audit.write(tx, {
          ...byActor(caller.actor),
          action: 'agent.update',
          resourceType: 'agent',
          resourceId: id,
          orgUnitCode: updated.org_unit_code,
          before: summary(toStored(current).agent),
          after: {
            ...summary(toStored(updated).agent),
            ...(provider?.apiKey !== undefined ? { apiKey: provider.apiKey === null ? 'removed' : 'replaced' } : {}),
          },
          result: 'success',
        });
        return updated;
      });
      await changed(id);
      return toStored(row).agent;
    },

    /** Deletes an agent with its sessions and their messages. */
    async remove(caller: AgentCaller, id: string, ifMatch?: number): Promise<void> {
      await visible(caller, id, true);
      await db.transaction().execute(async (tx) => {
        const current = await agentsRepo.findAgent(tx, id, true);
        if (!current || !(await mayManage(caller.principal, current.org_unit_code))) throw AgentErrors.notFound(id);
        if (ifMatch !== undefined && ifMatch !== current.revision) throw AgentErrors.stale('agent', id, ifMatch, current.revision);
        await agentsRepo.deleteAgent(tx, id);
        await audit.write(tx, {
          ...byActor(caller.actor),
          action: 'agent.delete',
          resourceType: 'agent',
          resourceId: id,
          orgUnitCode: current.org_unit_code,
          before: summary(toStored(current).agent),
          result: 'success',
        });
      });
      await changed(id);
    },
  };
}

export type AgentService = ReturnType<typeof createAgentService>;
