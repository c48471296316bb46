/**
 * A node's own figures for people: the retention setting `node start` and `dev` print, the
 * memory, disk and retention parts of /health that `node status` prints, and the result of
 * `node verify-archive`. Health is read leniently: a node of another version may lack a part.
 */
import { renderFields, renderTable } from '../table.js'

const num = (v: unknown): number | undefined => typeof v === 'number' && Number.isFinite(v) ? v : undefined
const obj = (v: unknown): Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v) ? v as Record<string, unknown> : {}
const str = (v: unknown): string => typeof v === 'string' ? v : ''

/** Bytes as people read them: "812 KiB", "3.4 MiB", "250 MiB", "1.2 GiB"; '?' when unknown. */
export function bytesText (bytes: unknown): string {
  const n = num(bytes)
  if (n === undefined || n < 0) return '?'
  if (n < 2 ** 20) return `${Math.round(n / 1024)} KiB`
  if (n < 2 ** 30) return n < 10 * 2 ** 20 ? `${(n / 2 ** 20).toFixed(1)} MiB` : `${Math.round(n / 2 ** 20)} MiB`
  return `${(n / 2 ** 30).toFixed(1)} GiB`
}

/** whole MiB: the heap line's format, which scripts read */
const mib = (bytes: unknown): string => {
  const n = num(bytes)
  return n === undefined ? '?' : `${Math.round(n / 2 ** 20)} MiB`
}

/** "1 process", "3 processes". */
const plural = (n: number | undefined, one: string, many: string): string => `${n ?? '?'} ${n === 1 ? one : many}`

/** 604800 → "604800 s (7 d)"; 30 → "30 s". */
export function policyText (seconds: number): string {
  for (const [unit, size] of [['d', 86_400], ['h', 3600], ['min', 60]] as const) {
    if (seconds >= size && seconds % size === 0) return `${seconds} s (${seconds / size} ${unit})`
  }
  return `${seconds} s`
}

/** The retention setting in one line: "off", or the policy and what it does; the archive. */
export function retentionText (policySeconds: number, archive: string): string {
  const rule = policySeconds > 0 ? `on: successful processes older than ${policyText(policySeconds)} are purged` : 'off'
  return archive === '' ? rule : `${rule}; purged records archived in ${archive}`
}

/** UTC time of ms since the epoch, as `node ls` prints it; '-' for none. */
export function utc (ms: number | undefined): string {
  return ms === undefined || ms <= 0 ? '-' : new Date(ms).toISOString().replace('T', ' ').slice(0, 19)
}

/** "12 s ago", "5 min ago", "3 h ago", "2 d ago". */
export function ago (ms: number, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - ms) / 1000))
  if (s < 90) return `${s} s ago`
  if (s < 5400) return `${Math.round(s / 60)} min ago`
  if (s < 172_800) return `${Math.round(s / 3600)} h ago`
  return `${Math.round(s / 86_400)} d ago`
}

/** The heap against its limit (live work is held there) and the process's resident size. */
export function memoryText (v: unknown): string {
  const m = obj(v)
  const used = num(m.heapused)
  const limit = num(m.heaplimit)
  const share = used !== undefined && limit !== undefined && limit > 0 ? ` (${Math.round(used / limit * 100)} %)` : ''
  return `heap ${mib(used)} of ${mib(limit)}${share}, resident ${mib(m.rss)}`
}

/** What memory holds: processes (of units: standalone processes and workflows), and the paging since start. */
export function ledgerText (v: unknown): string {
  const l = obj(v)
  const sweeps = num(l.sweeps) ?? 0
  return `${plural(num(l.processes), 'process', 'processes')} in ${plural(num(l.units), 'unit', 'units')} (processes and workflows); ` +
    `since start ${plural(num(l.evicted) ?? 0, 'unit', 'units')} paged out to disk, ${num(l.pagedIn) ?? 0} read back` +
    (sweeps > 0 ? `, ${plural(sweeps, 'sweep', 'sweeps')} to do` : '')
}

export function diskText (v: unknown): string {
  const bytes = num(obj(v).diskbytes)
  return bytes === undefined || bytes < 0 ? 'not measured yet' : `${bytesText(bytes)} in the data directory (looked at every 30 s)`
}

