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
// Runtime code. Arguments are literals or local names (so they may repeat); `tmp(expr)` binds a local.
// Each Σ is one chain of dependent rotations (FIPS 180-4 §4.1.2 regrouped): ror(ror(ror(x, 14) ^ x, 5) ^ x, 6)
// = ror(x, 25) ^ ror(x, 11) ^ ror(x, 6), which needs fewer register copies than three independent rotations.
const rot = (x, n) => `(${x} >>> ${n} | ${x} << ${32 - n})`;
const CODE = {
  sig0: (tmp, x) => `(${rot(tmp(`${rot(x, 11)} ^ ${x}`), 7)} ^ ${x} >>> 3)`,
  sig1: (tmp, x) => `(${rot(tmp(`${rot(x, 2)} ^ ${x}`), 17)} ^ ${x} >>> 10)`,
  bsig0: (tmp, x) => rot(tmp(`${rot(tmp(`${rot(x, 9)} ^ ${x}`), 11)} ^ ${x}`), 2),
  bsig1: (tmp, x) => rot(tmp(`${rot(tmp(`${rot(x, 14)} ^ ${x}`), 5)} ^ ${x}`), 6),
  ch: (tmp, e, f, g) => `(${g} ^ ${e} & (${f} ^ ${g}))`,
  maj: (tmp, a, b, c) => `(${b} & ${c} | ${a} & (${b} | ${c}))`,
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

/** Straight-line code of one generated function over a shared PerHeader; local names are unique within it. */
class Emitter {
  constructor(pre) {
    this.pre = pre;
    this.lines = [];
    this.temps = 0;
  }
  ref(v) {
    return v.t === 'k' ? hex(v.n) : v.name;
  }
  /** f(args): a constant, a new per-header constant, or inline runtime code `{ t: 'x', code }`. */
  fn(f, ...args) {
    if (args.every((a) => a.t === 'k')) return { t: 'k', n: EVAL[f](...args.map((a) => a.n)) | 0 };
    if (args.every((a) => a.t !== 'r')) return this.pre.add(`${f}(${args.map((a) => this.ref(a)).join(', ')})`);
    const tmp = (expr) => {
      const name = `s${this.temps++}`;
      this.lines.push(`const ${name} = ${expr};`);
      return name;
    };
    return { t: 'x', code: CODE[f](tmp, ...args.map((a) => this.ref(a))) };
  }
  /** x ^ y as a constant, a per-header constant or a runtime local. */
  xor(name, x, y) {
    if (x.t === 'k' && y.t === 'k') return { t: 'k', n: x.n ^ y.n };
    if (x.t !== 'r' && y.t !== 'r') return this.pre.add(`${this.ref(x)} ^ ${this.ref(y)}`);
    this.lines.push(`const ${name} = ${this.ref(x)} ^ ${this.ref(y)};`);
    return { t: 'r', name };
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
  /** One SHA-256 compression (FIPS 180-4 §6.2.2) of `w16` from `state`, rounds 0..rounds-1; returns the new a..h. */
  compress(state, w16, rounds = 64) {
    const w = [...w16];
    for (let t = 16; t < rounds; t++) {
      w[t] = this.sum(`w${t}`, this.fn('sig1', w[t - 2]), w[t - 7], this.fn('sig0', w[t - 15]), w[t - 16]);
    }
    let [a, b, c, d, e, f, g, h] = state;
    let prevAB;
    for (let t = 0; t < rounds; t++) {
      const k = { t: 'k', n: K[t] | 0 };
      const t1Items = [h, this.fn('bsig1', e), this.fn('ch', e, f, g), k, w[t]];
      // Maj(a, b, c) = b ^ ((a ^ b) & (b ^ c)); this round's a ^ b is the next round's b ^ c.
      const ab = this.xor(`x${t}`, a, b);
      const bc = prevAB ?? this.xor(`x${t}c`, b, c);
      prevAB = ab;
      const maj = [a, b, c].some((v) => v.t === 'r') ? { t: 'x', code: `(${this.ref(b)} ^ ${this.ref(ab)} & ${this.ref(bc)})` } : this.fn('maj', a, b, c);
      const t2Items = [this.fn('bsig0', a), maj];
      // A runtime part of T1 beyond a single local is computed once and shared by the new e and a.
      const runtime = t1Items.filter((v) => v.t === 'r' || v.t === 'x');
      const t1 = runtime.length > 1 || runtime.some((v) => v.t === 'x') ? [this.sum(`t${t}`, ...t1Items)] : t1Items;
      const e1 = this.sum(`e${t + 1}`, d, ...t1);
      const a1 = this.sum(`a${t + 1}`, ...t1, ...t2Items);
      [h, g, f, e, d, c, b, a] = [g, f, e, e1, c, b, a, a1];
    }
    return [a, b, c, d, e, f, g, h];
  }
}

/** Drops `const` locals nothing reads (such as a after the last round of the truncated second hash). */
function pruneDead(lines) {
  let kept = lines;
  for (;;) {
    const text = kept.join('\n');
    const next = kept.filter((line) => {
      const m = /^const (\w+) = /.exec(line);
      return !m || text.split(new RegExp(`\\b${m[1]}\\b`)).length > 2;
    });
    if (next.length === kept.length) return kept;
    kept = next;
  }
}

const k = (n) => ({ t: 'k', n: n | 0 });
const r = (name) => ({ t: 'r', name });
const ivs = IV.map(k);

/**
 * The three straight-line functions of SHA-256d(header with nonce). They are kept apart because V8 does
 * not optimize a function of more than 60 KiB of bytecode, which one function holding both hashes exceeds.
 *   tail: second block of the first hash (header bytes 64..79 and padding for 640 bits, FIPS 180-4 §5.1.1)
 *         from the midstate; reads `w3`, the nonce as a big-endian word; stores the digest words.
 *   full: the second hash (the 32-byte digest padded for 256 bits); stores its digest words.
 *   top:  the second hash up to round 60, returning only digest word 7: after round 60 the new e merely
 *         shifts through f, g and h, so rounds 61..63 are skipped.
 */
function emitTail(pre) {
  const em = new Emitter(pre);
  const mid = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => ({ t: 'p', name: `m${i}` }));
  const x = [0, 1, 2].map((i) => ({ t: 'p', name: `x${i}` }));
  const block = [...x, r('w3'), k(0x80000000), ...Array(10).fill(k(0)), k(640)];
  const s = em.compress(mid, block);
  s.forEach((v, i) => em.lines.push(`digest[${i}] = ${em.ref(em.sum(`d${i}`, mid[i], v))};`));
  return pruneDead(em.lines);
}

function digestBlock() {
  return [0, 1, 2, 3, 4, 5, 6, 7].map((i) => r(`d${i}`)).concat([k(0x80000000), ...Array(6).fill(k(0)), k(256)]);
}

function emitFull(pre) {
  const em = new Emitter(pre);
  const s = em.compress(ivs, digestBlock());
  s.forEach((v, i) => em.lines.push(`words[${i}] = ${em.ref(em.sum(`h${i}`, ivs[i], v))};`));
  return pruneDead(em.lines);
}

function emitTop(pre) {
  const em = new Emitter(pre);
  const s = em.compress(ivs, digestBlock(), 61);
  em.lines.push(`return ${em.ref(em.sum('top', ivs[7], s[4]))};`);
  return pruneDead(em.lines);
}

function generate() {
  const pre = new PerHeader();
  for (let i = 0; i < 8; i++) pre.add(`mid[${i}]!`, `m${i}`);
  for (let i = 0; i < 3; i++) pre.add(`readU32BE(header, ${64 + 4 * i})`, `x${i}`);
  const tail = emitTail(pre);
  const before = pre.entries.length;
  const full = emitFull(pre);
  const top = emitTop(pre);
  // The second hash starts from the constant IV: it has no per-header constants.
  if (pre.entries.length !== before) throw new Error('second hash added per-header constants');
  // Stored: the per-header constants the tail reads. Computed: those and what they are made of.
  const mentions = (text, n) => new RegExp(`\\b${n}\\b`).test(text);
  const names = pre.entries.map((e) => e.name).filter((n) => mentions(tail.join('\n'), n));
  const live = new Set(names);
  for (const e of [...pre.entries].reverse()) {
    if (live.has(e.name)) for (const other of pre.entries) if (mentions(e.expr, other.name)) live.add(other.name);
  }
  const computed = pre.entries.filter((e) => live.has(e.name));
  const loads = names.map((n, i) => `const ${n} = pre[${i}]!;`);
  const digestLoads = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => `const d${i} = digest[${i}]!;`);
  const ind = (n, lines) => lines.map((l) => ' '.repeat(n) + l).join('\n');
  return `// Proof-of-work hot loop: SHA-256d of an 80-byte block header with midstate reuse and unrolled compressions.
// GENERATED by scripts/gen-pow-hash.mjs (edit the generator and rerun it, not this file).
//
// Only the nonce (bytes 76..79, little-endian) varies between attempts, so the first 64-byte block is
// compressed once per header (the midstate) and everything of the second block that does not depend on
// the nonce (header words 16..18, the padding words, the first three rounds, constant parts of the
// message schedule) is computed in the constructor. The rest runs as straight-line int32 code in three
// functions (V8 optimizes no function over 60 KiB of bytecode). \`search\` computes only the hash's most
// significant word (rounds 61..63 of the second hash are skipped) and hashes in full only on a tie.

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

/** First hash, second block: writes the 8 digest words of SHA-256(header with nonce) into \`digest\`. */
function compressHeaderTail(pre: Int32Array, w3: number, digest: Int32Array): void {
${ind(2, loads)}
${ind(2, tail)}
}

/** Second hash: writes the 8 digest words of SHA-256 of the 32-byte \`digest\` into \`words\`. */
function compressDigest(digest: Int32Array, words: Int32Array): void {
${ind(2, digestLoads)}
${ind(2, full)}
}

/** Second hash, digest word 7 only (hash bytes 28..31 as a big-endian word). */
function compressDigestTop(digest: Int32Array): number {
${ind(2, digestLoads)}
${ind(2, top)}
}

function checkNonce(nonce: number, what = 'nonce'): number {
  if (!Number.isInteger(nonce) || nonce < 0 || nonce > MAX_NONCE) {
    throw new RangeError(\`\${what}: expected an integer in 0..0xffffffff, got \${nonce}\`);
  }
  return nonce;
}

/** Hasher of one 80-byte header over all nonces; the header's own nonce bytes are ignored. */
export class HeaderHasher {
  /** The per-header constants compressHeaderTail reads (see scripts/gen-pow-hash.mjs). */
  private readonly pre: Int32Array;
  private readonly digest = new Int32Array(8);
  private readonly words = new Int32Array(8);
  private readonly scratch = new Uint8Array(32);

  constructor(header: Uint8Array) {
    if (!(header instanceof Uint8Array) || header.length !== 80) {
      const got = header instanceof Uint8Array ? header.length : typeof header;
      throw new TypeError(\`expected 80 bytes, got \${got}\`);
    }
    const mid = midstate(header);
${ind(4, computed.map((e) => `const ${e.name} = ${e.expr};`))}
    this.pre = Int32Array.of(
${ind(6, chunk(names, 12).map((r) => r.join(', ') + ','))}
    );
  }

  /**
   * sha256d(header with this nonce), 32 bytes in SHA-256's output order (as sha256(sha256(h)) returns),
   * written into the first 32 bytes of \`out\` when given.
   */
  hash(nonce: number, out: Uint8Array = new Uint8Array(32)): Uint8Array {
    checkNonce(nonce);
    if (!(out instanceof Uint8Array) || out.length < 32) throw new TypeError(\`out: expected at least 32 bytes, got \${out.length}\`);
    // Header bytes 76..79 (the nonce, little-endian) read as a big-endian word.
    compressHeaderTail(this.pre, bswap32(nonce), this.digest);
    compressDigest(this.digest, this.words);
    for (let i = 0; i < 8; i++) {
      const v = this.words[i]!;
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
    // Target as 8 little-endian words, targetWords[7] most significant; a target >= 2^256 admits every hash.
    const clamped = target >= TWO_256 ? TWO_256 - 1n : target;
    const targetWords = new Uint32Array(8);
    for (let i = 0; i < 8; i++) targetWords[i] = Number((clamped >> BigInt(32 * i)) & 0xffffffffn);
    const targetHigh = targetWords[7]!;
    const pre = this.pre;
    const digest = this.digest;
    for (let nonce = start; nonce <= end; nonce++) {
      compressHeaderTail(pre, bswap32(nonce), digest);
      // Hash bytes 28..31 as a little-endian word: the most significant word of the 256-bit value.
      const high = bswap32(compressDigestTop(digest)) >>> 0;
      if (high > targetHigh) continue;
      if (high < targetHigh || this.meetsTarget(nonce, targetWords)) return nonce;
    }
    return -1;
  }

  /** Full comparison of hash(nonce), as a little-endian 256-bit integer, against the target words. */
  private meetsTarget(nonce: number, targetWords: Uint32Array): boolean {
    const h = this.hash(nonce, this.scratch);
    for (let i = 7; i >= 0; i--) {
      const v = (h[4 * i]! | (h[4 * i + 1]! << 8) | (h[4 * i + 2]! << 16) | (h[4 * i + 3]! << 24)) >>> 0;
      if (v !== targetWords[i]) return v < targetWords[i]!;
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
