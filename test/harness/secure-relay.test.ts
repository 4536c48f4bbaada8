/**
 * Who may use a secure executor, through the real rendezvous (worker under
 * Miniflare) and real executor processes: harness keys checked by the
 * executor itself (a trust anchor, a file of allowed keys) so that the
 * rendezvous' own authorizations count for nothing, and the harness's own
 * policy (secure only, a pinned executor key).
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connect,
  type HarnessClient,
  HarnessConnectError,
  type RelayConnectOptions,
  RelaySecurityError,
} from '../../harness/index.ts';
import {
  formatTrustAnchor,
  StaticIdentity,
  saveKeyFile,
  signHarnessAuthorization,
} from '../../secure/index.ts';
import { type ExecutorProcess, spawnExecutor } from '../../sim/executor-process.ts';
import { startWorker, type WorkerUnderTest } from '../../sim/worker-runner.ts';
import { runCli as relaykit } from './executor-process.ts';

const anchor = generateKeyPairSync('ed25519');
const listed = StaticIdentity.generate();
const stranger = StaticIdentity.generate();
const scratch = { path: '' };

let worker: WorkerUnderTest;
const executors: ExecutorProcess[] = [];

beforeAll(async () => {
  scratch.path = await mkdtemp(join(tmpdir(), 'relaykit-secure-'));
  worker = await startWorker();
});

afterAll(async () => {
  await Promise.all(executors.map((e) => e.stop()));
  await worker?.dispose();
  await rm(scratch.path, { recursive: true, force: true });
});

async function executor(executorId: string, args: string[]): Promise<void> {
  const token = await worker.mintToken('executor', executorId);
  executors.push(await spawnExecutor({ registryUrl: worker.url, executorId, token, args }));
}

async function client(
  executorId: string,
  options: Partial<RelayConnectOptions> = {},
): Promise<HarnessClient> {
  return connect({
    registryUrl: worker.url,
    executorId,
    token: await worker.mintToken('harness', executorId),
    handshakeRetryMs: 300,
    ...options,
  });
}

async function echo(harness: HarnessClient, text: string): Promise<string> {
  try {
    return (await harness.run(['echo', text])).stdout.toString();
  } finally {
    await harness.close();
  }
}

const authorization = (identity: StaticIdentity, executorId: string, expiresInMs = 3_600_000) =>
  signHarnessAuthorization(anchor.privateKey, {
    harnessPublicKey: identity.publicKey,
    executorId,
    registrationId: '*',
    expiresAt: new Date(Date.now() + expiresInMs),
  });

describe('an executor that checks harness keys itself', () => {
  const id = 'secure-anchored';

  beforeAll(async () => {
    const allowed = join(scratch.path, 'allowed.json');
    await writeFile(allowed, JSON.stringify([listed.publicKey.toJSON()]));
    await executor(id, [
      '--trust-anchor',
      formatTrustAnchor(anchor.publicKey),
      '--allowed-harness-keys',
      allowed,
    ]);
  });

  it('serves a harness whose authorization the trust anchor signed', async () => {
    const identity = StaticIdentity.generate();
    const harness = await client(id, { identity, authorization: authorization(identity, id) });
    expect(await echo(harness, 'anchored')).toBe('anchored\n');
  });

  it('serves a harness whose key is in the allowed keys file, with no authorization of its own', async () => {
    expect(await echo(await client(id, { identity: listed }), 'listed')).toBe('listed\n');
  });

  it("refuses a harness that has only the rendezvous' authorization: the rendezvous cannot let anyone in", async () => {
    await expect(client(id, { identity: stranger })).rejects.toBeInstanceOf(HarnessConnectError);
  });

  it("refuses an expired authorization and one signed for another harness's key", async () => {
    await expect(
      client(id, { identity: stranger, authorization: authorization(stranger, id, -1000) }),
    ).rejects.toBeInstanceOf(HarnessConnectError);
    await expect(
      client(id, { identity: stranger, authorization: authorization(listed, id) }),
    ).rejects.toBeInstanceOf(HarnessConnectError);
  });

  it('runs relaykit exec with a key file and an authorization from relaykit authorize-harness', async () => {
    const keyFile = join(scratch.path, 'harness.json');
    const anchorFile = join(scratch.path, 'anchor.pem');
    await saveKeyFile(keyFile, StaticIdentity.generate());
    await writeFile(anchorFile, anchor.privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
    const signed = await relaykit([
      'authorize-harness',
      '--anchor-key',
      anchorFile,
      '--harness-key',
      keyFile,
      '--executor-id',
      id,
      '--ttl',
      '10m',
    ]);
    expect(signed.code).toBe(0);
    const token = await worker.mintToken('harness', id);
    const ran = await relaykit(
      [
        'exec',
        '--registry',
        worker.url,
        '--executor-id',
        id,
        '--security-profile',
        'noise_hybrid_ik_v1',
        '--key-file',
        keyFile,
        '--harness-authorization',
        signed.stdout.trim(),
        '--',
        'sh',
        '-c',
        'echo through the secure relay',
      ],
      { env: { ...process.env, RELAYKIT_HARNESS_TOKEN: token } },
    );
    expect(ran).toEqual({ code: 0, stdout: 'through the secure relay\n', stderr: '' });
  });
});

describe("the harness's own policy", () => {
  const cleartextId = 'cleartext-executor';
  const keyedId = 'keyed-executor';
  const executorIdentity = StaticIdentity.generate();

  beforeAll(async () => {
    const keyFile = join(scratch.path, 'executor.json');
    await saveKeyFile(keyFile, executorIdentity);
    await Promise.all([
      executor(cleartextId, ['--security-profile', 'cleartext']),
      executor(keyedId, ['--key-file', keyFile]),
    ]);
  });

  it('follows a cleartext executor by default and refuses it when asked for the secure relay', async () => {
    expect(await echo(await client(cleartextId), 'in the clear')).toBe('in the clear\n');
    const refused = await client(cleartextId, { security: 'secure' }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(RelaySecurityError);
    expect((refused as Error).message).toMatch(/does not offer the secure relay/);
  });

  it('handshakes with the key of the executor key file, and refuses an executor with another key than the pinned one', async () => {
    const pinned = await client(keyedId, { executorPublicKey: executorIdentity.publicKey });
    expect(await echo(pinned, 'pinned')).toBe('pinned\n');
    const other = await client(keyedId, { executorPublicKey: stranger.publicKey }).catch((e: unknown) => e);
    expect(other).toBeInstanceOf(RelaySecurityError);
  });

  it('refuses an authorization the rendezvous did not issue', async () => {
    await expect(client(keyedId, { authorization: 'not-from-the-registry' })).rejects.toBeInstanceOf(
      HarnessConnectError,
    );
  });

  it('exits relaykit exec with one line when the secure relay is asked of a cleartext executor', async () => {
    const token = await worker.mintToken('harness', cleartextId);
    const refused = await relaykit(
      [
        'exec',
        '--registry',
        worker.url,
        '--executor-id',
        cleartextId,
        '--security-profile',
        'noise_hybrid_ik_v1',
        '--',
        'true',
      ],
      { env: { ...process.env, RELAYKIT_HARNESS_TOKEN: token } },
    );
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /^relaykit: executor cleartext-executor via .* does not offer the secure relay[^\n]*\n$/,
    );
  });
});
