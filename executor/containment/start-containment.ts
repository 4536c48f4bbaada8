import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { CgroupContainment, reapCgroup } from './cgroup-containment.ts';
import { GroupContainment } from './group-containment.ts';
import { type InstanceRecord, InstanceRecords, orphanedRecords } from './instance-records.ts';
import { markedPids } from './marker-scan.ts';
import { signalPid, startTimeOf } from './proc-info.ts';
import type { Containment, ContainmentMode } from './process-tree.ts';

export interface ContainmentOptions {
  /** `auto` (the default): a cgroup per process where the executor may create cgroups, else process groups. */
  mode?: 'auto' | ContainmentMode;
  /** Where executors record what they started; null records nothing and reaps nothing. */
  stateDirectory: string | null;
  logger: Logger;
}

/** Ends whatever the executor of `record` (no longer running) left; returns how many processes were signalled. */
async function reap(record: InstanceRecord): Promise<number> {
  let killed = 0;
  if (record.cgroup?.includes('/relaykit/')) killed += await reapCgroup(record.cgroup);
  if (record.marker) {
    for (const pid of [...(await markedPids(record.marker)).values()].flat()) {
      signalPid(pid, 'SIGKILL');
      killed++;
    }
  }
  for (const group of record.groups ?? []) {
    if ((await startTimeOf(group.pgid)) !== group.startTime) continue;
    signalPid(-group.pgid, 'SIGKILL');
    killed++;
  }
  return killed;
}

async function reapOrphans(directory: string, logger: Logger): Promise<void> {
  for (const { record, file, remove } of await orphanedRecords(directory)) {
    const killed = await reap(record);
    await remove();
    logger.warn(
      { pid: record.pid, mode: record.mode, record: file, killed },
      'ended what a stopped executor left',
    );
  }
}

/**
 * Sets up process containment for one executor: reaps what stopped
 * executors left (their records in the state directory), picks the mode,
 * records this executor's own, and says once which mode is active and why.
 */
export async function startContainment(options: ContainmentOptions): Promise<Containment> {
  const { logger, stateDirectory } = options;
  const mode = options.mode ?? 'auto';
  const instance = randomUUID();
  let records: InstanceRecords | null = null;
  if (stateDirectory !== null) {
    try {
      records = await InstanceRecords.open(stateDirectory, instance);
      await reapOrphans(stateDirectory, logger);
    } catch (err) {
      logger.warn(
        { stateDirectory, err: (err as Error).message },
        'no state directory: processes left by a killed executor will not be reaped',
      );
    }
  }
  const base = { pid: process.pid, startTime: (await startTimeOf(process.pid)) ?? '' };
  let containment: Containment | undefined;
  let fallbackReason: string | undefined;
  if (mode !== 'process-group') {
    const cgroups = CgroupContainment.create(instance);
    if (typeof cgroups === 'string') fallbackReason = cgroups;
    else {
      containment = cgroups;
      await records?.write({ ...base, mode: 'cgroup', cgroup: cgroups.directory });
    }
    if (mode === 'cgroup' && containment === undefined) {
      throw new Error(`cgroup containment is unavailable: ${fallbackReason}`);
    }
  }
  if (containment === undefined) {
    const groups: GroupContainment = new GroupContainment(instance, async (recorded) => {
      await records?.write({ ...base, mode: 'process-group', marker: groups.marker, groups: recorded });
    });
    containment = groups;
    await records?.write({ ...base, mode: 'process-group', marker: groups.marker, groups: [] });
  }
  if (fallbackReason === undefined) logger.info({ containment: containment.mode }, 'process containment');
  else logger.warn({ containment: containment.mode, reason: fallbackReason }, 'process containment');
  const contained = containment;
  return {
    mode: contained.mode,
    newTree: () => contained.newTree(),
    close: async () => {
      await contained.close();
      await records?.remove();
    },
  };
}
