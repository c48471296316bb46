/**
 * What one small message costs the libp2p stack the sites use (TCP, noise, yamux,
 * gossipsub with mesh degree 0), apart from everything colonynet does with it: three hosts,
 * each its own process; A sends N messages of SIZE bytes (default 4,000 of 1,500, about a
 * gossiped batch) to B and C, by gossip and, for comparison in the same run, over a framed
 * stream to each. Reported: CPU µs per message of the sender (for both peers) and of each
 * receiver. Rounds alternate the two ways, so the ratio holds on a noisy machine.
 *
 * Usage: node --import tsx bench/p2p-messages.ts   (SIZE=… N=… ROUNDS=…)
 */
import { spawn } from 'node:child_process'
import { dirname, join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))

interface Host { stop: () => void, next: () => Promise<any>, send: (cmd: Record<string, unknown>) => Promise<any> }

function startHost (): Host {
  const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'fixtures', 'p2p-messages-host.ts')], { stdio: ['pipe', 'pipe', 'inherit'] })
  const waiting: Array<(v: unknown) => void> = []
  createInterface({ input: child.stdout }).on('line', line => waiting.shift()?.(JSON.parse(line)))
  const next = async (): Promise<any> => await new Promise(resolve => waiting.push(resolve))
  return {
    stop: () => { child.stdin.end() },
    next,
    send: async (cmd) => {
      const reply = next()
      child.stdin.write(JSON.stringify(cmd) + '\n')
      return await reply
    }
  }
}

const size = Number(process.env.SIZE ?? 1500)
const n = Number(process.env.N ?? 4000)
const rounds = Number(process.env.ROUNDS ?? 3)
const hosts = [startHost(), startHost(), startHost()]
const [a, b, c] = hosts as [Host, Host, Host]
try {
  // every host's 'ready' line is awaited at once: one may come before another is asked for
  const [ra] = await Promise.all(hosts.map(async h => await h.next()))
  await b.send({ cmd: 'dial', addr: ra.addr })
  await c.send({ cmd: 'dial', addr: ra.addr })
  const deadline = Date.now() + 30_000
  while ((await a.send({ cmd: 'peers' })).n < 2) {
    if (Date.now() > deadline) throw new Error('B and C did not subscribe within 30 s')
    await new Promise(resolve => setTimeout(resolve, 100))
  }
  await a.send({ cmd: 'open' })
  let salt = 0
  for (let round = 0; round < rounds; round++) {
    for (const how of ['gossip', 'stream']) {
      const before = await Promise.all(hosts.map(async h => await h.send({ cmd: 'cpu' })))
      const t0 = performance.now()
      await a.send({ cmd: 'send', n, size, how, burst: 4, pauseMs: 1, salt: salt++ })
      for (;;) {
        const now = await Promise.all([b, c].map(async h => await h.send({ cmd: 'cpu' })))
        if (now.every((x, i) => x.got >= before[i + 1].got + n)) break
        if (performance.now() - t0 > 120_000) throw new Error(`${how}: not every message arrived within 2 min`)
        await new Promise(resolve => setTimeout(resolve, 20))
      }
      const after = await Promise.all(hosts.map(async h => await h.send({ cmd: 'cpu' })))
      const used = (i: number): number => (after[i].us - before[i].us) / n
      console.log(`${how.padEnd(6)} ${size} B: sender ${used(0).toFixed(0)} µs/message (to 2 peers), ` +
        `each receiver ${((used(1) + used(2)) / 2).toFixed(0)} µs/message, ${(n / ((performance.now() - t0) / 1000)).toFixed(0)} messages/s`)
    }
  }
} finally {
  for (const h of hosts) h.stop()
}
