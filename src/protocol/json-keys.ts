/**
 * How a decoded JSON object's keys match a message's field names: as Go's encoding/json
 * matches them, which is how upstream's server reads every message. The exact key wins;
 * otherwise a key equal to the name case-insensitively does (an SDK sending `executorId`
 * works against upstream, so it works here). The boundary readers (json.ts) look every
 * field up through fieldKey, so one rule covers every message and nested object; maps
 * (env, kwargs) are read whole and keep their keys as sent.
 */

/**
 * Go's name folding (encoding/json foldName): ASCII letters upper-cased; the two non-ASCII
 * characters whose case-fold orbit holds an ASCII letter, the Kelvin sign and ſ, become K
 * and S; any other character its single-character upper case unless that is ASCII (ı stays
 * ı, as it is no fold of I). Every field name is ASCII, so this is exact wherever a key can
 * meet one.
 */
export function foldName (name: string): string {
  let out = ''
  for (const ch of name) {
    const c = ch.charCodeAt(0)
    if (c < 0x80) out += c >= 97 && c <= 122 ? String.fromCharCode(c - 32) : ch
    else if (ch === '\u212A') out += 'K'
    else if (ch === '\u017F') out += 'S'
    else {
      const up = ch.toUpperCase()
      out += [...up].length === 1 && up.charCodeAt(0) >= 0x80 ? up : ch
    }
  }
  return out
}

/** A key that a lowercase field name matches only exactly: every key of a typical message. */
const PLAIN = /^[a-z0-9_]*$/
/** per decoded object, its other keys by folded name, built at its first inexact lookup */
const FOLDABLE = new WeakMap<object, ReadonlyMap<string, string>>()
const NONE: ReadonlyMap<string, string> = new Map()

function foldableKeys (o: Record<string, unknown>): ReadonlyMap<string, string> {
  let keys = FOLDABLE.get(o)
  if (keys === undefined) {
    let m: Map<string, string> | undefined
    // in document order, so a later key replaces an earlier one as Go's later assignment does
    for (const k of Object.keys(o)) if (!PLAIN.test(k)) (m ??= new Map()).set(foldName(k), k)
    keys = m ?? NONE
    FOLDABLE.set(o, keys)
  }
  return keys
}

/**
 * The key of `o` holding the field `name`: `name` itself if present, else the last key equal
 * to it case-insensitively (Go's decoder assigns each matching key in turn, so the last wins;
 * an exact key is preferred here so that `{"state":1,"State":2}` reads as it looks);
 * undefined when there is none.
 */
export function fieldKey (o: Record<string, unknown>, name: string): string | undefined {
  if (Object.hasOwn(o, name)) return name
  if (PLAIN.test(name)) {
    const keys = foldableKeys(o)
    return keys.size === 0 ? undefined : keys.get(foldName(name))
  }
  const folded = foldName(name)
  let found: string | undefined
  for (const k of Object.keys(o)) if (foldName(k) === folded) found = k
  return found
}
