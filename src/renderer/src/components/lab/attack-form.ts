// Builds an attack's form from the JSON Schema of its parameters (as `attacks.list` sends it), and turns the
// form's values back into parameters: numbers, strings, booleans, lists of strings (comma-separated, or a
// multi-select when the items are an enum) and lists of lists of strings (groups: "a,b | c,d").

export type FieldKind = 'number' | 'string' | 'boolean' | 'list' | 'choices' | 'groups' | 'json';
export type FieldValue = number | string | boolean | string[] | undefined;

export interface Field {
  name: string;
  kind: FieldKind;
  integer: boolean;
  min?: number;
  max?: number;
  /** For `choices`: the allowed items. */
  options?: string[];
  /** Whether the schema gives a default (fields without one are optional: left empty, they are not sent). */
  hasDefault: boolean;
  initial: FieldValue;
  description?: string;
}

type Schema = {
  type?: string;
  default?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  items?: Schema;
  enum?: unknown[];
  description?: string;
  properties?: Record<string, Schema>;
};

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

function fieldOf(name: string, s: Schema): Field {
  const hasDefault = 'default' in s;
  const base = { name, hasDefault, ...(s.description ? { description: s.description } : {}) };
  if (s.type === 'integer' || s.type === 'number') {
    const integer = s.type === 'integer';
    const step = integer ? 1 : 1e-9;
    const min = s.minimum ?? (s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + step : undefined);
    const max = s.maximum ?? (s.exclusiveMaximum !== undefined ? s.exclusiveMaximum - step : undefined);
    return { ...base, kind: 'number', integer, ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}), initial: typeof s.default === 'number' ? s.default : undefined };
  }
  if (s.type === 'boolean') return { ...base, kind: 'boolean', integer: false, initial: s.default === true };
  if (s.type === 'string') return { ...base, kind: 'string', integer: false, initial: typeof s.default === 'string' ? s.default : '' };
  if (s.type === 'array' && s.items?.type === 'string') {
    const dflt = Array.isArray(s.default) ? s.default.map(String) : [];
    if (Array.isArray(s.items.enum)) return { ...base, kind: 'choices', integer: false, options: s.items.enum.map(String), initial: dflt };
    return { ...base, kind: 'list', integer: false, initial: dflt.join(', ') };
  }
  if (s.type === 'array' && s.items?.type === 'array') {
    const dflt = Array.isArray(s.default) ? (s.default as unknown[]).map((g) => (Array.isArray(g) ? g.map(String).join(', ') : String(g))).join(' | ') : '';
    return { ...base, kind: 'groups', integer: false, initial: dflt };
  }
  return { ...base, kind: 'json', integer: false, initial: s.default === undefined ? '' : JSON.stringify(s.default) };
}

export function fieldsOf(schema: unknown): Field[] {
  if (!isObject(schema) || !isObject(schema.properties)) return [];
  return Object.entries(schema.properties as Record<string, Schema>).map(([name, s]) => fieldOf(name, s));
}

export function initialValues(fields: readonly Field[]): Record<string, FieldValue> {
  return Object.fromEntries(fields.map((f) => [f.name, Array.isArray(f.initial) ? [...f.initial] : f.initial]));
}

const splitList = (s: string) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x.length > 0);

/** The parameters to send: empty optional fields are left out; a malformed JSON field throws. */
export function paramsOf(fields: readonly Field[], values: Record<string, FieldValue>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    const v = values[f.name];
    switch (f.kind) {
      case 'number':
        if (typeof v === 'number' && Number.isFinite(v)) out[f.name] = v;
        break;
      case 'string':
        if (typeof v === 'string' && v.trim() !== '') out[f.name] = v.trim();
        break;
      case 'boolean':
        out[f.name] = v === true;
        break;
      case 'list':
        if (typeof v === 'string') out[f.name] = splitList(v);
        break;
      case 'choices':
        if (Array.isArray(v)) out[f.name] = [...v];
        break;
      case 'groups':
        if (typeof v === 'string' && v.trim() !== '') out[f.name] = v.split('|').map(splitList);
        break;
      case 'json':
        if (typeof v === 'string' && v.trim() !== '') out[f.name] = JSON.parse(v) as unknown;
        break;
    }
  }
  return out;
}
