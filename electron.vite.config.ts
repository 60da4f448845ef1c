import { chmod } from 'node:fs/promises';
import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import react from '@vitejs/plugin-react';
import type { Plugin } from 'vite';
import { CONTENT_SECURITY_POLICY } from './src-shared/csp';

/**
 * Writes the CSP into index.html as a <meta> tag from the one policy in src-shared. The dev
 * server needs inline module scripts and a websocket for hot reload, so `electron-vite dev` gets
 * a looser policy; builds (and so the packaged app and the e2e tests) get the strict one.
 */
function contentSecurityPolicy(): Plugin {
  let policy = CONTENT_SECURITY_POLICY;
  return {
    name: 'warden-csp',
    configResolved(config) {
      if (config.command === 'serve') {
        policy = policy
          .replace("script-src 'self'", "script-src 'self' 'unsafe-inline'")
          .replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
          .replace("connect-src 'self'", "connect-src 'self' ws://localhost:* http://localhost:*");
      }
    },
    transformIndexHtml: () => [
      { tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: policy }, injectTo: 'head-prepend' },
    ],
  };
}

/**
 * `npm link` installs out/main/cli.js as the `session-warden` command through a symlink, which
 * runs the file itself (its shebang). Every build rewrites the file without the executable bit,
 * so the installed command would stop with "Permission denied": set it again after each write.
 */
export function executableCli(entry = 'cli'): Plugin {
  return {
    name: 'warden-executable-cli',
    async writeBundle(options, bundle) {
      for (const file of Object.values(bundle)) {
        if (file.type === 'chunk' && file.isEntry && file.name === entry) await chmod(resolve(options.dir ?? '', file.fileName), 0o755);
      }
    },
  };
}

// electron-vite assumes src/main, src/preload and src/renderer; our folders are runtime
// boundaries (src-main, src-preload, src-renderer, src-shared), so every entry is explicit.
export default defineConfig({
  main: {
    plugins: [executableCli()],
    build: {
      outDir: 'out/main',
      rolldownOptions: {
        input: {
          index: resolve(__dirname, 'src-main/index.ts'),
          // The `session-warden` command line: the same services, no Electron.
          cli: resolve(__dirname, 'src-main/cli/index.ts'),
          // An export's encoder thread (worker_threads), started from out/main/export-worker.js by src-main/export/export-encoder.ts.
          'export-worker': resolve(__dirname, 'src-main/export/export-worker.ts'),
        },
        output: { banner: (chunk) => (chunk.name === 'cli' ? '#!/usr/bin/env node' : '') },
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      // A sandboxed preload can require only `electron` and a few Node built-ins: bundle zod in.
      externalizeDeps: false,
      rolldownOptions: {
        input: { index: resolve(__dirname, 'src-preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(__dirname, 'src-renderer'),
    plugins: [react(), contentSecurityPolicy()],
    build: {
      outDir: resolve(__dirname, 'out/renderer'),
      minify: true,
      rolldownOptions: { input: { index: resolve(__dirname, 'src-renderer/index.html') } },
    },
  },
});
