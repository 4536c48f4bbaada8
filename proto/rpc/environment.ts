/** `environment/info` and `environment/status` (DESIGN.md §5). */
export interface EnvironmentInfoResult {
  shell: { name: string; path: string };
  /** The executor's working directory as a `file:` URI. */
  cwd: string | null;
  /** relaykit: `process.platform` of the executor. */
  platform?: string;
  /** Optional features, each a bool (unknown names are ignored by upstream's client). */
  capabilities?: Record<string, boolean>;
}

export interface EnvironmentStatusResult {
  status: 'ready';
}
