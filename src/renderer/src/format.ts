// Formatting shared by the views: amounts, hashes, times and sizes.

const COIN = 100_000_000n;

/** Satoshis (a decimal string or bigint, as the API sends them) as BTC with 8 decimals, trailing zeros trimmed. */
export function btc(sats: string | bigint | number | null | undefined): string {
  if (sats === null || sats === undefined) return '–';
  const v = BigInt(sats);
  const neg = v < 0n;
  const a = neg ? -v : v;
  const frac = (a % COIN).toString().padStart(8, '0').replace(/0+$/, '');
  return `${neg ? '-' : ''}${(a / COIN).toString()}${frac ? `.${frac}` : ''} BTC`;
}

export function sats(v: string | bigint | number | null | undefined): string {
  if (v === null || v === undefined) return '–';
  return `${BigInt(v).toLocaleString('en-US')} sat`;
}

/** The first and last characters of a hash: 0000a1b2…c3d4. */
export function short(hash: string | null | undefined, head = 8, tail = 4): string {
  if (!hash) return '–';
  return hash.length <= head + tail + 1 ? hash : `${hash.slice(0, head)}…${hash.slice(-tail)}`;
}

/** Seconds since the epoch as a local date and time. */
export function when(seconds: number): string {
  return new Date(seconds * 1000).toLocaleString();
}

/** How long ago, relative to `now` (ms): "12 s ago", "3 min ago". */
export function ago(seconds: number, nowMs: number): string {
  const d = Math.max(0, Math.round(nowMs / 1000 - seconds));
  if (d < 60) return `${d} s ago`;
  if (d < 3600) return `${Math.floor(d / 60)} min ago`;
  if (d < 86400) return `${Math.floor(d / 3600)} h ago`;
  return `${Math.floor(d / 86400)} d ago`;
}

export function bytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return '–';
  if (n < 1000) return `${n} B`;
  if (n < 1_000_000) return `${(n / 1000).toFixed(1)} kB`;
  return `${(n / 1_000_000).toFixed(2)} MB`;
}

export function hashRate(h: number): string {
  if (h >= 1e9) return `${(h / 1e9).toFixed(2)} GH/s`;
  if (h >= 1e6) return `${(h / 1e6).toFixed(2)} MH/s`;
  if (h >= 1e3) return `${(h / 1e3).toFixed(1)} kH/s`;
  return `${Math.round(h)} H/s`;
}

/** `n` and the noun, plural unless n is 1: count(1, 'coinbase') = '1 coinbase', count(3, 'spend') = '3 spends'. */
export function count(n: number, noun: string, plural = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : plural}`;
}
