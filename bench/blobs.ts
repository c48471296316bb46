/**
 * Blob transfer between two sites over libp2p on loopback (site A holds a blob, site C
 * fetches it: request, stream, hash, write, fsync, rename), each site its own process,
 * against two baselines run alternately in the same run: a plain TCP copy between two
 * processes (the receiver hashes, writes and fsyncs as a site does) and a local file copy
 * (read, hash, write, fsync) in this process. The ratio to the TCP copy is what to read:
 * the cost of noise, yamux, the framing and the store. Memory: each site's resident set
 * sampled every 50 ms while the blob crosses; a flat line (growth far below the blob's
 * size) shows that nothing holds the blob in memory.
 *
 * Usage: node --import tsx bench/blobs.ts   (BLOB_MIB=… size, default 100; ROUNDS=…, default 3)
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { mkdtemp, open, rm } from 'node:fs/promises'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { createInterface, type Interface } from 'node:readline'
import { Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { BlobClient } from '../src/client/blobs.js'
import { generatePrivateKey, idFromPrivateKey } from '../src/protocol/crypto.js'
import { eventually } from '../test/helpers/colony-node.js'
import { ok } from '../test/helpers/federation.js'
import { rssMiB } from './compare/proc-stats.js'

const here = dirname(fileURLToPath(import.meta.url))
const MiB = 1024 * 1024

interface Child { proc: ChildProcess, lines: Interface, next: (event: string) => Promise<any>, send: (cmd: Record<string, unknown>) => void }

function child (script: string, args: string[]): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx', join(here, 'fixtures', script), ...args], { stdio: ['pipe', 'pipe', 'inherit'] })
  const lines = createInterface({ input: proc.stdout as NonNullable<typeof proc.stdout> })
  const queue: any[] = []
  const waiting: Array<{ event: string, resolve: (v: any) => void }> = []
  lines.on('line', line => {
    let v: any
    try { v = JSON.parse(line) } catch { return }
    const i = waiting.findIndex(w => w.event === v.event || v.event === 'failed')
    if (i >= 0) waiting.splice(i, 1)[0]?.resolve(v)
    else queue.push(v)
  })
  return {
    proc,
    lines,
    next: async (event) => {
      const i = queue.findIndex(v => v.event === event || v.event === 'failed')
      const v = i >= 0 ? queue.splice(i, 1)[0] : await new Promise(resolve => waiting.push({ event, resolve }))
      if (v.event === 'failed') throw new Error(`${script}: ${String(v.message)}`)
      return v
    },
    send: cmd => { proc.stdin?.write(JSON.stringify(cmd) + '\n') }
  }
}

async function stopChild (c: Child): Promise<void> {
  const exited = new Promise<void>(resolve => c.proc.once('exit', () => resolve()))
  c.proc.stdin?.end()
  const timer = setTimeout(() => c.proc.kill('SIGKILL'), 10_000)
  await exited
  clearTimeout(timer)
}

/** Samples the resident sets of `pids` every 50 ms while `work` runs: the largest growth over the start, MiB. */
async function sampled<T> (pids: number[], work: () => Promise<T>): Promise<{ result: T, growth: number[] }> {
  const base = pids.map(p => rssMiB(p) ?? 0)
  const peak = [...base]
  const timer = setInterval(() => pids.forEach((p, i) => { peak[i] = Math.max(peak[i] ?? 0, rssMiB(p) ?? 0) }), 50)
  try {
    const result = await work()
    pids.forEach((p, i) => { peak[i] = Math.max(peak[i] ?? 0, rssMiB(p) ?? 0) })
    return { result, growth: peak.map((v, i) => v - (base[i] ?? 0)) }
  } finally {
    clearInterval(timer)
  }
}

async function localCopy (src: string, dest: string): Promise<number> {
  const t0 = performance.now()
  const hash = createHash('sha256')
  await pipeline(createReadStream(src, { highWaterMark: 256 * 1024 }), new Transform({ transform (c: Buffer, _e, cb) { hash.update(c); cb(null, c) } }), createWriteStream(dest))
  const fh = await open(dest, 'r+')
  await fh.sync()
  await fh.close()
  hash.digest('hex')
  return performance.now() - t0
}

