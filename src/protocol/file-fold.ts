/**
 * The fold of a colony's file metadata and snapshots (ColonyOS's CFS), beside the timeline
 * rather than in it: a colony may hold many thousands of files, and a late file record
 * must not re-fold the colony level (nor a late colony-level record every file).
 *
 * Files fold in any order. A file is its `addfilemsg` record (its id is the record's id,
 * so every site names it alike); a record is accepted or refused by the rights its author
 * had at the record's own place in the ledger order (the timeline answers "as of"), so
 * its verdict does not depend on the other file records. A revision is live at a point K
 * of the order when it was added before K, and before K no by-id removal named it, no
 * by-name removal of its (label, name) followed it, and its colony was not removed after
 * it (upstream deletes a removed colony's files). All of that is sets of keys: late
 * records are inserted, never re-folded. Only a colony-level record that arrives late
 * (an approval, a site admitted) re-folds the colony's files, judged anew.
 *
 * Snapshots fold in order (a name is taken until its snapshot is removed), a few records
 * re-folded when one arrives late. A snapshot holds, for every (label, name) at or below
 * its label, the latest revision live at the snapshot's own place in the order: the same
 * file ids at every site that holds the same records, computed when read.
 */
import { canonicalJson } from './canonical.js'
import { type FoldEntry, insertSorted } from './entry.js'
import type { FileRefInput } from './messages.js'
import { conflict, forbidden, notFound, type Refusal } from './refusal.js'
import type { Timeline } from './timeline.js'

/** A revision of a file, as added. */
export interface FileRev {
  /** the id of the record that added it */
  readonly fileid: string
  /** its place in the ledger order */
  readonly key: string
  readonly colonyname: string
  readonly label: string
  readonly name: string
  readonly size: number
  readonly checksum: string
  readonly checksumalg: string
  readonly ref: FileRefInput
  /** HLC ms of the add */
  readonly added: number
}

/** A revision as read: `sequencenr` counts the revisions of its (label, name) in ledger order, from 1. */
export interface FileView extends FileRev {
  readonly sequencenr: number
}

export interface SnapshotView {
  readonly snapshotid: string
  readonly colonyname: string
  readonly label: string
  readonly name: string
  readonly fileids: string[]
  /** HLC ms of the snapshot */
  readonly added: number
}

export interface LabelCount {
  readonly name: string
  /** live revisions with exactly this label (upstream counts rows, revisions included) */
  readonly files: number
}

interface Group {
  readonly label: string
  readonly name: string
  /** accepted revisions, in ledger order */
  readonly revs: FileRev[]
  /** keys of accepted by-name removals, in order */
  readonly removes: string[]
}

interface SnapshotRec {
  readonly snapshotid: string
  readonly key: string
  readonly label: string
  readonly name: string
  readonly added: number
  removedAt: string | undefined
}

/** One colony's files and snapshots. */
class ColonyFiles {
  /** every file and snapshot record of the colony, in ledger order (to judge them anew) */
  readonly entries: FoldEntry[] = []
  readonly files = new Map<string, FileRev>()
  readonly groupOf = new Map<string, Group>()
  readonly labels = new Map<string, Map<string, Group>>()
  /** file id → keys of accepted by-id removals (the file may not have arrived yet) */
  readonly idRemoves = new Map<string, string[]>()
  /** colonynet blob checksum → the files that name it */
  readonly blobs = new Map<string, Set<string>>()
  readonly fileRefusals = new Map<string, Refusal>()
  readonly snapEntries: FoldEntry[] = []
  readonly snapshots = new Map<string, SnapshotRec>()
  /** the last snapshot created with each name */
  readonly byName = new Map<string, SnapshotRec>()
  readonly snapRefusals = new Map<string, Refusal>()

  constructor (readonly colony: string) {}

  group (label: string, name: string): Group {
    let names = this.labels.get(label)
    if (names === undefined) this.labels.set(label, names = new Map())
    let g = names.get(name)
    if (g === undefined) names.set(name, g = { label, name, revs: [], removes: [] })
    return g
  }

  clearFiles (): void {
    for (const m of [this.files, this.groupOf, this.labels, this.idRemoves, this.blobs, this.fileRefusals]) m.clear()
    this.clearSnapshots()
    this.snapEntries.length = 0
  }

  clearSnapshots (): void {
    for (const m of [this.snapshots, this.byName, this.snapRefusals]) m.clear()
  }
}

/** After every key: "now" in the ledger order. */
const END = '\uffff'