/** The blob store of colony files: what it holds, moved between sites, keeps locally; its limit. */
export function blobsText (v: unknown): string {
  const b = obj(v)
  const f = obj(b.fetches)
  const s = obj(b.serves)
  const k = obj(b.kept)
  const keep = Array.isArray(b.keep) ? b.keep.filter(x => typeof x === 'string') : []
  const parts = [
    `${plural(num(b.blobs) ?? 0, 'blob', 'blobs')}, ${bytesText(num(b.bytes) ?? 0)}` + ((num(b.parts) ?? 0) > 0 ? ` (+ ${plural(num(b.parts), 'partial fetch', 'partial fetches')}, ${bytesText(num(b.partbytes) ?? 0)})` : ''),
    `fetched ${num(f.fetched) ?? 0} from other sites (${bytesText(num(f.bytes) ?? 0)}${(num(f.forged) ?? 0) > 0 ? `, ${num(f.forged)} forged thrown away` : ''}), served ${num(s.served) ?? 0} (${bytesText(num(s.bytes) ?? 0)})`
  ]
  if (keep.length > 0) parts.push(`keeping ${keep.join(' ')}: ${num(k.held) ?? 0} of ${num(k.listed) ?? 0} held`)
  if (num(b.limit) !== undefined) parts.push(`at most ${bytesText(num(b.limit))} each`)
  return parts.join('; ')
}

interface PruneReport { colony: string, below: number, horizon: number, at: number, units: number, processes: number, batches: number }

function reports (v: unknown): PruneReport[] {
  const last = obj(v).last
  if (!Array.isArray(last)) return []
  return last.map(r => {
    const o = obj(r)
    return { colony: str(o.colony), below: num(o.below) ?? 0, horizon: num(o.horizon) ?? 0, at: num(o.at) ?? 0, units: num(o.units) ?? 0, processes: num(o.processes) ?? 0, batches: num(o.batches) ?? 0 }
  })
}

/** Totals pruned since start and prune records waiting for their turn. */
export function prunedText (v: unknown): string {
  const r = obj(v)
  const pending = num(r.pending) ?? 0
  return `${plural(num(r.processes) ?? 0, 'process', 'processes')} in ${plural(num(r.units) ?? 0, 'unit', 'units')} since start` +
    `; ${plural(num(r.written) ?? 0, 'prune record', 'prune records')} written here` + (pending > 0 ? `, ${pending} waiting to apply` : '')
}

/** The last prune applied per colony: how much it freed, up to which horizon, and when. */
export function lastPrunedTable (v: unknown, now = Date.now()): string {
  return renderTable<PruneReport>([
    { header: 'COLONY', value: r => r.colony },
    { header: 'PROCESSES', value: r => String(r.processes), align: 'right' },
    { header: 'UNITS', value: r => String(r.units), align: 'right' },
    { header: 'BATCHES', value: r => String(r.batches), align: 'right' },
    // 0: no policy, only removed processes were freed
    { header: 'SETTLED BEFORE', value: r => r.horizon > 0 ? utc(r.horizon) : 'removed only' },
    { header: 'APPLIED', value: r => r.at > 0 ? `${utc(r.at)} (${ago(r.at, now)})` : '-' }
  ], reports(v), 'Nothing pruned since the node started')
}

/** A health value on one line: counters as "name value", groups of them in parentheses. */
export function describe (v: unknown): string {
  if (typeof v !== 'object' || v === null) return String(v)
  return Object.entries(v).map(([k, x]) => typeof x === 'object' && x !== null ? `${k} (${describe(x)})` : `${k} ${String(x)}`).join(', ')
}

/** The parts of /health shown first, in this order; any other part follows as it comes. */
const ORDER = ['nodeid', 'records', 'ledger', 'memory', 'retention']

/** public / behind NAT (seen at …) / private network, and the relays it holds a slot on. */
function natText (v: unknown): string {
  const n = obj(v)
  const observed = Array.isArray(n.observed) ? n.observed.map(String) : []
  const relays = Array.isArray(n.relays) ? n.relays.map(String) : []
  const how = n.reachability === 'public'
    ? 'public'
    : n.reachability === 'nat' ? `behind NAT (peers see ${observed.slice(0, 2).join(', ')})` : 'private network or loopback'
  return relays.length === 0 ? how : `${how}; relay slot on ${relays.map(r => r.slice(-12)).join(', ')}`
}

