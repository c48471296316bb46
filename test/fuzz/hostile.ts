/**
 * Hostile inputs for the fuzz properties: values a careless or malicious peer might send
 * (huge and fractional numbers, long and odd unicode strings, deep nesting, prototype
 * keys), structural edits of a valid JSON value (drop a field, change its type, replace
 * it, wrap it, add `__proto__`), and byte-level edits of a valid encoding. Everything is
 * a fast-check arbitrary, so failures shrink to a minimal edit list.
 */
import fc from 'fast-check'

type Json = null | boolean | number | string | Json[] | { [k: string]: Json }

/** An array nested `depth` levels deep (JSON.parse copes; recursive code may not). */
export function deepArray (depth: number, leaf: Json = 0): Json {
  let v: Json = leaf
  for (let i = 0; i < depth; i++) v = [v]
  return v
}

/** An object nested `depth` levels deep under key `k`. */
export function deepObject (depth: number, k = 'a', leaf: Json = 0): Json {
  let v: Json = leaf
  for (let i = 0; i < depth; i++) v = { [k]: v }
  return v
}

/** An object whose *own* keys are `__proto__` and `constructor` (as JSON.parse makes them). */
export function protoObject (inner: Json = { polluted: true }): Json {
  return JSON.parse(`{"__proto__":${JSON.stringify(inner)},"constructor":{"prototype":${JSON.stringify(inner)}},"toString":1}`) as Json
}

const HEX64 = 'a'.repeat(64)

/** Leaves chosen to sit on the edges of the validators. */
export const hostileLeaf: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom<Json>(
    null, true, false, 0, -0, -1, 1, 1.5, -1.5, 4, 5, 100, 501, 2 ** 31, 2 ** 53, 2 ** 53 + 2, -(2 ** 63), 1e308, -1e308, 5e-324,
    '', ' ', '0', '-1', 'true', 'null', '1e999', 'NaN', '\u0000', '\u202e\u200b', 'ñ🐜', '\ud800', '\udfff\ud800',
    HEX64, HEX64.toUpperCase(), 'g'.repeat(64), 'a'.repeat(63), 'a'.repeat(65), '__proto__', 'constructor',
    '1000m', '4Gi', '-1Gi', '1e3', '0x10', 'x'.repeat(10_000), '../../etc/passwd', '<script>', '%s%n', '{"msgtype":"x"}',
    [], {}, [null], [[]], [''], ['x'], [{}]
  ),
  fc.integer(),
  fc.double(),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>
)

/** A hostile value: a leaf, a deep nest (100 or 1,000 levels) or an object with prototype keys. */
export const hostileValue: fc.Arbitrary<Json> = fc.oneof(
  { weight: 8, arbitrary: hostileLeaf },
  { weight: 1, arbitrary: fc.constantFrom(100, 1000).map(d => deepArray(d)) },
  { weight: 1, arbitrary: fc.constantFrom(100, 1000).map(d => deepObject(d)) },
  { weight: 1, arbitrary: hostileLeaf.map(protoObject) }
)

export type Edit =
  | { readonly op: 'drop', readonly at: number }
  | { readonly op: 'set', readonly at: number, readonly v: Json }
  | { readonly op: 'retype', readonly at: number }
  | { readonly op: 'wrap', readonly at: number }
  | { readonly op: 'proto', readonly at: number }
  | { readonly op: 'add', readonly at: number, readonly key: string, readonly v: Json }
  /** a change that keeps the type: a number moved, a string's character changed, a boolean negated */
  | { readonly op: 'tweak', readonly at: number, readonly n: number }

export const editArb: fc.Arbitrary<Edit> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ op: fc.constant('tweak' as const), at: fc.nat(), n: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('drop' as const), at: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('set' as const), at: fc.nat(), v: hostileValue }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('retype' as const), at: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('wrap' as const), at: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('proto' as const), at: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('add' as const), at: fc.nat(), key: fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('__proto__', 'constructor', 'msgtype', 'k')), v: hostileValue }) }
)

export const editsArb: fc.Arbitrary<Edit[]> = fc.array(editArb, { minLength: 1, maxLength: 4 })

type Path = Array<string | number>

/** Every path inside `v` (the root excluded) down to 40 levels: where an edit can land. */
function pathsOf (v: Json, prefix: Path = [], out: Path[] = []): Path[] {
  if (prefix.length >= 40 || out.length >= 2000) return out
  if (Array.isArray(v)) {
    v.forEach((x, i) => { out.push([...prefix, i]); pathsOf(x, [...prefix, i], out) })
  } else if (v !== null && typeof v === 'object') {
    for (const k of Object.keys(v)) { out.push([...prefix, k]); pathsOf(v[k] as Json, [...prefix, k], out) }
  }
  return out
}

function parentOf (root: Json, path: Path): { parent: any, key: string | number } {
  let parent: any = root
  for (const k of path.slice(0, -1)) parent = parent[k]
  return { parent, key: path[path.length - 1] as string | number }
}

const TWEAK_CHARS = 'aA0f-_ .\u00e9\u0000'
const TWEAK_NUMBERS = [1, -1, 1000, -1000, 2 ** 31, 2 ** 53 - 1]

function tweak (v: Json, n: number): Json {
  if (typeof v === 'number') return n % 5 === 0 ? 0 : n % 5 === 1 ? -v : v + (TWEAK_NUMBERS[n % TWEAK_NUMBERS.length] as number)
  if (typeof v === 'boolean') return !v
  if (typeof v === 'string') {
    if (v === '' || n % 4 === 0) return v + (TWEAK_CHARS[n % TWEAK_CHARS.length] as string)
    const i = n % v.length
    if (n % 4 === 1) return v.slice(0, i)
    return v.slice(0, i) + (TWEAK_CHARS[n % TWEAK_CHARS.length] === v[i] ? 'b' : TWEAK_CHARS[n % TWEAK_CHARS.length] as string) + v.slice(i + 1)
  }
  return v
}

