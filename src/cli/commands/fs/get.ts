import { resolve } from 'node:path'
import { Flags } from '@oclif/core'
import { NotFoundError } from '../../../protocol/errors.js'
import { colonyFlag, memberKeyFlag } from '../../flags.js'
import { fileTarget, fileTargetFlags } from '../../fs-flags.js'
import { FsTransferCommand } from '../../fs-transfer-command.js'
import { formatSize } from '../../views/fs.js'

export default class FsGet extends FsTransferCommand<typeof FsGet> {
  static override summary = 'Download a file into a directory: one revision by --fileid, or the latest of --label and --name'
  static override description = 'The content comes from where the file says: a colonynet file through this node (which fetches it from another site if it lacks it), ' +
    'an s3 file from its bucket (AWS_S3_* keys). The bytes are checked against the file\'s checksum; a cut download resumes when run again.'

  static override examples = ['<%= config.bin %> fs get -l /data -n model.bin -d ./models', '<%= config.bin %> fs get -i FILEID -d .']
  static override flags = {
    ...fileTargetFlags,
    dir: Flags.string({ char: 'd', description: 'Local directory to download the file to', required: true }),
    ...colonyFlag,
    ...memberKeyFlag
  }

  async run (): Promise<void> {
    const colonyname = this.colonyName()
    const target = fileTarget(this.flags)
    const dir = resolve(this.flags.dir)
    const { client, mover } = await this.mover(colonyname, this.flags.prvkey)
    const [file] = 'fileid' in target
      ? await client.getFileById(colonyname, target.fileid)
      : await client.getLatestFileByName(colonyname, target.label, target.name)
    if (file === undefined) throw new NotFoundError(`no file ${'fileid' in target ? target.fileid : `${target.name} with label ${target.label}`} (\`colonies fs ls -l LABEL\` lists them)`)
    const { fetchInto } = await import('../../../client/fs/index.js')
    const progress = this.progress(1, file.size, false)
    progress.event({ type: 'start', op: 'download', label: file.label, name: file.name, size: file.size })
    let got
    try {
      got = await fetchInto(mover, file, dir, this.fileProgress(progress, 'download', file.label, file.name))
      if (got.status === 'downloaded') progress.event({ type: 'done', op: 'download', label: file.label, name: file.name, size: file.size, resumed: got.resumed })
    } finally {
      progress.end()
    }
    this.output(got, g => g.status === 'present'
      ? `${g.path} already holds ${g.name} (same checksum): nothing downloaded`
      : `Downloaded ${g.name} (${formatSize(g.size)}, revision ${file.sequencenr}) to ${g.path}`)
  }
}
