// Generator of src/main/core/pow-hash.ts: partially evaluates SHA-256d of an 80-byte header into unrolled code.
//
// Run `node scripts/gen-pow-hash.mjs` after editing; the emitted .ts file is what the miner runs.
// Every value of the two compressions is classified while generating:
//   k  a compile-time constant (K[t], the SHA-256 IV, padding words) folded into literals,
//   p  a per-header constant (midstate, header words 16..18, the first rounds, constant parts of
//      the message schedule) computed once in the constructor and kept in an Int32Array,
//   r  a per-nonce runtime value, emitted as a `const` local in straight-line code.

import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const OUT = fileURLToPath(new URL('../src/main/core/pow-hash.ts', import.meta.url));

// FIPS 180-4 §4.2.2: first 32 bits of the fractional parts of the cube roots of the first 64 primes.
const K = [
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
];
// FIPS 180-4 §5.3.3: the initial hash value.
const IV = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];

const hex = (n) => '0x' + (n >>> 0).toString(16).padStart(8, '0');
const rotr = (x, n) => (x >>> n) | (x << (32 - n));
const EVAL = {
  sig0: (x) => rotr(x, 7) ^ rotr(x, 18) ^ (x >>> 3),
  sig1: (x) => rotr(x, 17) ^ rotr(x, 19) ^ (x >>> 10),
  bsig0: (x) => rotr(x, 2) ^ rotr(x, 13) ^ rotr(x, 22),
  bsig1: (x) => rotr(x, 6) ^ rotr(x, 11) ^ rotr(x, 25),
  ch: (e, f, g) => g ^ (e & (f ^ g)),
  maj: (a, b, c) => (b & c) | (a & (b | c)),
};
// Inline code for runtime arguments (each argument is a literal or a local name, so it may repeat).
const rot = (x, n) => `(${x} >>> ${n} | ${x} << ${32 - n})`;
const CODE = {
  sig0: (x) => `(${rot(x, 7)} ^ ${rot(x, 18)} ^ ${x} >>> 3)`,
  sig1: (x) => `(${rot(x, 17)} ^ ${rot(x, 19)} ^ ${x} >>> 10)`,
  bsig0: (x) => `(${rot(x, 2)} ^ ${rot(x, 13)} ^ ${rot(x, 22)})`,
  bsig1: (x) => `(${rot(x, 6)} ^ ${rot(x, 11)} ^ ${rot(x, 25)})`,
  ch: (e, f, g) => `(${g} ^ ${e} & (${f} ^ ${g}))`,
  maj: (a, b, c) => `(${b} & ${c} | ${a} & (${b} | ${c}))`,
};

/** The per-header constants, in the order the constructor computes them. */
class PerHeader {
  constructor() {
    this.entries = []; // { name, expr }
  }
  /** The constant computed by `expr`; the same expression yields the same constant. */
  add(expr, name = `p${this.entries.length}`) {
    const known = this.entries.find((e) => e.expr === expr);
    if (known) return { t: 'p', name: known.name };
    this.entries.push({ name, expr });
    return { t: 'p', name };
  }
}

