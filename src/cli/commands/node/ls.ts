import { ClientCommand } from '../../client-command.js'
import { MEMBER_KEY } from '../../config.js'
import { colonyFlag, memberKeyFlag } from '../../flags.js'
import { renderTable } from '../../table.js'
import type { SiteInfo } from '../../../protocol/wire-types.js'

/** A clock skew in seconds with one decimal: +1.5 s, -0.3 s, 0.0 s. */
function skew (ms: number): string {
  const tenths = Math.round(ms / 100)
  return tenths === 0 ? '0.0 s' : `${tenths > 0 ? '+' : '-'}${(Math.abs(tenths) / 10).toFixed(1)} s`
}

/** How the answering node reaches a site, naming the relay site by its name where it knows it. */
function reached (s: SiteInfo, all: readonly SiteInfo[]): string {
  if (s.reach === undefined || s.reach === 'self') return '-'
  if (s.via === undefined) return s.reach
  const relay = all.find(o => o.nodeid === s.via)
  const name = relay?.name !== undefined && relay.name !== '' ? relay.name : s.via.slice(0, 16)
  return s.reach === 'relayed' ? `relayed via ${name}` : `upgraded (was via ${name})`
}

/** The line a removed site puts above its table: it is no longer one of the sites listed. */
function removedNote (list: SiteInfo[], colony: string): string {
  const r = list.find(s => s.self && s.removed !== undefined)?.removed
  if (r === undefined) return ''
  const at = new Date(r.at).toISOString().replace('T', ' ').slice(0, 19)
  return `This site was removed from colony ${colony} by ${r.by.slice(0, 16)}… at ${at} UTC: it no longer takes part ` +
    '(the colony owner can admit it again with `colonies node add`). The sites as it last knew them:\n\n'
}

export default class NodeLs extends ClientCommand<typeof NodeLs> {
  static override summary = 'List the sites of the colony: connected, last seen, clock skew, executors, how far behind'
  static override description = 'REACHED says how the node you ask reaches each site: direct, relayed via another site (one of them is behind NAT), or upgraded (a direct connection made while relayed). EXECUTORS counts, per executor type, the executors attached to the site (asking it for work, busy or idle) as it last advertised. CONNECTED is yes while a connection is open and the site was heard from in the last 6 s (it advertises every 2 s), "no answer" when a connection is open but the site went silent (frozen, or its link is down). BEHIND counts, per origin (the site that wrote them), the records the site lacked when it last told the node you ask: its heartbeat (every 2 s) or a sync; unknown until it has told it since that node started.'
  static override flags = {
    ...colonyFlag,
    ...memberKeyFlag
  }

  async run (): Promise<void> {
    const colonyname = this.colonyName()
    const client = await this.client(MEMBER_KEY, this.flags.prvkey)
    const sites = await client.getSites(colonyname)
    this.output(sites, list => removedNote(list, colonyname) + renderTable([
      { header: 'NODE', value: s => s.nodeid.slice(0, 16) + (s.self ? ' (this)' : '') },
      { header: 'NAME', value: s => s.name },
      // open but silent: frozen or cut off, before the transport gives up on the connection
      { header: 'CONNECTED', value: s => s.removed !== undefined ? 'removed' : s.connected ? 'yes' : s.silent === true ? 'no answer' : 'no' },
      // direct, through a relay site (behind NAT), or direct after a relay (upgraded by DCUtR)
      { header: 'REACHED', value: s => reached(s, list) },
      { header: 'LAST SEEN', value: s => s.lastseen === 0 ? 'never' : new Date(s.lastseen).toISOString().replace('T', ' ').slice(0, 19) },
      // their clock minus the answering node's, estimated from what they gossip
      { header: 'CLOCK SKEW', value: s => s.self ? '-' : s.clockskew === undefined || s.clockskew === null ? 'unknown' : skew(s.clockskew) },
      // executors attached there per type (what a claim is ranked over); '-' where the node cannot know
      {
        header: 'EXECUTORS',
        value: s => {
          if (s.executors === undefined) return '-'
          const parts = Object.entries(s.executors).map(([type, n]) => `${type}:${n}`)
          return parts.length === 0 ? 'none' : parts.join(' ')
        }
      },
      {
        header: 'BEHIND',
        value: s => {
          if (s.behindknown === false) return 'unknown'
          const parts = Object.entries(s.behind).map(([origin, n]) => `${origin.slice(0, 8)}:${n}`)
          return parts.length === 0 ? 'in sync' : parts.join(' ')
        }
      }
    ], list, `No sites found in colony ${colonyname}`))
  }
}
