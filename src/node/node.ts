/**
 * A running site: its ledger, the assigner and deadline watcher that keep its executors
 * busy, and the ColonyOS-compatible API on one port. `start` and `stop` are the whole
 * life cycle; everything a node holds lives in its data directory.
 */
import { existsSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import type { SiteRemoval } from '../protocol/fold.js'
import { join } from 'node:path'
import { installCryptoBackend } from '../crypto/index.js'
import { cryptoBackend } from '../protocol/crypto.js'
import { leveldbBuild } from '../store/leveldb-build.js'
import { DEFAULT_PORT } from '../protocol/wire-types.js'
import { NotFoundError } from '../protocol/errors.js'
import { visible } from '../protocol/visible.js'
import { Ledger, type LedgerChange } from '../store/ledger.js'
import { Assigner } from './assigner.js'
import { type Clock, type Service, systemClock } from './clock.js'
import { DeadlineWatcher } from './deadlines.js'
import { LeaseWatcher } from './leases.js'
import { HttpServer } from './http-server.js'
import type { TlsCredentials } from './tls-port.js'
import { MemoryWatch, memoryStatus } from './memory.js'
import { checkOperator, loadIdentity, OperatorChangeError, loadNodeKey, type NodeIdentity } from './identity.js'
import { Federation, healthOf, type P2POptions } from './federation/index.js'
import { PubSub } from './pubsub.js'
import { ChannelService } from './channels.js'
import { BUILD_VERSION, RpcService } from './rpc-service.js'
import { ColonyStream } from './colony-stream.js'
import { DashboardAssets } from './dashboard-assets.js'
import { Schedules, SCHEDULE_PERIOD_MS } from './schedules.js'
import { Retention } from './retention.js'
import { DiskWatch } from './disk.js'
import { duplicatesHealth } from './duplicate-stats.js'
import { Blobs, type BlobsOptions } from './blobs/index.js'
import { maxVerifyThreads, RpcVerifier } from './rpc-verifier.js'

/** How long a federated node waits, at start, for a first sync before it writes (see firstSync). */
export const RECOVERY_WAIT_MS = 5000

/** /health's `removed`: the colonies this site was removed from, when there are any. */
function removedHealth (removals: readonly SiteRemoval[]): { removed?: Array<{ colony: string, by: string, at: number }> } {
  return removals.length === 0 ? {} : { removed: removals.map(r => ({ colony: r.colony, by: r.by, at: r.at })) }
}

export interface NodeOptions {
  readonly dataDir: string
  /** interface to listen on (default 127.0.0.1; use 0.0.0.0 to serve other machines) */
  readonly host?: string
  /** API port (default 50080; 0 picks a free one) */
  readonly port?: number
  /** the operator's id (COLONIES_SERVER_ID) */
  readonly operatorId?: string
  /** the operator's private key (COLONIES_SERVER_PRVKEY) */
  readonly operatorPrvkey?: string
  /**
   * let the operator given here replace the one this data directory's node had (otherwise
   * start refuses: OperatorChangeError)
   */
  readonly replaceOperator?: boolean
  /** a name for this site, shown to other sites */
  readonly name?: string
  /** join a federation of sites over libp2p; omitted = a lone site */
  readonly p2p?: P2POptions
  /** cron and generator firings: how often to look, and how much later each next-ranked site fires */
  readonly schedules?: { readonly periodMs?: number, readonly staggerMs?: number }
  readonly log?: (line: string) => void
  /** serve the dashboard at `/` on the API port (default true) */
  readonly dashboard?: boolean
  /** serve the RPC over WebSocket at /rpc on the API port (default true; rpc-socket.ts) */
  readonly rpcSocket?: boolean
  /**
   * worker threads that recover the signatures of RPC requests (rpc-verifier.ts); default
   * 0, the node's own thread (on 2 cores a thread made the node slower: see rpc-verifier.ts)
   */
  readonly verifyThreads?: number
  /**
   * ColonyOS retention: successful processes older than `policySeconds` are purged at every
   * site (omitted or 0: off; removed processes are purged either way); `archiveDir`: write
   * purged records there first, as signed JSON lines, one file per day.
   */
  readonly retention?: { readonly policySeconds?: number, readonly archiveDir?: string, readonly periodMs?: number }
  /** the time and timers of the node's services and ledger (the system's by default; tests drive their own) */
  readonly clock?: Clock
  /** the blob store of colony files: its size limit, labels kept locally, the file catalogue */
  readonly blobs?: BlobsOptions
  /**
   * How long a process this site handed out may go without word from its executor before
   * it goes back to the queue (ms; default 60 000; 0: never). See leases.ts.
   */
  readonly leaseMs?: number
  /** serve the API port as HTTPS and WSS with this PEM certificate and key (ColonyOS's COLONIES_TLS) */
  readonly tls?: TlsCredentials
}

/** `{ colony }` when the node holds exactly one colony, else nothing (for GET /health). */
function soleColony (colonies: ReadonlyArray<{ name: string }>): { colony?: string } {
  return colonies.length === 1 && colonies[0] !== undefined ? { colony: colonies[0].name } : {}
}

/**
 * `opts` with a log that writes each line with its control characters escaped (\x1b,
 * \x00, \x0a): a line may quote a client's or a peer's text, which must neither drive the
 * operator's terminal nor put a NUL byte or a forged line into a log file.
 */
export function withVisibleLog (opts: NodeOptions): NodeOptions {
  const log = opts.log
  return log === undefined ? opts : { ...opts, log: line => log(visible(line)) }
}

export class ColonyNode {
  readonly identity: NodeIdentity
  readonly ledger: Ledger
  readonly host: string
  private readonly http: HttpServer
  private readonly rpc: RpcService
  /** recovers RPC signatures on worker threads, when there are any */
  private readonly verifier: RpcVerifier | undefined
  private readonly memory: MemoryWatch
  private readonly assigner: Assigner
  private readonly deadlines: DeadlineWatcher
  readonly leases: LeaseWatcher
  private readonly pubsub: PubSub
  private readonly colonyStream: ColonyStream
  private readonly channels: ChannelService
  private readonly schedules: Schedules
  /** started in this order once the ledger is ready (and the first sync done), stopped in this order */
  private readonly services: readonly Service[]
  readonly retention: Retention
  readonly disk: DiskWatch
  readonly blobs: Blobs
  /** present when the node takes part in a federation */
  federation: Federation | undefined
  private stopped = false

  private constructor (identity: NodeIdentity, ledger: Ledger, host: string, opts: NodeOptions) {
    this.identity = identity
    this.ledger = ledger
    this.host = host
    const clock = opts.clock ?? systemClock
    this.assigner = new Assigner(ledger, clock)
    this.deadlines = new DeadlineWatcher(ledger, clock)
    this.leases = new LeaseWatcher({ ledger, clock, ...(opts.leaseMs === undefined ? {} : { leaseMs: opts.leaseMs }), ...(opts.log === undefined ? {} : { log: opts.log }) })
    this.pubsub = new PubSub(ledger, clock)
    this.colonyStream = new ColonyStream(ledger, clock)
    this.channels = new ChannelService({ ledger, clock })
    this.memory = new MemoryWatch({ log: opts.log ?? (line => { console.error(line) }), live: () => ledger.fold.resident().processes, clock })
    this.disk = new DiskWatch(opts.dataDir, clock)
    this.schedules = new Schedules({
      ledger,
      nodeId: identity.nodeId,
      clock,
      ...opts.schedules,
      ...(opts.log === undefined ? {} : { log: opts.log })
    })
    this.verifier = RpcVerifier.create(Math.min(opts.verifyThreads ?? 0, maxVerifyThreads()))
    const rpc = this.rpc = new RpcService({
      ledger,
      assigner: this.assigner,
      identity,
      port: () => this.http.port,
      tls: opts.tls !== undefined,
      sites: colony => this.federation?.sites(colony),
      checkerPeriodMs: opts.schedules?.periodMs ?? SCHEDULE_PERIOD_MS,
      channels: this.channels,
      renew: (pid, signer) => { this.leases.renew(pid, signer) },
      ...(this.verifier === undefined ? {} : { verifier: this.verifier })
    })
    this.blobs = new Blobs({
      dataDir: opts.dataDir,
      ledger,
      nodeId: identity.nodeId,
      host: () => this.federation?.host,
      requireReader: (colony, signer) => { rpc.requireReader(colony, signer) },
      clock,
      ...(opts.log === undefined ? {} : { log: opts.log })
    }, opts.blobs)
    this.http = new HttpServer({
      port: opts.port ?? DEFAULT_PORT,
      host,
      rpc,
      blobs: this.blobs.http,
      ...(opts.tls === undefined ? {} : { tls: opts.tls }),
      pubsub: this.pubsub,
      colonyStream: this.colonyStream,
      channels: this.channels,
      ...(opts.dashboard === false ? {} : { dashboard: new DashboardAssets() }),
      ...(opts.rpcSocket === false ? { rpcSocket: false } : {}),
      health: full => ({
        version: BUILD_VERSION,
        nodeid: identity.nodeId,
        // the colony's name when this node holds exactly one, so the dashboard's sign-in
        // can fill it in (a name, no secret: every member types it; with several, none is named)
        ...soleColony(ledger.fold.colonies()),
        records: ledger.records,
        // the WebSocket RPC (/rpc): connections open, their requests in flight, frames held back
        ...(this.http.rpcSocket === undefined ? {} : { rpcsocket: this.http.rpcSocket.stats() }),
        // what memory holds (live work) and the store: units and processes in memory, units
        // sent out and brought back, sweeps to do; the data directory's bytes (looked at every 30 s)
        ledger: { ...ledger.memoryStats(), diskbytes: this.disk.bytes },
        // retention (0: off; removed processes are freed either way) and what pruning did
        retention: {
          policy: this.retention.policySeconds,
          archive: opts.retention?.archiveDir ?? '',
          written: this.retention.records,
          ...ledger.pruneStats()
        },
        // which secp256k1 implementation checks signatures here (system, native or noble)
        crypto: cryptoBackend().name,
        // which LevelDB the store runs (with the compaction fix or not: leveldb-build.ts)
        store: { leveldb: leveldbBuild().detail, fixed: leveldbBuild().fixed },
        // the heap against its limit: the ledger's fold lives there (see memory.ts)
        memory: memoryStatus(),
        // the blob store of colony files: what it holds, fetched from and served to other sites
        blobs: this.blobs.stats(),
        // processes handed out here whose executor must keep showing it holds them, and those
        // that went back to the queue since the start because it did not (leases.ts)
        leases: { seconds: this.leases.leaseMs / 1000, holding: this.leases.holding(), expired: this.leases.written },
        // processes that ran more than once (both sides of a partition claimed them: duplicates.ts)
        duplicates: duplicatesHealth(ledger.reads.duplicates()),
        ...(full ? { statehash: ledger.fold.stateHash() } : {}),
        // colonies this site was removed from (it no longer takes part in them): who, when
        ...removedHealth(ledger.fold.removals(identity.nodeId)),
        // federation counters: gossip judged, claims that waited for acknowledgements (and gave up),
        // acknowledgements we owed (sent as adverts or carried by our batches), dead links closed
        ...(this.federation === undefined
          ? {}
          : {
              federation: { ...healthOf(this.federation.stats()), ...(this.federation.summaryStatus() === undefined ? {} : { summary: this.federation.summaryStatus() }) },
              // reachable directly (public), behind NAT (peers see another address), or on a
              // private network; the relays this site holds a slot on (nat.ts)
              nat: this.federation.host.natStatus()
            })
      })
    })
    this.retention = new Retention({
      ledger,
      nodeId: identity.nodeId,
      clock,
      ...(opts.retention?.policySeconds === undefined ? {} : { policySeconds: opts.retention.policySeconds }),
      ...(opts.retention?.periodMs === undefined ? {} : { periodMs: opts.retention.periodMs }),
      ...(opts.p2p === undefined ? {} : { vectorOf: (site: string) => this.federation?.vectorOf(site) }),
      ...(opts.log === undefined ? {} : { log: opts.log })
    })
    this.services = [this.deadlines, this.leases, this.schedules, this.memory, this.disk, this.assigner, this.pubsub, this.colonyStream, this.channels, this.retention, this.blobs, this.http]
    ledger.on('change', (c: LedgerChange) => {
      this.assigner.onChange(c)
      this.deadlines.onChange(c)
      this.leases.onChange(c)
      this.pubsub.onChange(c)
      this.colonyStream.onChange(c)
      this.channels.onChange(c)
      this.federation?.onChange(c)
      this.blobs.onChange()
    })
  }

  static async start (options: NodeOptions): Promise<ColonyNode> {
    const opts = withVisibleLog(options)
    installCryptoBackend()
    const identity = await loadIdentity(opts.dataDir, { operatorId: opts.operatorId, operatorPrvkey: opts.operatorPrvkey })
    const clock = opts.clock ?? systemClock
    const archiveDir = opts.retention?.archiveDir
    const ledger = await Ledger.open({ dir: join(opts.dataDir, 'ledger'), nodeKey: identity.nodeKey, now: () => clock.now(), ...(archiveDir === undefined ? {} : { archiveDir }) })
    const node = new ColonyNode(identity, ledger, opts.host ?? '127.0.0.1', opts)
    try {
      checkOperator(identity, ledger.fold.siteOperator(identity.nodeId), opts.replaceOperator === true)
      if (opts.p2p !== undefined) {
        node.federation = await Federation.start({
          ...opts.p2p,
          ledger,
          nodeKey: identity.nodeKey,
          nodeId: identity.nodeId,
          // a request under way here (not an executor parked) is about to write a batch of ours
          busy: () => node.rpc.inFlight > node.assigner.waiting(),
          ...(opts.log === undefined ? {} : { log: opts.log })
        })
        node.assigner.setPolicy(node.federation)
        // Before writing anything: take back any of our own batches a peer holds and we do not.
        if ((opts.p2p.bootstrap ?? []).length > 0) await node.federation.firstSync(RECOVERY_WAIT_MS)
      }
      // The node's site record says which operator speaks for it and its name (written once,
      // or when either changes: a restart with another --name renames the site; none keeps it).
      const name = opts.name ?? ledger.fold.siteOwnName(identity.nodeId)
      if (ledger.fold.siteOperator(identity.nodeId) !== identity.operatorId || ledger.fold.siteOwnName(identity.nodeId) !== name) {
        await ledger.appendLocal([{ body: { k: 'site', operatorid: identity.operatorId, name } }])
      }
      for (const s of node.services) await s.start()
    } catch (err) {
      for (const s of node.services) await s.stop()
      await node.federation?.stop()
      await node.verifier?.close()
      await ledger.close()
      // a key made for a start refused for its operator would stand for this node on the next
      if (err instanceof OperatorChangeError && identity.operatorKeyFile !== undefined && identity.operatorKeySource === 'generated') {
        await rm(identity.operatorKeyFile, { force: true })
      }
      throw err
    }
    const owed = node.assigner.undeliveredCount()
    if (owed > 0) opts.log?.(`${owed} process${owed === 1 ? '' : 'es'} claimed here before the restart may not have reached ${owed === 1 ? 'its' : 'their'} executor: handed back on ${owed === 1 ? 'its' : 'their'} next assign here`)
    if (!leveldbBuild().fixed) opts.log?.(`warning: the store runs ${leveldbBuild().detail}: a compaction can bring back a deleted or overwritten key (google/leveldb#320)`)
    opts.log?.(`node ${identity.nodeId} serving the ColonyOS API on ${node.url}${opts.dashboard === false ? '' : `, the dashboard at ${node.url}/`}`)
    return node
  }

  get port (): number {
    return this.http.port
  }

  get url (): string {
    const host = this.host === '0.0.0.0' ? '127.0.0.1' : this.host
    return `${this.http.tls ? 'https' : 'http'}://${host}:${this.http.port}`
  }

  get nodeId (): string {
    return this.identity.nodeId
  }

  get operatorId (): string {
    return this.identity.operatorId
  }

  get operatorPrvkey (): string | undefined {
    return this.identity.operatorPrvkey
  }

  /** Executors waiting in a long-poll right now. */
  waitingExecutors (): number {
    return this.assigner.waiting()
  }

  /** Processes this site claimed for an executor that has not got them yet (see Assigner). */
  undeliveredClaims (): number {
    return this.assigner.undeliveredCount()
  }

  /** Open WebSocket subscriptions right now. */
  subscriptions (): number {
    return this.pubsub.count() + this.colonyStream.count() + this.channels.count()
  }

  async rebuild (): Promise<{ records: number, processes: number, hash: string }> {
    return await this.ledger.rebuildProjections()
  }

  async stop (): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    for (const s of this.services) await s.stop()
    await this.federation?.stop()
    // which claims the closed requests left unanswered, for the executors' next assign after a restart
    await this.assigner.saveDeliveries()
    await this.verifier?.close()
    await this.ledger.close()
  }
}

/** `colonies node rebuild`: drops and rewrites a stopped node's projections from its ledger. */
export async function rebuildDataDir (dataDir: string): Promise<{ records: number, processes: number, hash: string }> {
  // Refuse rather than create a node where there was none (a mistyped --data).
  if (!existsSync(join(dataDir, 'ledger')) || !existsSync(join(dataDir, 'node.key'))) {
    throw new NotFoundError(`${dataDir} holds no colonynet node (no ledger/ or node.key): check --data`)
  }
  installCryptoBackend()
  // only the node key: an operator.key made here would not be this node's operator
  const ledger = await Ledger.open({ dir: join(dataDir, 'ledger'), nodeKey: await loadNodeKey(dataDir) })
  try {
    return await ledger.rebuildProjections()
  } finally {
    await ledger.close()
  }
}