const SNAPSHOT_TYPES: ReadonlySet<string> = new Set(['createsnapshotmsg', 'removesnapshotmsg', 'removeallsnapshotmsg'])

/** The colony a file or snapshot record belongs to; undefined for every other record. */
export function fileColonyOf (e: FoldEntry): string | undefined {
  const m = e.msg
  if (e.rec.b.k !== 'env' || m === undefined) return undefined
  switch (m.msgtype) {
    case 'addfilemsg': return m.file.colonyname
    case 'removefilemsg':
    case 'createsnapshotmsg':
    case 'removesnapshotmsg':
    case 'removeallsnapshotmsg':
      return m.colonyname
    default: return undefined
  }
}

/** Upstream keeps a snapshot's label without its trailing slash ("/data/" is "/data"). */
export function snapshotLabel (label: string): string {
  return label.replace(/\/+$/, '')
}

/** Whether a snapshot (or a recursive listing) of `label` takes files labelled `fileLabel`. */
export function labelCovers (label: string, fileLabel: string): boolean {
  const l = snapshotLabel(label)
  return fileLabel === l || fileLabel.startsWith(l + '/')
}

function insertKey (list: string[], key: string): void {
  let lo = 0
  let hi = list.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if ((list[mid] as string) < key) lo = mid + 1
    else hi = mid
  }
  if (list[lo] !== key) list.splice(lo, 0, key)
}

/** The first key in the sorted list after `key`. */
function firstAfter (list: readonly string[], key: string): string | undefined {
  let lo = 0
  let hi = list.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if ((list[mid] as string) <= key) lo = mid + 1
    else hi = mid
  }
  return list[lo]
}

const byText = (a: string, b: string): number => a < b ? -1 : a > b ? 1 : 0

export class FileFold {
  private readonly colonies = new Map<string, ColonyFiles>()
  private readonly changed = new Set<string>()

  /** `timeline`: the colony level as it is now (the fold replaces it when it re-folds). */
  constructor (private readonly timeline: () => Timeline) {}

  // ---- folding ---------------------------------------------------------------------------

  /**
   * Takes new file and snapshot records (sorted by key). `affected`: per colony ('*': all),
   * the earliest key of colony-level records that just arrived; a colony's records after
   * it are judged anew.
   */
  add (fresh: readonly FoldEntry[], affected: ReadonlyMap<string, string>): void {
    const refold = new Set<ColonyFiles>()
    for (const [colony, key] of affected) {
      const units = colony === '*' ? [...this.colonies.values()] : [this.colonies.get(colony)]
      for (const u of units) {
        const last = u?.entries[u.entries.length - 1]
        if (u !== undefined && last !== undefined && last.key > key) refold.add(u)
      }
    }
    const snapRefold = new Set<ColonyFiles>()
    for (const e of fresh) {
      const colony = fileColonyOf(e)
      if (colony === undefined) continue
      let u = this.colonies.get(colony)
      if (u === undefined) this.colonies.set(colony, u = new ColonyFiles(colony))
      this.changed.add(colony)
      insertSorted(u.entries, e)
      if (refold.has(u)) continue
      if (SNAPSHOT_TYPES.has(e.msg?.msgtype ?? '')) {
        if (insertSorted(u.snapEntries, e) && !snapRefold.has(u)) this.applySnapshot(u, e)
        else snapRefold.add(u)
      } else {
        this.applyFile(u, e)
      }
    }
    for (const u of refold) {
      this.changed.add(u.colony)
      u.clearFiles()
      for (const e of u.entries) {
        if (SNAPSHOT_TYPES.has(e.msg?.msgtype ?? '')) {
          u.snapEntries.push(e)
          this.applySnapshot(u, e)
        } else {
          this.applyFile(u, e)
        }
      }
    }
    for (const u of snapRefold) {
      if (refold.has(u)) continue
      u.clearSnapshots()
      for (const e of u.snapEntries) this.applySnapshot(u, e)
    }
  }

  /** Why a record would be refused if it were appended now (nothing changes). */
  preview (e: FoldEntry): Refusal | undefined {
    const colony = fileColonyOf(e) ?? ''
    const why = this.judge(colony, e)
    if (why !== undefined || e.msg?.msgtype !== 'createsnapshotmsg') return why
    const u = this.colonies.get(colony)
    const old = u?.byName.get(e.msg.name)
    if (u !== undefined && old !== undefined && this.snapshotLive(u, old, e.key)) return conflict(`a snapshot named ${JSON.stringify(e.msg.name)} already exists in the colony`)
    return undefined
  }

