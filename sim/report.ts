/** The human-readable `relaykit sim` report. */
import { formatBytes } from './payload.ts';
import type { SimReport } from './run.ts';

function percent(p: number): string {
  return `${Math.round(p * 1000) / 10} %`;
}

/** Two aligned columns, one row a line. */
export function table(rows: [string, string][]): string {
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`).join('\n');
}

export function formatReport(report: SimReport): string {
  const s = report.settings;
  const resets = Object.entries(report.resets);
  const rows: [string, string][] = [
    [
      'faults',
      `drop ${percent(s.drop)}, dup ${percent(s.dup)}, reorder ${percent(s.reorder)}, delay ${s.delayMs} ms, ` +
        `kill every ${s.killEverySec || '–'} s, deploy every ${s.deployEverySec || '–'} s`,
    ],
    ['streams', `${s.streams} × ${formatBytes(s.bytes)}, seed ${s.seed}`],
    ['elapsed', `${(report.elapsedMs / 1000).toFixed(2)} s`],
    ['goodput', `${formatBytes(report.goodputBytesPerSec)}/s`],
    [
      'retransmissions',
      `executor ${report.retransmissions.executor} of ${report.dataFrames.executor} data frames, ` +
        `harness ${report.retransmissions.harness} of ${report.dataFrames.harness}`,
    ],
    ['resets', resets.length === 0 ? '0' : resets.map(([reason, n]) => `${reason} ${n}`).join(', ')],
    [
      'injected',
      `dropped ${report.faults.dropped}, duplicated ${report.faults.duplicated}, reordered ${report.faults.reordered}, ` +
        `kills ${report.faults.kills}, deploys ${report.faults.deploys}` +
        (report.faults.refusedDeploys > 0 ? ` (${report.faults.refusedDeploys} evictions refused)` : ''),
    ],
    ['recoveries', String(report.recoveries)],
    [
      'time to recover',
      report.timeToRecoverMs.median === null
        ? '–'
        : `median ${report.timeToRecoverMs.median} ms, max ${report.timeToRecoverMs.max} ms`,
    ],
    ['lost bytes', String(report.lostBytes)],
    ['duplicated bytes', String(report.duplicatedBytes)],
    ['corrupted streams', String(report.corruptedStreams)],
    ['verdict', report.verdict === 'ok' ? 'ok' : 'FAIL'],
  ];
  const failures = report.streams
    .filter((r) => !r.exact || r.exitCode !== 0)
    .map(
      (r) =>
        `  stream ${r.stream}: ${r.bytes}/${r.expectedBytes} bytes, exit ${r.exitCode}${r.error ? `, ${r.error}` : ''}`,
    );
  return ['relaykit sim', table(rows), ...failures].join('\n');
}
