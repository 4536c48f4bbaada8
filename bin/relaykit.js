#!/usr/bin/env node
// relaykit's sources are TypeScript run by Node's built-in type stripping (Node ≥ 22.18).
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  process.stderr.write(
    `relaykit: Node ${process.versions.node} is too old; run it through npm (npx relaykit …) to use the project's Node 22, or install Node ≥ 22.18\n`,
  );
  process.exit(1);
}
await import('../cli/main.ts');
