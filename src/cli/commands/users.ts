import { parseArgs } from 'node:util';
import type { User } from '../../modules/auth/index.js';
import type { CommandContext } from '../command.js';
import { allPages, knownVerb, printList } from './shared.js';
import { CLI_ACTOR, withCore } from './with-core.js';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

function describe(user: User): string {
  const grants = user.grants.map((g) => (g.orgUnitCode ? `${g.role}@${g.orgUnitCode}` : g.role)).join(',') || '-';
  return `${user.email}  ${user.status}  ${grants}  ${user.displayName}`;
}

export async function run(context: CommandContext): Promise<number> {
  const [verb, ...rest] = context.argv;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    strict: true,
    options: {
      email: { type: 'string' },
      name: { type: 'string' },
      role: { type: 'string' },
      unit: { type: 'string' },
      'password-stdin': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
  });
  if (!knownVerb(context, 'users', ['create', 'list', 'disable', 'enable', 'reset-password', 'grant', 'revoke'], verb)) return 2;
  const email = verb === 'create' ? values.email : positionals[0];
  if (verb !== 'list' && !email) {
    context.err(`vigil users ${verb}: which user? ${verb === 'create' ? '--email is required' : 'give the email'}`);
    return 2;
  }
  if ((verb === 'grant' || verb === 'revoke') && !values.role) {
    context.err(`vigil users ${verb}: --role is required`);
    return 2;
  }
  return withCore(context, async ({ users }) => {
    // Read from stdin, or undefined: the service generates one and answers it once.
    const givenPassword = async () => (values['password-stdin'] ? await readStdin() : undefined);
    const caller = { actor: CLI_ACTOR };
    switch (verb) {
      case 'create': {
        const grants = values.role ? [{ role: values.role, orgUnitCode: values.unit ?? null }] : [];
        const password = await givenPassword();
        const { user, generatedPassword } = await users.create(
          {
            email: email!,
            grants,
            ...(password !== undefined ? { password } : {}),
            ...(values.name ? { displayName: values.name } : {}),
          },
          caller,
        );
        context.out(`created ${describe(user)}`);
        if (generatedPassword !== undefined) context.out(`password: ${generatedPassword}`);
        return 0;
      }
      case 'list': {
        const all = await allPages((cursor) => users.list({ limit: 500, ...(cursor !== undefined ? { cursor } : {}) }, caller));
        printList(context, all, values.json, describe);
        return 0;
      }
      case 'disable':
      case 'enable':
        context.out(describe(await users.update(email!, { status: verb === 'disable' ? 'disabled' : 'active' }, caller)));
        return 0;
      case 'reset-password': {
        const { generatedPassword } = await users.resetPassword(email!, await givenPassword(), caller);
        context.out(`password reset for ${email}`);
        if (generatedPassword !== undefined) context.out(`password: ${generatedPassword}`);
        return 0;
      }
      case 'grant':
      case 'revoke': {
        const change = verb === 'grant' ? users.grant : users.revoke;
        context.out(describe(await change(email!, values.role!, values.unit ?? null, caller)));
        return 0;
      }
      default:
        return 2;
    }
  });
}
