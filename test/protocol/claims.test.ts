import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { claimableAt, rankOf, rankSites } from '../../src/protocol/claims.js'
import { sha3Hex } from '../../src/protocol/crypto.js'

const sites = ['a', 'b', 'c', 'd'].map(s => sha3Hex(s))
const pids = Array.from({ length: 400 }, (_, i) => sha3Hex(`p${i}`))

test('every site computes the same ranking, whatever order it lists the sites in', () => {
  for (const pid of pids.slice(0, 50)) assert.equal(rankSites(pid, sites), rankSites(pid, [...sites].reverse()))
})

test('the first rank is spread over the sites (rendezvous hashing balances load)', () => {
  const firsts = new Map<string, number>()
  for (const pid of pids) {
    const top = rankSites(pid, sites)[0] as string
    firsts.set(top, (firsts.get(top) ?? 0) + 1)
  }
  for (const s of sites) {
    const n = firsts.get(s) ?? 0
    assert.ok(n > 60 && n < 140, `site ranked first ${n} times of 400`)
  }
})

test('removing a site only moves the processes it ranked first', () => {
  const without = sites.slice(1)
  for (const pid of pids) {
    const before = rankSites(pid, sites)[0]
    if (before !== sites[0]) assert.is(rankSites(pid, without)[0], before)
  }
})

test('rank and claim delay', () => {
  const order = rankSites(pids[0] as string, sites)
  assert.is(rankOf(pids[0] as string, order[2] as string, sites), 2)
  assert.is(rankOf(pids[0] as string, 'stranger', sites), -1)
  assert.is(claimableAt(1000, 0, 50), 1000)
  assert.is(claimableAt(1000, 3, 50), 1150)
})

test.run()
