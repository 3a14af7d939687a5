/**
 * Test fixtures for sinks: an outbox with sink state in a temporary DuckDB file (events from
 * tests/push/outbox-fixtures.ts), a sink file, a child process that delivers and is killed with
 * SIGKILL mid-delivery, as tests/push/relay.test.ts does with a push.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { SINK_STATE_DDL } from '../../src/sinks/sink-state.ts';
import { openOutbox, type TestOutbox } from '../push/outbox-fixtures.ts';

export const REPO = fileURLToPath(new URL('../..', import.meta.url));

/** An outbox and the sinks' state tables in a DuckDB file of its own. */
export async function openSinkOutbox(file?: string): Promise<TestOutbox> {
  const outbox = await openOutbox(file);
  await outbox.connection.run(SINK_STATE_DDL);
  return outbox;
}

/** Writes a sink file `<dir>/<name>.yaml` from a mapping (values as JSON, which is YAML). */
export async function writeSinkFile(dir: string, name: string, fields: Record<string, unknown>): Promise<string> {
  const file = path.join(dir, `${name}.yaml`);
  await writeFile(file, Object.entries(fields).map(([k, v]) => `${k}: ${JSON.stringify(v)}`).join('\n') + '\n');
  return file;
}

/**
 * Delivers to the sink of `sinkFile` in a child process and kills its process group with SIGKILL
 * once at least `killAfter` rows are delivered, a random 0-100 ms later (reading, writing, or
 * between the target's commit and the index's). Resolves when every process of the group is gone.
 * @throws when the child finished before it could be killed (raise the event count).
 */
export async function deliverAndKill(options: { dbFile: string; sinkFile: string; killAfter: number; env?: NodeJS.ProcessEnv }): Promise<{ deliveredAtKill: number; signal: string | null }> {
  const child = spawn('npx', ['tsx', 'tests/sinks/deliver-child.ts', options.dbFile, options.sinkFile], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...options.env },
    // Its own process group: npx and tsx each start a child, and kill -9 must reach the node process.
    detached: true,
  });
  const killGroup = (): void => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  const exited = once(child, 'exit');
  let deliveredAtKill = -1;
  try {
    for await (const line of createInterface({ input: child.stdout! })) {
      const progress = JSON.parse(line) as { delivered?: number; done?: boolean };
      if (progress.done) throw new Error('the child delivered everything before it could be killed; raise the event count');
      if ((progress.delivered ?? 0) >= options.killAfter) {
        deliveredAtKill = progress.delivered!;
        await new Promise((r) => setTimeout(r, Math.random() * 100));
        killGroup();
        break;
      }
    }
  } finally {
    killGroup();
  }
  const [, signal] = (await exited) as [number | null, string | null];
  await waitUntilGroupGone(child.pid!);
  if (deliveredAtKill < 0) throw new Error('the child ended without delivering (see its stderr)');
  return { deliveredAtKill, signal };
}

async function waitUntilGroupGone(pgid: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      process.kill(-pgid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`processes of group ${pgid} still alive after SIGKILL`);
}
