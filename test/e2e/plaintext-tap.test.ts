import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeFrame } from '../../proto/codec/index.ts';
import { SECURE_PROFILE } from '../../proto/secure-relay.ts';
import { startStack } from '../../sim/stack.ts';
import { consume, e2eProfiles, printSeedOnFailure, suiteSeed } from './support.ts';

const seed = suiteSeed();
printSeedOnFailure(seed);

/**
 * The marker as it would show in a frame: as it is (JSON strings, argv), and
 * as base64 at each of the three byte alignments (output, stdin and file
 * contents travel base64), less the characters the neighbouring bytes change.
 */
function markerForms(marker: string): Buffer[] {
  const forms = [Buffer.from(marker)];
  for (let align = 0; align < 3; align++) {
    const encoded = Buffer.concat([Buffer.alloc(align), Buffer.from(marker)]).toString('base64');
    forms.push(Buffer.from(encoded.slice(align === 0 ? 0 : 4, -4)));
  }
  return forms;
}

describe.each(e2eProfiles())('what the rendezvous routes (%s)', (securityProfile) => {
  const secure = securityProfile === SECURE_PROFILE;
  it(secure
    ? 'never shows a command, its output, its stdin or a file in the clear: only headers, handshakes and ciphertext'
    : 'shows commands, output, stdin and files to the rendezvous (the cleartext control run)', {
    timeout: 60_000,
  }, async () => {
    const frames: Buffer[] = [];
    const stack = await startStack({
      seed,
      securityProfile,
      observe: (bytes) => frames.push(Buffer.from(bytes)),
    });
    const marker = `plaintext-marker-${randomBytes(16).toString('hex')}`;
    try {
      const client = await stack.harness();
      const handle = await client.exec(['sh', '-c', 'printf "%s\\n" "$1"; cat', stack.marker, marker], {
        pipeStdin: true,
      });
      const run = consume(handle);
      await handle.write(`${marker} came in on stdin\n`);
      await handle.closeStdin();
      expect((await run).status.exitCode).toBe(0);
      const path = join(tmpdir(), `relaykit-tap-${randomBytes(6).toString('hex')}`);
      await client.writeFile(path, `the file says ${marker}`);
      expect((await client.readFile(path)).toString()).toBe(`the file says ${marker}`);
      await client.remove(path);
      await client.close();
    } finally {
      await stack.dispose();
    }
    const forms = markerForms(marker);
    const showing = frames.filter((frame) => forms.some((form) => frame.includes(form)));
    const bodies = new Set(
      frames.map((frame) => decodeFrame(frame)).flatMap((d) => (d.ok ? [d.value.body.case] : [])),
    );
    if (secure) {
      expect(showing).toEqual([]);
      expect(bodies).toContain('handshake');
    } else {
      expect(showing.length).toBeGreaterThan(3);
      expect(bodies).not.toContain('handshake');
    }
    expect(bodies).toContain('data');
  });
});
