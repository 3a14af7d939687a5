#!/usr/bin/env node
// The onecode command. Runs the compiled CLI in dist/ (`npm run build`; `npm ci` builds it through
// `prepare`) when that build is the one of the sources beside it (bin/build-stamp.js); otherwise
// it says so in one line on stderr and runs the TypeScript sources through tsx's ESM loader, as
// `npm run onecode` does: slower to start (about 3 s), never a stale build.
// runCli exits once stdout and stderr are flushed: output through a pipe arrives whole.
import { fileURLToPath } from 'node:url';
import { buildFreshness } from './build-stamp.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const build = buildFreshness(root);
let cli;
if (build.fresh) {
  cli = await import('../dist/src/cli.js');
} else {
  process.stderr.write(`onecode: ${build.reason}: running from the TypeScript sources (slow start; \`npm run build\` compiles them)\n`);
  const { register } = await import('tsx/esm/api');
  register();
  cli = await import('../src/cli.ts');
}
await cli.runCli(process.argv.slice(2));
