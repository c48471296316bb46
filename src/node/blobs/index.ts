/**
 * The content plane of colony files: a colony needs no S3. A file whose `ref.protocol` is
 * "colonynet" keeps its content in the sites' blob stores, named by its checksum (hex
 * SHA-256). Clients put and get blobs over HTTP on the API port (http.ts); a site fetches a
 * blob it lacks from the colony's other sites over libp2p (fetcher.ts, server.ts); a site
 * told to keep labels locally fetches their blobs eagerly (keeper.ts). Everything lives in
 * `<data>/blobs` (store.ts).
 *
 * This file wires the parts; the catalogue of files (which checksums a colony references,
 * and under which labels) is the ledger's file fold unless a test gives another (catalog.ts).
 */
import { join } from 'node:path'
import type { Clock, Service } from '../clock.js'
import type { ColonyView } from '../federation/options.js'
import type { P2PHost } from '../p2p/host.js'
import { type BlobCatalog, type FileIndex, ledgerCatalog } from './catalog.js'
import { BlobFetcher, type BlobFetcherStats } from './fetcher.js'
import { BlobHttp } from './http.js'
import { Keeper, type KeeperStats } from './keeper.js'
import type { BlobsOptions } from './options.js'
import { BlobServer, type BlobServerStats } from './server.js'
import { BlobStore, type BlobStoreStats } from './store.js'

export { type BlobCatalog, EMPTY_CATALOG, ledgerCatalog } from './catalog.js'
export { type BlobsOptions, DEFAULT_MAX_BLOB_BYTES, type KeepLabel, parseKeepLabel } from './options.js'
export { BLOBS_PREFIX } from './http.js'

export interface BlobsComponents {
  readonly dataDir: string
  readonly ledger: { readonly fold: ColonyView & FileIndex['fold'] }
  readonly nodeId: string
  /** the libp2p host once the node has joined a federation */
  readonly host: () => P2PHost | undefined
  /** the RPC's check that a signer may read a colony */
  readonly requireReader: (colony: string, signer: string) => void
  readonly clock?: Clock
  readonly log?: (line: string) => void
}

/** /health's blob figures. */
export interface BlobsStats extends BlobStoreStats {
  /** the largest blob taken, in bytes */
  readonly limit: number
  /** the labels kept locally, as COLONY:/label */
  readonly keep: readonly string[]
  readonly fetches: BlobFetcherStats & { readonly running: number }
  readonly serves: BlobServerStats
  readonly kept: KeeperStats
}

export class Blobs implements Service {
  readonly store: BlobStore
  readonly fetcher: BlobFetcher
  readonly http: BlobHttp
  readonly keeper: Keeper
  private server: BlobServer | undefined
  private readonly c: BlobsComponents
  private readonly catalog: BlobCatalog
  private readonly keep: readonly string[]
  private readonly sitesOf: (colony: string) => readonly string[]

  constructor (components: BlobsComponents, opts: BlobsOptions = {}) {
    this.c = components
    const { ledger, nodeId, log } = components
    const catalog = this.catalog = opts.catalog ?? ledgerCatalog(ledger)
    this.keep = (opts.keepLabels ?? []).map(k => `${k.colonyname}:${k.label}`)
    const sitesOf = this.sitesOf = (colony: string): readonly string[] => ledger.fold.colony(colony)?.sites ?? []
    const isSiteOf = (colony: string): boolean => sitesOf(colony).includes(nodeId)
    const store = this.store = new BlobStore({ dir: join(components.dataDir, 'blobs'), ...(opts.maxBlobBytes === undefined ? {} : { maxBlobBytes: opts.maxBlobBytes }) })
    const fetcher = this.fetcher = new BlobFetcher({ store, host: components.host, sitesOf, nodeId, ...(log === undefined ? {} : { log }) })
    this.http = new BlobHttp({
      store,
      catalog,
      fetcher: () => components.host() === undefined ? undefined : fetcher,
      requireReader: components.requireReader,
      isSiteOf,
      ...(log === undefined ? {} : { log })
    })
    this.keeper = new Keeper({
      keep: opts.keepLabels ?? [],
      catalog,
      store,
      fetcher: () => components.host() === undefined ? undefined : fetcher,
      isSiteOf,
      ...(components.clock === undefined ? {} : { clock: components.clock }),
      ...(log === undefined ? {} : { log }),
      ...(opts.keepRetryMs === undefined ? {} : { retryMs: opts.keepRetryMs })
    })
  }

  /** Counts what the store holds, serves other sites (when federated), starts keep-local. */
  async start (): Promise<void> {
    await this.store.start()
    const host = this.c.host()
    if (host !== undefined) {
      const { ledger, nodeId, log } = this.c
      this.server = new BlobServer({
        host,
        store: this.store,
        catalog: this.catalog,
        sitesOf: this.sitesOf,
        nodeId,
        ...(log === undefined ? {} : { log })
      })
      await this.server.start()
    }
    this.keeper.start()
  }

  stop (): void {
    this.keeper.stop()
    this.fetcher.stop()
  }

  /** The ledger changed: the catalogue may list new blobs to keep. */
  onChange (): void {
    this.keeper.poke()
  }

  stats (): BlobsStats {
    return {
      ...this.store.stats(),
      limit: this.store.maxBlobBytes,
      keep: this.keep,
      fetches: { ...this.fetcher.stats(), running: this.fetcher.running() },
      serves: this.server?.stats() ?? { served: 0, bytes: 0, refused: 0, missing: 0 },
      kept: this.keeper.stats()
    }
  }
}
