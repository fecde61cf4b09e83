/**
 * Redis Cluster key slots, as `CLUSTER KEYSLOT` computes them (hash tags included).
 *
 * Not `cluster-key-slot` (ioredis's own): its 1.1.2 takes `{}{a}` to have the tag `a`, where
 * Redis hashes the whole key because the first `{…}` is empty. The Redis tier writes exactly
 * such keys (`prefix{}key` for a key without a hash tag), so grouping them by that function
 * would send cross-slot MGETs. `tier.test.ts` checks this one against the server.
 */

// CRC16-CCITT (XMODEM), the checksum Redis Cluster uses for key slots.
const CRC16_TABLE = (() => {
  const table = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let crc = i << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? (crc << 1) ^ 0x1021 : crc << 1;
    table[i] = crc & 0xffff;
  }
  return table;
})();

function crc16(bytes: Uint8Array, start: number, end: number): number {
  let crc = 0;
  for (let i = start; i < end; i++) crc = ((crc << 8) ^ CRC16_TABLE[((crc >> 8) ^ bytes[i]!) & 0xff]!) & 0xffff;
  return crc;
}

const encoder = new TextEncoder();

/** The cluster slot of a key. */
export function redisKeySlot(key: string): number {
  const bytes = encoder.encode(key);
  const open = bytes.indexOf(0x7b); // {
  if (open >= 0) {
    const close = bytes.indexOf(0x7d, open + 1); // }
    if (close > open + 1) return crc16(bytes, open + 1, close) & 0x3fff;
  }
  return crc16(bytes, 0, bytes.length) & 0x3fff;
}

/** Groups key positions by cluster slot, preserving the order within each group. */
export function groupBySlot(storageKeys: readonly string[]): Map<number, number[]> {
  const groups = new Map<number, number[]>();
  storageKeys.forEach((key, i) => {
    const slot = redisKeySlot(key);
    const group = groups.get(slot);
    if (group) group.push(i);
    else groups.set(slot, [i]);
  });
  return groups;
}
