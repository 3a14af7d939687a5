/**
 * How the CLI process ends, so that its output arrives whole.
 *
 * Node writes to a pipe asynchronously: `process.exit()` right after a large `write` cuts the
 * output at what the pipe had taken (64 KiB on Linux). The CLI therefore waits until stdout and
 * stderr have handed everything to the operating system before it exits.
 *
 * A reader that closes the pipe early (`onecode query … | head`) makes the next write fail with
 * EPIPE. That is the reader saying it wants no more: the process ends at once and quietly (no stack
 * trace) with the exit code it had so far (0 unless a run had already failed), as the sample
 * commands in a shell pipeline expect. An EPIPE on stderr only discards what is written there.
 */

/** Installs the EPIPE handling described above. Call once, before anything is written. */
export function endQuietlyWhenOutputCloses(): void {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED') process.exit(currentExitCode());
    throw error;
  });
  process.stderr.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED') return;
    throw error;
  });
}

/** Exits with `code` once everything written to stdout and stderr has left the process. */
export async function exitWhenFlushed(code: number): Promise<never> {
  await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  process.exit(code);
}

/** Resolves when every write queued on `stream` before the call has completed (or failed). */
function flushed(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    if (stream.destroyed || stream.writableEnded) return resolve();
    // Writes complete in order: the callback of an empty write comes after all earlier ones.
    stream.write('', () => resolve());
  });
}

function currentExitCode(): number {
  return typeof process.exitCode === 'number' ? process.exitCode : 0;
}
