import { test } from 'uvu'
import * as assert from 'uvu/assert'
import fc from 'fast-check'
import { canonicalJson } from '../../src/protocol/canonical.js'

test('canonical JSON sorts keys at every depth and drops undefined members', () => {
  assert.is(canonicalJson({ b: 1, a: [{ d: undefined, c: 'x' }, null], e: { z: true, y: undefined } }), '{"a":[{"c":"x"},null],"b":1,"e":{"z":true}}')
})

test('canonical JSON is JSON that parses back to the same value, whatever the key order', () => {
  fc.assert(fc.property(fc.jsonValue(), (v) => {
    const text = canonicalJson(v)
    assert.equal(JSON.parse(text), JSON.parse(JSON.stringify(v)))
    // the same value built with keys in another order gives the same text
    const reordered = JSON.parse(JSON.stringify(v), (_k, x) => x !== null && typeof x === 'object' && !Array.isArray(x)
      ? Object.fromEntries(Object.entries(x).reverse())
      : x)
    assert.is(canonicalJson(reordered), text)
  }), { seed: 11, numRuns: 300 })
})

test('non-finite numbers are refused rather than hashed as null', () => {
  assert.throws(() => canonicalJson({ a: Infinity }), /non-finite/)
})

test.run()
