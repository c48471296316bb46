/**
 * Raw ColonyOS RPC for tests that must not depend on our own client: hand-built
 * envelopes (base64 JSON payload, signature over its SHA3-256) posted with fetch.
 */
import * as assert from 'uvu/assert'
import { sign } from '../../src/protocol/crypto.js'

export interface Reply { status: number, payloadtype: string, error: boolean, value: any }

export function envelope (msg: Record<string, unknown>, prvkey: string): string {
  const payload = Buffer.from(JSON.stringify(msg), 'utf8').toString('base64')
  return JSON.stringify({ signature: sign(payload, prvkey), payloadtype: msg.msgtype, payload })
}

export async function raw (url: string, body: string, signal?: AbortSignal): Promise<Reply> {
  const res = await fetch(`${url}/api`, { method: 'POST', body, headers: { 'content-type': 'application/json' }, signal })
  const json = await res.json() as { payloadtype: string, payload: string, error: boolean }
  assert.type(json.payload, 'string')
  return { status: res.status, payloadtype: json.payloadtype, error: json.error, value: JSON.parse(Buffer.from(json.payload, 'base64').toString('utf8')) }
}

export async function call (url: string, msg: Record<string, unknown>, prvkey: string, signal?: AbortSignal): Promise<Reply> {
  return await raw(url, envelope(msg, prvkey), signal)
}

export function assertError (r: Reply, status: number, pattern: RegExp): void {
  assert.is(r.status, status)
  assert.is(r.error, true)
  assert.is(r.payloadtype, 'error')
  assert.is(r.value.status, status)
  assert.match(r.value.message, pattern)
}
