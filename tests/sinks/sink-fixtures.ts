/**
 * Test fixtures for sinks: an outbox with sink state in a temporary DuckDB file (events from
 * tests/push/outbox-fixtures.ts), a sink file, a child process that delivers and is killed with
 * SIGKILL mid-delivery (tests/support/process-group.ts, as tests/push/relay.test.ts does with a
 * push), and a drop folder read as a collector reads it.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parse as parseCsv } from 'csv-parse/sync';
import { expect } from 'vitest';
import type { BatchManifest } from '../../src/sinks/file-sink.ts';
import { SINK_SENT_DDL } from '../../src/sinks/sink-sent.ts';
import { SINK_STATE_DDL } from '../../src/sinks/sink-state.ts';
import { openOutbox, type TestOutbox } from '../push/outbox-fixtures.ts';
import { spawnGroup } from '../support/process-group.ts';

export const REPO = fileURLToPath(new URL('../..', import.meta.url));

/** An outbox and the sinks' state tables in a DuckDB file of its own. */
export async function openSinkOutbox(file?: string): Promise<TestOutbox> {
  const outbox = await openOutbox(file);
  await outbox.connection.run(SINK_STATE_DDL);
  await outbox.connection.run(SINK_SENT_DDL);
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
  const { child, exited, kill: killGroup, gone } = spawnGroup('tests/sinks/deliver-child.ts', [options.dbFile, options.sinkFile], options.env);
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
  await gone();
  if (deliveredAtKill < 0) throw new Error('the child ended without delivering (see its stderr)');
  return { deliveredAtKill, signal };
}

/** The batches of a drop folder as a collector sees them: manifests (in name order), their files checked, and every row, by seq. */
export async function collect(folder: string, format: 'ndjson' | 'csv'): Promise<{ manifests: BatchManifest[]; rows: { seq: string; event_id: string; operation: string; code: string; entity: string; batch_id: string }[]; visible: string[] }> {
  const visible = (await readdir(folder)).filter((f) => !f.startsWith('.'));
  const manifests: BatchManifest[] = [];
  const rows: { seq: string; event_id: string; operation: string; code: string; entity: string; batch_id: string }[] = [];
  for (const name of visible.filter((f) => f.endsWith('.manifest.json')).sort()) {
    const manifest = JSON.parse(await readFile(path.join(folder, name), 'utf8')) as BatchManifest;
    manifests.push(manifest);
    let inFiles = 0;
    for (const f of manifest.files) {
      const bytes = await readFile(path.join(folder, f.name));
      expect(bytes.length, f.name).toBe(f.bytes);
      expect(createHash('sm3').update(bytes).digest('hex'), f.name).toBe(f.sm3);
      const text = bytes.toString('utf8');
      const parsed = format === 'csv'
        ? (parseCsv(text, { columns: true }) as Record<string, string>[])
        : text.split('\n').filter((l) => l !== '').map((l) => { const o = JSON.parse(l) as Record<string, unknown>; return { ...o, seq: String(o.seq) } as Record<string, string>; });
      expect(parsed.length, f.name).toBe(f.rows);
      inFiles += parsed.length;
      for (const r of parsed) {
        expect(r.batch_id).toBe(manifest.batch_id);
        // A batch of re-queued events carries seqs below its position (seq_from = seq_to).
        if (manifest.requeued !== true) expect(BigInt(r.seq!)).toBeGreaterThanOrEqual(BigInt(manifest.seq_from));
        expect(BigInt(r.seq!)).toBeLessThanOrEqual(BigInt(manifest.seq_to));
        rows.push({ seq: r.seq!, event_id: r.event_id!, operation: r.operation!, code: r.code!, entity: r.entity!, batch_id: r.batch_id! });
      }
    }
    expect(inFiles).toBe(manifest.counts.rows);
    expect(manifest.counts.I + manifest.counts.U + manifest.counts.D).toBe(manifest.counts.rows);
  }
  return { manifests, rows: rows.sort((a, b) => Number(a.seq) - Number(b.seq)), visible };
}
