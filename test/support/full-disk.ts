import { nodeDurableFiles, type DurableFiles } from '../../src/services/durable-file.js';

/** The store's real file writes, except while `full` is set: then each fails as a full disk does (ENOSPC). */
export interface FullDisk extends DurableFiles {
  full: boolean;
  /** Writes refused while full. */
  refused: number;
}

export function fullDisk(): FullDisk {
  const real = nodeDurableFiles();
  const refuse = (file: string) => Object.assign(new Error(`ENOSPC: no space left on device, write '${file}'`), { code: 'ENOSPC' });
  const disk: FullDisk = {
    full: false,
    refused: 0,
    async replace(file, text) {
      if (disk.full) {
        disk.refused += 1;
        throw refuse(file);
      }
      return real.replace(file, text);
    },
    async append(file, text) {
      if (disk.full) {
        disk.refused += 1;
        throw refuse(file);
      }
      return real.append(file, text);
    },
    // Cutting a file shorter needs no space: it works on a full disk too.
    truncate: (file, size) => real.truncate(file, size),
  };
  return disk;
}
