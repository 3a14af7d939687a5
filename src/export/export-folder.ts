/**
 * Where an export is written, and how it replaces the previous one: never half-written.
 *
 * Every file is written into a new folder beside the target, `<target>.partial-<pid>-<random>`
 * (same parent, so the same file system), the manifest last. Only then, once every file and folder
 * in it is fsynced, is it renamed to the target (rename(2): atomic), and the parent fsynced. When the target holds an earlier export and `--overwrite` was given, that
 * export is first renamed aside (`<target>.replaced-<pid>-<random>`), the new one renamed into
 * place, and the old one deleted: a reader opening the target sees the old export whole or the new
 * one whole, or (for the instant between the two renames) no folder at all, never a mixture.
 * A crash before the rename leaves the target as it was and a `.partial-<pid>-<8 hex>` folder,
 * which the next export of that target deletes unless its process still runs (a folder of another
 * name, `<target>.partial-notes`, is someone's and stays); one between the two renames leaves the old export whole in its
 * `.replaced-…` folder.
 *
 * A target that exists and is not an onecode export (no manifest.json of {@link EXPORT_FORMAT}) is
 * never replaced, with or without `--overwrite`: an export must not delete a folder someone made.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '../errors.ts';

/** The manifest's `format`: what marks a folder as an onecode export. */
export const EXPORT_FORMAT = 'onecode.export.v1';

/** The manifest's file name, at the top of the export folder. */
export const MANIFEST_FILE = 'manifest.json';

/** Random bytes in the tag of a partial folder's name, after the process id. */
const TAG_BYTES = 4;

/** The tag of a partial folder's name, `<pid>-<8 hex>`: only folders of this shape are ever deleted. */
const PARTIAL_TAG = new RegExp(`^(\\d+)-[0-9a-f]{${TAG_BYTES * 2}}$`);

/** A folder being written, and how to put it in place. */
export interface PartialFolder {
  /** The folder the files are written into. */
  dir: string;
  /** Renames it to the target (replacing an earlier export). */
  publish(): Promise<void>;
  /** Deletes it (after a failure). */
  discard(): Promise<void>;
}

/** Whether a process `pid` lives (signal 0: nothing is sent). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** fsync(2) of a file or folder. */
async function syncPath(file: string): Promise<void> {
  const handle = await open(file, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** fsyncs every file and folder under `dir`, then `dir`: what is renamed into place is on disk, not only in the page cache. */
async function syncTree(dir: string): Promise<void> {
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) await syncPath(path.join(entry.parentPath, entry.name));
  await syncPath(dir);
}

/** Whether `dir` holds an onecode export (its manifest names {@link EXPORT_FORMAT}). */
async function isExport(dir: string): Promise<boolean> {
  try {
    const manifest = JSON.parse(await readFile(path.join(dir, MANIFEST_FILE), 'utf8')) as { format?: unknown };
    return manifest.format === EXPORT_FORMAT;
  } catch {
    return false;
  }
}

/**
 * Checks `target` and creates the folder an export of it is written into, after deleting what
 * crashed exports of the same target left (`<target>.partial-…`).
 * @throws ConfigError `export_target_exists` when the target exists and `overwrite` is not set, or
 *   when it exists and is not an onecode export; `export_target_invalid` when its parent is not a folder.
 */
export async function startExportFolder(target: string, overwrite: boolean): Promise<PartialFolder> {
  const parent = path.dirname(path.resolve(target));
  const base = path.basename(path.resolve(target));
  const exists = await stat(target).then((s) => s, () => undefined);
  if (exists !== undefined) {
    if (!exists.isDirectory() || !(await isExport(target))) {
      throw new ConfigError('export_target_exists', `${target}: exists and is not an onecode export (no ${MANIFEST_FILE} of ${EXPORT_FORMAT}); choose another --out`);
    }
    if (!overwrite) throw new ConfigError('export_target_exists', `${target}: holds an earlier export; pass --overwrite to replace it, or choose another --out`);
  }
  await mkdir(parent, { recursive: true }).catch((error: NodeJS.ErrnoException) => {
    throw new ConfigError('export_target_invalid', `${parent}: cannot create the folder of --out (${error.code ?? 'error'})`);
  });
  for (const name of await readdir(parent)) {
    // only a name this module gives (pid and random tag): `<out>.partial-notes` is someone's folder
    const tagged = name.startsWith(`${base}.partial-`) ? PARTIAL_TAG.exec(name.slice(base.length + '.partial-'.length)) : null;
    if (tagged === null) continue;
    const pid = Number(tagged[1]);
    if (pid !== process.pid && isAlive(pid)) continue; // an export still being written
    await rm(path.join(parent, name), { recursive: true, force: true });
  }
  const tag = `${process.pid}-${randomBytes(TAG_BYTES).toString('hex')}`;
  const dir = path.join(parent, `${base}.partial-${tag}`);
  await mkdir(dir);
  return {
    dir,
    async publish() {
      // a power cut after the rename must not leave a folder of empty files under a whole manifest
      await syncTree(dir);
      const old = path.join(parent, `${base}.replaced-${tag}`);
      const replacing = await stat(target).then(() => true, () => false);
      if (replacing) await rename(target, old);
      await rename(dir, target);
      await syncPath(parent);
      if (replacing) await rm(old, { recursive: true, force: true });
    },
    discard: () => rm(dir, { recursive: true, force: true }),
  };
}