  /** The rights every file and snapshot record needs, at its own place in the order. */
  private judge (colony: string, e: FoldEntry): Refusal | undefined {
    const tl = this.timeline()
    const c = tl.colonyAt(colony, e.key)
    if (c === undefined) return notFound(`colony ${JSON.stringify(colony)} does not exist`)
    if (!c.sites.includes(e.rec.o)) return forbidden('the origin node is not a site of the colony')
    if (!tl.isMemberAt(colony, e.author, e.key)) {
      const what = e.msg?.msgtype === 'addfilemsg' ? 'add files' : e.msg?.msgtype === 'removefilemsg' ? 'remove files' : 'manage snapshots'
      return forbidden(`only members of the colony may ${what}`)
    }
    return undefined
  }

  private applyFile (u: ColonyFiles, e: FoldEntry): void {
    const why = this.judge(u.colony, e)
    if (why !== undefined) {
      u.fileRefusals.set(e.id, why)
      return
    }
    const m = e.msg
    if (m?.msgtype === 'addfilemsg') {
      const f = m.file
      const rev: FileRev = {
        fileid: e.id, key: e.key, colonyname: u.colony, label: f.label, name: f.name, size: f.size,
        checksum: f.checksum, checksumalg: f.checksumalg, ref: f.ref, added: e.rec.t.w
      }
      const g = u.group(f.label, f.name)
      insertSorted(g.revs, rev)
      u.files.set(rev.fileid, rev)
      u.groupOf.set(rev.fileid, g)
      if (f.ref.protocol === 'colonynet') {
        let ids = u.blobs.get(f.checksum)
        if (ids === undefined) u.blobs.set(f.checksum, ids = new Set())
        ids.add(rev.fileid)
      }
    } else if (m?.msgtype === 'removefilemsg') {
      if (m.fileid !== '') {
        let keys = u.idRemoves.get(m.fileid)
        if (keys === undefined) u.idRemoves.set(m.fileid, keys = [])
        insertKey(keys, e.key)
      } else {
        insertKey(u.group(m.label, m.name).removes, e.key)
      }
    }
  }

  private applySnapshot (u: ColonyFiles, e: FoldEntry): void {
    const why = this.judge(u.colony, e)
    if (why !== undefined) {
      u.snapRefusals.set(e.id, why)
      return
    }
    const m = e.msg
    if (m?.msgtype === 'createsnapshotmsg') {
      const old = u.byName.get(m.name)
      if (old !== undefined && this.snapshotLive(u, old, e.key)) {
        u.snapRefusals.set(e.id, conflict(`a snapshot named ${JSON.stringify(m.name)} already exists in the colony`))
        return
      }
      const s: SnapshotRec = { snapshotid: e.id, key: e.key, label: snapshotLabel(m.label), name: m.name, added: e.rec.t.w, removedAt: undefined }
      u.snapshots.set(s.snapshotid, s)
      u.byName.set(s.name, s)
    } else if (m?.msgtype === 'removesnapshotmsg') {
      // a removal of what is not there (any more) changes nothing, as upstream's DELETE
      const s = m.snapshotid !== '' ? u.snapshots.get(m.snapshotid) : u.byName.get(m.name)
      if (s !== undefined && this.snapshotLive(u, s, e.key)) s.removedAt = e.key
    } else if (m?.msgtype === 'removeallsnapshotmsg') {
      for (const s of u.snapshots.values()) if (this.snapshotLive(u, s, e.key)) s.removedAt = e.key
    }
  }

  // ---- what is live at a point of the order ------------------------------------------------

  /** The key of the colony's last removal before `at` ('' for none): what came before it is gone. */
  private epoch (colony: string, at: string): string {
    const events = this.timeline().eventsOf(colony)
    for (let i = events.length - 1; i >= 0; i--) {
      const ev = events[i]
      if (ev !== undefined && ev.kind === 'removecolony' && ev.key < at) return ev.key
    }
    return ''
  }

  private revLive (u: ColonyFiles, rev: FileRev, at: string, epoch: string): boolean {
    if (rev.key >= at || rev.key < epoch) return false
    const byId = u.idRemoves.get(rev.fileid)?.[0]
    if (byId !== undefined && byId < at) return false
    const byName = firstAfter((u.groupOf.get(rev.fileid) as Group).removes, rev.key)
    return byName === undefined || byName >= at
  }

  /** The latest revision of the group live at `at`. */
  private chosenAt (u: ColonyFiles, g: Group, at: string, epoch: string): FileRev | undefined {
    for (let i = g.revs.length - 1; i >= 0; i--) {
      const rev = g.revs[i] as FileRev
      if (rev.key < epoch) return undefined
      if (this.revLive(u, rev, at, epoch)) return rev
    }
    return undefined
  }

