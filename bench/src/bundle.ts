/**
 * The browser bundle of the cache: what a dashboard pays to use the core with the memory and
 * web-storage tiers. esbuild bundles and minifies the three imports for the browser; the size is
 * gzip -9 of the result. `npm run bundle --workspace=bench` measures it and rewrites the "Browser
 * bundle" section of RESULTS.md in place; `npm run bench` does the same after its report.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { replaceSection, table } from './report.ts';

const BENCH_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');

/** What the bundle imports, as a user's code would. */
export const BUNDLE_ENTRY = [
  "export { createCache } from '@agiletrack/cache';",
  "export { memoryTier } from '@agiletrack/cache/tiers/memory';",
  "export { linkTabs, webStorageTier } from '@agiletrack/cache/tiers/web-storage';",
].join('\n');

/** The most the browser bundle may weigh, gzipped. */
export const BUNDLE_TARGET_BYTES = 18 * 1024;

/** One measurement. */
export interface BundleSize {
  minifiedBytes: number;
  gzipBytes: number;
  /** Minified bytes per package (ours per file), largest first. */
  parts: [string, number][];
  esbuildVersion: string;
}

const partOf = (input: string): string => {
  const dependency = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
  if (dependency) return dependency[1]!;
  return input.replace(/^.*packages\/cache\/src\//, '');
};

/** Bundles {@link BUNDLE_ENTRY} from the package's sources (the same code as its build). */
export async function measureBundle(): Promise<BundleSize> {
  const result = await build({
    stdin: { contents: BUNDLE_ENTRY, resolveDir: BENCH_DIR, loader: 'js' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    metafile: true,
    conditions: ['@agiletrack/source'],
    logLevel: 'silent',
  });
  const output = result.outputFiles[0]!.contents;
  const parts = new Map<string, number>();
  for (const { inputs } of Object.values(result.metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(inputs)) {
      parts.set(partOf(input), (parts.get(partOf(input)) ?? 0) + bytesInOutput);
    }
  }
  const { version } = JSON.parse(readFileSync(join(BENCH_DIR, '../node_modules/esbuild/package.json'), 'utf8'));
  return {
    minifiedBytes: output.length,
    gzipBytes: gzipSync(output, { level: 9 }).length,
    parts: [...parts].filter(([, bytes]) => bytes > 0).sort((a, b) => b[1] - a[1]),
    esbuildVersion: version,
  };
}

const kb = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KB`;

/** The RESULTS.md section for a measurement. */
export function renderBundle(size: BundleSize, at: Date): string {
  const verdict = size.gzipBytes <= BUNDLE_TARGET_BYTES ? 'within' : 'over';
  const rows = size.parts.slice(0, 12).map(([part, bytes]) => [part, bytes.toLocaleString('en-US')]);
  return [
    '## Browser bundle',
    '',
    `Measured ${at.toISOString()} with esbuild ${size.esbuildVersion}: \`createCache\`, \`memoryTier\` and \`webStorageTier\`/\`linkTabs\` bundled for the browser (ESM, minified, es2022, dependencies included), then gzip -9. Reproduce with \`npm run bundle --workspace=bench\`, which rewrites this section.`,
    '',
    `- **${kb(size.gzipBytes)} gzipped** (${size.gzipBytes.toLocaleString('en-US')} bytes), ${kb(size.minifiedBytes)} minified — ${verdict} the ${kb(BUNDLE_TARGET_BYTES)} target.`,
    '',
    ...table(
      [
        ['part', 'left'],
        ['minified bytes', 'right'],
      ],
      rows,
    ),
    '',
  ].join('\n');
}

/** Replaces the "Browser bundle" section of `file`, leaving every other section as it is. */
export function writeBundleSection(file: string, section: string): void {
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmark results\n';
  writeFileSync(file, replaceSection(text, '## Browser bundle', section));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const size = await measureBundle();
  const file = process.env.BENCH_OUT || join(BENCH_DIR, 'RESULTS.md');
  writeBundleSection(file, renderBundle(size, new Date()));
  process.stdout.write(
    `browser bundle: ${size.gzipBytes} bytes gzipped, ${size.minifiedBytes} minified; wrote ${file}\n`,
  );
}
