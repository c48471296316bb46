/**
 * This node's own figures, from its /health, as the sites view lists them (the same as
 * `colonies node status` prints): what memory holds, the data directory, the heap against
 * its limit, retention and what the colony's last prune freed, and when, and how many
 * executions were duplicates (a partition's both sides ran the same process).
 */
import type { NodeHealth } from './api.js'
import { ago, bytes, count, seconds, when } from './format.js'

const plural = (n: number, one: string, many: string): string => `${count(n)} ${n === 1 ? one : many}`

/** Label and text per figure; a part an older node lacks is left out. */
export function healthRows (h: NodeHealth, colony: string, now: number): Array<[string, string]> {
  const rows: Array<[string, string]> = []
  const l = h.ledger
  if (l !== undefined) {
    rows.push(['In memory', `${plural(l.processes, 'process', 'processes')} (live work; settled ones are read from disk)`])
    rows.push(['On disk', l.diskbytes < 0 ? 'not measured yet' : `${bytes(l.diskbytes)} in the data directory`])
  }
  const m = h.memory
  if (m !== undefined) rows.push(['Heap', `${bytes(m.heapused)} of ${bytes(m.heaplimit)} (${Math.round(m.heapused / m.heaplimit * 100)} %)`])
  const r = h.retention
  if (r !== undefined) {
    rows.push(['Retention', r.policy > 0 ? `successful processes older than ${seconds(r.policy)} are purged` : 'off'])
    // the page shows its own colony's last prune; /health lists every colony of the node
    const last = r.last.find(p => p.colony === colony)
    rows.push(['Last pruned', last === undefined
      ? 'nothing since the node started'
      : `${plural(last.processes, 'process', 'processes')}${last.horizon > 0 ? ` settled before ${when(last.horizon)}` : ' (removed ones)'}, ${ago(last.at, now)}`])
    rows.push(['Pruned in all', `${plural(r.processes, 'process', 'processes')} since the node started`])
  }
  const d = h.duplicates
  if (d !== undefined) {
    // both sides of a partition ran these: one result stands, the other run was wasted
    rows.push(['Duplicate executions', d.executions === 0
      ? 'none: no process ran more than once'
      : `${plural(d.executions, 'execution', 'executions')} beyond the first, of ${plural(d.processes, 'process', 'processes')}: ${d.listed.map(id => id.slice(0, 12)).join(', ')}${d.listed.length < d.processes ? ', …' : ''}`])
  }
  const n = h.nat
  if (n !== undefined) {
    const how = n.reachability === 'public' ? 'public' : n.reachability === 'nat' ? `behind NAT (peers see ${n.observed.slice(0, 2).join(', ')})` : 'private network or loopback'
    rows.push(['Reachability', n.relays.length === 0 ? how : `${how}; reached through a relay site (${n.relays.map(r => r.slice(-12)).join(', ')})`])
  }
  return rows
}
