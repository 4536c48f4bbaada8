import fc from 'fast-check';
import { describe, it } from 'vitest';
import { buildTransfer, expectTransferCompletes, linkFaults } from './transfer-scenario.ts';

const faults = linkFaults({ probability: 0.3, delayMs: 80, jitterMs: 40 });

/** Simulated time within which any of these transfers must finish. */
const TIME_BOUND_MS = 60 * 60 * 1000;

describe('transfer under a lossy link (property)', () => {
  it('delivers small and segmented messages exactly once, in order, byte-identical, within the windows', () => {
    const size = fc.oneof(
      { weight: 6, arbitrary: fc.integer({ min: 1, max: 300 }) },
      { weight: 3, arbitrary: fc.integer({ min: 300, max: 5000 }) },
      { weight: 1, arbitrary: fc.integer({ min: 5000, max: 40_000 }) },
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        faults,
        faults,
        fc.array(size, { minLength: 1, maxLength: 25 }),
        fc.array(size, { minLength: 0, maxLength: 10 }),
        fc.record({
          windowFrames: fc.integer({ min: 1, max: 32 }),
          segmentBytes: fc.constantFrom(64, 1024, 4096),
          windowBytes: fc.constantFrom(8192, 65_536, 2 * 1024 * 1024),
        }),
        (seed, faultsAB, faultsBA, sizesA, sizesB, config) => {
          const transfer = buildTransfer({ seed, faultsAB, faultsBA, sizesA, sizesB, config });
          expectTransferCompletes(transfer, TIME_BOUND_MS);
        },
      ),
      { numRuns: 250, seed: 20_260_401 },
    );
  });

  it('delivers multi-MiB messages intact with the default configuration', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        faults,
        faults,
        fc.array(fc.integer({ min: 512 * 1024, max: 4 * 1024 * 1024 }), { minLength: 1, maxLength: 2 }),
        fc.array(fc.integer({ min: 1, max: 3 * 1024 * 1024 }), { minLength: 0, maxLength: 1 }),
        (seed, faultsAB, faultsBA, sizesA, sizesB) => {
          expectTransferCompletes(buildTransfer({ seed, faultsAB, faultsBA, sizesA, sizesB }), TIME_BOUND_MS);
        },
      ),
      { numRuns: 12, seed: 20_260_402 },
    );
  });
});
