#!/usr/bin/env node
// The CLI is TypeScript; tsx compiles it on the fly (no build step between `npm ci` and use).
require('tsx/cjs');
require('../functions/cli/main.ts')
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
    // Interrupted (Ctrl-C): what was in flight is abandoned; do not wait for its timers.
    if (code === 130) process.exit(code);
  })
  .catch((error) => {
    console.error(`iam-lifecycle: ${error && error.message ? error.message : String(error)}`);
    process.exitCode = 1;
  });
