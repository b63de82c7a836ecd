/**
 * @module storage/drivers/sqlite/kill-child.fixture
 * Child process for the kill-safety test: creates keys forever (argv: path, FULL|NORMAL), printing each key only after its create
 * was acknowledged, until the parent kills it with SIGKILL.
 */
import { openSqlite } from './index.js';

const s = await openSqlite(process.argv[2], { synchronous: process.argv[3] === 'NORMAL' ? 'NORMAL' : 'FULL' });
for (let i = 0; ; i++) {
  const key = `/registry/configmaps/default/cm-${i}`;
  await s.create(key, JSON.stringify({ i, pad: 'p'.repeat(200) }));
  // Synchronous write: the parent must never see a key before it was acknowledged.
  process.stdout.write(`${key}\n`);
  if (i % 100 === 99) await new Promise((r) => setImmediate(r));
}
