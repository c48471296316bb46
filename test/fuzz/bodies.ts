/**
 * Request bodies for the RPC fuzz properties, built from the examples of every message:
 * garbage and tampered envelopes (never a valid signed request), and messages mutated
 * and then signed properly by a chosen role (valid envelopes with hostile content).
 */
import fc from 'fast-check'
import { parseEnvelope } from '../../src/protocol/envelope.js'
import { MSGTYPES, UNSIGNED, type MsgType } from '../../src/protocol/messages.js'
import type { Identity } from '../helpers/colony-node.js'
import type { Example, Role } from './examples.js'
import { applyByteEdits, applyEdits, byteEditArb, editsArb, flipChar, hostileValue } from './hostile.js'
import { signedBody } from './target.js'

export interface Envelope { signature: string, payloadtype: string, payload: string }

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
const HEX = '0123456789abcdef'
export const ROLES: Role[] = ['operator', 'owner', 'user', 'executor', 'stranger']

/** msgtypes whose correctly signed example would end a run early (the colony gone, the user gone) */
const DESTRUCTIVE = new Set<string>(['removecolonymsg', 'removeusermsg', 'changecolonyidmsg', 'changeuseridmsg', 'removeexecutormsg',
  'rejectexecutormsg', 'changeexecutoridmsg', 'pauseassignmentsmsg', 'removeallprocessesmsg'])

export interface Bodies {
  /** a valid envelope of one example, signed by its natural signer */
  validEnvelope: (type: MsgType) => Envelope
  /** bodies that must all be refused: none is a valid signed request */
  garbage: fc.Arbitrary<{ kind: string, body: string | Uint8Array }>
  /** true when a "garbage" body still decodes to a valid example (a duplicate key, an extra member) */
  stillValid: (body: string | Uint8Array) => boolean
  /** every message type, mutated, then signed properly by some role */
  mutated: fc.Arbitrary<{ type: MsgType, role: Role, msg: unknown }>
}

export function bodies (examples: Record<MsgType, Example>, keys: Record<Role, Identity>): Bodies {
  // signatures are deterministic (RFC 6979): sign each example once
  const signed = new Map<MsgType, string>()
  const validEnvelope = (type: MsgType): Envelope => {
    let body = signed.get(type)
    if (body === undefined) {
      const ex = examples[type]
      signed.set(type, body = signedBody(ex.msg, keys[ex.role].prv))
    }
    return JSON.parse(body) as Envelope
  }
  const type = fc.constantFrom(...MSGTYPES)
  const garbage = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 200 }).map(body => ({ kind: 'random text', body })),
    fc.uint8Array({ maxLength: 200 }).map(body => ({ kind: 'random bytes', body })),
    hostileValue.map(v => ({ kind: 'random JSON', body: JSON.stringify(v) ?? 'null' })),
    fc.tuple(type, fc.array(byteEditArb, { minLength: 1, maxLength: 3 })).map(([t, edits]) =>
      ({ kind: `byte-edited ${t}`, body: applyByteEdits(Buffer.from(JSON.stringify(validEnvelope(t))), edits) })),
    fc.tuple(type, editsArb).map(([t, edits]) =>
      ({ kind: `field-edited envelope of ${t}`, body: JSON.stringify(applyEdits(validEnvelope(t) as any, edits)) })),
    fc.tuple(type, fc.nat(), fc.nat()).map(([t, at, pick]) => {
      const env = validEnvelope(t)
      return { kind: `payload char flipped in ${t}`, body: JSON.stringify({ ...env, payload: flipChar(env.payload, at, B64, pick) }) }
    }),
    fc.tuple(type, fc.nat(), fc.nat()).map(([t, at, pick]) => {
      const env = validEnvelope(t)
      return { kind: `signature char flipped in ${t}`, body: JSON.stringify({ ...env, signature: flipChar(env.signature, at, HEX, pick) }) }
    }),
    fc.tuple(type, fc.constantFrom('', 'ab', 'A'.repeat(130), '0'.repeat(130), 'f'.repeat(130), 'zz'.repeat(65))).map(([t, signature]) =>
      ({ kind: `odd signature on ${t}`, body: JSON.stringify({ ...validEnvelope(t), signature }) })),
    fc.tuple(type, type).map(([t, other]) =>
      ({ kind: `payloadtype ${other} on ${t}`, body: JSON.stringify({ ...validEnvelope(t), payloadtype: other }) }))
  )
  const stillValid = (body: string | Uint8Array): boolean => {
    try {
      // as the HTTP server reads a body: bytes decoded as UTF-8, invalid sequences replaced
      const env = parseEnvelope(typeof body === 'string' ? body : Buffer.from(body).toString('utf8'))
      // versionmsg and getserverinfomsg need no signature: any that decodes is a valid request
      if (UNSIGNED.has(env.payloadtype) && Buffer.from(env.payload, 'base64').toString().includes(env.payloadtype)) return true
      return MSGTYPES.some(t => {
        const v = validEnvelope(t)
        return v.payload === env.payload && v.signature === env.signature && v.payloadtype === env.payloadtype
      })
    } catch {
      return false
    }
  }
  const mutated = fc.tuple(type, editsArb, fc.constantFrom(...ROLES), fc.boolean(), fc.nat(9))
    .map(([t, edits, role, natural, keep]) => {
      const ex = examples[t]
      let signer: Role = natural ? ex.role : role
      // a correctly signed destructive request would end the run early: sign it as someone without the right
      if (DESTRUCTIVE.has(t) && (signer === 'owner' || signer === 'operator')) signer = 'user'
      const msg = applyEdits(ex.msg as any, edits) as any
      // mostly keep the msgtype, so that the edits reach the message's own fields
      if (keep > 1 && msg !== null && typeof msg === 'object' && !Array.isArray(msg)) msg.msgtype = t
      // a long-poll waits by design: keep assigns to "try once"
      if (msg !== null && typeof msg === 'object' && msg.msgtype === 'assignprocessmsg' && typeof msg.timeout === 'number' && msg.timeout > 0) msg.timeout = -1
      return { type: t, role: signer, msg }
    })
  return { validEnvelope, garbage, stillValid, mutated }
}
