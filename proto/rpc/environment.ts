/** `environment/info` (DESIGN.md §5). */
export interface EnvironmentInfoResult {
  shell: { name: string; path: string };
  cwd: string;
  platform: string;
  capabilities: string[];
}
