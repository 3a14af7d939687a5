/**
 * The file sink: each batch as NDJSON or CSV files (one per entity) and a manifest, written into a
 * drop folder for platforms that collect files (docs/sinks.md, "Files and manifests").
 *
 * Names, in the drop folder (seqs zero-padded to 20 digits, so names sort in delivery order):
 * - `<sink>_<from>-<to>_<entity>.ndjson` (or `.csv`): the rows of one entity;
 * - `<sink>_<from>-<to>.manifest.json`: batch id, seq range, counts, and the name, rows, bytes and
 *   SM3 (GB/T 32905-2016) of each file. The manifest is the batch's commit: a collector takes a
 *   batch by its manifest, never a data file without one.
 *
 * Atomic: every file is written under a hidden temporary name (`.<name>.tmp`), fsynced, renamed to
 * its name; the manifest last; then the folder is fsynced. A crash leaves no partial file under a
 * visible name: at worst hidden temporaries and data files of a batch without its manifest, which
 * the next write removes (their seqs are above the position) before writing that range again.
 * The folder vouches for the highest `seq_to` among the manifests it still holds; the index's
 * position is never moved back by it (a collector removes what it took).
 *
 * A batch of re-queued events (sink.ts, `requeued`) is named `<sink>_<P>-<P><batch id>…` (`r<first>-<last>-<hash>`) with P
 * the position, so that it sorts after the batches before it and before the next one; its
 * manifest says `requeued: true` and `seq_from` = `seq_to` = P (the rows carry their own seqs).
 * Its manifest still in the folder means the batch was written (a crash before the index recorded
 * it): it is not written twice.
 *
 * A folder does not refuse an event it holds already (a collector removes what it took), so the
 * delivery keeps the event ids it sent in the index and never hands it one twice (`takesEventIdOnce`
 * false; src/sinks/sink-sent.ts): an event Kafka's parking moved to a new seq is not written again.
 */
