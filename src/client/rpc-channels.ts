/**
 * The client's calls on process channels (upstream pkg/client/channel_client.go): append
 * to a channel the process declares, and read it by position. Subscriptions are in
 * channel-subscribe.ts.
 */
import type { MsgEntry } from '../protocol/wire-channels.js'
import { type CallOptions, list } from './rpc-base.js'
import { BlueprintCalls } from './rpc-blueprints.js'

export type { MsgEntry } from '../protocol/wire-channels.js'

export interface ChannelAppendOptions extends CallOptions {
  /** the entry's type: "" (data, the default), "end", "error", … (Go's ChannelAppendWithType) */
  payloadtype?: string
}

/** An entry's payload as bytes (upstream sends base64; null is no payload). */
export function entryBytes (e: Pick<MsgEntry, 'payload'>): Uint8Array {
  return e.payload === null ? new Uint8Array(0) : new Uint8Array(Buffer.from(e.payload, 'base64'))
}

/** An entry's payload as UTF-8 text. */
export function entryText (e: Pick<MsgEntry, 'payload'>): string {
  return e.payload === null ? '' : Buffer.from(e.payload, 'base64').toString('utf8')
}

export class ChannelCalls extends BlueprintCalls {
  /**
   * Append to channel `name` of a process (its submitter or its assigned executor).
   * `sequence` is this sender's own counter: sending the same sequence and payload again
   * (after a lost reply) is the same entry, a different payload with it is refused.
   * `inreplyto`: the other party's sequence this answers (0: none).
   */
  async channelAppend (processid: string, name: string, sequence: number, inreplyto: number, payload: Uint8Array | string | null,
    opts: ChannelAppendOptions = {}): Promise<void> {
    const bytes = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload
    await this.send({
      msgtype: 'channelappendmsg',
      processid,
      name,
      sequence,
      inreplyto,
      payload: bytes === null ? null : Buffer.from(bytes).toString('base64'),
      payloadtype: opts.payloadtype ?? ''
    }, opts)
  }

  /**
   * The entries after position `afterseq` (0: from the start), at most `limit` (0: all).
   * Add what you got to your position to read on: every entry comes once. The whole
   * channel comes in ledger order, the same at every site.
   */
  async channelRead (processid: string, name: string, afterseq = 0, limit = 0, opts?: CallOptions): Promise<MsgEntry[]> {
    return list<MsgEntry>(await this.send({ msgtype: 'channelreadmsg', processid, name, afterseq, limit }, opts))
  }
}
