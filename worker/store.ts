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
  /** When the stream was claimed (ms since the epoch). */
  claimedAt: number;
  /** The executor has sent a frame on the stream. */
  answered: boolean;
  /** When its harness socket was found closed (ms since the epoch); null while it is open. */
  detachedAt: number | null;
}

type ClaimRow = {
  stream_id: string;
  owner: string;
  socket_key: string;
  instance: string;
  claimed_at: number;
  answered: number;
  detached_at: number | null;
};

export class RelayStore {
  readonly #sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    // Claims only route live sockets: those of an older schema are dropped, their owners claim again.
    sql.exec('DROP TABLE IF EXISTS claims');
    sql.exec(`CREATE TABLE IF NOT EXISTS stream_claims (
      stream_id TEXT PRIMARY KEY,
      owner TEXT NOT NULL,
      socket_key TEXT NOT NULL,
      instance TEXT NOT NULL,
      claimed_at INTEGER NOT NULL,
      answered INTEGER NOT NULL,
      detached_at INTEGER
    )`);
    sql.exec('CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
  }

  loadClaims(): Map<string, Claim> {
    const claims = new Map<string, Claim>();
    for (const row of this.#sql.exec<ClaimRow>('SELECT * FROM stream_claims')) {
      claims.set(row.stream_id, {
        owner: row.owner,
        socketKey: row.socket_key,
        instance: row.instance,
        claimedAt: row.claimed_at,
        answered: row.answered !== 0,
        detachedAt: row.detached_at,
      });
    }
    return claims;
  }

  putClaim(streamId: string, claim: Claim): void {
    this.#sql.exec(
      `INSERT OR REPLACE INTO stream_claims
        (stream_id, owner, socket_key, instance, claimed_at, answered, detached_at)
        VALUES (?, ?, ?, ?, ?, ?, ?)`,
      streamId,
      claim.owner,
      claim.socketKey,
      claim.instance,
      claim.claimedAt,
      claim.answered ? 1 : 0,
      claim.detachedAt,
    );
  }

  deleteClaim(streamId: string): void {
    this.#sql.exec('DELETE FROM stream_claims WHERE stream_id = ?', streamId);
  }

  /** Marks every claim bound to `socketKey` as detached at `at`. */
  detachSocket(socketKey: string, at: number): void {
    this.#sql.exec(
      'UPDATE stream_claims SET detached_at = ? WHERE socket_key = ? AND detached_at IS NULL',
      at,
      socketKey,
    );
  }

  getMeta(key: string): string | undefined {
    const row = this.#sql.exec<{ value: string }>('SELECT value FROM meta WHERE key = ?', key).toArray()[0];
    return row?.value;
  }

  setMeta(key: string, value: string): void {
    this.#sql.exec('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)', key, value);
  }
}
