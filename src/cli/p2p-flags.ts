/**
 * Joining a federation from the command line: the flags `node start` and `dev` share, and
 * the node's p2p options they make (undefined: a lone site).
 */
import { Flags } from '@oclif/core'
import type { P2POptions } from '../node/federation/options.js'
import { natFlags, relaySettings, type NatFlagValues } from './nat-flags.js'

/** the longest site name a site record carries (protocol/records.ts) */
const MAX_SITE_NAME = 200

export const siteNameFlag = {
  name: Flags.string({
    description: 'A name for this site, shown to other sites (a restart with another name renames it)',
    parse: async v => {
      if (v.length > MAX_SITE_NAME) throw new Error(`--name must be at most ${MAX_SITE_NAME} characters`)
      return v
    }
  })
}

export const federationFlags = {
  'p2p-port': Flags.integer({ description: 'Join a federation: libp2p TCP port (0 picks one; WebSockets listen on the next port when --ws)', min: 0, max: 65535 }),
  announce: Flags.string({ description: 'Multiaddr other sites should dial instead of the listen address (behind NAT or a proxy; repeatable), e.g. /ip4/203.0.113.7/tcp/50081', multiple: true }),
  bootstrap: Flags.string({ description: 'Multiaddr of a site to connect to (repeatable), e.g. /ip4/10.0.0.5/tcp/50081/p2p/16Uiu2…', multiple: true }),
  ws: Flags.boolean({ description: 'Also listen for libp2p over WebSockets (for sites behind HTTP proxies)' }),
  mdns: Flags.boolean({ description: 'Find sites on the local network by mDNS' }),
  psk: Flags.string({ description: 'File with a pre-shared key (swarm.key format): only nodes with the same key can connect' }),
  ...natFlags
}

export interface FederationFlagValues extends NatFlagValues {
  readonly 'p2p-port'?: number
  readonly announce?: string[]
  readonly bootstrap?: string[]
  readonly ws?: boolean
  readonly mdns?: boolean
  readonly psk?: string
}

/** The node's p2p options for these flags, listening on `host`; undefined when none asks to federate. */
export async function p2pOptions (flags: FederationFlagValues, host: string): Promise<P2POptions | undefined> {
  const p2pPort = flags['p2p-port']
  const bootstrap = flags.bootstrap ?? []
  if (p2pPort === undefined && bootstrap.length === 0) return undefined
  let psk: Uint8Array | undefined
  if (flags.psk !== undefined) {
    const { readFile } = await import('node:fs/promises')
    psk = await readFile(flags.psk)
  }
  const port = p2pPort ?? 0
  const listen = [`/ip4/${host}/tcp/${port}`]
  if (flags.ws === true) listen.push(`/ip4/${host}/tcp/${port === 0 ? 0 : port + 1}/ws`)
  return { listen, announce: flags.announce ?? [], bootstrap, mdns: flags.mdns === true, relay: relaySettings(flags), ...(psk === undefined ? {} : { psk }) }
}
