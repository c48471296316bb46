/**
 * A file catalogue for blob tests: the colony's files as a real in-memory map, shared by
 * every site of a test federation as the fold's catalogue would be (each site folds the
 * same file records). Stands in until the fold holds colony files.
 */
import type { BlobCatalog } from '../../src/node/blobs/index.js'

export class MapCatalog implements BlobCatalog {
  /** colony → label → checksums */
  private readonly files = new Map<string, Map<string, Set<string>>>()

  /** A file of `colonyname` under `label` whose content is `checksum`. */
  add (colonyname: string, label: string, checksum: string): void {
    let labels = this.files.get(colonyname)
    if (labels === undefined) this.files.set(colonyname, labels = new Map())
    let sums = labels.get(label)
    if (sums === undefined) labels.set(label, sums = new Set())
    sums.add(checksum)
  }

  referenced (colonyname: string, checksum: string): boolean {
    for (const sums of this.files.get(colonyname)?.values() ?? []) if (sums.has(checksum)) return true
    return false
  }

  checksumsOfLabel (colonyname: string, label: string): string[] {
    const out = new Set<string>()
    for (const [l, sums] of this.files.get(colonyname) ?? []) {
      if (l === label || l.startsWith(label.endsWith('/') ? label : `${label}/`)) for (const s of sums) out.add(s)
    }
    return [...out]
  }
}
