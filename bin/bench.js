#!/usr/bin/env node
// The benchmarks are TypeScript; tsx compiles them on the fly (no build step).
// The AWS SDK's 9-line NodeVersionSupportWarning on every call below Node 22: package.json's
// engines (npm warns once, at install) states the Node version; only this one warning is turned off,
// with the SDK's own switch (@aws-sdk/core emitWarningIfUnsupportedVersion), and only if unset.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
require('tsx/cjs');
require('../bench/run.ts')
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  })
  .catch((error) => {
    console.error(`bench: ${error && error.message ? error.message : String(error)}`);
    process.exitCode = 1;
  });