/** Straight-line code of one pass (the hot code of `hash` or of `search`) over a shared PerHeader. */
class Emitter {
  constructor(pre) {
    this.pre = pre;
    this.lines = [];
  }
  ref(v) {
    return v.t === 'k' ? hex(v.n) : v.name;
  }
  /** f(args): a constant, a new per-header constant, or inline runtime code `{ t: 'x', code }`. */
  fn(f, ...args) {
    if (args.every((a) => a.t === 'k')) return { t: 'k', n: EVAL[f](...args.map((a) => a.n)) | 0 };
    if (args.every((a) => a.t !== 'r')) return this.pre.add(`${f}(${args.map((a) => this.ref(a)).join(', ')})`);
    return { t: 'x', code: CODE[f](...args.map((a) => this.ref(a))) };
  }
  /** Folds a sum of values into one value; runtime sums become a `const name = (...) | 0` local. */
  sum(name, ...items) {
    let k = 0;
    const ps = [];
    const rs = [];
    for (const v of items) {
      if (v.t === 'k') k = (k + v.n) | 0;
      else if (v.t === 'p') ps.push(v.name);
      else if (v.t === 'r') rs.push(v.name);
      else rs.push(v.code);
    }
    let c; // the folded non-runtime part, or undefined when it is zero
    if (ps.length === 0) c = k === 0 ? undefined : { t: 'k', n: k };
    else if (ps.length === 1 && k === 0) c = { t: 'p', name: ps[0] };
    else c = this.pre.add(`(${[...ps, ...(k === 0 ? [] : [hex(k)])].join(' + ')}) | 0`);
    if (rs.length === 0) return c ?? { t: 'k', n: 0 };
    if (rs.length === 1 && !c && /^\w+$/.test(rs[0])) return { t: 'r', name: rs[0] };
    const terms = c ? [...rs, this.ref(c)] : rs;
    this.lines.push(`const ${name} = (${terms.join(' + ')}) | 0;`);
    return { t: 'r', name };
  }
  /**
   * One SHA-256 compression of `w` (16 values) from `state` (8 values), rounds 0..rounds-1.
   * `tag` makes local names unique per compression. Returns the state values after the last round.
   */
  compress(tag, state, w16, rounds = 64) {
    const w = [...w16];
    for (let t = 16; t < rounds; t++) {
      w[t] = this.sum(`${tag}w${t}`, this.fn('sig1', w[t - 2]), w[t - 7], this.fn('sig0', w[t - 15]), w[t - 16]);
    }
    let [a, b, c, d, e, f, g, h] = state;
    for (let t = 0; t < rounds; t++) {
      const k = { t: 'k', n: K[t] | 0 };
      const t1Items = [h, this.fn('bsig1', e), this.fn('ch', e, f, g), k, w[t]];
      const t2Items = [this.fn('bsig0', a), this.fn('maj', a, b, c)];
      // A runtime part of T1 beyond a single local is computed once and shared by the new e and a.
      const runtime = t1Items.filter((v) => v.t === 'r' || v.t === 'x');
      const t1 = runtime.length > 1 || runtime.some((v) => v.t === 'x') ? [this.sum(`${tag}t${t}`, ...t1Items)] : t1Items;
      const e1 = this.sum(`${tag}e${t + 1}`, d, ...t1);
      const a1 = this.sum(`${tag}a${t + 1}`, ...t1, ...t2Items);
      [h, g, f, e, d, c, b, a] = [g, f, e, e1, c, b, a, a1];
    }
    return [a, b, c, d, e, f, g, h];
  }
}

const k = (n) => ({ t: 'k', n: n | 0 });

/**
 * The hot code of SHA-256d(header) for one nonce, given the local `w3` (the nonce as big-endian word).
 * full: locals h0..h7 hold the digest words. Otherwise only `top`, digest word 7, is computed:
 * it depends on e after round 60, so rounds 61..63 of the second hash are skipped.
 */
function emitSha256d(pre, full) {
  const em = new Emitter(pre);
  const mid = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => ({ t: 'p', name: `m${i}` }));
  const x = [0, 1, 2].map((i) => ({ t: 'p', name: `x${i}` }));
  // Second block of the 80-byte message: header bytes 64..79, then padding (FIPS 180-4 §5.1.1) for 640 bits.
  const block1 = [...x, { t: 'r', name: 'w3' }, k(0x80000000), ...Array(10).fill(k(0)), k(640)];
  const s1 = em.compress('', mid, block1);
  const digest1 = s1.map((v, i) => em.sum(`d${i}`, mid[i], v));
  // The 32-byte digest padded for 256 bits.
  const block2 = [...digest1, k(0x80000000), ...Array(6).fill(k(0)), k(256)];
  const ivs = IV.map(k);
  if (full) {
    const s2 = em.compress('H', ivs, block2);
    s2.forEach((v, i) => em.sum(`h${i}`, ivs[i], v));
  } else {
    // After round 60 the new e becomes h after round 63 (it only shifts through f, g, h).
    const s2 = em.compress('H', ivs, block2, 61);
    em.sum('top', ivs[7], s2[4]);
  }
  return em.lines;
}

