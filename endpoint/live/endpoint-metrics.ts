import type { EndpointStats } from './endpoint-stats.ts';

/**
 * One relay counter under its Prometheus name. The executor's `/metrics`
 * and the harness library's `stats()` both read EndpointStats through this
 * table, so a counter has the same name everywhere.
 */
export interface EndpointMetric {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'gauge';
  /** The label of a metric split by one label (its values are the record's keys). */
  readonly label?: string;
  value(stats: EndpointStats): number | Record<string, number>;
}

const counter = (
  name: string,
  help: string,
  value: EndpointMetric['value'],
  label?: string,
): EndpointMetric => ({
  name,
  help,
  type: 'counter',
  value,
  ...(label !== undefined && { label }),
});

const gauge = (name: string, help: string, value: (stats: EndpointStats) => number): EndpointMetric => ({
  name,
  help,
  type: 'gauge',
  value,
});

export const ENDPOINT_METRICS: readonly EndpointMetric[] = [
  gauge('relaykit_relay_connected', 'Whether the relay socket is up (1) or down (0)', (s) =>
    s.linkUp ? 1 : 0,
  ),
  counter('relaykit_relay_frames_sent_total', 'Relay frames written to the socket', (s) => s.framesSent),
  counter(
    'relaykit_relay_frames_received_total',
    'Relay frames read from the socket',
    (s) => s.framesReceived,
  ),
  counter(
    'relaykit_relay_bytes_sent_total',
    'Bytes of the relay frames written to the socket',
    (s) => s.bytesSent,
  ),
  counter(
    'relaykit_relay_bytes_received_total',
    'Bytes of the relay frames read from the socket',
    (s) => s.bytesReceived,
  ),
  counter('relaykit_relay_reconnects_total', 'Relay sockets opened after the first', (s) => s.reconnects),
  gauge('relaykit_streams_open', 'Streams open now', (s) => s.streamsOpen),
  counter('relaykit_streams_opened_total', 'Streams opened', (s) => s.streamsOpened),
  counter(
    'relaykit_stream_resumes_total',
    'Streams carried over a reconnect (each resumes where it was)',
    (s) => s.streamResumes,
  ),
  counter(
    'relaykit_stream_resets_total',
    'Streams reset, by reason (sent or received)',
    (s) => s.resets,
    'reason',
  ),
  counter(
    'relaykit_stream_data_frames_total',
    'Data frames cut from messages (each counted once, however often it is sent)',
    (s) => s.streams.dataFramesCut,
  ),
  counter(
    'relaykit_stream_data_transmissions_total',
    'Data frames put on the wire, retransmissions included',
    (s) => s.streams.dataTransmissions,
  ),
  counter(
    'relaykit_stream_retransmissions_total',
    'Data frames sent again, by cause: timeout (RTO), fast (ack bitmap), probe (tail loss), resume (after a reconnect or a receive pause)',
    (s) => ({
      timeout: s.streams.timeoutRetransmissions,
      fast: s.streams.fastRetransmissions,
      probe: s.streams.probeRetransmissions,
      resume: s.streams.resumeRetransmissions,
    }),
    'cause',
  ),
  counter('relaykit_stream_acks_sent_total', 'Standalone ack frames sent', (s) => s.streams.acksSent),
  counter(
    'relaykit_stream_duplicates_received_total',
    'Data frames received again and dropped',
    (s) => s.streams.duplicatesReceived,
  ),
  counter(
    'relaykit_stream_refused_while_paused_total',
    'Data frames refused while the application had paused receiving',
    (s) => s.streams.refusedWhilePaused,
  ),
  counter(
    'relaykit_stream_messages_delivered_total',
    'Messages delivered to the application',
    (s) => s.streams.messagesDelivered,
  ),
  counter(
    'relaykit_stream_unwritable_seconds_total',
    'Time streams spent with a full send window (backpressure), summed over streams',
    (s) => s.unwritableSeconds,
  ),
];

/** Every relay metric by name: a number, or a record per label value. */
export function endpointMetricValues(stats: EndpointStats): Record<string, number | Record<string, number>> {
  return Object.fromEntries(ENDPOINT_METRICS.map((metric) => [metric.name, metric.value(stats)]));
}
