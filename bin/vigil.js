#!/usr/bin/env node
// Runs the compiled CLI. `npm ci` builds dist/ (the prepare script); `npm run build` rebuilds it.
import { existsSync } from 'node:fs';

const entry = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('vigil: dist/ is missing; run `npm run build` first\n');
  process.exit(1);
}
const { main } = await import(entry.href);
await main();
