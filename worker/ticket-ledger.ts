/**
 * Tickets already redeemed, kept in the object's SQLite storage until they
 * expire, so each ticket opens one socket (DESIGN.md §4). Expired rows are
 * dropped by the object's alarm.
 */
export class TicketLedger {
  readonly #sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    sql.exec(`CREATE TABLE IF NOT EXISTS redeemed_tickets (
      ticket_id TEXT PRIMARY KEY,
      expires_at INTEGER NOT NULL
    )`);
  }

  /** Records the ticket as redeemed; false when it already was. `expiresAt` in unix seconds. */
  redeem(ticketId: string, expiresAt: number): boolean {
    const cursor = this.#sql.exec(
      'INSERT INTO redeemed_tickets (ticket_id, expires_at) VALUES (?, ?) ON CONFLICT (ticket_id) DO NOTHING',
      ticketId,
      expiresAt,
    );
    return cursor.rowsWritten > 0;
  }

  /** Forgets tickets expired at `now` (unix seconds): they can no longer be presented. */
  forgetExpired(now: number): void {
    this.#sql.exec('DELETE FROM redeemed_tickets WHERE expires_at <= ?', now);
  }

  /** The earliest expiry still recorded (unix seconds), if any. */
  nextExpiry(): number | undefined {
    const row = this.#sql
      .exec<{ next: number | null }>('SELECT MIN(expires_at) AS next FROM redeemed_tickets')
      .toArray()[0];
    return row?.next ?? undefined;
  }
}
