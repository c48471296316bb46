/**
 * Canonical JSON: object keys sorted, no whitespace, `undefined` members dropped. Content
 * hashes (record ids, batch signatures, the state hash) are taken over this text, so two
 * nodes that hold equal values derive equal ids whatever order they built them in.
 * It runs once per record on the hot path, hence the plain loops.
 */
export function canonicalJson (value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new TypeError('canonicalJson: non-finite number')
    return JSON.stringify(value) ?? 'null'
  }
  if (Array.isArray(value)) {
    let out = '['
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ','
      const v = value[i]
      out += v === undefined ? 'null' : canonicalJson(v)
    }
    return out + ']'
  }
  const obj = value as Record<string, unknown>
  const keys = Object.keys(obj).sort()
  let out = '{'
  let first = true
  for (const k of keys) {
    const v = obj[k]
    if (v === undefined) continue
    out += (first ? '' : ',') + JSON.stringify(k) + ':' + canonicalJson(v)
    first = false
  }
  return out + '}'
}
