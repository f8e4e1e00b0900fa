#!/usr/bin/env node
/**
 * The `trt-parity` command: package.json's "bin", bundled with its imports into dist/cli/trt-parity.js
 * by scripts/bundle-cli.mjs (a command loads a few files instead of about ninety ES modules: about
 * 40 ms of a one-image compare). `node dist/src/cli/main.js` runs the same code unbundled.
 */
import { runCommandLine } from './main.js';

await runCommandLine();