async function tcpCopy (sink: Child, port: number, src: string): Promise<number> {
  const t0 = performance.now()
  const socket = connect(port, '127.0.0.1')
  await pipeline(createReadStream(src, { highWaterMark: 256 * 1024 }), socket)
  await sink.next('received')
  return performance.now() - t0
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN

export async function benchBlobs (mib = Number(process.env.BLOB_MIB ?? 100), rounds = Number(process.env.ROUNDS ?? 3)): Promise<Record<string, number>> {
  const dir = await mkdtemp(join(tmpdir(), 'colonynet-bench-blobs-'))
  const operator = generatePrivateKey()
  const owner = generatePrivateKey()
  const user = generatePrivateKey()
  const colony = 'bench'
  const children: Child[] = []
  try {
    const src = join(dir, 'blob.bin')
    const fh = await open(src, 'w')
    for (let i = 0; i < mib; i++) await fh.write(randomBytes(MiB))
    await fh.close()
    const size = mib * MiB

    const a = child('blob-site.ts', [join(dir, 'a'), operator])
    children.push(a)
    const ready = await a.next('ready')
    const c = child('blob-site.ts', [join(dir, 'c'), operator, ready.p2p[0]])
    children.push(c)
    const readyC = await c.next('ready')
    await ok(ready.url, { msgtype: 'addcolonymsg', colony: { colonyid: idFromPrivateKey(owner), name: colony } }, operator)
    await ok(ready.url, { msgtype: 'addusermsg', user: { colonyname: colony, userid: idFromPrivateKey(user), name: 'u', email: '', phone: '' } }, owner)
    await ok(ready.url, { msgtype: 'addsitemsg', colonyname: colony, nodeid: readyC.nodeid, name: 'c' }, owner)
    await eventually(async () => { c.send({ cmd: 'admitted', colony }); return (await c.next('admitted')).yes === true ? true : undefined }, 'C to be admitted', 30_000)

    const t0 = performance.now()
    const up = await new BlobClient({ url: ready.url, prvkey: user }).uploadBlob(colony, src)
    const uploadMs = performance.now() - t0

    const sink = child('tcp-sink.ts', [join(dir, 'tcp.bin')])
    children.push(sink)
    const { port } = await sink.next('ready')

    const local: number[] = []
    const tcp: number[] = []
    const p2p: number[] = []
    const growthA: number[] = []
    const growthC: number[] = []
    const growthSink: number[] = []
    for (let r = 0; r < rounds; r++) {
      local.push(await localCopy(src, join(dir, 'copy.bin')))
      const t = await sampled([sink.proc.pid as number], async () => await tcpCopy(sink, port, src))
      tcp.push(t.result)
      growthSink.push(t.growth[0] ?? NaN)
      c.send({ cmd: 'forget', colony, checksum: up.checksum })
      await c.next('forgot')
      const f = await sampled([a.proc.pid as number, c.proc.pid as number], async () => {
        c.send({ cmd: 'fetch', colony, checksum: up.checksum })
        return await c.next('fetched')
      })
      if (f.result.bytes !== size) throw new Error(`C stored ${String(f.result.bytes)} bytes, not ${size}`)
      p2p.push(f.result.ms)
      growthA.push(f.growth[0] ?? NaN)
      growthC.push(f.growth[1] ?? NaN)
      console.log(`  round ${r + 1}: local copy ${Math.round(local[r] as number)} ms, TCP copy ${Math.round(tcp[r] as number)} ms, libp2p A→C ${Math.round(p2p[r] as number)} ms; resident growth A ${(growthA[r] as number).toFixed(1)} MiB, C ${(growthC[r] as number).toFixed(1)} MiB, TCP sink ${(growthSink[r] as number).toFixed(1)} MiB`)
    }
    const mbps = (ms: number): number => Number((size / MiB / (ms / 1000)).toFixed(1))
    return {
      'blob MiB': mib,
      'HTTP upload to A MiB/s': mbps(uploadMs),
      'local copy MiB/s': mbps(median(local)),
      'TCP copy MiB/s': mbps(median(tcp)),
      'libp2p A→C MiB/s': mbps(median(p2p)),
      'libp2p / TCP copy': Number((median(tcp) / median(p2p)).toFixed(2)),
      'libp2p / local copy': Number((median(local) / median(p2p)).toFixed(2)),
      'resident growth A MiB (max)': Number(Math.max(...growthA).toFixed(1)),
      'resident growth C MiB (max)': Number(Math.max(...growthC).toFixed(1)),
      'resident growth TCP sink MiB (max)': Number(Math.max(...growthSink).toFixed(1))
    }
  } finally {
    for (const ch of children.reverse()) await stopChild(ch)
    await rm(dir, { recursive: true, force: true })
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const figures = await benchBlobs()
  for (const [k, v] of Object.entries(figures)) console.log(`${k.padEnd(36)} ${v}`)
}