function generate() {
  const pre = new PerHeader();
  for (let i = 0; i < 8; i++) pre.add(`mid[${i}]!`, `m${i}`);
  for (let i = 0; i < 3; i++) pre.add(`readU32BE(header, ${64 + 4 * i})`, `x${i}`);
  const hashLines = emitSha256d(pre, true);
  const before = pre.entries.length;
  const searchLines = emitSha256d(pre, false);
  // The truncated pass is a prefix of the full one: it needs no per-header constant of its own.
  if (pre.entries.length !== before) throw new Error('search pass added per-header constants');
  // Kept: the per-header constants the hot code reads; the others are intermediates of the constructor.
  const mentions = (lines, n) => new RegExp(`\\b${n}\\b`).test(lines.join('\n'));
  const names = pre.entries.map((e) => e.name).filter((n) => mentions(hashLines, n) || mentions(searchLines, n));
  const loads = (lines) => names.flatMap((n, i) => (mentions(lines, n) ? [`const ${n} = pre[${i}]!;`] : []));
  const ind = (n, lines) => lines.map((l) => ' '.repeat(n) + l).join('\n');
  return `// Proof-of-work hot loop: SHA-256d of an 80-byte block header with midstate reuse and unrolled compressions.
// GENERATED by scripts/gen-pow-hash.mjs (edit the generator and rerun it, not this file).
//
// Only the nonce (bytes 76..79, little-endian) varies between attempts, so the first 64-byte block is
// compressed once per header (the midstate) and everything of the second block that does not depend on
// the nonce (header words 16..18, the padding words, the first three rounds, constant parts of the
// message schedule) is computed in the constructor. The rest runs as straight-line int32 code.

// FIPS 180-4 §4.2.2 round constants and §5.3.3 initial hash value.
const K = Int32Array.from([
${ind(2, chunk(K.map(hex), 8).map((r) => r.join(', ') + ','))}
]);
const IV = Int32Array.from([${IV.map(hex).join(', ')}]);

const MAX_NONCE = 0xffffffff;
const TWO_256 = 1n << 256n;

function rotr(x: number, n: number): number {
  return (x >>> n) | (x << (32 - n));
}
function sig0(x: number): number {
  return rotr(x, 7) ^ rotr(x, 18) ^ (x >>> 3);
}
function sig1(x: number): number {
  return rotr(x, 17) ^ rotr(x, 19) ^ (x >>> 10);
}
function bsig0(x: number): number {
  return rotr(x, 2) ^ rotr(x, 13) ^ rotr(x, 22);
}
function bsig1(x: number): number {
  return rotr(x, 6) ^ rotr(x, 11) ^ rotr(x, 25);
}
function ch(e: number, f: number, g: number): number {
  return g ^ (e & (f ^ g));
}
function maj(a: number, b: number, c: number): number {
  return (b & c) | (a & (b | c));
}

function readU32BE(b: Uint8Array, i: number): number {
  return (b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!;
}

function bswap32(x: number): number {
  return (x << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24);
}

/** SHA-256 state after compressing the first 64 bytes of \`header\` (FIPS 180-4 §6.2.2). */
function midstate(header: Uint8Array): Int32Array {
  const w = new Int32Array(64);
  for (let t = 0; t < 16; t++) w[t] = readU32BE(header, 4 * t);
  for (let t = 16; t < 64; t++) w[t] = (sig1(w[t - 2]!) + w[t - 7]! + sig0(w[t - 15]!) + w[t - 16]!) | 0;
  let a = IV[0]!, b = IV[1]!, c = IV[2]!, d = IV[3]!, e = IV[4]!, f = IV[5]!, g = IV[6]!, h = IV[7]!;
  for (let t = 0; t < 64; t++) {
    const t1 = (h + bsig1(e) + ch(e, f, g) + K[t]! + w[t]!) | 0;
    const t2 = (bsig0(a) + maj(a, b, c)) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  return Int32Array.of(
    (IV[0]! + a) | 0, (IV[1]! + b) | 0, (IV[2]! + c) | 0, (IV[3]! + d) | 0,
    (IV[4]! + e) | 0, (IV[5]! + f) | 0, (IV[6]! + g) | 0, (IV[7]! + h) | 0,
  );
}

function checkNonce(nonce: number, what = 'nonce'): number {
  if (!Number.isInteger(nonce) || nonce < 0 || nonce > MAX_NONCE) {
    throw new RangeError(\`\${what}: expected an integer in 0..0xffffffff, got \${nonce}\`);
  }
  return nonce;
}

/** Hasher of one 80-byte header over all nonces; the header's own nonce bytes are ignored. */
export class HeaderHasher {
  /** The per-header constants the generated code reads (see scripts/gen-pow-hash.mjs). */
  private readonly pre: Int32Array;
  private readonly scratch = new Uint8Array(32);

  constructor(header: Uint8Array) {
    if (!(header instanceof Uint8Array) || header.length !== 80) {
      const got = header instanceof Uint8Array ? header.length : typeof header;
      throw new TypeError(\`expected 80 bytes, got \${got}\`);
    }
    const mid = midstate(header);
${ind(4, pre.entries.map((e) => `const ${e.name} = ${e.expr};`))}
    this.pre = Int32Array.of(
${ind(6, chunk(names, 12).map((r) => r.join(', ') + ','))}
    );
  }

  /** sha256d(header with this nonce), 32 bytes in SHA-256's output order (as sha256(sha256(h)) returns). */
  hash(nonce: number, out: Uint8Array = new Uint8Array(32)): Uint8Array {
    checkNonce(nonce);
    if (!(out instanceof Uint8Array) || out.length < 32) throw new TypeError(\`out: expected at least 32 bytes, got \${out.length}\`);
    const pre = this.pre;
${ind(4, loads(hashLines))}
    const w3 = bswap32(nonce); // header bytes 76..79 (the nonce, little-endian) read as a big-endian word
${ind(4, hashLines)}
    const words = [h0, h1, h2, h3, h4, h5, h6, h7];
    for (let i = 0; i < 8; i++) {
      const v = words[i]!;
      out[4 * i] = v >>> 24;
      out[4 * i + 1] = v >>> 16;
      out[4 * i + 2] = v >>> 8;
      out[4 * i + 3] = v;
    }
    return out;
  }

  /**
   * Tries nonces start .. start+count-1 (uint32, stops at 0xffffffff). Returns the first nonce whose hash,
   * read as a little-endian 256-bit integer (Bitcoin's rule), is <= target; -1 when none.
   */
  search(start: number, count: number, target: bigint): number {
    checkNonce(start, 'start');
    if (!Number.isSafeInteger(count) || count < 0) throw new RangeError(\`count: expected a non-negative integer, got \${count}\`);
    if (typeof target !== 'bigint' || target < 0n) throw new RangeError(\`target: expected a non-negative bigint, got \${String(target)}\`);
    if (count === 0) return -1;
    const end = Math.min(start + count - 1, MAX_NONCE);
    // Target as 8 little-endian words, tw[7] most significant; a target >= 2^256 admits every hash.
    // (Names here must not clash with the generated locals: w18, t7, e4, a4, d0, Hw18, Ht7, top, p12, m0, ...)
    const clamped = target >= TWO_256 ? TWO_256 - 1n : target;
    const targetWords = new Uint32Array(8);
    for (let i = 0; i < 8; i++) targetWords[i] = Number((clamped >> BigInt(32 * i)) & 0xffffffffn);
    const targetHigh = targetWords[7]!;
    const pre = this.pre;
${ind(4, loads(searchLines))}
    for (let nonce = start; nonce <= end; nonce++) {
      const w3 = bswap32(nonce);
${ind(6, searchLines)}
      // Hash bytes 28..31 as a little-endian word: the most significant word of the 256-bit value.
      const high = bswap32(top) >>> 0;
      if (high > targetHigh) continue;
      if (high < targetHigh || this.meetsTarget(nonce, targetWords)) return nonce;
    }
    return -1;
  }

  /** Full comparison of hash(nonce), as a little-endian 256-bit integer, against the target words. */
  private meetsTarget(nonce: number, tw: Uint32Array): boolean {
    const h = this.hash(nonce, this.scratch);
    for (let i = 7; i >= 0; i--) {
      const v = (h[4 * i]! | (h[4 * i + 1]! << 8) | (h[4 * i + 2]! << 16) | (h[4 * i + 3]! << 24)) >>> 0;
      if (v !== tw[i]) return v < tw[i]!;
    }
    return true;
  }
}
`;
}

function chunk(xs, n) {
  const out = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}

writeFileSync(OUT, generate());
