/**
 * The close of an execution that lost its claim after it started: a site cut off from the
 * others handed a process to its executor, and the partition healed before the executor
 * closed it, with the other side's claim winning. The close is refused as ever, but it is
 * written to the ledger first (refused there by the fold too), so that every site's fold
 * sees that this executor ran the process as well (protocol/duplicates.ts). Only once per
 * losing claim, and only for the executor this site's own claim named.
 */
import type { RpcEnvelope } from '../protocol/envelope.js'
import { CLOSES, type Message } from '../protocol/messages.js'
import type { Refusal } from '../protocol/refusal.js'
import type { Ledger } from '../store/ledger.js'

export async function recordLateRun (ledger: Ledger, nodeId: string, req: { readonly env: RpcEnvelope, readonly msg: Message, readonly signer: string }, processid: string, refusal: Refusal): Promise<void> {
  if (refusal.code !== 'forbidden' || !CLOSES.has(req.msg.msgtype)) return
  const p = ledger.fold.process(processid)
  const d = p?.dups?.find(d => !d.ran && d.executorid === req.signer && d.site === nodeId)
  if (d === undefined) return
  await ledger.appendLocal([{ body: { k: 'env', env: req.env, att: d.attempt }, author: req.signer, msg: req.msg }])
}
