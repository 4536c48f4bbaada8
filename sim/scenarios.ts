/** The knobs of one `relaykit sim` run and the named presets. */
import { SECURE_PROFILE, type SecurityProfile } from '../proto/secure-relay.ts';

export interface SimSettings {
  /** Per-frame probabilities on both directions of every socket. */
  drop: number;
  dup: number;
  reorder: number;
  /** Added to every frame on both directions (ms). */
  delayMs: number;
  /** Kill every socket (clean or abrupt, seeded) this often; 0 = never. */
  killEverySec: number;
  /** Evict the Durable Object (and drop every socket, as a deploy does) this often; 0 = never. */
  deployEverySec: number;
  /** Concurrent harness streams, one socket each. */
  streams: number;
  /** Output bytes per stream. */
  bytes: number;
  seed: number;
  /** How the executor serves the streams (the harnesses insist on the same). */
  securityProfile: SecurityProfile;
}

export const DEFAULT_SETTINGS: SimSettings = {
  drop: 0,
  dup: 0,
  reorder: 0,
  delayMs: 0,
  killEverySec: 0,
  deployEverySec: 0,
  streams: 2,
  bytes: 4 * 1024 * 1024,
  seed: 1,
  securityProfile: SECURE_PROFILE,
};

export const SCENARIOS: Record<string, { description: string; settings: Partial<SimSettings> }> = {
  clean: { description: 'no faults: the baseline', settings: {} },
  lossy: {
    description: '5 % drop, duplication and reordering on both legs',
    settings: { drop: 0.05, dup: 0.05, reorder: 0.05 },
  },
  harsh: {
    description: '20 % drop, duplication and reordering on both legs',
    settings: { drop: 0.2, dup: 0.2, reorder: 0.2, bytes: 1024 * 1024 },
  },
  kills: {
    description: 'every socket killed (clean or abrupt) every 250 ms',
    settings: { killEverySec: 0.25, bytes: 16 * 1024 * 1024 },
  },
  deploy: {
    description: 'a deploy every 400 ms: Durable Object evicted, every socket dropped',
    settings: { deployEverySec: 0.4, bytes: 16 * 1024 * 1024 },
  },
  slow: { description: '40 ms added to every frame', settings: { delayMs: 40, bytes: 1024 * 1024 } },
};
