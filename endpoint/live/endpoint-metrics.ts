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

export const ENDPOINT_METRICS: readonly EndpointMetric[] = [
  {
    name: 'relaykit_relay_connected',
    help: 'Whether the relay socket is up (1) or down (0)',
    type: 'gauge',
    value: (s) => (s.linkUp ? 1 : 0),
  },
  {
    name: 'relaykit_relay_frames_sent_total',
    help: 'Relay frames written to the socket',
    type: 'counter',
    value: (s) => s.framesSent,
  },
  {
    name: 'relaykit_relay_frames_received_total',
    help: 'Relay frames read from the socket',
    type: 'counter',
    value: (s) => s.framesReceived,
  },
  {
    name: 'relaykit_relay_bytes_sent_total',
    help: 'Bytes of the relay frames written to the socket',
    type: 'counter',
    value: (s) => s.bytesSent,
  },
  {
    name: 'relaykit_relay_bytes_received_total',
    help: 'Bytes of the relay frames read from the socket',
    type: 'counter',
    value: (s) => s.bytesReceived,
  },
  {
    name: 'relaykit_relay_reconnects_total',
    help: 'Relay sockets opened after the first',
    type: 'counter',
    value: (s) => s.reconnects,
  },
  { name: 'relaykit_streams_open', help: 'Streams open now', type: 'gauge', value: (s) => s.streamsOpen },
  {
    name: 'relaykit_streams_opened_total',
    help: 'Streams opened',
    type: 'counter',
    value: (s) => s.streamsOpened,
  },
  {
    name: 'relaykit_stream_resumes_total',
    help: 'Streams carried over a reconnect (each resumes where it was)',
    type: 'counter',
    value: (s) => s.streamResumes,
  },
  {
    name: 'relaykit_stream_resets_total',
    help: 'Streams reset, by reason (sent or received)',
    type: 'counter',
    label: 'reason',
    value: (s) => s.resets,
  },
  {
    name: 'relaykit_stream_data_frames_total',
    help: 'Data frames cut from messages (each counted once, however often it is sent)',
    type: 'counter',
    value: (s) => s.streams.dataFramesCut,
  },
  {
    name: 'relaykit_stream_data_transmissions_total',
    help: 'Data frames put on the wire, retransmissions included',
    type: 'counter',
    value: (s) => s.streams.dataTransmissions,
  },
  {
    name: 'relaykit_stream_retransmissions_total',
    help: 'Data frames sent again, by cause: timeout (RTO), fast (ack bitmap), probe (tail loss), resume (after a reconnect or a receive pause)',
    type: 'counter',
    label: 'cause',
    value: (s) => ({
      timeout: s.streams.timeoutRetransmissions,
      fast: s.streams.fastRetransmissions,
      probe: s.streams.probeRetransmissions,
      resume: s.streams.resumeRetransmissions,
    }),
  },
  {
    name: 'relaykit_stream_acks_sent_total',
    help: 'Standalone ack frames sent',
    type: 'counter',
    value: (s) => s.streams.acksSent,
  },
  {
    name: 'relaykit_stream_duplicates_received_total',
    help: 'Data frames received again and dropped',
    type: 'counter',
    value: (s) => s.streams.duplicatesReceived,
  },
  {
    name: 'relaykit_stream_refused_while_paused_total',
    help: 'Data frames refused while the application had paused receiving',
    type: 'counter',
    value: (s) => s.streams.refusedWhilePaused,
  },
  {
    name: 'relaykit_stream_messages_delivered_total',
    help: 'Messages delivered to the application',
    type: 'counter',
    value: (s) => s.streams.messagesDelivered,
  },
  {
    name: 'relaykit_stream_unwritable_seconds_total',
    help: 'Time streams spent with a full send window (backpressure), summed over streams',
    type: 'counter',
    value: (s) => s.unwritableSeconds,
  },
];

/** Every relay metric by name: a number, or a record per label value. */
export function endpointMetricValues(stats: EndpointStats): Record<string, number | Record<string, number>> {
  return Object.fromEntries(ENDPOINT_METRICS.map((metric) => [metric.name, metric.value(stats)]));
}