import { createHash, randomUUID } from 'node:crypto';
import { open, readdir, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { stringify as csvStringify } from 'csv-stringify/sync';
import type { Sink, SinkBatch, SinkRow } from './sink.ts';
import { SinkError } from './sink.ts';

/** The manifest's `schema`. */
export const MANIFEST_SCHEMA = 'onecode.sink.batch.v1';

/** Columns of a CSV file and keys of an NDJSON line, in order. */
export const FILE_COLUMNS = ['seq', 'event_id', 'operation', 'batch_id', 'entity', 'record_key', 'code', 'resource_code', 'provider_code', 'record', 'digest'] as const;

/** A batch's manifest (docs/sinks.md). */
export interface BatchManifest {
  schema: typeof MANIFEST_SCHEMA;
  sink: string;
  batch_id: string;
  /** First and last outbox seq of the range the batch covers (parked events of the range are not in it). */
  seq_from: number;
  seq_to: number;
  format: 'ndjson' | 'csv';
  /** Rows in all files, and by operation. */
  counts: { rows: number; I: number; U: number; D: number };
  files: { name: string; entity: string; rows: number; bytes: number; sm3: string }[];
  /** When the batch was written, ISO 8601 UTC. */
  created_at: string;
  /** Set on a batch of re-queued events, delivered again below the position. */
  requeued?: true;
}

const pad = (seq: bigint): string => seq.toString().padStart(20, '0');

/** Options of {@link createFileSink}. */
export interface FileSinkOptions {
  name: string;
  /** The drop folder (must exist). */
  folder: string;
  format: 'ndjson' | 'csv';
}

/** A file {@link Sink}. */
export function createFileSink(options: FileSinkOptions): Sink {
  const { name, folder, format } = options;
  const prefix = `${name}_`;
  const ofThisSink = /^(\d{20})-(\d{20})(?:r[a-z0-9-]+)?(?:_([a-z_]+)\.(?:ndjson|csv)|\.manifest\.json)$/;

  const fail = (code: string, doing: string, error: unknown, retriable = true): SinkError =>
    new SinkError(code, `file sink ${name}: ${doing} in ${folder} failed (${(error as NodeJS.ErrnoException).code ?? (error as Error).name})`, { retriable, cause: error });

  const list = async (): Promise<{ file: string; from: bigint; to: bigint; manifest: boolean }[]> => {
    let entries: string[];
    try {
      entries = await readdir(folder);
    } catch (error) {
      throw fail('TARGET_UNAVAILABLE', 'reading the drop folder', error);
    }
    return entries.flatMap((file) => {
      if (!file.startsWith(prefix)) return [];
      const m = ofThisSink.exec(file.slice(prefix.length));
      return m === null ? [] : [{ file, from: BigInt(m[1]!), to: BigInt(m[2]!), manifest: m[3] === undefined }];
    });
  };

  /** Writes `bytes` under a hidden temporary name, fsyncs, renames to `file`. */
  const writeAtomically = async (file: string, bytes: Buffer): Promise<void> => {
    const temporary = path.join(folder, `.${file}.${randomUUID().slice(0, 8)}.tmp`);
    const handle = await open(temporary, 'wx', 0o640);
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, path.join(folder, file));
  };

  /** The first seq a batch's names carry, and the names' common start. */
  const nameOf = (batch: Pick<SinkBatch, 'batchId' | 'afterSeq' | 'toSeq' | 'requeued'>): { from: bigint; base: string } => {
    const from = batch.requeued === true ? batch.afterSeq : batch.afterSeq + 1n;
    return { from, base: `${prefix}${pad(from)}-${pad(batch.toSeq)}${batch.requeued === true ? batch.batchId : ''}` };
  };

  const syncFolder = async (): Promise<void> => {
    const handle = await open(folder, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  };

  return {
    name,
    kind: 'file',
    takesEventIdOnce: false,
    async holdsBatch(batch) {
      const manifest = `${nameOf(batch).base}.manifest.json`;
      try {
        return (await readdir(folder)).includes(manifest);
      } catch (error) {
        throw fail('TARGET_UNAVAILABLE', 'reading the drop folder', error);
      }
    },
    async confirmedSeq() {
      let highest: bigint | undefined;
      for (const f of await list()) {
        if (!f.manifest) continue;
        try {
          const manifest = JSON.parse(await readFile(path.join(folder, f.file), 'utf8')) as BatchManifest;
          const to = BigInt(manifest.seq_to);
          if (highest === undefined || to > highest) highest = to;
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue; // collected meanwhile
          throw fail('TARGET_UNREADABLE', `reading manifest ${f.file}`, error, false);
        }
      }
      return highest;
    },
    async write(batch: SinkBatch) {
      try {
        // Leftovers of a write that stopped before its manifest: above the position, never delivered.
        for (const f of await list()) if (f.from > batch.afterSeq && !f.manifest) await rm(path.join(folder, f.file), { force: true });
        for (const entry of await readdir(folder)) if (entry.startsWith(`.${prefix}`) && entry.endsWith('.tmp')) await rm(path.join(folder, entry), { force: true });
        if (batch.rows.length === 0) return { written: 0 };

        const { from, base } = nameOf(batch);
        if (batch.requeued === true && (await readdir(folder)).includes(`${base}.manifest.json`)) return { written: 0 }; // written before a crash
        const files: BatchManifest['files'] = [];
        for (const entity of [...new Set(batch.rows.map((r) => r.entity))].sort()) {
          const rows = batch.rows.filter((r) => r.entity === entity);
          const bytes = Buffer.from(format === 'csv' ? csvText(rows, batch.batchId) : ndjsonText(rows, batch.batchId), 'utf8');
          const file = `${base}_${entity}.${format}`;
          await writeAtomically(file, bytes);
          files.push({ name: file, entity, rows: rows.length, bytes: bytes.length, sm3: createHash('sm3').update(bytes).digest('hex') });
        }
        const count = (op: SinkRow['operation']) => batch.rows.filter((r) => r.operation === op).length;
        const manifest: BatchManifest = {
          schema: MANIFEST_SCHEMA,
          sink: name,
          batch_id: batch.batchId,
          seq_from: Number(from),
          seq_to: Number(batch.toSeq),
          format,
          counts: { rows: batch.rows.length, I: count('I'), U: count('U'), D: count('D') },
          files,
          created_at: new Date().toISOString(),
          ...(batch.requeued === true ? { requeued: true as const } : {}),
        };
        await syncFolder();
        await writeAtomically(`${base}.manifest.json`, Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`, 'utf8'));
        await syncFolder();
        return { written: batch.rows.length };
      } catch (error) {
        if (error instanceof SinkError) throw error;
        throw fail('TARGET_WRITE_FAILED', `writing batch ${batch.batchId}`, error);
      }
    },
    close: async () => {},
  };
}

/** NDJSON lines: {@link FILE_COLUMNS} in order, `record` the state's JSON text as it is (numbers exact). */
function ndjsonText(rows: readonly SinkRow[], batchId: string): string {
  const s = JSON.stringify;
  return rows
    .map((r) => `{"seq":${r.seq},"event_id":${s(r.eventId)},"operation":${s(r.operation)},"batch_id":${s(batchId)},"entity":${s(r.entity)},"record_key":${s(r.recordKey)},"code":${s(r.code)},"resource_code":${s(r.resourceCode)},"provider_code":${s(r.providerCode)},"record":${r.record},"digest":${s(r.digest)}}\n`)
    .join('');
}

/** CSV (RFC 4180, UTF-8, LF, a header line): {@link FILE_COLUMNS}; `record` is the JSON text; a null code is an empty field. */
function csvText(rows: readonly SinkRow[], batchId: string): string {
  return csvStringify(
    rows.map((r) => [r.seq.toString(), r.eventId, r.operation, batchId, r.entity, r.recordKey, r.code, r.resourceCode ?? '', r.providerCode ?? '', r.record, r.digest]),
    { header: true, columns: [...FILE_COLUMNS], record_delimiter: 'unix' },
  );
}
