/**
 * Yamux window updates at half a window, as go-yamux and rust-yamux send them.
 *
 * @chainsafe/libp2p-yamux (8.x) answers every data frame it receives with a WINDOW_UPDATE
 * frame: for small messages (a gossiped batch, an advert) that is one more frame to
 * encrypt, write, read, decrypt and parse per message, in both processes. Flow control
 * needs no such thing: the sender may go on until it has used its whole window, so an
 * update is due only once the remote has used half of it (it can never stall waiting for
 * one). Frames that carry flags (SYN/ACK while a stream opens) and the pause/resume logic
 * are left to the original method.
 */
import { StreamState, YamuxStream } from '@chainsafe/libp2p-yamux/stream'

interface WindowFields {
  state: StreamState
  recvWindow: number
  recvWindowCapacity: number
}

const proto = YamuxStream.prototype as unknown as WindowFields & { sendWindowUpdate: () => void, __halfWindow?: boolean }

export function installHalfWindowUpdates (): void {
  if (proto.__halfWindow === true) return
  const original = proto.sendWindowUpdate
  proto.sendWindowUpdate = function (this: WindowFields) {
    if (this.state === StreamState.Established && this.recvWindowCapacity * 2 > this.recvWindow) return
    original.call(this)
  }
  proto.__halfWindow = true
}
