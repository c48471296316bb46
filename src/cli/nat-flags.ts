/**
 * NAT traversal flags of `node start` (and `dev`): whether the site relays for the sites of
 * its colonies, when it reserves a slot on a relay itself, the limits on what it relays,
 * and UPnP. The defaults suit a colony of a few sites: every site with a public address
 * relays, a site behind NAT reserves a slot on one.
 */
import { Flags } from '@oclif/core'
import { RELAY_DEFAULTS, type RelaySettings } from '../node/p2p/host-options.js'
import type { RelayReserve } from '../node/p2p/nat.js'

export const natFlags = {
  relay: Flags.boolean({
    description: 'Relay for the sites of this site\'s colonies that cannot be dialled (behind NAT): circuit relay v2, only between sites of a colony it serves (--no-relay: never)',
    default: true,
    allowNo: true
  }),
  'relay-reserve': Flags.string({
    description: 'When this site reserves a slot on another site\'s relay and announces the relayed address: auto (when peers see it behind NAT, or it listens on nothing), always, never',
    options: ['auto', 'always', 'never'],
    default: 'auto'
  }),
  'relay-max-mib': Flags.integer({
    description: 'The most MiB one relayed connection may carry before this relay closes it (the sites reconnect at once)',
    default: RELAY_DEFAULTS.maxBytes / (1024 * 1024),
    min: 1
  }),
  'relay-max-minutes': Flags.integer({
    description: 'The longest one relayed connection through this relay may stay open (the sites reconnect at once)',
    default: RELAY_DEFAULTS.maxDurationMs / 60_000,
    min: 1
  }),
  upnp: Flags.boolean({ description: 'Ask the router for a port mapping (UPnP IGD), for a site behind a home or edge router that allows it' })
}

export interface NatFlagValues {
  readonly relay?: boolean
  readonly 'relay-reserve'?: string
  readonly 'relay-max-mib'?: number
  readonly 'relay-max-minutes'?: number
  readonly upnp?: boolean
}

/** The node's relay settings for these flags (oclif fills the defaults in). */
export function relaySettings (flags: NatFlagValues): RelaySettings {
  return {
    serve: flags.relay !== false,
    reserve: (flags['relay-reserve'] ?? 'auto') as RelayReserve,
    maxBytes: (flags['relay-max-mib'] ?? RELAY_DEFAULTS.maxBytes / (1024 * 1024)) * 1024 * 1024,
    maxDurationMs: (flags['relay-max-minutes'] ?? RELAY_DEFAULTS.maxDurationMs / 60_000) * 60_000,
    upnp: flags.upnp === true
  }
}
