/**
 * Headers the worker sets on the upgrade it hands to the Durable Object, after
 * checking the ticket. The object is reachable only through the worker, so it
 * trusts them.
 */
export const RELAY_HEADERS = {
  role: 'X-Relaykit-Role',
  subject: 'X-Relaykit-Subject',
  instance: 'X-Relaykit-Instance',
  executorId: 'X-Relaykit-Executor-Id',
  /** The ticket's id and expiry (unix seconds): each ticket opens one socket. */
  ticketId: 'X-Relaykit-Ticket-Id',
  ticketExpires: 'X-Relaykit-Ticket-Expires',
} as const;
