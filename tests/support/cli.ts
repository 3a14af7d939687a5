import { spawn } from 'node:child_process';
import path from 'node:path';
import { REPO } from './workspace.ts';

/** What a child process did: its exit code (-1 when killed by a signal), stdout and stderr. */
export interface Ran { code: number; stdout: string; stderr: string }

/**
 * Runs `node ARGS` (this test process's Node) in `cwd` (default: the repository) with CI=true
 * and `env` added, writing `input` to its stdin (or closing it); resolves when it exits.
 */
export function runNode(args: string[], options: { cwd?: string; env?: Record<string, string>; input?: string } = {}): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: options.cwd ?? REPO,
      env: { ...process.env, CI: 'true', ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

/** Runs `bin/onecode.js` as a user would; resolves with exit code, stdout and stderr. */
export function onecode(args: string[], options: { cwd?: string; env?: Record<string, string>; input?: string } = {}): Promise<Ran> {
  return runNode([path.join(REPO, 'bin/onecode.js'), ...args], options);
}