/** /health's duplicate executions: processes both sides of a partition ran, each listed (`process get` shows where). */
export function duplicatesHealthText (v: unknown): string {
  const d = obj(v)
  const n = num(d.executions) ?? 0
  if (n === 0) return 'none: no process ran more than once'
  const listed = Array.isArray(d.listed) ? d.listed.filter((x): x is string => typeof x === 'string') : []
  return `${n} duplicate execution${n === 1 ? '' : 's'} of ${num(d.processes) ?? '?'} process${num(d.processes) === 1 ? '' : 'es'} (colonies process get --processid ID shows where): ${listed.join(', ')}${listed.length < (num(d.processes) ?? 0) ? ', …' : ''}`
}

/** /health as field lines; the last prunes as a table below them. */
export function healthText (h: Record<string, unknown>, first: Array<[string, string]>, now = Date.now()): string {
  const fields: Array<[string, string]> = [...first]
  const keys = [...ORDER.filter(k => k in h), ...Object.keys(h).filter(k => !ORDER.includes(k))]
  for (const k of keys) {
    const v = h[k]
    switch (k) {
      case 'version': case 'status': continue
      case 'nodeid': fields.push(['Node id', str(v)]); break
      case 'ledger': fields.push(['In memory', ledgerText(v)], ['On disk', diskText(v)]); break
      // the heap against its limit: what a node must keep below
      case 'memory': fields.push(['Memory', memoryText(v)]); break
      case 'blobs': fields.push(['Blobs', blobsText(v)]); break
      case 'nat': fields.push(['Reachability', natText(v)]); break
      // this site no longer takes part in these colonies
      case 'removed': fields.push(['Removed', (Array.isArray(v) ? v : []).map(r => {
        const o = obj(r)
        return `from colony ${str(o.colony)} by ${str(o.by).slice(0, 16)}… at ${utc(num(o.at))}`
      }).join('; ')]); break
      case 'duplicates': fields.push(['Duplicates', duplicatesHealthText(v)]); break
      // the WebSocket RPC (/rpc): clients' connections, their requests, frames the node holds back
      case 'rpcsocket': {
        const r = obj(v)
        fields.push(['RPC sockets', `${num(r.connections) ?? 0} open, ${num(r.inflight) ?? 0} requests in flight, ${num(r.queued) ?? 0} frames held back`])
        break
      }
      case 'retention': {
        const r = obj(v)
        fields.push(['Retention', retentionText(num(r.policy) ?? 0, str(r.archive))], ['Pruned', prunedText(v)])
        break
      }
      default: fields.push([k[0]?.toUpperCase() + k.slice(1), describe(v)])
    }
  }
  const parts = [renderFields(fields)]
  if (h.retention !== undefined) parts.push(`Last pruned\n${lastPrunedTable(h.retention, now).split('\n').map(l => `  ${l}`).join('\n')}`)
  return parts.join('\n\n')
}

export interface ArchiveFile { file: string, records: number, problems: number }

/** `node verify-archive`: per file, then the totals and who signed, then the problems (the first few). */
export function archiveText (c: { dir: string, files: ArchiveFile[], records: number, problems: string[], nodes: string[] }, shown = 20): string {
  const parts = [
    renderTable<ArchiveFile>([
      { header: 'FILE', value: f => f.file },
      { header: 'RECORDS', value: f => String(f.records), align: 'right' },
      { header: 'PROBLEMS', value: f => String(f.problems), align: 'right' }
    ], c.files, `No archive files in ${c.dir}`),
    renderFields([
      ['Files', String(c.files.length)],
      ['Records', String(c.records)],
      ['Problems', String(c.problems.length)],
      ['Signed by', c.nodes.length === 0 ? '-' : c.nodes.join(', ')]
    ])
  ]
  if (c.problems.length > 0) {
    const more = c.problems.length - shown
    parts.push(['Problems', ...c.problems.slice(0, shown).map(p => `  ${p}`), ...(more > 0 ? [`  … and ${more} more (--json lists them all)`] : [])].join('\n'))
  }
  return parts.join('\n\n')
}
