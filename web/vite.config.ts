// The web console's build: web/ → dist/web, served by the Vigil server at `/` (src/platform/http/web-console.ts).
// JSX is compiled by esbuild (no Babel, no plugin); pages are split into their own chunks so the
// first load carries only the shell.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import type { Plugin } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

/**
 * Writes chunks.json beside the assets: every script chunk with the source modules in it (relative
 * to web/), the chunks it imports and its styles, so that the server can send a page address the
 * preload links for its page's files (src/platform/http/web-console.ts). Vite's own manifest loses
 * modules that `experimentalMinChunkSize` merged into other chunks; Rollup's bundle does not.
 */
function chunkMap(): Plugin {
  return {
    name: 'vigil-chunk-map',
    apply: 'build',
    generateBundle(_options, bundle) {
      const chunks = Object.values(bundle).flatMap((item) =>
        item.type === 'chunk'
          ? [
              {
                file: item.fileName,
                entry: item.isEntry,
                modules: item.moduleIds.filter((id) => id.startsWith(root)).map((id) => id.slice(root.length)),
                imports: item.imports,
                css: [...(item.viteMetadata?.importedCss ?? [])],
              },
            ]
          : [],
      );
      this.emitFile({ type: 'asset', fileName: 'chunks.json', source: `${JSON.stringify(chunks, null, 1)}\n` });
    },
  };
}

export default defineConfig({
  root,
  base: '/',
  esbuild: { jsx: 'automatic' },
  plugins: [chunkMap()],
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    reportCompressedSize: false,
    chunkSizeWarningLimit: 400,
    rollupOptions: {
      // Pages share small modules (a badge, the types, the pager): merged into the chunks that use
      // them rather than each a request of its own (a page cost seven requests, queued behind the
      // browser's six connections).
      output: { experimentalMinChunkSize: 8_192 },
      // React Query and React Router mark their modules "use client" (for server components); a
      // browser bundle has no server side, so the directive means nothing here.
      onwarn(warning, warn) {
        if (warning.code === 'MODULE_LEVEL_DIRECTIVE') return;
        warn(warning);
      },
    },
  },
  server: {
    // `npm run dev:web`: the console with hot reload, its API calls sent to `npm run dev` on 8080.
    proxy: { '/api': 'http://127.0.0.1:8080', '/health': 'http://127.0.0.1:8080' },
  },
});
