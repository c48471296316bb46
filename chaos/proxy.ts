/**
 * A TCP proxy that impairs a site's libp2p link where the kernel has no `tc netem`. The
 * site listens on its own port and announces the proxy's, so every connection another
 * site makes to it passes through here; each chunk, in either direction, is delivered
 * after `delay ± jitter` ms (in order, as TCP would deliver it), and with probability
 * `loss` it is held back as a lost segment holds back a TCP stream: mostly for a fast
 * retransmit (one more round trip: 2 × delay + 1 ms), one time in five for a
 * retransmission timeout (200 ms + the round trip; a loss at the tail of a burst, with no
 * duplicate acknowledgements to trigger the fast path). This emulates the effect of
 * latency and loss on the streams the sites use; it does not drop packets.
 * Usage: proxy.ts LISTEN_HOST LISTEN_PORT TARGET_HOST TARGET_PORT; reads JSON lines on
 * stdin: {"delay":200,"jitter":50,"loss":0.05} (all optional; {} clears).
 */
import { createConnection, createServer, type Socket } from 'node:net'
import { createInterface } from 'node:readline'

const [listenHost, listenPort, targetHost, targetPort] = process.argv.slice(2) as [string, string, string, string]
let impair = { delay: 0, jitter: 0, loss: 0 }

/**
 * Forwards `from` to `to`, each chunk after the impairment of the moment, never reordered:
 * chunks wait in one queue per direction, released by one timer in arrival order (a timer
 * per chunk is not enough: two timers set for the same moment from different turns of the
 * event loop may fire in either order, and one swapped pair of chunks corrupts the stream;
 * noise then fails to authenticate the next frame and the connection is dropped).
 */
function pipe (from: Socket, to: Socket): void {
  const queue: Array<{ at: number, chunk: Buffer }> = []
  let last = 0
  let timer: NodeJS.Timeout | undefined
  let ended = false
  const release = (): void => {
    timer = undefined
    const now = Date.now()
    while (queue.length > 0 && (queue[0] as { at: number }).at <= now) to.write((queue.shift() as { chunk: Buffer }).chunk)
    if (queue.length <= 16) from.resume()
    if (queue.length > 0) timer = setTimeout(release, (queue[0] as { at: number }).at - now)
    else if (ended) to.end()
  }
  from.on('data', (chunk: Buffer) => {
    const { delay, jitter, loss } = impair
    if (delay === 0 && loss === 0 && queue.length === 0) {
      to.write(chunk)
      return
    }
    let wait = delay + (Math.random() * 2 - 1) * jitter
    if (Math.random() < loss) wait += (Math.random() < 0.2 ? 200 : 0) + 2 * delay + 1
    const at = Math.max(Date.now() + Math.max(0, wait), last)
    last = at
    queue.push({ at, chunk })
    if (queue.length > 64) from.pause()
    if (timer === undefined) timer = setTimeout(release, at - Date.now())
  })
  from.on('end', () => {
    ended = true
    if (queue.length === 0) to.end()
  })
  from.on('error', () => to.destroy())
}

const server = createServer(client => {
  const upstream = createConnection({ host: targetHost, port: Number(targetPort) })
  pipe(client, upstream)
  pipe(upstream, client)
  upstream.on('error', () => client.destroy())
  client.on('close', () => upstream.destroy())
  upstream.on('close', () => client.destroy())
})
server.listen(Number(listenPort), listenHost, () => { process.stdout.write('ready\n') })

for await (const line of createInterface({ input: process.stdin })) {
  const c = JSON.parse(line) as { delay?: number, jitter?: number, loss?: number }
  impair = { delay: c.delay ?? 0, jitter: c.jitter ?? 0, loss: c.loss ?? 0 }
}
