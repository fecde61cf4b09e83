import { describe, expect, it } from 'vitest';
import { Lru } from './lru.ts';

function lru(maxEntries: number, maxSize = Number.POSITIVE_INFINITY) {
  const evicted: string[] = [];
  return { cache: new Lru<number>(maxEntries, maxSize, (key) => evicted.push(key)), evicted };
}

describe('Lru', () => {
  it('evicts the least recently used past maxEntries; a read makes an entry recent', () => {
    const { cache, evicted } = lru(3);
    for (const [i, key] of ['a', 'b', 'c'].entries()) cache.set(key, i, 1);
    expect(cache.get('a')).toBe(0);
    cache.set('d', 3, 1);
    cache.set('e', 4, 1);
    expect(evicted).toEqual(['b', 'c']);
    expect(cache.keys()).toEqual(['e', 'd', 'a']);
    expect(cache.entries()).toEqual([
      ['e', 4],
      ['d', 3],
      ['a', 0],
    ]);
  });

  it('peek leaves recency alone', () => {
    const { cache, evicted } = lru(2);
    cache.set('a', 1, 1);
    cache.set('b', 2, 1);
    expect(cache.peek('a')).toBe(1);
    cache.set('c', 3, 1);
    expect(evicted).toEqual(['a']);
  });

  it('keeps the total size within maxSize, counting overwrites once, and never evicts what it just stored', () => {
    const { cache, evicted } = lru(100, 10);
    cache.set('a', 1, 4);
    cache.set('b', 2, 4);
    cache.set('a', 3, 5);
    expect(cache.totalSize).toBe(9);
    expect(evicted).toEqual([]);
    cache.set('c', 4, 6);
    expect(evicted).toEqual(['b', 'a']);
    expect(cache.totalSize).toBe(6);
    cache.set('huge', 5, 50);
    expect(cache.keys()).toEqual(['huge']);
  });

  it('delete and clear drop entries without counting them as evicted', () => {
    const { cache, evicted } = lru(3);
    cache.set('a', 1, 2);
    cache.set('b', 2, 3);
    expect(cache.delete('a')).toBe(true);
    expect(cache.delete('a')).toBe(false);
    expect([cache.size, cache.totalSize]).toEqual([1, 3]);
    cache.clear();
    expect([cache.size, cache.totalSize, cache.get('b')]).toEqual([0, 0, undefined]);
    cache.set('c', 3, 1);
    expect(cache.keys()).toEqual(['c']);
    expect(evicted).toEqual([]);
  });
});
