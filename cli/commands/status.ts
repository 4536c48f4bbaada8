/**
 * `relaykit status`: the rendezvous' view of one executor (sockets, streams,
 * frames and bytes routed, drops by reason, object starts) from
 * `GET /cloud/executor/{id}/stats`, as a table or as the raw JSON answer.
 */
import { Command } from 'commander';
import { decodeJwt } from 'jose';
import {
  type RegistryRole,
  type RelayStats,
  RendezvousError,
  RendezvousRejectedError,
  requestRelayStats,
} from '../../registry/index.ts';
import { formatBytes } from '../../sim/payload.ts';
import { table } from '../../sim/report.ts';
import { CliError } from '../errors.ts';

interface StatusFlags {
  registry?: string;
  executorId?: string;
  token?: string;
  json?: boolean;
}

/** The role a token claims, for error messages only (the rendezvous verifies it). */
function roleOf(token: string): RegistryRole {
  try {
    return decodeJwt(token).role === 'executor' ? 'executor' : 'harness';
  } catch {
    return 'harness';
  }
}

function both(counts: RelayStats['frames'], format: (n: number) => string): string {
  return `harness → executor ${format(counts.harness_to_executor)}, executor → harness ${format(counts.executor_to_harness)}`;
}

function formatStatus(stats: RelayStats, registryUrl: string): string {
  const drops = Object.entries(stats.drops).sort(([, a], [, b]) => b - a);
  const count = (n: number) => n.toLocaleString('en-US');
  const rows: [string, string][] = [
    [
      'executor socket',
      stats.sockets.executor === 1
        ? `connected (instance ${stats.executor_instance})`
        : 'not connected (frames for it are dropped until it reconnects)',
    ],
    ['harness sockets', String(stats.sockets.harness)],
    ['streams', `${stats.streams} claimed by a harness`],
    ['frames', both(stats.frames, count)],
    ['bytes', both(stats.bytes, formatBytes)],
    ['drops', drops.length === 0 ? 'none' : drops.map(([reason, n]) => `${reason} ${count(n)}`).join(', ')],
    ['object starts', `${stats.object_starts} (the first, then one per wake-up after eviction or deploy)`],
  ];
  return [`relaykit status: executor ${stats.executor_id} at ${registryUrl}`, table(rows)].join('\n');
}

export function statusCommand(): Command {
  return new Command('status')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .option('--registry <url>', 'rendezvous base URL')
    .option('--executor-id <id>', 'the executor to report on')
    .option(
      '--token <token>',
      'harness or executor token (default: $RELAYKIT_HARNESS_TOKEN, then $RELAYKIT_EXECUTOR_TOKEN)',
    )
    .option('--json', 'print the rendezvous’ answer as JSON')
    .action(async (flags: StatusFlags) => {
      if (flags.registry === undefined) throw new CliError('--registry URL is required', 2);
      if (flags.executorId === undefined) throw new CliError('--executor-id ID is required', 2);
      const token = flags.token || process.env.RELAYKIT_HARNESS_TOKEN || process.env.RELAYKIT_EXECUTOR_TOKEN;
      if (!token) {
        throw new CliError(
          'a token is required: --token, RELAYKIT_HARNESS_TOKEN or RELAYKIT_EXECUTOR_TOKEN',
          2,
        );
      }
      const target = { registryUrl: flags.registry, executorId: flags.executorId, token };
      const stats = await requestRelayStats(target, roleOf(token)).catch((err: unknown) => {
        if (err instanceof RendezvousRejectedError || err instanceof RendezvousError)
          throw new CliError(err.message);
        throw err;
      });
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(stats, null, 2)}\n`);
        return;
      }
      if (stats.executor_instance === null) {
        throw new CliError(
          `unknown executor ${flags.executorId}: it has never registered with ${flags.registry}`,
        );
      }
      process.stdout.write(`${formatStatus(stats, flags.registry)}\n`);
    });
}
