import { afterEach, describe, expect, it } from 'vitest';
import { createSessionTable } from '../../executor/local-executor.ts';
import { silentLogger } from '../../executor/logger.ts';
import { SessionOwners, type SessionTable } from '../../executor/session-table.ts';
import { FakeTransport } from './fake-transport.ts';

const tables: SessionTable[] = [];
afterEach(async () => {
  await Promise.all(tables.splice(0).map((table) => table.shutdown()));
});

/** A detached session of `owner` in a fresh table. */
async function detachedSessionOf(owner: string) {
  const table = await createSessionTable(silentLogger(), { stateDirectory: null });
  tables.push(table);
  const session = table.create(new FakeTransport(), owner);
  table.detach(session);
  return { table, id: session.id };
}

describe('who may resume a session', () => {
  it('answers another identity as it answers an unknown session id', async () => {
    const { table, id } = await detachedSessionOf(SessionOwners.rendezvous('alice'));
    const resumeAs = (owner: string) => () => table.resume(id, new FakeTransport(), owner);
    expect(resumeAs(SessionOwners.rendezvous('mallory'))).toThrow(
      expect.objectContaining({ code: -32600, message: `unknown session id ${id}` }),
    );
    expect(() =>
      table.resume('no-such-session', new FakeTransport(), SessionOwners.rendezvous('alice')),
    ).toThrow(expect.objectContaining({ code: -32600, message: 'unknown session id no-such-session' }));
    expect(resumeAs(SessionOwners.rendezvous('alice'))()).toMatchObject({ id });
  });

  it('binds a secure session to the harness key, apart from any cleartext identity of the same name', async () => {
    const { table, id } = await detachedSessionOf(SessionOwners.harnessKey('key-1'));
    const resumeAs = (owner: string) => () => table.resume(id, new FakeTransport(), owner);
    expect(resumeAs(SessionOwners.rendezvous('key-1'))).toThrow(/unknown session id/);
    expect(resumeAs(SessionOwners.harnessKey('key-2'))).toThrow(/unknown session id/);
    expect(resumeAs(SessionOwners.harnessKey('key-1'))()).toMatchObject({ id });
  });

  it('keeps local-mode sessions for local connections', async () => {
    const { table, id } = await detachedSessionOf(SessionOwners.local);
    expect(() => table.resume(id, new FakeTransport(), SessionOwners.rendezvous(undefined))).toThrow(
      /unknown session id/,
    );
    expect(table.resume(id, new FakeTransport(), SessionOwners.local)).toMatchObject({ id });
  });
});
