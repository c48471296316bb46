/**
 * The archive of pruned records (`--archive DIR`): before a prune deletes a process or
 * workflow, its records are appended as JSON lines to one file per UTC day, so the full
 * execution history ColonyOS promises stays auditable offline. Each line carries the
 * record as stored (a client's envelope keeps its own signature) and is signed by the
 * archiving node, so `colonies node verify-archive DIR` can check both.
 */
import { createReadStream } from 'node:fs'
import { appendFile, mkdir, readdir } from 'node:fs/promises'
import { createInterface } from 'node:readline'
import { join } from 'node:path'
import { canonicalJson } from '../protocol/canonical.js'
import { idFromPrivateKey, recoverId, sign } from '../protocol/crypto.js'
import { verifyEnvelope } from '../protocol/envelope.js'
import { type LedgerRecord, recordId } from '../protocol/records.js'

/** One archived record: what a line holds, its signature aside. */
export interface ArchivedRecord {
  readonly v: 1
  /** the colony and the unit (process or workflow id) the prune removed */
  readonly colony: string
  readonly unit: string
  readonly id: string
  readonly seq: number
  readonly record: LedgerRecord
  /** the verified signer of an envelope; the origin node for its own facts */
  readonly author: string
  /** the archiving node and when it archived (ms) */
  readonly node: string
  readonly at: number
}

export interface ArchiveLine extends ArchivedRecord {
  /** the archiving node's signature over the canonical JSON of the rest of the line */
  readonly sig: string
}

export function archiveFile (dir: string, atMs: number): string {
  return join(dir, `colonynet-${new Date(atMs).toISOString().slice(0, 10)}.jsonl`)
}

export class Archive {
  private readonly nodeId: string
  private ready: Promise<unknown> | undefined

  constructor (readonly dir: string, private readonly nodeKey: string, private readonly now: () => number = Date.now) {
    this.nodeId = idFromPrivateKey(nodeKey)
  }

  /** Appends the records (signed, one line each) to today's file; resolves once written. */
  async write (records: ReadonlyArray<Omit<ArchivedRecord, 'v' | 'node' | 'at'>>): Promise<void> {
    if (records.length === 0) return
    this.ready ??= mkdir(this.dir, { recursive: true })
    await this.ready
    const at = this.now()
    const lines = records.map(r => {
      const body: ArchivedRecord = { v: 1, ...r, node: this.nodeId, at }
      return JSON.stringify({ ...body, sig: sign(canonicalJson(body), this.nodeKey) })
    })
    await appendFile(archiveFile(this.dir, at), lines.join('\n') + '\n')
  }
}

export interface ArchiveCheck {
  readonly files: number
  readonly records: number
  /** problems found, each naming its file and line */
  readonly problems: string[]
  /** the nodes whose signatures were found */
  readonly nodes: string[]
}

/**
 * Checks every line of every archive file in `dir`: the archiving node's signature, the
 * record's id, and an envelope's own signature against its recorded author.
 */
export async function verifyArchive (dir: string, onFile?: (file: string, records: number) => void): Promise<ArchiveCheck> {
  const files = (await readdir(dir)).filter(f => /^colonynet-\d{4}-\d{2}-\d{2}\.jsonl$/.test(f)).sort()
  const problems: string[] = []
  const nodes = new Set<string>()
  let records = 0
  for (const f of files) {
    let n = 0
    let i = 0
    // line by line: a day's file may be larger than a string can be
    for await (const line of createInterface({ input: createReadStream(join(dir, f)), crlfDelay: Infinity })) {
      i++
      if (line.trim() === '') continue
      n++
      const where = `${f}:${i}`
      try {
        const { sig, ...body } = JSON.parse(line) as ArchiveLine
        if (body.v !== 1) throw new Error(`unknown version ${String(body.v)}`)
        if (typeof sig !== 'string') throw new Error('no signature')
        const signer = recoverId(canonicalJson(body), sig)
        if (signer !== body.node) throw new Error(`signed by ${signer.slice(0, 12)}…, not by the node it names (${String(body.node).slice(0, 12)}…)`)
        nodes.add(signer)
        if (recordId(body.record) !== body.id) throw new Error('the record does not hash to its id')
        if (body.record.b.k === 'env') {
          const author = verifyEnvelope(body.record.b.env)
          if (author !== body.author) throw new Error('the envelope\'s signature is not its author\'s')
        } else if (body.author !== body.record.o) {
          throw new Error('a node fact whose author is not its origin')
        }
      } catch (err) {
        problems.push(`${where}: ${(err as Error).message}`)
      }
    }
    records += n
    onFile?.(f, n)
  }
  return { files: files.length, records, problems, nodes: [...nodes].sort() }
}
