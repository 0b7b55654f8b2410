import { readdir, readFile } from 'node:fs/promises';

/** Whether any process of the group `pgid` is still alive. */
export const groupAlive = (pgid: number): boolean => {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * The processes of group `pgid` that are still running (`pid state command`), read from /proc. An
 * exited process whose parent died stays a zombie until the machine's init reaps it, which some CI
 * containers' init never does; it has exited and holds no port, so it does not count.
 */
export const runningInGroup = async (pgid: number): Promise<string[]> => {
  const running: string[] = [];
  for (const pid of (await readdir('/proc')).filter((name) => /^\d+$/.test(name))) {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(pgrp) === pgid && state !== 'Z' && state !== 'X') {
      const command = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
      running.push(`${pid} ${state} ${command.replaceAll('\0', ' ').trim()}`);
    }
  }
  return running;
};

/** The group's processes still running after up to a second (a process may take a moment to exit). */
export const leftRunning = async (pgid: number): Promise<string[]> => {
  const deadline = Date.now() + 1_000;
  let running = await runningInGroup(pgid);
  while (running.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    running = await runningInGroup(pgid);
  }
  return running;
};

/** Resident set size of a process (VmRSS from /proc), in bytes. */
export const rssOf = async (pid: number): Promise<number> => {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1];
  if (kib === undefined) throw new Error(`no VmRSS for process ${pid}`);
  return Number(kib) * 1024;
};
