// Runs every compiled test file with node's test runner.
// Unit tests live beside the code (src/**/*.test.ts); end-to-end tests in test/ (test/**/*.test.ts).
// `--unit` runs only the unit tests. Files are listed explicitly because Node 20's --test takes no globs.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const unitOnly = process.argv.includes('--unit');
const filter = process.argv.slice(2).filter((a) => !a.startsWith('--'));
function find(dir, out = []) {
  let entries;
  try { entries = readdirSync(dir); } catch { return out; }
  for (const e of entries) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) find(p, out);
    else if (p.endsWith('.test.js')) out.push(p);
  }
  return out;
}
let files = find('dist/src');
if (!unitOnly) files = files.concat(find('dist/test'));
if (filter.length) files = files.filter((f) => filter.some((x) => f.includes(x)));
files.sort();
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=1', ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);
