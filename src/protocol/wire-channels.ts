/**
 * A channel entry as upstream sends it (pkg/channel MsgEntry), in its field order:
 * `payload` is Go's []byte, so base64 text (null for none); `inreplyto`, `type` and `error`
 * are left out when empty (omitempty). The timestamp is the append record's clock, the
 * same at every site.
 */
import type { ChannelEntry } from './channel-fold.js'
import { formatGoTime, GO_ZERO_TIME, type GoTime } from './wire-types.js'

export interface MsgEntry {
  sequence: number
  inreplyto?: number
  timestamp: GoTime
  senderid: string
  payload: string | null
  type?: string
  error?: string
}

export function channelEntryToWire (c: ChannelEntry): MsgEntry {
  return {
    sequence: c.sequence,
    ...(c.inreplyto === 0 ? {} : { inreplyto: c.inreplyto }),
    timestamp: formatGoTime(c.at),
    senderid: c.senderid,
    payload: c.payload,
    ...(c.type === '' ? {} : { type: c.type })
  }
}

/** The entry upstream sends a subscriber it drops for reading too slowly (the socket stays open). */
export function slowSubscriberEntry (): MsgEntry {
  return { sequence: 0, timestamp: GO_ZERO_TIME, senderid: '', payload: null, error: 'subscriber disconnected: buffer full' }
}
