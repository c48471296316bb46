/**
 * A small colony for tests: real keys, real signed envelopes, records with chosen
 * clocks. `entry()` goes through the same verification as ingest (signature recovery,
 * message parsing), so the fold sees exactly what a node would give it.
 */
import * as assert from 'uvu/assert'
import { createHash } from 'node:crypto'
import { generatePrivateKey, idFromPrivateKey } from '../../src/protocol/crypto.js'
import type { FoldEntry } from '../../src/protocol/entry.js'
import { foldRecords } from '../../src/protocol/fold.js'
import { signEnvelope } from '../../src/protocol/envelope.js'
import type { LedgerRecord, RecordBody } from '../../src/protocol/records.js'
import { entryFromRecord } from '../../src/protocol/verify.js'

/** An entry as the fold keeps it, with the whole signed record it came from (to write or send). */
export interface WorldEntry extends FoldEntry {
  readonly record: LedgerRecord
}

export interface Key { readonly prv: string, readonly id: string }

export function newKey (): Key {
  const prv = generatePrivateKey()
  return { prv, id: idFromPrivateKey(prv) }
}

/**
 * The same key every run for the same `seed`: for tests whose outcome depends on ids (a
 * site's rank for a cron tick hashes the cron's record id, which hashes the signer's
 * signature, with the site's id).
 */
export function keyFrom (seed: string): Key {
  const prv = createHash('sha256').update(`colonynet test key ${seed}`).digest('hex')
  return { prv, id: idFromPrivateKey(prv) }
}

export class World {
  readonly colony: string
  readonly operator: Key
  readonly node: Key
  readonly owner: Key
  readonly executors = new Map<string, Key>()
  readonly users = new Map<string, Key>()
  /** wall clock for the next record, ms; every record advances it by 1 ms unless set */
  t = 1_700_000_000_000
  private l = 0

  /** `seed`: every key of this world derived from it (keyFrom), the same every run; random without */
  private readonly seed: string | undefined

  constructor (colony = 'dev', seed?: string) {
    this.colony = colony
    this.seed = seed
    this.operator = this.newKey('operator')
    this.node = this.newKey('node')
    this.owner = this.newKey('owner')
  }

  /** A key for the identity `name`: derived from the seed if the world has one. */
  newKey (name: string): Key {
    return this.seed === undefined ? newKey() : keyFrom(`${this.seed}/${name}`)
  }

  /** A record at the current time from `origin` (default: this world's node). */
  record (b: RecordBody, opts: { at?: number, origin?: string } = {}): LedgerRecord {
    if (opts.at !== undefined) this.t = opts.at
    else this.t += 1
    return { o: opts.origin ?? this.node.id, t: { w: this.t, l: this.l++ % 3 }, b }
  }

  /** The same message as a record body for a Ledger's appendLocal (author already verified). */
  local (msg: { msgtype: string } & Record<string, unknown>, signer: Key): { body: RecordBody, author: string } {
    return { body: { k: 'env', env: signEnvelope(msg, signer.prv) }, author: signer.id }
  }

  entry (b: RecordBody, opts: { at?: number, origin?: string } = {}): WorldEntry {
    const record = this.record(b, opts)
    return { ...entryFromRecord(record), record }
  }

  env (msg: { msgtype: string } & Record<string, unknown>, signer: Key, opts: { at?: number, origin?: string, att?: number } = {}): WorldEntry {
    const body: RecordBody = opts.att === undefined
      ? { k: 'env', env: signEnvelope(msg, signer.prv) }
      : { k: 'env', env: signEnvelope(msg, signer.prv), att: opts.att }
    return this.entry(body, opts)
  }

  site (node: Key = this.node, operator: Key = this.operator, opts: { at?: number } = {}): WorldEntry {
    return this.entry({ k: 'site', operatorid: operator.id, name: 'site' }, { ...opts, origin: node.id })
  }

  addColony (by: Key = this.operator): WorldEntry {
    return this.env({ msgtype: 'addcolonymsg', colony: { colonyid: this.owner.id, name: this.colony } }, by)
  }

  addExecutor (name: string, type = 'cli', by: Key = this.owner, extra: Record<string, unknown> = {}): WorldEntry {
    let k = this.executors.get(name)
    if (k === undefined) this.executors.set(name, k = this.newKey(`executor ${name}`))
    return this.env({
      msgtype: 'addexecutormsg',
      executor: { executorid: k.id, executortype: type, executorname: name, colonyname: this.colony, ...extra }
    }, by)
  }

  approve (name: string, by: Key = this.owner): WorldEntry {
    return this.env({ msgtype: 'approveexecutormsg', colonyname: this.colony, executorname: name }, by)
  }

  reject (name: string, by: Key = this.owner): WorldEntry {
    return this.env({ msgtype: 'rejectexecutormsg', colonyname: this.colony, executorname: name }, by)
  }