  private snapshotLive (u: ColonyFiles, s: SnapshotRec, at: string): boolean {
    return s.key < at && (s.removedAt === undefined || s.removedAt >= at) && s.key > this.epoch(u.colony, at)
  }

  /** Whether a live snapshot holds the revision (it then stays readable by id after its removal). */
  private heldBySnapshot (u: ColonyFiles, rev: FileRev): boolean {
    for (const s of u.snapshots.values()) {
      if (s.key <= rev.key || !labelCovers(s.label, rev.label) || !this.snapshotLive(u, s, END)) continue
      if (this.chosenAt(u, u.groupOf.get(rev.fileid) as Group, s.key, this.epoch(u.colony, s.key)) === rev) return true
    }
    return false
  }

  private view (u: ColonyFiles, rev: FileRev): FileView {
    const g = u.groupOf.get(rev.fileid) as Group
    return { ...rev, sequencenr: g.revs.indexOf(rev) + 1 }
  }

  private snapshotView (u: ColonyFiles, s: SnapshotRec): SnapshotView {
    const epoch = this.epoch(u.colony, s.key)
    const chosen: FileRev[] = []
    for (const [label, names] of u.labels) {
      if (!labelCovers(s.label, label)) continue
      for (const g of names.values()) {
        const rev = this.chosenAt(u, g, s.key, epoch)
        if (rev !== undefined) chosen.push(rev)
      }
    }
    chosen.sort((a, b) => byText(a.label, b.label) || byText(a.name, b.name))
    return { snapshotid: s.snapshotid, colonyname: u.colony, label: s.label, name: s.name, fileids: chosen.map(r => r.fileid), added: s.added }
  }

  // ---- reads -----------------------------------------------------------------------------

  /** A revision by id: live, or held by a live snapshot. */
  file (colony: string, fileid: string): FileView | undefined {
    const u = this.colonies.get(colony)
    const rev = u?.files.get(fileid)
    if (u === undefined || rev === undefined) return undefined
    const live = this.revLive(u, rev, END, this.epoch(colony, END)) || this.heldBySnapshot(u, rev)
    return live ? this.view(u, rev) : undefined
  }

  /** Whether the revision is live now (held by a snapshot only does not count). */
  isLive (colony: string, fileid: string): boolean {
    const u = this.colonies.get(colony)
    const rev = u?.files.get(fileid)
    return u !== undefined && rev !== undefined && this.revLive(u, rev, END, this.epoch(colony, END))
  }

  /** The live revisions of (label, name), newest first. */
  revisions (colony: string, label: string, name: string): FileView[] {
    const u = this.colonies.get(colony)
    const g = u?.labels.get(label)?.get(name)
    if (u === undefined || g === undefined) return []
    const epoch = this.epoch(colony, END)
    const out: FileView[] = []
    for (let i = g.revs.length - 1; i >= 0; i--) {
      const rev = g.revs[i] as FileRev
      if (this.revLive(u, rev, END, epoch)) out.push({ ...rev, sequencenr: i + 1 })
    }
    return out
  }

  latest (colony: string, label: string, name: string): FileView | undefined {
    const u = this.colonies.get(colony)
    const g = u?.labels.get(label)?.get(name)
    if (u === undefined || g === undefined) return undefined
    const rev = this.chosenAt(u, g, END, this.epoch(colony, END))
    return rev === undefined ? undefined : this.view(u, rev)
  }

  /** The latest live revision of every name labelled exactly `label`, by name. */
  filesIn (colony: string, label: string): FileView[] {
    const u = this.colonies.get(colony)
    const names = u?.labels.get(label)
    if (u === undefined || names === undefined) return []
    const epoch = this.epoch(colony, END)
    const out: FileView[] = []
    for (const g of names.values()) {
      const rev = this.chosenAt(u, g, END, epoch)
      if (rev !== undefined) out.push(this.view(u, rev))
    }
    return out.sort((a, b) => byText(a.name, b.name))
  }

  /**
   * Labels with live revisions, and how many: all of them (`prefix` ""), those starting
   * with `prefix`, or (`exact`) `prefix` itself and the labels below `prefix/`.
   */
  labels (colony: string, prefix = '', exact = false): LabelCount[] {
    const u = this.colonies.get(colony)
    if (u === undefined) return []
    const epoch = this.epoch(colony, END)
    const out: LabelCount[] = []
    for (const [label, names] of u.labels) {
      if (prefix !== '' && !(exact ? labelCovers(prefix, label) : label.startsWith(prefix))) continue
      let files = 0
      for (const g of names.values()) for (const rev of g.revs) if (this.revLive(u, rev, END, epoch)) files++
      if (files > 0) out.push({ name: label, files })
    }
    return out.sort((a, b) => byText(a.name, b.name))
  }

