#!/usr/bin/env node
// The `codepipeline-handler` command. In a checkout of the repository (src/ is there) it
// runs the TypeScript source through tsx, so `npx codepipeline-handler` works right after
// `npm install`, without a build, and never runs a stale lib/. In the published package
// (lib/ only) it runs the build.
import { existsSync } from 'node:fs';

const source = new URL('../src/local/cli.ts', import.meta.url);
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(source.href);
} else {
  await import('../lib/local/cli.js');
}
