// npm run docs:config — rewrites the README's configuration table from src/config.ts.
import { readFileSync, writeFileSync } from 'node:fs';
import { readmePath, withConfigTable } from './readme.js';

writeFileSync(readmePath, withConfigTable(readFileSync(readmePath, 'utf8')));
process.stdout.write('README configuration table updated\n');
