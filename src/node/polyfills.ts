/**
 * libp2p 3 calls `Promise.withResolvers`, which Node adds in 22. Node 20 is supported,
 * so the node layer (where libp2p loads) installs this before anything else.
 */
import { WebSocket as WsWebSocket } from 'ws'

declare global {
  interface PromiseConstructor {
    withResolvers?: <T>() => { promise: Promise<T>, resolve: (v: T | PromiseLike<T>) => void, reject: (e?: unknown) => void }
  }
}

if (typeof Promise.withResolvers !== 'function') {
  Promise.withResolvers = function withResolvers<T> () {
    let resolve!: (v: T | PromiseLike<T>) => void
    let reject!: (e?: unknown) => void
    const promise = new Promise<T>((res, rej) => {
      resolve = res
      reject = rej
    })
    return { promise, resolve, reject }
  }
}

// @libp2p/websockets dials with the global `WebSocket`, which Node adds in 22 (its listener
// uses `ws`): give Node 20 `ws`'s client, which speaks the same EventTarget-style API.
const g = globalThis as { WebSocket?: unknown }
if (typeof g.WebSocket !== 'function') g.WebSocket = WsWebSocket

export {}
