/**
 * What the content plane asks of the colony's file catalogue (its files' metadata, folded
 * from the ledger): whether a checksum is the content of one of a colony's files, and which
 * checksums a label holds. The blob store, the protocol between sites and the keep-local
 * loop read only this; the node wires the fold's catalogue into it.
 */

export interface BlobCatalog {
  /**
   * Whether a file of the colony whose `ref.protocol` is "colonynet" has this content
   * (`checksum`: lowercase hex SHA-256). A site serves a blob to another site, and fetches
   * one for a client, only then.
   */
  referenced: (colonyname: string, checksum: string) => boolean
  /**
   * The checksums of the colony's "colonynet" files whose label is `label` or lies under it
   * (`label/…`), as `colonies fs sync -l` takes a label and its sub-labels. Keep-local
   * fetches these.
   */
  checksumsOfLabel: (colonyname: string, label: string) => string[]
}

/** A catalogue with no files: nothing is served to other sites nor fetched from them. */
export const EMPTY_CATALOG: BlobCatalog = {
  referenced: () => false,
  checksumsOfLabel: () => []
}

/** What the catalogue reads from: the ledger's fold, looked up at each call (a rebuild replaces it). */
export interface FileIndex {
  readonly fold: { readonly files: { isChecksumLive: (colony: string, checksum: string) => boolean, checksumsUnder: (colony: string, label: string) => string[] } }
}

/** The colony's files as the ledger holds them: a checksum is served while a live revision or snapshot names it. */
export function ledgerCatalog (ledger: FileIndex): BlobCatalog {
  return {
    referenced: (colonyname, checksum) => ledger.fold.files.isChecksumLive(colonyname, checksum),
    checksumsOfLabel: (colonyname, label) => ledger.fold.files.checksumsUnder(colonyname, label)
  }
}
