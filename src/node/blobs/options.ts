/**
 * How a node runs its blob store (`NodeOptions.blobs`), and the parsing of the operator's
 * `--keep-label` flag. Light on purpose: the command line reads it before it loads a node.
 */
import { ValidationError } from '../../protocol/errors.js'
import type { BlobCatalog } from './catalog.js'

/** The largest blob a node takes by default: 1 GiB. */
export const DEFAULT_MAX_BLOB_BYTES = 1024 * 1024 * 1024

/** A label of a colony whose blobs this site keeps. */
export interface KeepLabel {
  readonly colonyname: string
  /** starts with "/", as ColonyOS labels do; its sub-labels are kept too */
  readonly label: string
}

export interface BlobsOptions {
  /** the largest blob taken, in bytes (default DEFAULT_MAX_BLOB_BYTES) */
  readonly maxBlobBytes?: number
  /** labels whose blobs this site fetches and keeps (edge sites that must work offline) */
  readonly keepLabels?: readonly KeepLabel[]
  /** the colonies' files (default: none, so nothing is served to or fetched from other sites) */
  readonly catalog?: BlobCatalog
  /** how often keep-local tries again what it could not fetch (default KEEP_RETRY_MS) */
  readonly keepRetryMs?: number
}

/** `COLONY:/label` (the label's "/" may be left out) as a KeepLabel; ValidationError otherwise. */
export function parseKeepLabel (text: string, field = 'keep-label'): KeepLabel {
  const i = text.indexOf(':')
  if (i <= 0) throw new ValidationError(field, `${JSON.stringify(text)} must be COLONY:/label, e.g. dev:/data`)
  const colonyname = text.slice(0, i)
  const rest = text.slice(i + 1).trim()
  if (rest === '') throw new ValidationError(field, `${JSON.stringify(text)} names no label: COLONY:/label, e.g. ${colonyname}:/data`)
  return { colonyname, label: rest.startsWith('/') ? rest : `/${rest}` }
}
