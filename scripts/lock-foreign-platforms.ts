/**
 * Adds the platform-specific optional packages that the npm registry mirror
 * of our build machines does not serve (macOS, Windows, musl, …) to
 * package-lock.json, marked with their os/cpu/libc so `npm ci` skips them here
 * but accepts the lock file. Run after any `npm install` that rewrites the lock:
 *   npm run lock:platforms
 */
import { readFileSync, writeFileSync } from 'node:fs';

interface LockEntry {
  version?: string;
  dev?: boolean;
  optional?: boolean;
  os?: string[];
  cpu?: string[];
  libc?: string[];
  optionalDependencies?: Record<string, string>;
}

const OSES = [
  'android',
  'darwin',
  'freebsd',
  'linux',
  'netbsd',
  'openbsd',
  'openharmony',
  'sunos',
  'win32',
  'aix',
  'cygwin',
];
const CPUS = [
  'arm64',
  'armv7',
  'arm',
  'x64',
  'ia32',
  'ppc64',
  's390x',
  'riscv64',
  'loong64',
  'mips64el',
  'wasm32',
];

/** Reads os, cpu and libc from names like `@biomejs/cli-linux-x64-musl` or `@esbuild/win32-arm64`. */
function platformOf(name: string): Pick<LockEntry, 'os' | 'cpu' | 'libc'> | undefined {
  const parts = name.split('/').pop()?.split('-') ?? [];
  const os = parts.find((p) => OSES.includes(p) || p === 'windows' || p === 'macos');
  const cpu = parts.find((p) => CPUS.includes(p));
  if (!os || !cpu) return undefined;
  const normalizedOs = os === 'windows' ? 'win32' : os === 'macos' ? 'darwin' : os;
  const normalizedCpu = cpu === 'armv7' ? 'arm' : cpu;
  const entry: Pick<LockEntry, 'os' | 'cpu' | 'libc'> = { os: [normalizedOs], cpu: [normalizedCpu] };
  if (parts.includes('musl')) entry.libc = ['musl'];
  else if (normalizedOs === 'linux' && parts.includes('gnu')) entry.libc = ['glibc'];
  return entry;
}

const lockPath = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(lockPath, 'utf8')) as { packages: Record<string, LockEntry> };
const added: string[] = [];
for (const [path, entry] of Object.entries(lock.packages)) {
  for (const [name, spec] of Object.entries(entry.optionalDependencies ?? {})) {
    const base = path === '' ? '' : `${path}/`;
    if (lock.packages[`${base}node_modules/${name}`] || lock.packages[`node_modules/${name}`]) continue;
    const platform = platformOf(name);
    if (!platform) continue;
    lock.packages[`node_modules/${name}`] = {
      version: spec.replace(/^[\^~=]/, ''),
      ...(entry.dev ? { dev: true } : {}),
      optional: true,
      ...platform,
    };
    added.push(name);
  }
}
lock.packages = Object.fromEntries(
  Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))),
);
writeFileSync(lockPath, `${JSON.stringify(lock, null, 2)}\n`);
console.log(
  added.length
    ? `added ${added.length} foreign-platform entries: ${added.join(', ')}`
    : 'lock file already complete',
);
