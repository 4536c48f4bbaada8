import { createRequire } from 'node:module';

/** relaykit's own package.json, found by package name from the sources and from the published package alike. */
export const packageInfo = createRequire(import.meta.url)('relaykit/package.json') as {
  version: string;
  devDependencies: Record<string, string>;
};
