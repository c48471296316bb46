/**
 * Channel subscriptions over the node's WebSocket at {url}/pubsub (upstream's
 * subscribechannelmsg, as colonies-ts' subscribeChannel and pycolonies' subscribe_channel
 * speak it): one signed frame; the node answers with lists of entries (payloadtype
 * "subscribechannelmsg"): what the channel holds after `afterseq`, then each new entry,
 * and an empty list when the subscription's timeout passes or the process ends, which ends
 * it here. An error reply (or an entry carrying `error`: the node dropped a subscriber that
 * read too slowly) ends it with an error.
 */
import type { MsgEntry } from '../protocol/wire-channels.js'
import { RpcError } from './errors.js'
import type { ColoniesClient } from './rpc-client.js'
import { CLOSE_GRACE_MS, WsSubscription } from './ws-subscription.js'

export interface SubscribeChannelOptions {
  processid: string
  name: string
  /** position to start after (0: the whole channel) */
  afterseq?: number
  /** seconds the node keeps the subscription (0: its default, 30 s) */
  timeoutSec: number
  signal?: AbortSignal
}

/**
 * One channel subscription: an async iterator of entries that ends at the node's empty
 * list (timeout, the process ended) or close(), and throws on an error. With an `onEntries`
 * callback the entries go there instead of being queued.
 */
export class ChannelSubscription extends WsSubscription<MsgEntry> {
  constructor (client: ColoniesClient, opts: SubscribeChannelOptions, onEntries?: (entries: MsgEntry[]) => void) {
    super(client, {
      msg: { msgtype: 'subscribechannelmsg', processid: opts.processid, name: opts.name, afterseq: opts.afterseq ?? 0, timeout: opts.timeoutSec },
      closeAfterMs: (opts.timeoutSec > 0 ? opts.timeoutSec : 30) * 1000 + CLOSE_GRACE_MS,
      ...(opts.signal === undefined ? {} : { signal: opts.signal }),
      ...(onEntries === undefined ? {} : { onItems: onEntries })
    })
  }

  protected onValue (value: unknown): void {
    const entries = Array.isArray(value) ? value as MsgEntry[] : []
    const dropped = entries.find(e => typeof e.error === 'string' && e.error !== '')
    if (dropped !== undefined) {
      this.fail(new RpcError(503, `${this.nodeUrl} ended the channel subscription: ${String(dropped.error)}; subscribe again from your position`))
    } else if (entries.length === 0) {
      // upstream's "no more": the timeout passed or the process ended
      this.end()
    } else {
      this.deliver(entries)
    }
  }
}

/** Be sent a channel's entries after `afterseq`, then each new one, until the timeout or the process ends. */
export function subscribeChannel (client: ColoniesClient, opts: SubscribeChannelOptions, onEntries?: (entries: MsgEntry[]) => void): ChannelSubscription {
  return new ChannelSubscription(client, opts, onEntries)
}
