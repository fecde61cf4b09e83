/**
 * `npm run build` (run it through npm, which puts `tsc` on the PATH): compiles src/ to dist/ (ESM + .d.ts) with tsc. The sources import each other
 * with `.ts` extensions; tsc rewrites them to `.js` in the JavaScript but keeps them in the
 * declarations, so they are rewritten here too, for every TypeScript version a user may have.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');

rmSync(dist, { recursive: true, force: true });
// `tsc` from the PATH npm sets up (node_modules/.bin).
const result = spawnSync('tsc', ['-p', join(root, 'tsconfig.build.json')], {
  stdio: 'inherit',
  shell: process.platform === 'win32',
});
if (result.status !== 0) process.exit(result.status ?? 1);

const RELATIVE_TS = /(from\s+|import\s*\(\s*)(['"])(\.{1,2}\/[^'"]+)\.ts\2/g;
for (const entry of readdirSync(dist, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || !entry.name.endsWith('.d.ts')) continue;
  const file = join(entry.parentPath, entry.name);
  const text = readFileSync(file, 'utf8');
  const fixed = text.replace(RELATIVE_TS, '$1$2$3.js$2');
  if (fixed !== text) writeFileSync(file, fixed);
}
