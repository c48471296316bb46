/**
 * Files and snapshots (ColonyOS's CFS metadata): members add and remove files and
 * snapshots, which go into the ledger as the client's envelope; reads answer from the
 * fold (file-fold.ts), so a site cut off from the others answers from what it holds.
 * The content is not here: an s3 file's is in the S3 bucket its ref names, a colonynet
 * file's in the sites' blob store under its checksum.
 */
import { ColonyError, ForbiddenError, NotFoundError } from '../../protocol/errors.js'
import type { FileView } from '../../protocol/file-fold.js'
import { fileDataToWire, fileToWire, labelToWire, snapshotToWire } from '../../protocol/wire-files.js'
import type { Handlers, RpcContext } from './context.js'

type Family = 'addfilemsg' | 'getfilemsg' | 'getfilesmsg' | 'getfilelabelsmsg' | 'removefilemsg' |
  'createsnapshotmsg' | 'getsnapshotmsg' | 'getsnapshotsmsg' | 'removesnapshotmsg' | 'removeallsnapshotmsg'

/** Writers of files are members, as upstream's RequireMembership (the colony owner alone is not one). */
function requireMember (x: RpcContext, colony: string, signer: string): void {
  x.requireColony(colony)
  if (!x.fold.isMember(colony, signer)) throw new ForbiddenError(`Access denied, not a member of colony ${JSON.stringify(colony)}`)
}

export const fileHandlers: Pick<Handlers, Family> = {
  async addfilemsg (x, msg, { req }) {
    const colony = msg.file.colonyname
    x.requireColony(colony)
    const id = await x.mutate(req)
    const f = x.fold.files.file(colony, id)
    if (f === undefined) throw new ColonyError('the file was written but is not live')
    return fileToWire(f)
  },
  getfilemsg (x, msg, { signer }) {
    x.requireReader(msg.colonyname, signer)
    const files = x.fold.files
    let found: FileView[]
    if (msg.fileid !== '') {
      const f = files.file(msg.colonyname, msg.fileid)
      if (f === undefined) throw new NotFoundError(`File with id ${msg.fileid} does not exist in colony ${JSON.stringify(msg.colonyname)}`)
      found = [f]
    } else {
      const latest = msg.latest ? files.latest(msg.colonyname, msg.label, msg.name) : undefined
      found = msg.latest ? (latest === undefined ? [] : [latest]) : files.revisions(msg.colonyname, msg.label, msg.name)
      if (found.length === 0) throw new NotFoundError(`No file named ${JSON.stringify(msg.name)} with label ${JSON.stringify(msg.label)} in colony ${JSON.stringify(msg.colonyname)}`)
    }
    return found.map(fileToWire)
  },
  getfilesmsg (x, msg, { signer }) {
    x.requireReader(msg.colonyname, signer)
    return x.fold.files.filesIn(msg.colonyname, msg.label).map(fileDataToWire)
  },
  getfilelabelsmsg (x, msg, { signer }) {
    x.requireReader(msg.colonyname, signer)
    return x.fold.files.labels(msg.colonyname, msg.name, msg.exact).map(labelToWire)
  },
  async removefilemsg (x, msg, { req, signer }) {
    requireMember(x, msg.colonyname, signer)
    const files = x.fold.files
    const present = msg.fileid !== ''
      ? files.isLive(msg.colonyname, msg.fileid)
      : files.revisions(msg.colonyname, msg.label, msg.name).length > 0
    // removing what is not there succeeds and changes nothing, as upstream's DELETE
    if (present) await x.mutate(req)
    return {}
  },
  async createsnapshotmsg (x, msg, { req }) {
    x.requireColony(msg.colonyname)
    const id = await x.mutate(req)
    const s = x.fold.files.snapshot(msg.colonyname, id)
    if (s === undefined) throw new ColonyError('the snapshot was written but is not live')
    return snapshotToWire(s)
  },
  getsnapshotmsg (x, msg, { signer }) {
    x.requireReader(msg.colonyname, signer)
    const files = x.fold.files
    const s = msg.snapshotid !== '' ? files.snapshot(msg.colonyname, msg.snapshotid) : files.snapshotByName(msg.colonyname, msg.name)
    if (s === undefined) {
      const which = msg.snapshotid !== '' ? `with id ${msg.snapshotid}` : `named ${JSON.stringify(msg.name)}`
      throw new NotFoundError(`Snapshot ${which} does not exist in colony ${JSON.stringify(msg.colonyname)}`)
    }
    return snapshotToWire(s)
  },
  getsnapshotsmsg (x, msg, { signer }) {
    x.requireReader(msg.colonyname, signer)
    return x.fold.files.snapshots(msg.colonyname).map(snapshotToWire)
  },
  async removesnapshotmsg (x, msg, { req, signer }) {
    requireMember(x, msg.colonyname, signer)
    const files = x.fold.files
    const s = msg.snapshotid !== '' ? files.snapshot(msg.colonyname, msg.snapshotid) : files.snapshotByName(msg.colonyname, msg.name)
    if (s !== undefined) await x.mutate(req)
    return {}
  },
  async removeallsnapshotmsg (x, msg, { req, signer }) {
    requireMember(x, msg.colonyname, signer)
    if (x.fold.files.snapshots(msg.colonyname).length > 0) await x.mutate(req)
    return {}
  }
}
