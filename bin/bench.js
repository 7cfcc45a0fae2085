#!/usr/bin/env node
// The benchmarks are TypeScript; tsx compiles them on the fly (no build step).
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
