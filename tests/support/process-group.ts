/**
 * A child process in a process group of its own, for the kill -9 tests of the Kafka relay and the
 * sinks: `npx tsx script` starts npx, which starts tsx, which starts node; SIGKILL sent to the
 * group reaches the node process that works, not only npx.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

/** A child running `npx tsx <script> <args…>` from the repository, its stdout piped, stderr inherited. */
export interface GroupChild {
  child: ChildProcess;
  /** Resolves with the exit code and signal of npx. */
  exited: Promise<[number | null, NodeJS.Signals | null]>;
  /** Sends SIGKILL to every process of the group (nothing when they are gone). */
  kill(): void;
  /** Resolves when no process of the group is left (the killed process released its DuckDB file lock). */
  gone(): Promise<void>;
}

/** Starts `npx tsx <script> <args…>` in a process group of its own. */
export function spawnGroup(script: string, args: readonly string[], env?: NodeJS.ProcessEnv): GroupChild {
  const child = spawn('npx', ['tsx', script, ...args], { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env }, detached: true });
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  return {
    child,
    exited,
    kill: () => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    },
    gone: async () => {
      for (let i = 0; i < 100; i++) {
        try {
          process.kill(-child.pid!, 0);
        } catch {
          return;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`processes of group ${child.pid} still alive after SIGKILL`);
    },
  };
}
