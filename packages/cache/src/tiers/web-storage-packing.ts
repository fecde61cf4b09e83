/**
 * Compression for browser storage through the platform's `CompressionStream('deflate-raw')`, so
 * the bundle carries no compressor. Those streams are asynchronous and the web-storage tier is
 * not: a large entry is written as it is and packed a moment later, and a packed entry is
 * unpacked in the background (all of ours when the tier starts, others when first read) and read
 * from the unpacked copy after that. The packed form is the entry codec's own (`"z":1`, raw
 * DEFLATE as base64), so Node reads what a browser packed and a browser what Node packed.
 */
import { fromBase64, toBase64, utf8Decode, utf8Encode } from '../codec/bytes.ts';

const DATA = ',"data":';
const Z = ',"z":1';

/** Whether the platform has the compression streams (current browsers, Node 18 and later). */
export function canPack(): boolean {
  return typeof CompressionStream === 'function' && typeof DecompressionStream === 'function';
}

async function through(bytes: Uint8Array, stream: CompressionStream | DecompressionStream): Promise<Uint8Array> {
  const piped = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(stream);
  return new Uint8Array(await new Response(piped).arrayBuffer());
}

/** Whether a stored entry is packed (its data deflated). */
export function isPacked(raw: string): boolean {
  // The header's strings are JSON-escaped, so these unescaped quotes can only be the fields.
  const at = raw.indexOf(DATA);
  return at > 0 && raw.startsWith(Z, at - Z.length);
}

/** A stored entry in clear (`"data":<json>`) with its data deflated; `undefined` when it would not shrink. */
export async function pack(raw: string): Promise<string | undefined> {
  const at = raw.indexOf(DATA);
  if (at < 0 || raw.includes(',"enc":')) return undefined;
  const data = utf8Encode(raw.slice(at + DATA.length, -1));
  const deflated = await through(data, new CompressionStream('deflate-raw'));
  const packed = `${raw.slice(0, at)}${Z}${DATA}"${toBase64(deflated)}"}`;
  return packed.length < raw.length ? packed : undefined;
}

/** A packed stored entry back in clear. Rejects on data that is not raw DEFLATE. */
export async function unpack(raw: string): Promise<string> {
  const at = raw.indexOf(DATA);
  const inflated = await through(
    fromBase64(raw.slice(at + DATA.length + 1, -2)),
    new DecompressionStream('deflate-raw'),
  );
  return `${raw.slice(0, at - Z.length)}${DATA}${utf8Decode(inflated)}}`;
}
