import type { EnvPolicy } from '../../proto/rpc/index.ts';

export type Environment = Record<string, string>;

/** What `inherit: core` keeps on Unix (names compared case-insensitively). */
const CORE_VARIABLES = new Set([
  'PATH',
  'SHELL',
  'TMPDIR',
  'TEMP',
  'TMP',
  'HOME',
  'LANG',
  'LC_ALL',
  'LC_CTYPE',
  'LOGNAME',
  'USER',
]);

/** Dropped unless `ignoreDefaultExcludes`. */
const DEFAULT_EXCLUDES = ['*KEY*', '*SECRET*', '*TOKEN*'];

/** A case-insensitive whole-name glob: `*` any run, `?` one character, nothing else special. */
function globMatcher(pattern: string): (name: string) => boolean {
  const source = [...pattern]
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[\\^$.|+()[\]{}]/g, '\\$&')))
    .join('');
  const regex = new RegExp(`^${source}$`, 'is');
  return (name) => regex.test(name);
}

function anyOf(patterns: string[]): (name: string) => boolean {
  const matchers = patterns.map(globMatcher);
  return (name) => matchers.some((matches) => matches(name));
}

function keep(env: Environment, predicate: (name: string) => boolean): Environment {
  return Object.fromEntries(Object.entries(env).filter(([name]) => predicate(name)));
}

/**
 * Codex's shell environment policy applied to `parent`: inherit, drop the
 * default excludes, drop `exclude`, add `set`, keep only `includeOnly`.
 */
export function applyEnvPolicy(policy: EnvPolicy, parent: Environment): Environment {
  let env =
    policy.inherit === 'all'
      ? { ...parent }
      : policy.inherit === 'core'
        ? keep(parent, (name) => CORE_VARIABLES.has(name.toUpperCase()))
        : {};
  if (!policy.ignoreDefaultExcludes) {
    const excluded = anyOf(DEFAULT_EXCLUDES);
    env = keep(env, (name) => !excluded(name));
  }
  if (policy.exclude.length > 0) {
    const excluded = anyOf(policy.exclude);
    env = keep(env, (name) => !excluded(name));
  }
  Object.assign(env, policy.set);
  if (policy.includeOnly.length > 0) env = keep(env, anyOf(policy.includeOnly));
  return env;
}

/**
 * The child's environment, as upstream's executor builds it: with a policy,
 * the policy's result overlaid with `env`; without one, exactly `env`. A
 * request without `env` (relaykit's older clients) inherits the executor's
 * environment instead.
 */
export function childEnv(
  request: { env?: Environment; envPolicy?: EnvPolicy },
  parent: NodeJS.ProcessEnv,
): Environment {
  const inherited: Environment = {};
  for (const [name, value] of Object.entries(parent)) if (value !== undefined) inherited[name] = value;
  if (request.envPolicy !== undefined)
    return { ...applyEnvPolicy(request.envPolicy, inherited), ...request.env };
  return request.env ?? inherited;
}
