/**
 * Length-prefixed frames over one libp2p 3 stream, with backpressure in both directions.
 *
 * Wire format: unsigned varint length, then that many bytes (the same as `lpStream` from
 * @libp2p/utils, so either side may use either). We do not use `lpStream` itself because its
 * reader buffers every incoming chunk without pausing the stream: a slow reader lets the
 * sender run ahead until the 4 MiB buffer overflows and the stream is aborted. Here the reader
 * pauses the stream when its queue is full; yamux then withholds window updates, and the
 * remote's `send` waits until its write buffer empties — end-to-end flow control. Memory per
 * stream on the receiving side stays under about two yamux windows plus the queue's high-water
 * mark (resume() hands over what arrived while paused and renews the window if half of it is used).
 *
 * libp2p 3 streams are event-based: a stream with no 'message' listener buffers and then
 * resets, so `framedStream` attaches its listeners synchronously, before any await.
 */
import type { Stream, StreamCloseEvent, StreamMessageEvent } from '@libp2p/interface'
import { Uint8ArrayList } from 'uint8arraylist'

/** Frames larger than this are refused on both send and receive. */
export const MAX_FRAME_BYTES = 4 * 1024 * 1024

/** Pause reading once this many decoded bytes wait for the consumer; resume below half. */
const DEFAULT_HIGH_WATER_BYTES = 1024 * 1024

/** `send` resolves once at most this many of our bytes wait in the stream's write buffer. */
const WRITE_HIGH_WATER_BYTES = 64 * 1024

// A varint for MAX_FRAME_BYTES (2^22) takes 4 bytes; one more byte can only mean a bad length.
const MAX_VARINT_BYTES = 5

export interface FramedStream {
  /** Send one frame; resolves when the transport can take more (waits while the remote reads slowly). */
  send (frame: Uint8Array): Promise<void>
  /** The next frame, or undefined once the remote has closed its write side and all frames are read. */
  read (): Promise<Uint8Array | undefined>
  /** Frames in order; ends when the remote closes its write side; throws if the stream fails. */
  [Symbol.asyncIterator] (): AsyncIterator<Uint8Array>
  /** Half-close: no more frames from us; the remote still may send. */
  closeWrite (): Promise<void>
  /** Done with the stream: close our write side and discard whatever the remote still sends. */
  close (): Promise<void>
  /** Reset the stream at once; pending reads reject with `err`. */
  abort (err: Error): void
}

export class FrameTooLargeError extends Error {
  override name = 'FrameTooLargeError'
}

export class UnexpectedEndOfStreamError extends Error {
  override name = 'UnexpectedEndOfStreamError'
}

export interface FramedStreamOptions {
  maxFrameBytes?: number
  highWaterBytes?: number
}

function encodeVarint (n: number): Uint8Array {
  const out: number[] = []
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80)
    n = Math.floor(n / 128)
  }
  out.push(n)
  return Uint8Array.from(out)
}

function asError (err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err))
}

class Libp2pFramedStream implements FramedStream {
  private readonly maxFrame: number
  private readonly highWater: number
  // decoder state: either reading a length prefix, or filling `body`
  private lenValue = 0
  private lenBytes = 0
  private lenShift = 1
  private body: Uint8Array | undefined
  private bodyFilled = 0
  // decoded frames waiting for the consumer
  private readonly queue: Uint8Array[] = []
  private queuedBytes = 0
  private pausedByUs = false
  private resuming = false
  private ended = false
  private failure: Error | undefined
  private discarding = false
  private waiters: Array<() => void> = []

  constructor (private readonly stream: Stream, opts: FramedStreamOptions = {}) {
    this.maxFrame = opts.maxFrameBytes ?? MAX_FRAME_BYTES
    this.highWater = opts.highWaterBytes ?? DEFAULT_HIGH_WATER_BYTES
    // Listener exceptions would surface as uncaught errors from EventTarget: never let one escape.
    stream.addEventListener('message', (evt: StreamMessageEvent) => {
      try {
        this.onData(evt.data.subarray())
      } catch (err) {
        this.fail(asError(err), true)
      }
    })
    // 'end' (not 'remoteCloseWrite') marks EOF: it fires only after data held back while we
    // were paused has been delivered.
    stream.addEventListener('end', () => {
      // abort() and a remote reset also emit 'end', just before 'close' carries the error
      if (stream.status !== 'aborted' && stream.status !== 'reset') this.onEnd()
    })
    stream.addEventListener('close', (evt: StreamCloseEvent) => {
      if (evt.error != null) this.fail(evt.error, false)
      else if (stream.readBufferLength === 0) this.onEnd()
    })
    if (stream.readableEnded) this.onEnd()
  }

  private onData (chunk: Uint8Array): void {
    if (this.discarding || this.failure != null) return
    let i = 0
    while (i < chunk.byteLength) {
      if (this.body === undefined) {
        const b = chunk[i++]!
        this.lenValue += (b & 0x7f) * this.lenShift
        this.lenShift *= 128
        this.lenBytes++
        // refuse as soon as the prefix says "too big", before buffering any of the body
        if (this.lenValue > this.maxFrame || this.lenBytes > MAX_VARINT_BYTES) {
          throw new FrameTooLargeError(`incoming frame exceeds ${this.maxFrame} bytes`)
        }
        if ((b & 0x80) !== 0) continue
        const len = this.lenValue
        this.lenValue = 0
        this.lenBytes = 0
        this.lenShift = 1
        if (len === 0) {
          this.enqueue(new Uint8Array(0))
        } else {
          this.body = new Uint8Array(len)
          this.bodyFilled = 0
        }
      } else {
        const take = Math.min(this.body.byteLength - this.bodyFilled, chunk.byteLength - i)
        this.body.set(chunk.subarray(i, i + take), this.bodyFilled)
        this.bodyFilled += take
        i += take
        if (this.bodyFilled === this.body.byteLength) {
          const frame = this.body
          this.body = undefined
          this.enqueue(frame)
        }
      }
    }
    this.maybePause()
  }