  snapshot (colony: string, snapshotid: string): SnapshotView | undefined {
    const u = this.colonies.get(colony)
    const s = u?.snapshots.get(snapshotid)
    return u === undefined || s === undefined || !this.snapshotLive(u, s, END) ? undefined : this.snapshotView(u, s)
  }

  snapshotByName (colony: string, name: string): SnapshotView | undefined {
    const u = this.colonies.get(colony)
    const s = u?.byName.get(name)
    return u === undefined || s === undefined || !this.snapshotLive(u, s, END) ? undefined : this.snapshotView(u, s)
  }

  /** The live snapshots, newest first (upstream orders them by time added). */
  snapshots (colony: string): SnapshotView[] {
    const u = this.colonies.get(colony)
    if (u === undefined) return []
    const live = [...u.snapshots.values()].filter(s => this.snapshotLive(u, s, END))
    return live.sort((a, b) => byText(b.key, a.key)).map(s => this.snapshotView(u, s))
  }

  // ---- for the blob plane: which content a colony still needs ----------------------------

  /**
   * Whether colonynet content with this checksum is still referenced in the colony: by a
   * live revision, or by a revision a live snapshot holds. False once the colony is gone.
   */
  isChecksumLive (colony: string, checksum: string): boolean {
    const u = this.colonies.get(colony)
    const ids = u?.blobs.get(checksum)
    if (u === undefined || ids === undefined || this.timeline().colonies.get(colony)?.current === undefined) return false
    const epoch = this.epoch(colony, END)
    for (const id of ids) {
      const rev = u.files.get(id) as FileRev
      if (this.revLive(u, rev, END, epoch) || this.heldBySnapshot(u, rev)) return true
    }
    return false
  }

  /**
   * The checksums of the colonynet content of every live revision labelled `label` or
   * below `label/`, sorted and without repeats ("" takes every label that starts with "/").
   */
  checksumsUnder (colony: string, label: string): string[] {
    const u = this.colonies.get(colony)
    if (u === undefined || this.timeline().colonies.get(colony)?.current === undefined) return []
    const epoch = this.epoch(colony, END)
    const out = new Set<string>()
    for (const [l, names] of u.labels) {
      if (!labelCovers(label, l)) continue
      for (const g of names.values()) {
        for (const rev of g.revs) if (rev.ref.protocol === 'colonynet' && this.revLive(u, rev, END, epoch)) out.add(rev.checksum)
      }
    }
    return [...out].sort(byText)
  }

  // ---- refusals, changes and the state for the hash ---------------------------------------

  /** Why a file or snapshot record was refused (undefined: applied, or not one of these). */
  refusal (e: FoldEntry): Refusal | undefined {
    const u = this.colonies.get(fileColonyOf(e) ?? '')
    return u?.fileRefusals.get(e.id) ?? u?.snapRefusals.get(e.id)
  }

  * refusals (): IterableIterator<[string, Refusal]> {
    for (const u of this.colonies.values()) {
      yield * u.fileRefusals
      yield * u.snapRefusals
    }
  }

  /** Colonies whose files or snapshots changed since the last call. */
  drainChanged (): string[] {
    const out = [...this.changed]
    this.changed.clear()
    return out
  }

  /** What the records decided, per colony, in one canonical form: equal where the same records are held. */
  canonical (): unknown {
    return [...this.colonies.values()].sort((a, b) => byText(a.colony, b.colony)).map(u => ({
      colony: u.colony,
      files: [...u.files.keys()].sort(byText),
      idRemoves: [...u.idRemoves].sort((a, b) => byText(a[0], b[0])),
      nameRemoves: [...u.labels.values()].flatMap(names => [...names.values()]).filter(g => g.removes.length > 0)
        .map(g => [g.label, g.name, g.removes]).sort((a, b) => byText(canonicalJson(a), canonicalJson(b))),
      snapshots: [...u.snapshots.values()].map(s => [s.snapshotid, s.removedAt ?? '']).sort((a, b) => byText(a[0] as string, b[0] as string)),
      refusals: [...u.fileRefusals, ...u.snapRefusals].map(([id, r]) => [id, r.code, r.reason]).sort((a, b) => byText(a[0] as string, b[0] as string))
    }))
  }
}
