// PGlite and the extensions Vigil uses, loaded once per process. `vigil serve` starts loading them,
// and compiling PGlite's WebAssembly (which V8 does on background threads), before it loads the
// rest of the service, so that both overlap; the embedded database then opens with what was loaded.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { PGliteOptions } from '@electric-sql/pglite';

type WasmModule = NonNullable<PGliteOptions['pgliteWasmModule']>;
// Node's global WebAssembly (its value is not in the ES and Node type libraries this project uses).
const wasmApi = (globalThis as unknown as { WebAssembly: { compile(bytes: Uint8Array): Promise<WasmModule> } }).WebAssembly;

async function load() {
  // PGlite compiles its module itself when handed none: a failure here only loses the head start.
  const wasm = readFile(path.join(path.dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite')), 'pglite.wasm'))
    .then((bytes) => wasmApi.compile(bytes))
    .catch(() => undefined);
  const [{ PGlite }, { btree_gist }, { ltree }, { pgcrypto }, wasmModule] = await Promise.all([
    import('@electric-sql/pglite'),
    import('@electric-sql/pglite/contrib/btree_gist'),
    import('@electric-sql/pglite/contrib/ltree'),
    import('@electric-sql/pglite/contrib/pgcrypto'),
    wasm,
  ]);
  return { PGlite, extensions: { btree_gist, ltree, pgcrypto }, wasmModule };
}

let loading: ReturnType<typeof load> | undefined;

/** Starts loading on the first call; every call answers the same. */
export function loadPglite(): ReturnType<typeof load> {
  loading ??= load();
  return loading;
}
