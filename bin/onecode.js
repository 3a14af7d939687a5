#!/usr/bin/env node
// Runs the TypeScript CLI through tsx's ESM loader (Node 20 has no built-in type stripping).
// runCli exits once stdout and stderr are flushed: output through a pipe arrives whole.
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('../src/cli.ts');
await runCli(process.argv.slice(2));
