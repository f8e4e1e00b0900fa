/** Every report model, in one place. Plain data; nothing here imports backends, commands or the app. */
export * from './common.js';
export * from './compare.js';
export * from './bench.js';
export * from './inspect.js';
export * from './doctor.js';
