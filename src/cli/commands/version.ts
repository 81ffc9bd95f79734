import { SERVICE_NAME, VERSION } from '../../version.js';
import type { Command } from '../command.js';

export const versionCommand: Command = {
  name: 'version',
  summary: 'Print the version',
  usage: 'vigil version',
  help: 'Prints the name and version of this Vigil build, and the Node.js version running it.',
  run(context) {
    context.out(`${SERVICE_NAME} ${VERSION} (node ${process.version})`);
    return Promise.resolve(0);
  },
};
