/**
 * The Durable Object's durable routing state in its SQLite storage: stream
 * claims, the executor's last process instance, counters and a start count.
 * Socket-level state lives in socket attachments instead (see relay.ts).
 */

export interface Claim {
  /** Harness identity (token subject) that owns the stream. */
  owner: string;
  /** Key of the harness socket that executor→harness frames go to. */
  socketKey: string;
  /** Executor instance the stream was opened against ('' when none was known). */
  instance: string;
}

export class RelayStore {
  readonly #sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    sql.exec(`CREATE TABLE IF NOT EXISTS claims (
      stream_id TEXT PRIMARY KEY,
      owner TEXT NOT NULL,
      socket_key TEXT NOT NULL,
      instance TEXT NOT NULL
    )`);
    sql.exec('CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
  }

  loadClaims(): Map<string, Claim> {
    const claims = new Map<string, Claim>();
    const rows = this.#sql.exec<{ stream_id: string; owner: string; socket_key: string; instance: string }>(
      'SELECT stream_id, owner, socket_key, instance FROM claims',
    );
    for (const row of rows) {
      claims.set(row.stream_id, { owner: row.owner, socketKey: row.socket_key, instance: row.instance });
    }
    return claims;
  }

  putClaim(streamId: string, claim: Claim): void {
    this.#sql.exec(
      'INSERT OR REPLACE INTO claims (stream_id, owner, socket_key, instance) VALUES (?, ?, ?, ?)',
      streamId,
      claim.owner,
      claim.socketKey,
      claim.instance,
    );
  }

  deleteClaim(streamId: string): void {
    this.#sql.exec('DELETE FROM claims WHERE stream_id = ?', streamId);
  }

  getMeta(key: string): string | undefined {
    const row = this.#sql.exec<{ value: string }>('SELECT value FROM meta WHERE key = ?', key).toArray()[0];
    return row?.value;
  }

  setMeta(key: string, value: string): void {
    this.#sql.exec('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)', key, value);
  }
}
