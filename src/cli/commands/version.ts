import { SERVICE_NAME, VERSION } from '../../version.js';
import type { CommandContext } from '../command.js';

export function run(context: CommandContext): Promise<number> {
  context.out(`${SERVICE_NAME} ${VERSION} (node ${process.version})`);
  return Promise.resolve(0);
}
