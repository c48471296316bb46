/**
 * One key, two names: a node's secp256k1 key is both its libp2p identity (peer id) and its
 * ColonyOS-style ledger identity (site id). These helpers convert between the two, so a
 * peer's site id can be derived from the authenticated peer id of a connection (noise proves
 * possession of the key) without any extra handshake.
 */
import { privateKeyFromRaw } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey, peerIdFromString } from '@libp2p/peer-id'
import type { PrivateKey } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import * as noble from '@noble/secp256k1'
import { idFromPublicKey, isPrivateKey } from '../../protocol/crypto.js'

/** The libp2p private key object for a 64-hex secp256k1 node key; throws on a malformed key. */
export function libp2pKeyOfNodeKey (nodeKey: string): PrivateKey {
  if (!isPrivateKey(nodeKey)) throw new TypeError('nodeKey must be 64 hex characters encoding a valid secp256k1 private key')
  // 32 raw bytes are read as secp256k1 (ed25519 raw keys are 64 bytes, so there is no ambiguity)
  const key = privateKeyFromRaw(Buffer.from(nodeKey, 'hex'))
  if (key.type !== 'secp256k1') throw new TypeError(`expected a secp256k1 key, got ${key.type}`)
  return key
}

/** The libp2p peer id (base58btc, "16Uiu2…") that a node with this key has. */
export function peerIdOfNodeKey (nodeKey: string): string {
  return peerIdFromPrivateKey(libp2pKeyOfNodeKey(nodeKey)).toString()
}

// Peer ids are parsed for every gossip message and stream; the scalar-free decompression is
// cheap but not free, and the set of peers is small. Bounded so a flood of ids cannot grow it.
const SITE_CACHE_MAX = 1024
const siteCache = new Map<string, string | undefined>()

/**
 * The ColonyOS-style id (hex SHA3-256 of the 130-char hex of the uncompressed public key) of
 * a secp256k1 peer id; undefined for other key types or a string that is not a peer id.
 */
export function siteIdOfPeer (peerId: string): string | undefined {
  if (siteCache.has(peerId)) return siteCache.get(peerId)
  let site: string | undefined
  try {
    const id = peerIdFromString(peerId)
    if (id.type === 'secp256k1') {
      // libp2p carries the compressed (33-byte) form; ColonyOS ids hash the uncompressed hex
      const uncompressed = noble.Point.fromBytes(id.publicKey.raw).toBytes(false)
      site = idFromPublicKey(Buffer.from(uncompressed).toString('hex'))
    }
  } catch {
    site = undefined
  }
  if (siteCache.size >= SITE_CACHE_MAX) siteCache.delete(siteCache.keys().next().value as string)
  siteCache.set(peerId, site)
  return site
}

/** The peer a multiaddr names: the value of its last /p2p/ part (undefined without one). */
export function peerInMultiaddr (ma: Multiaddr): string | undefined {
  return ma.getComponents().filter(c => c.name === 'p2p').pop()?.value
}

/** A peer as logs name it: its site id's first 8 characters (a peer id's last 8 if it is no site key). */
export function logNameOfPeer (peerId: string): string {
  return siteIdOfPeer(peerId)?.slice(0, 8) ?? peerId.slice(-8)
}
