import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const generatedFile = 'codex/exec_server/relay/v1/relay_pb.ts';
const outDir = mkdtempSync(join(tmpdir(), 'relaykit-gen-'));

afterAll(() => rmSync(outDir, { recursive: true, force: true }));

describe('generated protobuf code', () => {
  it('is exactly what `npm run gen` produces from relay.proto', () => {
    // Same plugin and options as buf.gen.yaml, written to a temporary folder.
    const template = readFileSync(join(root, 'buf.gen.yaml'), 'utf8').replace(
      'out: proto/gen',
      `out: ${outDir}`,
    );
    const templatePath = join(outDir, 'buf.gen.yaml');
    writeFileSync(templatePath, template);
    execFileSync(join(root, 'node_modules/.bin/buf'), ['generate', '--template', templatePath], {
      cwd: root,
      env: { ...process.env, PATH: `${join(root, 'node_modules/.bin')}:${process.env.PATH}` },
    });
    const fresh = readFileSync(join(outDir, generatedFile), 'utf8');
    const committed = readFileSync(join(root, 'proto/gen', generatedFile), 'utf8');
    expect(fresh).toBe(committed);
  });
});
