/**
 * The server's shape: no import cycle between its files, and no service file longer than a few
 * hundred lines.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = dirname(fileURLToPath(import.meta.url));
const MAX_SERVICE_LINES = 300;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return /\.tsx?$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name) ? [path] : [];
  });
}

// Static, re-exporting and dynamic imports of relative paths, type-only ones included: a layer
// that names another's types depends on it as much as one that calls it.
const IMPORT =
  /(?:^|\n)\s*(?:import|export)\b[^'"`;]*?from\s*['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;

/** File → the files it imports (relative to ROOT). */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sources(ROOT)) {
    const text = readFileSync(file, 'utf8');
    const targets = [...text.matchAll(IMPORT)]
      .map((match) => resolve(dirname(file), match[1] ?? match[2]!))
      .filter((target) => target.startsWith(ROOT))
      .map((target) => relative(ROOT, target));
    graph.set(relative(ROOT, file), [...new Set(targets)]);
  }
  return graph;
}

/** The strongly connected components with more than one node (Tarjan). */
function cycles(graph: Map<string, string[]>): string[][] {
  let index = 0;
  const indexOf = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (node: string) => {
    indexOf.set(node, index);
    low.set(node, index++);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!indexOf.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) low.set(node, Math.min(low.get(node)!, indexOf.get(next)!));
    }
    if (low.get(node) === indexOf.get(node)) {
      const component: string[] = [];
      let popped: string;
      do {
        popped = stack.pop()!;
        onStack.delete(popped);
        component.push(popped);
      } while (popped !== node);
      if (component.length > 1 || (graph.get(node) ?? []).includes(node)) found.push(component.sort());
    }
  };
  for (const node of graph.keys()) if (!indexOf.has(node)) visit(node);
  return found;
}

describe('apps/server structure', () => {
  const graph = importGraph();

  it('reads the imports it checks (the parser is not blind)', () => {
    expect(graph.get('server.ts')).toContain('config.ts');
    expect(graph.size).toBeGreaterThan(30);
  });

  it('has no import cycle between files', () => {
    expect(cycles(graph)).toEqual([]);
  });

  it('keeps every service file under 300 lines', () => {
    const long = sources(join(ROOT, 'services'))
      .map((file) => ({ file: relative(ROOT, file), lines: readFileSync(file, 'utf8').split('\n').length }))
      .filter((entry) => entry.lines > MAX_SERVICE_LINES);
    expect(long).toEqual([]);
  });

  it('writes no route path outside the route table (server and dashboard)', () => {
    const apps = join(ROOT, '..', '..');
    const files = [...sources(ROOT), ...sources(join(apps, 'web', 'src'))].filter(
      (file) => !file.includes(`${join('src', 'e2e')}/`) && !file.includes(`${join('src', 'testing')}/`),
    );
    const literal = /['"`]\/(api|metrics)(\/|['"`?$])/;
    const comment = /^\s*(\/\/|\/\*|\*)/;
    const code = (file: string) =>
      readFileSync(file, 'utf8')
        .split('\n')
        .filter((line) => !comment.test(line));
    const found = files
      .filter((file) => code(file).some((line) => literal.test(line)))
      .map((file) => relative(apps, file));
    expect(files.length).toBeGreaterThan(100);
    expect(found).toEqual([]);
  });

  it('finds a cycle when there is one', () => {
    const fake = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts']],
      ['c.ts', ['a.ts']],
      ['d.ts', ['a.ts']],
    ]);
    expect(cycles(fake)).toEqual([['a.ts', 'b.ts', 'c.ts']]);
  });
});
