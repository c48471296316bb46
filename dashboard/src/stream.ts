/**
 * The colony's live change stream (colonynet's `subscribecolonymsg` on the node's
 * WebSocket /pubsub): views reload what changed when a frame says so, with no polling.
 * Reconnects with back-off. Each time the stream goes live (first connect or reconnect)
 * every listener gets a reset: what a view loaded before then may have changed unseen.
 */
import { openReply, signEnvelope } from './sign.js'

export interface ChangeFrame {
  processes: Array<{ processid: string, state: number }>
  colonylevel: boolean
  /** more changed than a frame carries, or frames were missed: reload everything */
  reset: boolean
}

export type StreamStatus = { state: 'connecting' } | { state: 'live' } | { state: 'offline', reason: string }

type Listener = (f: ChangeFrame) => void

const MAX_BACKOFF_MS = 10_000

export class ChangeStream {
  private readonly listeners = new Set<Listener>()
  private readonly statusListeners = new Set<(s: StreamStatus) => void>()
  private ws: WebSocket | undefined
  private backoff = 500
  private closed = false
  private retry: ReturnType<typeof setTimeout> | undefined
  status: StreamStatus = { state: 'connecting' }

  constructor (private readonly prvkey: string, private readonly colony: string) {
    this.connect()
  }

  private url (): string {
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:'
    return `${proto}//${location.host}/pubsub`
  }

  private setStatus (s: StreamStatus): void {
    this.status = s
    for (const l of this.statusListeners) l(s)
  }

  private connect (): void {
    if (this.closed) return
    this.setStatus({ state: 'connecting' })
    const ws = new WebSocket(this.url())
    this.ws = ws
    let refused: string | undefined
    ws.onopen = () => {
      ws.send(JSON.stringify(signEnvelope({ msgtype: 'subscribecolonymsg', colonyname: this.colony, timeout: 0 }, this.prvkey)))
    }
    ws.onmessage = ev => {
      let reply
      try {
        reply = openReply(JSON.parse(String(ev.data)))
      } catch {
        return
      }
      if (!reply.ok) {
        refused = reply.message
        return
      }
      const frame = reply.value as ChangeFrame
      if (this.status.state !== 'live') {
        this.backoff = 500
        this.setStatus({ state: 'live' })
        // views loaded before the stream was live (or while it was away) may have missed changes
        this.emit({ processes: [], colonylevel: true, reset: true })
      }
      if (frame.processes.length > 0 || frame.colonylevel || frame.reset) this.emit(frame)
    }
    ws.onclose = () => {
      if (this.ws !== ws || this.closed) return
      this.setStatus({ state: 'offline', reason: refused ?? 'the connection to the node was lost; reconnecting' })
      this.retry = setTimeout(() => this.connect(), this.backoff)
      this.backoff = Math.min(MAX_BACKOFF_MS, this.backoff * 2)
    }
  }

  private emit (f: ChangeFrame): void {
    for (const l of this.listeners) l(f)
  }

  on (l: Listener): () => void {
    this.listeners.add(l)
    return () => this.listeners.delete(l)
  }

  onStatus (l: (s: StreamStatus) => void): () => void {
    this.statusListeners.add(l)
    return () => this.statusListeners.delete(l)
  }

  close (): void {
    this.closed = true
    clearTimeout(this.retry)
    this.ws?.close()
    this.listeners.clear()
    this.statusListeners.clear()
  }
}
