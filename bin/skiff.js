#!/usr/bin/env node
// The `skiff` command. The TypeScript sources compile to dist/ (`npm run build`).
import { main } from '../dist/src/cli/main.js';

main(process.argv.slice(2)).then((code) => { if (typeof code === 'number') process.exitCode = code; }, (err) => {
  console.error(`skiff: ${err?.message ?? err}`);
  process.exitCode = 1;
});
