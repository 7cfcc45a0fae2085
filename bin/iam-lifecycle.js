#!/usr/bin/env node
// The CLI is TypeScript; tsx compiles it on the fly (no build step between `npm ci` and use).
// The AWS SDK's 9-line NodeVersionSupportWarning on every call below Node 22: package.json's
// engines (npm warns once, at install) states the Node version; only this one warning is turned off,
// with the SDK's own switch (@aws-sdk/core emitWarningIfUnsupportedVersion), and only if unset.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
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
