import { spawn } from 'node:child_process';
import path from 'node:path';
import { REPO } from './workspace.ts';

/** Runs `bin/onecode.js` as a user would; resolves with exit code, stdout and stderr. */
export function onecode(args: string[], options: { cwd?: string; env?: Record<string, string>; input?: string } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(REPO, 'bin/onecode.js'), ...args], {
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
