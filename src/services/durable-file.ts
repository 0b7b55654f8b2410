/**
 * Writing files so that what was written survives a crash or a power loss: the store file is
 * written to a temp file beside it, fsynced, renamed over the old one, and the folder is fsynced
 * (so the rename itself is on disk); archive lines are appended and fsynced. Every file is mode
 * 0600: the store and its archive hold Secret IDs and encrypted Secret Keys.
 *
 * The store takes these operations as a dependency, so a test can make them fail as a full disk
 * would (ENOSPC) without filling one.
 */
import { open, readFile, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Adapter } from 'lowdb';

export interface DurableFiles {
  /** Replaces `file` with `text` atomically and durably; on failure the old file is left as it was. */
  replace(file: string, text: string): Promise<void>;
  /** Appends `text` to `file` (created 0600 if absent) and fsyncs it. */
  append(file: string, text: string): Promise<void>;
  /** Cuts `file` back to its first `size` bytes (what a failed append left after them) and fsyncs it. */
  truncate(file: string, size: number): Promise<void>;
}

/** fsync of a folder: makes a rename or a new file in it durable (a no-op where folders cannot be fsynced). */
async function syncFolder(folder: string): Promise<void> {
  let handle;
  try {
    handle = await open(folder, 'r');
    await handle.sync();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EINVAL' && code !== 'EPERM') throw error;
  } finally {
    await handle?.close();
  }
}

export function nodeDurableFiles(): DurableFiles {
  let written = 0;
  return {
    async replace(file, text) {
      written += 1;
      const temp = `${file}.${process.pid}.${written}.tmp`;
      try {
        const handle = await open(temp, 'w', 0o600);
        try {
          await handle.writeFile(text, 'utf8');
          await handle.sync();
        } finally {
          await handle.close();
        }
        await rename(temp, file);
      } catch (error) {
        await unlink(temp).catch(() => undefined);
        throw error;
      }
      await syncFolder(path.dirname(file));
    },
    async append(file, text) {
      const handle = await open(file, 'a', 0o600);
      let created;
      try {
        created = (await handle.stat()).size === 0;
        await handle.appendFile(text, 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
      // Only a new file needs its folder entry made durable.
      if (created) await syncFolder(path.dirname(file));
    },
    async truncate(file, size) {
      const handle = await open(file, 'r+');
      try {
        await handle.truncate(size);
        await handle.sync();
      } finally {
        await handle.close();
      }
    },
  };
}

/** How a DurableJsonFile turns its file's bytes into data, and data into the file's text. */
export interface JsonFormat<T> {
  /** The data in the file's original bytes (it may refuse them, or migrate and back them up). */
  parse(bytes: Buffer): Promise<T>;
  stringify(data: T): string;
}

/**
 * A lowdb adapter over a JSON file written through DurableFiles: `write` resolves once the file is
 * replaced durably (and rejects, leaving the old file, when it cannot be); `read` gives null for an
 * absent file.
 */
export class DurableJsonFile<T> implements Adapter<T> {
  constructor(
    readonly file: string,
    private readonly files: DurableFiles,
    private readonly format: JsonFormat<T>,
  ) {}

  async read(): Promise<T | null> {
    let bytes;
    try {
      bytes = await readFile(this.file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    return this.format.parse(bytes);
  }

  write(data: T): Promise<void> {
    return this.files.replace(this.file, this.format.stringify(data));
  }
}
