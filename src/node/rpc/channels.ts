/**
 * Process channels: the submitter and the assigned executor append to the channels the
 * spec declares and read them back; `subscribechannelmsg` is served on /pubsub
 * (../channels.ts). An append is the client's envelope in the ledger, judged by the fold
 * (channel-fold.ts); reads come from this site's logs.
 */
import { type Handlers, pubsubOnly } from './context.js'

type Family = 'channelappendmsg' | 'channelreadmsg' | 'subscribechannelmsg'

export const channelHandlers: Pick<Handlers, Family> = {
  async channelappendmsg (x, msg, { req, signer }) {
    const p = await x.process(msg.processid, signer)
    x.channels.requireAccess(p, msg.name, signer, 'write to')
    // a client resending after a lost reply: the entry is there, and stays one
    if (x.channels.isResend(msg, signer)) return {}
    x.channels.admit(p.processid)
    await x.mutate(req)
    return {}
  },
  async channelreadmsg (x, msg, { signer }) {
    const p = await x.process(msg.processid, signer)
    x.channels.requireAccess(p, msg.name, signer, 'read from')
    return x.channels.read(p.processid, msg.name, msg.afterseq, msg.limit)
  },
  subscribechannelmsg: pubsubOnly
}
