/**
 * The chaos suite's latency/loss proxy (chaos/proxy.ts, its own process as the suite runs
 * it): whatever it delays, it must deliver every byte, in order, as TCP would. A swapped
 * pair of chunks corrupts the sites' noise streams (the connection is dropped), which is
 * not the impairment the suite means to measure.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { spawn } from 'node:child_process'
import { createConnection, createServer, type AddressInfo, type Socket } from 'node:net'
import { createInterface } from 'node:readline'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '../..')

async function freePort (): Promise<number> {
  const s = createServer()
  await new Promise<void>(resolve => s.listen(0, '127.0.0.1', resolve))
  const port = (s.address() as AddressInfo).port
  await new Promise(resolve => s.close(resolve))
  return port
}

test('delayed with jitter and loss, every chunk arrives, in order', async () => {
  // the target collects what comes through
  let received = Buffer.alloc(0)
  let gotAll: () => void = () => {}
  const total = 400 * 64
  const all = new Promise<void>(resolve => { gotAll = resolve })
  const target = createServer(sock => {
    sock.on('data', (d: Buffer) => {
      received = Buffer.concat([received, d])
      if (received.length >= total) gotAll()
    })
  })
  await new Promise<void>(resolve => target.listen(0, '127.0.0.1', resolve))
  const targetPort = (target.address() as AddressInfo).port
  const port = await freePort()
  const proxy = spawn(process.execPath, ['--import', 'tsx', join(root, 'chaos/proxy.ts'), '127.0.0.1', String(port), '127.0.0.1', String(targetPort)],
    { cwd: root, stdio: ['pipe', 'pipe', 'inherit'] })
  let client: Socket | undefined
  try {
    const lines = createInterface({ input: proxy.stdout })
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the proxy did not start within 20 s')), 20_000)
      lines.once('line', () => { clearTimeout(timer); resolve() })
    })
    // wide jitter against a short delay: most chunks' own times fall before their predecessor's
    proxy.stdin.write(JSON.stringify({ delay: 20, jitter: 19, loss: 0.05 }) + '\n')
    const c = createConnection({ host: '127.0.0.1', port })
    client = c
    c.setNoDelay(true)
    await new Promise<void>(resolve => c.once('connect', () => resolve()))
    // the impairment is read from stdin; one chunk through tells us it is in force
    const sent: Buffer[] = []
    for (let i = 0; i < 400; i++) {
      const chunk = Buffer.alloc(64, i & 255)
      chunk.writeUInt32BE(i, 0)
      sent.push(chunk)
      c.write(chunk)
      // separate chunks at the proxy, in different turns of its event loop
      if (i % 4 === 3) await new Promise(resolve => setTimeout(resolve, 1))
    }
    const deadline = setTimeout(() => gotAll(), 30_000)
    await all
    clearTimeout(deadline)
    assert.is(received.length, total, 'every byte arrived')
    for (let i = 0; i < 400; i++) {
      const at = received.subarray(i * 64, i * 64 + 64)
      if (!at.equals(sent[i] as Buffer)) assert.unreachable(`chunk ${i} out of place: found chunk ${at.readUInt32BE(0)} there`)
    }
  } finally {
    client?.destroy()
    proxy.stdin.end()
    proxy.kill()
    await new Promise(resolve => target.close(resolve))
  }
})

test.run()
