import { execFile } from 'node:child_process';
import { constants, createWriteStream } from 'node:fs';
import { mkdtemp, open, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

/**
 * A named pipe (FIFO) through which JavaScript hands decoded text to a reader (DuckDB's
 * `read_csv`), so that a GBK or GB18030 file is decoded as a stream and no decoded copy of the
 * source is ever written to disk (ARCHITECTURE.md "Personal data stays in its place"). The
 * pipe is made by `mkfifo -m 600` in a fresh folder of mode 0700 (mkdtemp) and removed with
 * it; a process killed meanwhile leaves an empty pipe behind, never data, and the next pipe
 * made removes it (the folder's name holds the pid of its process).
 */
const PREFIX = 'onecode-pipe-';

/** Removes the pipe folders of processes that no longer run (killed while staging). */
async function removeOrphans(): Promise<void> {
  const tmp = os.tmpdir();
  for (const entry of await readdir(tmp).catch(() => [] as string[])) {
    const pid = Number(/^onecode-pipe-(\d+)-/.exec(entry)?.[1]);
    if (!pid || pid === process.pid || alive(pid)) continue;
    await rm(path.join(tmp, entry), { recursive: true, force: true }).catch(() => undefined);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface DecodedPipe {
  /** Writes text; resolves when the pipe takes more. False once the reader is gone. */
  write(text: string): Promise<boolean>;
  /** Ends the text (the reader sees the end of its file), waits for the reader, removes the pipe; returns the reader's error. */
  close(): Promise<Error | undefined>;
}

/**
 * Makes a pipe, starts `startReader(path)` on it and opens it for writing. Returns undefined
 * where named pipes cannot be made (the caller then stages row by row).
 * However the reader ends (before opening the pipe, midway, or at the end), writes and `close`
 * return: a reader that failed before opening the pipe would leave the writer's open waiting,
 * so the read end is then opened here until the writer's open has returned.
 */
export async function openDecodedPipe(startReader: (path: string) => Promise<unknown>): Promise<DecodedPipe | undefined> {
  await removeOrphans();
  const dir = await mkdtemp(path.join(os.tmpdir(), `${PREFIX}${process.pid}-`));
  const fifo = path.join(dir, 'decoded.csv');
  try {
    await promisify(execFile)('mkfifo', ['-m', '600', fifo]);
  } catch {
    await rm(dir, { recursive: true, force: true });
    return undefined;
  }
  let failed = false;
  let opened = false;
  const reading = startReader(fifo).then(() => undefined, (error: unknown) => error as Error);
  // Opening a pipe for writing waits (in libuv's thread pool) until a reader opens it.
  const out = createWriteStream(fifo);
  const openSettled = new Promise<void>((resolve) => {
    out.once('open', () => {
      opened = true;
      resolve();
    });
    out.once('error', () => resolve());
    out.once('close', () => resolve());
  });
  out.on('error', () => (failed = true));
  const readerDone = reading.then(async (error) => {
    if (!opened && !out.closed) {
      const handle = await open(fifo, constants.O_RDONLY | constants.O_NONBLOCK).catch(() => undefined);
      await openSettled;
      await handle?.close();
    }
    return error;
  });
  return {
    async write(text) {
      if (failed || out.destroyed) return false;
      if (!out.write(text)) {
        await new Promise<void>((resolve) => {
          const done = () => {
            out.off('drain', done).off('error', done).off('close', done);
            resolve();
          };
          out.on('drain', done).on('error', done).on('close', done);
        });
      }
      return !failed && !out.destroyed;
    },
    async close() {
      if (!out.destroyed) out.end();
      const error = await readerDone;
      if (!out.closed) {
        await new Promise<void>((resolve) => {
          out.once('close', () => resolve());
          out.destroy();
        });
      }
      await rm(dir, { recursive: true, force: true });
      return error;
    },
  };
}
