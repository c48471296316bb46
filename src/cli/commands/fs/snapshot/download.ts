import { join, resolve } from 'node:path'
import type { Fetched } from '../../../../client/fs/index.js'
import type { ColonyFile } from '../../../../protocol/wire-files.js'
import { Flags } from '@oclif/core'
import { colonyFlag, memberKeyFlag } from '../../../flags.js'
import { snapshotTarget, snapshotTargetFlags } from '../../../fs-flags.js'
import { FsTransferCommand } from '../../../fs-transfer-command.js'
import { formatSize } from '../../../views/fs.js'

export default class FsSnapshotDownload extends FsTransferCommand<typeof FsSnapshotDownload> {
  static override summary = 'Download the files of a snapshot into a directory, its sub-labels as sub-directories'
  static override description = 'A file already there with the same checksum is not downloaded again. Each file comes from where it says (colonynet or s3), checked against its checksum.'
  static override examples = ['<%= config.bin %> fs snapshot download -n release-1 -d ./release-1', '<%= config.bin %> fs snapshot download -i SNAPSHOTID -d .']
  static override flags = {
    ...snapshotTargetFlags,
    dir: Flags.string({ char: 'd', description: 'Local directory to download the files to', required: true }),
    ...colonyFlag,
    ...memberKeyFlag
  }

  async run (): Promise<void> {
    const colonyname = this.colonyName()
    const target = snapshotTarget(this.flags)
    const root = resolve(this.flags.dir)
    const { client, mover } = await this.mover(colonyname, this.flags.prvkey)
    const snapshot = 'snapshotid' in target
      ? await client.getSnapshotById(colonyname, target.snapshotid)
      : await client.getSnapshotByName(colonyname, target.name)
    const { fetchInto, holds, snapshotFiles } = await import('../../../../client/fs/index.js')
    const files = await snapshotFiles(client, colonyname, snapshot, root)
    const fetched: Fetched[] = []
    const todo = []
    for (const f of files) {
      // already there with the same content: left alone, as upstream's
      if (await holds(join(f.dir, f.file.name), f.file.checksum)) fetched.push({ ...fetchedOf(f.file, f.dir), status: 'present', resumed: 0 })
      else todo.push(f)
    }
    const progress = this.progress(todo.length, todo.reduce((n, f) => n + f.file.size, 0), false)
    try {
      for (const { file, dir } of todo) {
        progress.event({ type: 'start', op: 'download', label: file.label, name: file.name, size: file.size })
        const got = await fetchInto(mover, file, dir, this.fileProgress(progress, 'download', file.label, file.name))
        progress.event({ type: 'done', op: 'download', label: file.label, name: file.name, size: file.size, resumed: got.resumed })
        fetched.push(got)
      }
    } finally {
      progress.end()
    }
    const downloaded = fetched.filter(g => g.status === 'downloaded')
    const result = { snapshotid: snapshot.snapshotid, name: snapshot.name, label: snapshot.label, dir: root, files: fetched }
    this.output(result, () => `Downloaded snapshot ${snapshot.name} (label ${snapshot.label}) to ${root}: ${downloaded.length} of ${fetched.length} files ` +
      `(${formatSize(downloaded.reduce((n, g) => n + g.size, 0))}); ${fetched.length - downloaded.length} already there`)
  }
}

function fetchedOf (file: ColonyFile, dir: string): Omit<Fetched, 'status' | 'resumed'> {
  return { fileid: file.fileid, label: file.label, name: file.name, size: file.size, checksum: file.checksum, path: join(dir, file.name) }
}
