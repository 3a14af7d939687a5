/**
 * Where an export is written, and how it replaces the previous one: never half-written.
 *
 * Every file is written into a new folder beside the target, `<target>.partial-<pid>-<random>`
 * (same parent, so the same file system), the manifest last. Only then is it renamed to the target
 * (rename(2): atomic). When the target holds an earlier export and `--overwrite` was given, that
 * export is first renamed aside (`<target>.replaced-<pid>-<random>`), the new one renamed into
 * place, and the old one deleted: a reader opening the target sees the old export whole or the new
 * one whole, or (for the instant between the two renames) no folder at all, never a mixture.
 * A crash before the rename leaves the target as it was and a `.partial-…` folder, which the next
 * export of that target deletes unless its process still runs; one between the two renames leaves the old export whole in its
 * `.replaced-…` folder.
 *
 * A target that exists and is not an onecode export (no manifest.json of {@link EXPORT_FORMAT}) is
 * never replaced, with or without `--overwrite`: an export must not delete a folder someone made.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '../errors.ts';

/** The manifest's `format`: what marks a folder as an onecode export. */
export const EXPORT_FORMAT = 'onecode.export.v1';

/** The manifest's file name, at the top of the export folder. */
export const MANIFEST_FILE = 'manifest.json';

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
    if (!name.startsWith(`${base}.partial-`)) continue;
    const pid = Number(/^(\d+)-/.exec(name.slice(base.length + '.partial-'.length))?.[1]);
    if (Number.isInteger(pid) && pid !== process.pid && isAlive(pid)) continue; // an export still being written
    await rm(path.join(parent, name), { recursive: true, force: true });
  }
  const tag = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const dir = path.join(parent, `${base}.partial-${tag}`);
  await mkdir(dir);
  return {
    dir,
    async publish() {
      const old = path.join(parent, `${base}.replaced-${tag}`);
      const replacing = await stat(target).then(() => true, () => false);
      if (replacing) await rename(target, old);
      await rename(dir, target);
      if (replacing) await rm(old, { recursive: true, force: true });
    },
    discard: () => rm(dir, { recursive: true, force: true }),
  };
}