function retype (v: Json): Json {
  if (typeof v === 'number') return String(v)
  if (typeof v === 'string') return v === '' ? 0 : Number.isFinite(Number(v)) ? Number(v) : v.length
  if (typeof v === 'boolean') return v ? 'true' : 0
  if (v === null) return false
  if (Array.isArray(v)) return Object.fromEntries(v.map((x, i) => [String(i), x]))
  return [JSON.stringify(v)]
}

/** Defines an own property, even `__proto__` (plain assignment would set the prototype). */
function put (o: any, k: string | number, v: unknown): void {
  Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true })
}

/**
 * A copy of an edit's value to insert: the value itself may be a shared constant (or be
 * replayed while fast-check shrinks), and later edits change what they land in, in place;
 * inserted by reference, the same array could end up inside itself.
 */
const fresh = (v: Json): Json => structuredClone(v)

/** `value` with the edits applied, in order, to a deep copy (JSON round trip). */
export function applyEdits (value: Json, edits: readonly Edit[]): Json {
  let root = JSON.parse(JSON.stringify(value)) as Json
  for (const e of edits) {
    const paths = pathsOf(root)
    if (paths.length === 0 || root === null || typeof root !== 'object') {
      if (e.op === 'set') root = fresh(e.v)
      else if (e.op === 'wrap') root = [root]
      continue
    }
    const path = paths[e.at % paths.length] as Path
    const { parent, key } = parentOf(root, path)
    switch (e.op) {
      case 'drop':
        if (Array.isArray(parent)) parent.splice(key as number, 1)
        else delete parent[key]
        break
      case 'set': put(parent, key, fresh(e.v)); break
      case 'retype': put(parent, key, retype(parent[key] as Json)); break
      case 'tweak': put(parent, key, tweak(parent[key] as Json, e.n)); break
      case 'wrap': put(parent, key, [parent[key]]); break
      case 'proto': {
        const target = parent[key]
        const o = target !== null && typeof target === 'object' && !Array.isArray(target) ? target : parent
        if (Array.isArray(o)) break
        put(o, '__proto__', { polluted: true })
        put(o, 'constructor', { prototype: { polluted: true } })
        break
      }
      case 'add': {
        const target = parent[key]
        const o = target !== null && typeof target === 'object' && !Array.isArray(target) ? target : parent
        if (Array.isArray(o)) o.push(fresh(e.v))
        else put(o, e.key, fresh(e.v))
        break
      }
    }
  }
  return root
}

export type ByteEdit =
  | { readonly op: 'flip', readonly at: number, readonly bit: number }
  | { readonly op: 'cut', readonly at: number }
  | { readonly op: 'insert', readonly at: number, readonly byte: number }
  | { readonly op: 'dup', readonly at: number, readonly len: number }

export const byteEditArb: fc.Arbitrary<ByteEdit> = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat(7) }),
  fc.record({ op: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), byte: fc.constantFrom(0x00, 0x22, 0x5c, 0x7b, 0x7d, 0x5b, 0x2c, 0x3a, 0x80, 0xc3, 0xff, 0x41) }),
  fc.record({ op: fc.constant('dup' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 64 }) })
)

/** `bytes` with byte-level edits (positions taken modulo the current length). */
export function applyByteEdits (bytes: Uint8Array, edits: readonly ByteEdit[]): Uint8Array {
  let b = Uint8Array.from(bytes)
  for (const e of edits) {
    if (b.length === 0) break
    const at = e.at % b.length
    switch (e.op) {
      case 'flip': b[at] = (b[at] as number) ^ (1 << e.bit); break
      case 'cut': b = b.slice(0, at); break
      case 'insert': b = Uint8Array.from([...b.slice(0, at), e.byte, ...b.slice(at)]); break
      case 'dup': b = Uint8Array.from([...b.slice(0, at + e.len), ...b.slice(at, at + e.len), ...b.slice(at + e.len)]); break
    }
  }
  return b
}

/** Edits one character of a text (a base64 payload, a hex signature) to another of `alphabet`. */
export function flipChar (text: string, at: number, alphabet: string, pick: number): string {
  if (text.length === 0) return alphabet[pick % alphabet.length] as string
  const i = at % text.length
  const others = alphabet.replace(text[i] as string, '')
  return text.slice(0, i) + (others[pick % others.length] as string) + text.slice(i + 1)
}

const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n

/** The high-S twin of a low-S r‖s‖v signature: (r, n − s, v ^ 1), valid for the same key in raw ECDSA. */
export function highS (sig: string): string {
  const s = BigInt('0x' + sig.slice(64, 128))
  const v = parseInt(sig.slice(128, 130), 16) ^ 1
  return sig.slice(0, 64) + (N - s).toString(16).padStart(64, '0') + v.toString(16).padStart(2, '0')
}

/** Bytes shown as (truncated) text in fast-check's reports instead of a list of numbers. */
export function shown<T extends object> (value: T, bytes: Uint8Array, label = ''): T {
  const text = Buffer.from(bytes).toString('latin1')
  const s = text.length > 240 ? `${text.slice(0, 240)}…(${text.length} bytes)` : text
  return Object.assign(value, { [fc.toStringMethod]: () => `${label}${JSON.stringify(s)}` })
}

/** The error, if `fn` throws one; for asserting that only typed errors escape. */
export function thrown (fn: () => unknown): unknown {
  try {
    fn()
  } catch (err) {
    return err
  }
  return undefined
}
