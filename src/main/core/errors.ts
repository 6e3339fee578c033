// The two kinds of failure a caller can act on: bad bytes (ParseError) and a broken consensus rule (RuleError).

/**
 * A consensus rule was broken. `code` is a short stable string in Bitcoin Core's vocabulary
 * (`high-hash`, `bad-txnmrklroot`, ...). Anything else thrown from the core is a bug.
 */
export class RuleError extends Error {
  override readonly name = 'RuleError';
  readonly code: string;
  /** Whether the peer that sent this deserves a misbehaviour score (false for e.g. a missing parent). */
  readonly punishable: boolean;
  constructor(code: string, message?: string, punishable = true) {
    super(message ? `${code}: ${message}` : code);
    this.code = code;
    this.punishable = punishable;
  }
}

/** Bytes or text that do not decode: bad hex, wrong length, truncated data. */
export class ParseError extends Error {
  override readonly name = 'ParseError';
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

/** A caller asked for something invalid (unknown network, bad amount, insufficient funds). */
export class InputError extends Error {
  override readonly name = 'InputError';
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}