  removeExecutor (name: string, by: Key = this.owner): WorldEntry {
    return this.env({ msgtype: 'removeexecutormsg', colonyname: this.colony, executorname: name }, by)
  }

  addUser (name: string, by: Key = this.owner): WorldEntry {
    let k = this.users.get(name)
    if (k === undefined) this.users.set(name, k = this.newKey(`user ${name}`))
    return this.env({ msgtype: 'addusermsg', user: { colonyname: this.colony, userid: k.id, name, email: '', phone: '' } }, by)
  }

  exec (name: string): Key {
    const k = this.executors.get(name)
    if (k === undefined) throw new Error(`no executor ${name} in the test world`)
    return k
  }

  user (name: string): Key {
    const k = this.users.get(name)
    if (k === undefined) throw new Error(`no user ${name} in the test world`)
    return k
  }

  /** The usual start: site, colony, one approved `cli` executor "e1", one user "u1". */
  setup (): WorldEntry[] {
    return [this.site(), this.addColony(), this.addExecutor('e1'), this.approve('e1'), this.addUser('u1')]
  }

  /**
   * A colony with two sites (the owner admits the second, so both compete with claims),
   * executors e0 and e1 approved, e2 added only, and user u1: the property tests' start.
   */
  twoSites (): { sites: string[], entries: WorldEntry[] } {
    const site2 = this.newKey('site 2')
    return {
      sites: [this.node.id, site2.id],
      entries: [
        this.site(), this.site(site2, this.operator), this.addColony(),
        this.env({ msgtype: 'addsitemsg', colonyname: this.colony, nodeid: site2.id, name: 'b' }, this.owner),
        this.addExecutor('e0'), this.approve('e0'), this.addExecutor('e1'), this.approve('e1'), this.addExecutor('e2'), this.addUser('u1')
      ]
    }
  }

  submit (spec: Record<string, unknown> = {}, by?: Key, opts: { at?: number, origin?: string } = {}): WorldEntry {
    const { conditions, ...rest } = spec
    return this.env({
      msgtype: 'submitfuncspecmsg',
      spec: { funcname: 'echo', ...rest, conditions: { colonyname: this.colony, executortype: 'cli', ...(conditions as object ?? {}) } }
    }, by ?? this.user('u1'), opts)
  }

  /** A bulk submit (submitfuncspecsmsg) of these specs, each completed as `submit` does. */
  submitMany (specs: Array<Record<string, unknown>>, by?: Key, opts: { at?: number, origin?: string } = {}): WorldEntry {
    return this.env({
      msgtype: 'submitfuncspecsmsg',
      specs: specs.map(({ conditions, ...rest }) => ({ funcname: 'echo', ...rest, conditions: { colonyname: this.colony, executortype: 'cli', ...(conditions as object ?? {}) } }))
    }, by ?? this.user('u1'), opts)
  }

  claim (processid: string, executor: string, attempt = 1, opts: { at?: number, origin?: string } = {}): WorldEntry {
    return this.entry({ k: 'claim', processid, attempt, executorid: this.exec(executor).id }, opts)
  }

  expire (processid: string, what: 'wait' | 'exec' | 'lease', attempt = 1, opts: { at?: number, origin?: string } = {}): WorldEntry {
    return this.entry({ k: 'expire', processid, attempt, what }, opts)
  }

  close (processid: string, executor: string, out: unknown[] = [], opts: { at?: number, att?: number, origin?: string } = {}): WorldEntry {
    return this.env({ msgtype: 'closesuccessfulmsg', processid, out }, this.exec(executor), opts)
  }

  fail (processid: string, executor: string, errors: string[] = ['boom'], opts: { at?: number, att?: number } = {}): WorldEntry {
    return this.env({ msgtype: 'closefailedmsg', processid, errors }, this.exec(executor), opts)
  }
}

/** A deterministic shuffle (a seeded linear congruential generator): the same seed, the same order. */
export function shuffle<T> (items: readonly T[], seed: number): T[] {
  const a = items.slice()
  let s = seed >>> 0 || 1
  for (let i = a.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) >>> 0
    const j = s % (i + 1)
    ;[a[i], a[j]] = [a[j] as T, a[i] as T]
  }
  return a
}

/**
 * The CRDT property: `entries` fold to the state they fold to in order when shuffled (by
 * `seed`), and when half of them are delivered a second time.
 */
export function assertOrderFree (entries: readonly FoldEntry[], seed: number): void {
  const expected = foldRecords(entries).stateHash()
  const shuffled = shuffle(entries, seed)
  const duplicated = [...shuffled, ...shuffle(entries, seed + 1).slice(0, entries.length >> 1)]
  assert.is(foldRecords(shuffled).stateHash(), expected, 'shuffled')
  assert.is(foldRecords(duplicated).stateHash(), expected, 'with duplicates')
}
