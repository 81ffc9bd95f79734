// npm run openapi:update — rewrites the committed OpenAPI snapshot after a deliberate contract change.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { generateOpenApi, snapshotPath } from './openapi.js';

mkdirSync(path.dirname(snapshotPath), { recursive: true });
writeFileSync(snapshotPath, await generateOpenApi());
process.stdout.write(`wrote ${path.relative(process.cwd(), snapshotPath)}\n`);
