/**
 * The colony's sites as the node serving this page sees them: connected or not, last
 * heard from, the executors attached to each (per type), how many batches of each origin's log a site lacked at its last sync with
 * this node, and how far its clock is from this node's. Then this node's own figures
 * (its /health): what memory and disk hold, its heap, retention and the last prune.
 */
import type { JSX } from 'preact'
import { useMemo } from 'preact/hooks'
import type { NodeHealth, SiteStatus } from '../api.js'
import { ErrorMessage, Loading, TableWrap } from '../components.js'
import { ago, count, duration, shortId } from '../format.js'
import { healthRows } from '../health.js'
import { type Live, useApp, useLive } from '../live.js'

const siteName = (s: SiteStatus): string => s.name !== '' ? s.name : s.self ? 'this node' : shortId(s.nodeid)

/** node id → the name the colony owner gave the site ("this node", or its short id, when it has none). */
export function useSiteNames (): Map<string, string> {
  const { session } = useApp()
  const sites = useLive(async () => await session.api.sites(), [], { affects: f => f.colonylevel, minIntervalMs: 2000 })
  return useMemo(() => new Map((sites.data ?? []).map(s => [s.nodeid, siteName(s)])), [sites.data])
}

/** A site's name from the map, or its short id. */
export const nameOf = (names: Map<string, string>, nodeid: string): string => nodeid === '' ? '—' : names.get(nodeid) ?? shortId(nodeid)

function Behind ({ s, names }: { s: SiteStatus, names: Map<string, string> }): JSX.Element {
  const entries = Object.entries(s.behind)
  if (s.self) return <span class='muted'>—</span>
  if (entries.length === 0) return <span>in sync</span>
  const total = entries.reduce((a, [, n]) => a + n, 0)
  return (
    <details>
      <summary>{count(total)} record{total === 1 ? '' : 's'} behind</summary>
      <ul class='plain'>
        {entries.map(([origin, n]) => <li key={origin}>{count(n)} of {names.get(origin) ?? shortId(origin)}</li>)}
      </ul>
    </details>
  )
}

/** Executors attached to the site per type, as it last advertised ('—' where the node cannot know). */
function executors (s: SiteStatus): string {
  if (s.executors === undefined) return '—'
  const parts = Object.entries(s.executors).map(([type, n]) => `${count(n)} ${type}`)
  return parts.length === 0 ? 'none' : parts.join(', ')
}

function skew (s: SiteStatus): string {
  if (s.self) return '0 (this site)'
  if (s.clockskew === undefined || s.clockskew === null) return 'not heard yet'
  const v = s.clockskew
  if (Math.abs(v) < 1) return 'about 0'
  return `${duration(Math.abs(v))} ${v > 0 ? 'ahead' : 'behind'}`
}

function ThisNode ({ health, colony }: { health: Live<NodeHealth>, colony: string }): JSX.Element {
  const now = Date.now()
  return (
    <section aria-labelledby='h-node'>
      <h2 id='h-node'>This node</h2>
      <ErrorMessage error={health.error} />
      {health.data === undefined
        ? health.error === undefined && <Loading what="this node's figures" />
        : (
          <dl class='fields' data-testid='node-health'>
            {healthRows(health.data, colony, now).map(([k, v]) => <div key={k}><dt>{k}</dt><dd>{v}</dd></div>)}
          </dl>
          )}
    </section>
  )
}

/** Connected (directly, through a relay site, or upgraded from one), silent, or not. */
function connection (s: SiteStatus, names: ReadonlyMap<string, string>): JSX.Element {
  if (s.self) return <span class='ok'>connected</span>
  if (s.connected !== true) return s.silent === true ? <span class='bad'>no answer</span> : <span class='bad'>not connected</span>
  const via = s.via === undefined ? '' : (names.get(s.via) ?? shortId(s.via))
  const how = s.reach === 'relayed' ? ` · relayed via ${via}` : s.reach === 'upgraded' ? ` · direct (was relayed via ${via})` : ''
  return <span><span class='ok'>connected</span>{how}</span>
}

export function Sites (): JSX.Element {
  const { session } = useApp()
  // Sync progress is not a ledger change: reload on any change, and on request.
  const sites = useLive(async () => await session.api.sites(), [], { minIntervalMs: 2000 })
  // the node's /health: the heap and the disk change without a ledger change too, hence also on Refresh
  const health = useLive(async () => await session.api.health(), [], { minIntervalMs: 5000 })
  const names = useMemo(() => new Map((sites.data ?? []).map(s => [s.nodeid, siteName(s)])), [sites.data])
  const now = Date.now()
  return (
    <div>
      <h1>Sites</h1>
      <p class='muted'>Every node that holds this colony's ledger, as this node sees it. Executors are those asking the site for work, busy or idle, as it last advertised: a process goes first to the sites that have some. Clock skew is estimated from the times sites stamp on what they gossip, to within about one gossip delay.</p>
      <button type='button' class='button secondary' onClick={() => { sites.reload(); health.reload() }}>Refresh</button>
      <ErrorMessage error={sites.error} />
      {sites.data === undefined
        ? sites.error === undefined && <Loading what='sites' />
        : (
          <TableWrap label='Sites'>
            <table class='list' data-testid='site-table'>
              <thead><tr><th scope='col'>Site</th><th scope='col'>Node id</th><th scope='col'>Connected</th><th scope='col'>Last seen</th><th scope='col'>Executors</th><th scope='col'>Records behind</th><th scope='col'>Clock skew</th></tr></thead>
              <tbody>
                {sites.data.map(s => (
                  <tr key={s.nodeid}>
                    <td>{s.name === '' ? <span class='muted'>(unnamed)</span> : s.name}{s.self && <span class='tag'>this node</span>}</td>
                    <td class='mono' title={s.nodeid}>{shortId(s.nodeid)}</td>
                    <td>{connection(s, names)}</td>
                    <td>{s.self ? 'now' : ago(s.lastseen, now)}</td>
                    <td>{executors(s)}</td>
                    <td><Behind s={s} names={names} /></td>
                    <td>{skew(s)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
          )}
      <ThisNode health={health} colony={session.colony} />
    </div>
  )
}
