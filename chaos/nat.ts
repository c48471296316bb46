/**
 * The NAT scenarios: four sites, 0 and 3 public, 1 and 2 each behind its own NAT router
 * (net.ts createNat: masquerade, nothing in but replies). Clients and executors at every
 * site, so work submitted behind one NAT runs behind the other. The NATed sites learn they
 * are behind NAT, reserve a slot on a public site's relay and reach each other through it.
 *
 * - nat-cone: routers that keep each connection's source port (hole punching possible
 *   for a transport that can dial from its listening port);
 * - nat-symmetric: routers that pick a random port per connection: only a relay joins them;
 * - nat-relay-killed: the relay the NATed sites use is killed (SIGKILL) mid-run, another
 *   public site takes over, the killed one comes back.
 *
 * Each prints how site 1 reaches the others (getsitesmsg), and the submit→start latency of
 * work crossing between the NATed sites (over the relay) against work crossing between the
 * public sites (direct), from the clients' and executors' logs.
 */
import { join } from 'node:path'
import { ColoniesClient } from '../src/client/rpc-client.js'
import { COLONY, type Cluster, readLines, type SiteProc, startNode, stopChild, until } from './cluster.js'
import { setNatKind, type SiteNet } from './net.js'
import type { Scenario } from './driver.js'
import { percentile } from '../bench/percentile.js'

interface Helpers {
  readonly hold: (ms: number) => Promise<void>
  readonly quick: boolean
}

const site = (c: Cluster, i: number): SiteProc => c.sites[i] as SiteProc

/** How site `from` reaches each other site, as `node ls` there shows it: "site-2 relayed via site-0, …". */
async function paths (c: Cluster, from: SiteProc): Promise<string> {
  const sites = await new ColoniesClient({ url: from.url, prvkey: c.user, timeoutMs: 5000 }).getSites(COLONY)
  const name = (id: string | undefined): string => sites.find(s => s.nodeid === id)?.name ?? id?.slice(0, 8) ?? '?'
  return sites.filter(s => !s.self).map(s => `${s.name} ${s.reach ?? '?'}${s.via === undefined ? '' : ` via ${name(s.via)}`}`).join(', ')
}

/** The public site whose relay `s` holds a slot on (from its /health), if any. */
async function relayOf (c: Cluster, s: SiteProc): Promise<SiteProc | undefined> {
  const h = await fetch(`${s.url}/health`, { signal: AbortSignal.timeout(5000) }).then(async r => await r.json() as { nat?: { relays: string[] } })
  const peer = h.nat?.relays[0]
  return peer === undefined ? undefined : c.sites.find(o => o.p2p.endsWith(`/p2p/${peer}`))
}

/** Waits until the two NATed sites reach each other (relayed or better), both ways; returns when. */
async function natedJoined (c: Cluster): Promise<number> {
  const [a, b] = [site(c, 1), site(c, 2)]
  await until(async () => {
    const [fromA, fromB] = await Promise.all([a, b].map(async s => await new ColoniesClient({ url: s.url, prvkey: c.user, timeoutMs: 5000 }).getSites(COLONY)))
    const reaches = (list: typeof fromA, id: string): boolean => list?.some(x => x.nodeid === id && x.reach !== 'none' && x.connected) === true
    return reaches(fromA, b.nodeid) && reaches(fromB, a.nodeid)
  }, 'the NATed sites to reach each other', 60_000)
  return Date.now()
}

/**
 * p50 and p99 (ms) of submit→start for work submitted at one of `from` after `since` and run
 * at one of `to` (other than where it was submitted).
 */
async function crossLatency (c: Cluster, from: number[], to: number[], since: number): Promise<string> {
  const sent = new Map<string, { site: string, sent: number }>()
  for (const s of c.sites) {
    for (const o of await readLines<{ ok: boolean, pid?: string, sent: number, site: string }>(join(c.dir, `ops-${s.name}.jsonl`))) {
      if (o.ok && o.pid !== undefined && o.sent >= since) sent.set(o.pid, { site: o.site, sent: o.sent })
    }
  }
  const fromNames = new Set(from.map(i => site(c, i).name))
  const toNames = new Set(to.map(i => site(c, i).name))
  const ms: number[] = []
  for (const s of c.sites) {
    if (!toNames.has(s.name)) continue
    for (const e of await readLines<{ pid: string, site: string, t: number }>(join(c.dir, `exec-${s.name}.jsonl`))) {
      const o = sent.get(e.pid)
      if (o !== undefined && fromNames.has(o.site) && o.site !== e.site) ms.push(e.t - o.sent)
    }
  }
  if (ms.length === 0) return 'none crossed'
  ms.sort((x, y) => x - y)
  return `p50 ${percentile(ms, 0.5)} ms, p99 ${percentile(ms, 0.99)} ms (${ms.length})`
}

/** How site 1 reaches the others, and the latency of work crossing since the NATed sites joined. */
async function report (c: Cluster, since?: number): Promise<void> {
  console.log(`    site-1 reaches: ${await paths(c, site(c, 1))}`)
  if (since === undefined) return
  console.log(`    submit→start across sites, once joined: NATed↔NATed ${await crossLatency(c, [1, 2], [1, 2], since)}; public↔public (direct) ${await crossLatency(c, [0, 3], [0, 3], since)}`)
}

export function natScenarios (nets: SiteNet[], h: Helpers): Scenario[] {
  // the routers' kind is set before the sites start: changing a router's rules under live
  // connections reset them all (seen: every connection of the NATed site dropped at once)
  const kind = (k: 'cone' | 'symmetric') => async (): Promise<void> => { for (const s of nets) await setNatKind(s, k) }
  const natRun = async (c: Cluster): Promise<void> => {
    const joined = await natedJoined(c)
    await h.hold(12_000)
    await report(c, joined)
  }
  return [
    {
      name: 'nat-cone',
      what: 'sites 1 and 2 each behind a port-preserving NAT (no inbound), 0 and 3 public: relayed, upgraded where possible, 12 s of work',
      needs: 'nat',
      nets,
      before: kind('cone'),
      fault: natRun
    },
    {
      name: 'nat-symmetric',
      what: 'sites 1 and 2 each behind a symmetric NAT (random port per connection): the relay carries everything between them, 12 s',
      needs: 'nat',
      nets,
      before: kind('symmetric'),
      fault: natRun
    },
    {
      name: 'nat-relay-killed',
      what: 'the public site relaying for the NATed sites killed with SIGKILL under load, the other public site takes over; back after 10 s',
      needs: 'nat',
      nets,
      before: kind('symmetric'),
      fault: async c => {
        await natedJoined(c)
        await h.hold(4000)
        const relay = await relayOf(c, site(c, 1))
        if (relay === undefined) throw new Error('site-1 holds no relay slot')
        const other = c.sites.find(s => s.net.router === undefined && s !== relay) as SiteProc
        console.log(`    killing ${relay.name}, the relay of site-1; ${other.name} should take over`)
        await stopChild(relay.node, 'SIGKILL')
        const killed = Date.now()
        await until(async () => (await relayOf(c, site(c, 1)))?.name === other.name && (await relayOf(c, site(c, 2)))?.name === other.name,
          `the NATed sites to take a slot on ${other.name}`, 60_000)
        console.log(`    both NATed sites hold a slot on ${other.name} ${((Date.now() - killed) / 1000).toFixed(1)} s after the kill`)
        // the work queued while claims waited on the dead site is run first, so the latency of
        // what is submitted now says little: show the paths only
        await natedJoined(c)
        await h.hold(10_000)
        await report(c)
        await startNode(c, relay, [other.p2p])
      }
    }
  ]
}
