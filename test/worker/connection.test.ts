import { describe, expect, it } from 'vitest';
import { parseSocketInfo } from '../../worker/connection.ts';

describe('socket attachments', () => {
  it('reads back an executor and a harness identity exactly as they were written', () => {
    expect(parseSocketInfo({ role: 'executor', instance: 'i-1' })).toEqual({
      role: 'executor',
      instance: 'i-1',
    });
    expect(parseSocketInfo({ role: 'harness', key: 'k', identity: 'sub-1' })).toEqual({
      role: 'harness',
      key: 'k',
      identity: 'sub-1',
    });
  });

  it('refuses an attachment that is missing, of another shape or of an unknown role', () => {
    for (const bad of [
      undefined,
      null,
      'executor',
      { role: 'executor' },
      { role: 'executor', instance: 7 },
      { role: 'harness', key: 'k' },
      { role: 'harness', key: 'k', identity: null },
      { role: 'admin', key: 'k', identity: 'x' },
    ]) {
      expect(parseSocketInfo(bad)).toBeUndefined();
    }
  });
});