  private maybePause (): void {
    // Not from inside resume(): it dispatches held-back data to us synchronously and then
    // tells yamux to grant window again, undoing a pause made during that dispatch.
    if (this.resuming) return
    if (this.queuedBytes >= this.highWater && !this.pausedByUs && this.stream.readStatus === 'readable') {
      this.pausedByUs = true
      this.stream.pause()
    }
  }

  private enqueue (frame: Uint8Array): void {
    this.queue.push(frame)
    this.queuedBytes += frame.byteLength
    this.notify()
  }

  private onEnd (): void {
    if (this.ended) return
    this.ended = true
    if (this.failure == null && (this.body !== undefined || this.lenBytes > 0)) {
      this.failure = new UnexpectedEndOfStreamError('stream ended in the middle of a frame')
    }
    this.notify()
  }

  private fail (err: Error, abortStream: boolean): void {
    if (this.failure == null) this.failure = err
    this.notify()
    if (abortStream) {
      // abort outside the current event dispatch
      queueMicrotask(() => { this.stream.abort(err) })
    }
  }

  private notify (): void {
    const waiters = this.waiters
    this.waiters = []
    for (const w of waiters) w()
  }

  private maybeResume (): void {
    if (this.pausedByUs && this.queuedBytes <= this.highWater / 2) {
      this.pausedByUs = false
      if (this.stream.readStatus === 'paused') {
        this.resuming = true
        try {
          this.stream.resume()
        } finally {
          this.resuming = false
        }
        this.maybePause()
      }
    }
  }

  async read (): Promise<Uint8Array | undefined> {
    while (true) {
      const frame = this.queue.shift()
      if (frame !== undefined) {
        this.queuedBytes -= frame.byteLength
        this.maybeResume()
        return frame
      }
      if (this.failure != null) throw this.failure
      if (this.ended) return undefined
      await new Promise<void>((resolve) => { this.waiters.push(resolve) })
    }
  }

  [Symbol.asyncIterator] (): AsyncIterator<Uint8Array> {
    return {
      next: async (): Promise<IteratorResult<Uint8Array>> => {
        const value = await this.read()
        return value === undefined ? { done: true, value: undefined } : { done: false, value }
      },
      // breaking out of a for-await leaves the stream as it is; the caller decides to close it
      return: async (): Promise<IteratorResult<Uint8Array>> => ({ done: true, value: undefined })
    }
  }

  async send (frame: Uint8Array): Promise<void> {
    if (frame.byteLength > this.maxFrame) {
      throw new FrameTooLargeError(`frame of ${frame.byteLength} bytes exceeds ${this.maxFrame}`)
    }
    if (this.failure != null && !(this.failure instanceof UnexpectedEndOfStreamError)) throw this.failure
    // one send of prefix and body (a list: a large body is not copied): two sends would
    // leave as two muxer frames, two encrypted messages and two socket writes
    this.stream.send(frame.byteLength > 0 ? new Uint8ArrayList(encodeVarint(frame.byteLength), frame) : encodeVarint(0))
    // Not `onDrain()`: 'drain' fires on every yamux window update, however little it frees,
    // so a sender waiting only for it runs ahead and its write buffer grows without bound.
    while (this.stream.writeBufferLength > WRITE_HIGH_WATER_BYTES) await this.writeProgress()
  }

  /** Resolves on the next 'drain' or 'idle' (bytes moved on), rejects if the stream closes. */
  private async writeProgress (): Promise<void> {
    const stream = this.stream
    if (stream.status !== 'open' && stream.status !== 'closing') {
      throw this.failure ?? new Error(`stream is ${stream.status}`)
    }
    await new Promise<void>((resolve, reject) => {
      const cleanup = (): void => {
        stream.removeEventListener('drain', progressed)
        stream.removeEventListener('idle', progressed)
        stream.removeEventListener('close', closed)
      }
      const progressed = (): void => { cleanup(); resolve() }
      const closed = (evt: StreamCloseEvent): void => {
        cleanup()
        reject(evt.error ?? new Error('stream closed before the frame was sent'))
      }
      stream.addEventListener('drain', progressed)
      stream.addEventListener('idle', progressed)
      stream.addEventListener('close', closed)
    })
  }

  async closeWrite (): Promise<void> {
    await this.stream.close()
  }

  async close (): Promise<void> {
    this.discarding = true
    this.queue.length = 0
    this.queuedBytes = 0
    // a stream we paused would stop granting the remote window and stall it forever
    if (this.pausedByUs) {
      this.pausedByUs = false
      if (this.stream.readStatus === 'paused') this.stream.resume()
    }
    if (!this.ended) {
      this.ended = true
      this.notify()
    }
    try {
      await this.stream.close()
      await this.stream.closeRead()
    } catch (err) {
      this.stream.abort(asError(err))
    }
  }

  abort (err: Error): void {
    this.fail(err, false)
    this.stream.abort(err)
  }
}

/** Wrap a libp2p stream; call it synchronously when the stream is handed to you. */
export function framedStream (stream: Stream, opts?: FramedStreamOptions): FramedStream {
  return new Libp2pFramedStream(stream, opts)
}
