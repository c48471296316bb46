import { stat } from 'node:fs/promises'
import { Args } from '@oclif/core'
import { BaseCommand } from '../../base-command.js'
import { expandDataDir } from '../../data-dir.js'
import { UsageError } from '../../errors.js'
import { type ArchiveFile, archiveText } from '../../views/node.js'

export default class NodeVerifyArchive extends BaseCommand<typeof NodeVerifyArchive> {
  static override summary = 'Check the signatures of every record in an archive of pruned records (--archive DIR)'
  static override description = 'Reads every colonynet-YYYY-MM-DD.jsonl file in DIR and checks each line: the archiving node\'s signature, the record\'s id, and the signature of the client that sent it (or the node that wrote it). Exits non-zero when a line fails or DIR holds no archive file.'
  static override args = {
    dir: Args.string({ description: 'The directory a node was started with --archive', required: true })
  }

  static override examples = ['<%= config.bin %> node verify-archive /var/lib/colonynet-archive']

  async run (): Promise<void> {
    const dir = expandDataDir(this.args.dir)
    const isDir = await stat(dir).then(s => s.isDirectory(), () => undefined)
    if (isDir !== true) throw new UsageError(`${dir} ${isDir === undefined ? 'does not exist' : 'is not a directory'}: pass the directory a node was started with --archive`)
    const [{ verifyArchive }, { installCryptoBackend }] = await Promise.all([import('../../../store/archive.js'), import('../../../crypto/index.js')])
    // the fastest secp256k1 that loads, as a node uses: an archive holds millions of signatures
    installCryptoBackend()
    const files: ArchiveFile[] = []
    const check = await verifyArchive(dir, (file, records) => {
      files.push({ file, records, problems: 0 })
      this.note(`checked ${file}: ${records} record${records === 1 ? '' : 's'}`)
    })
    // a problem names its file and line: "colonynet-2026-12-07.jsonl:4: …"
    for (const f of files) f.problems = check.problems.filter(p => p.startsWith(`${f.file}:`)).length
    if (check.files === 0) throw new UsageError(`${dir} holds no archive files (colonynet-YYYY-MM-DD.jsonl): pass the directory a node was started with --archive`)
    this.output({ dir, files, records: check.records, problems: check.problems, nodes: check.nodes }, c => `\n${archiveText(c)}`)
    const n = check.problems.length
    if (n > 0) {
      const bad = files.filter(f => f.problems > 0).length
      throw new Error(`${n} record${n === 1 ? '' : 's'} in ${bad} of ${files.length} archive files failed the check, the first: ${check.problems[0] ?? ''}`)
    }
  }
}
