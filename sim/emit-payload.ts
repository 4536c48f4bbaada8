/** Prints payloadBlocks(SEED, BYTES) on stdout, honouring backpressure. Usage: emit-payload.ts SEED BYTES [MARKER] */
import { once } from 'node:events';
import { payloadBlocks } from './payload.ts';

const [seedArg, sizeArg] = process.argv.slice(2);
const seed = Number(seedArg);
const size = Number(sizeArg);
if (!Number.isInteger(seed) || !Number.isInteger(size) || size < 0) {
  process.stderr.write('usage: emit-payload.ts SEED BYTES [MARKER]\n');
  process.exit(2);
}
for (const block of payloadBlocks(seed, size)) {
  if (!process.stdout.write(block)) await once(process.stdout, 'drain');
}
