import { parseArgs } from 'node:util';
import type { ApiKey } from '../../modules/auth/index.js';
import type { CommandContext } from '../command.js';
import { allPages, knownVerb, printList } from './shared.js';
import { CLI_ACTOR, withCore } from './with-core.js';

function describe(key: ApiKey): string {
  const scope = key.orgUnitCode ? `${key.role}@${key.orgUnitCode}` : key.role;
  const state = key.revokedAt ? `revoked ${key.revokedAt}` : key.expiresAt ? `expires ${key.expiresAt}` : 'no expiry';
  return `${key.id}  ${key.prefix}…  ${key.name}  ${scope}  ${state}  last used ${key.lastUsedAt ?? 'never'}`;
}

export async function run(context: CommandContext): Promise<number> {
  const [verb, ...rest] = context.argv;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    strict: true,
    options: {
      name: { type: 'string' },
      role: { type: 'string' },
      unit: { type: 'string' },
      'expires-days': { type: 'string' },
      all: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
  });
  if (!knownVerb(context, 'apikeys', ['create', 'list', 'revoke'], verb)) return 2;
  if (verb === 'create' && (!values.name || !values.role)) {
    context.err('vigil apikeys create: --name and --role are required');
    return 2;
  }
  const days = values['expires-days'];
  if (days !== undefined && !/^\d+$/.test(days)) {
    context.err(`vigil apikeys create: --expires-days must be a whole number of days, got "${days}"`);
    return 2;
  }
  if (verb === 'revoke' && !positionals[0]) {
    context.err('vigil apikeys revoke: which key? give its id or name');
    return 2;
  }
  const caller = { actor: CLI_ACTOR };
  return withCore(context, async ({ apiKeys }) => {
    if (verb === 'create') {
      const { key, apiKey } = await apiKeys.create(
        {
          name: values.name!,
          role: values.role!,
          orgUnitCode: values.unit ?? null,
          expiresInDays: days === undefined ? null : Number(days),
        },
        caller,
      );
      context.out(`created ${describe(apiKey)}`);
      context.out(`key: ${key}`);
      context.out('This is the only time the key is shown.');
      return 0;
    }
    if (verb === 'revoke') {
      context.out(`revoked ${describe(await apiKeys.revoke(positionals[0]!, caller))}`);
      return 0;
    }
    const all = await allPages((cursor) => apiKeys.list({ limit: 500, includeRevoked: values.all, ...(cursor ? { cursor } : {}) }, caller));
    printList(context, all, values.json, describe);
    return 0;
  });
}
