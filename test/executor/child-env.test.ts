import { describe, expect, it } from 'vitest';
import { applyEnvPolicy, childEnv } from '../../executor/process/child-env.ts';
import type { EnvPolicy } from '../../proto/rpc/index.ts';

const parent = {
  PATH: '/usr/bin',
  HOME: '/home/u',
  path_like: 'lower',
  AWS_SECRET_ACCESS_KEY: 's',
  GITHUB_TOKEN: 't',
  KEYBOARD: 'k',
  api_key: 'a',
  PAGER: 'less',
  EDITOR: 'vi',
};
const policy = (overrides: Partial<EnvPolicy>): EnvPolicy => ({
  inherit: 'all',
  ignoreDefaultExcludes: false,
  exclude: [],
  set: {},
  includeOnly: [],
  ...overrides,
});

describe('the child environment', () => {
  it('is exactly env without a policy, and the executor environment for a request without env', () => {
    expect(childEnv({ env: { ONLY: '1' } }, parent)).toEqual({ ONLY: '1' });
    expect(childEnv({}, parent)).toEqual(parent);
  });

  it('drops the default excludes case-insensitively unless told not to', () => {
    expect(applyEnvPolicy(policy({}), parent)).toEqual({
      PATH: '/usr/bin',
      HOME: '/home/u',
      path_like: 'lower',
      PAGER: 'less',
      EDITOR: 'vi',
    });
    expect(applyEnvPolicy(policy({ ignoreDefaultExcludes: true }), parent)).toEqual(parent);
  });

  it('inherits the core variables or nothing', () => {
    expect(applyEnvPolicy(policy({ inherit: 'core' }), parent)).toEqual({
      PATH: '/usr/bin',
      HOME: '/home/u',
    });
    expect(applyEnvPolicy(policy({ inherit: 'none', set: { A: '1' } }), parent)).toEqual({ A: '1' });
  });

  it('excludes, then sets, then keeps only includeOnly, with whole-name globs', () => {
    const env = applyEnvPolicy(
      policy({
        ignoreDefaultExcludes: true,
        exclude: ['p?ger', '*_TOKEN'],
        set: { PAGER: 'cat', NEW: 'n' },
        includeOnly: ['PA*', 'new', 'HOME'],
      }),
      parent,
    );
    expect(env).toEqual({ PATH: '/usr/bin', path_like: 'lower', PAGER: 'cat', NEW: 'n', HOME: '/home/u' });
  });

  it('overlays env on the policy result, unfiltered', () => {
    const env = childEnv(
      {
        envPolicy: policy({ inherit: 'none', ignoreDefaultExcludes: true, set: { POLICY_SET: 'policy' } }),
        env: { OVERLAY: 'overlay', POLICY_SET: 'overlay-wins', MY_TOKEN: 'kept' },
      },
      parent,
    );
    expect(env).toEqual({ OVERLAY: 'overlay', POLICY_SET: 'overlay-wins', MY_TOKEN: 'kept' });
  });
});
