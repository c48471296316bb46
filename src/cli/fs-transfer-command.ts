/**
 * What the `fs` commands that move content share (sync, get, snapshot download): a client
 * and a blob client signing with the member key, the S3 settings from the environment,
 * and progress on stderr.
 */
import type { Command } from '@oclif/core'
import type { ColoniesClient } from '../client/index.js'
import type { FileMover, SyncEvent } from '../client/fs/index.js'
import { ClientCommand } from './client-command.js'
import { MEMBER_KEY, resolveKey } from './config.js'
import { s3FromEnv } from './s3-env.js'
import { TransferProgress } from './transfer-progress.js'

export abstract class FsTransferCommand<T extends typeof Command> extends ClientCommand<T> {
  /** The RPC client and a mover for `colonyname`'s files. */
  protected async mover (colonyname: string, prvkeyFlag: string | undefined): Promise<{ client: ColoniesClient, mover: FileMover }> {
    const client = await this.client(MEMBER_KEY, prvkeyFlag)
    const prvkey = resolveKey(process.env, MEMBER_KEY, prvkeyFlag)
    const s3 = s3FromEnv(process.env)
    // upstream's AWS_S3_SKIPVERIFY: this one-shot process then accepts any certificate
    if (s3?.skipVerify === true && s3.tls) process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0'
    const { BlobClient } = await import('../client/blobs.js')
    const { FileMover } = await import('../client/fs/index.js')
    const blobs = new BlobClient({ url: client.url, prvkey, ...(client.ca === undefined ? {} : { ca: client.ca }) })
    const settings = s3 === undefined ? undefined : { endpoint: s3.endpoint, accessKey: s3.accessKey, secretKey: s3.secretKey, region: s3.region, tls: s3.tls, bucket: s3.bucket }
    return { client, mover: new FileMover({ client, blobs, colonyname, ...(settings === undefined ? {} : { s3: settings }) }) }
  }

  /** A progress display for `files` files of `bytes` bytes on stderr. */
  protected progress (files: number, bytes: number, quiet: boolean): TransferProgress {
    return new TransferProgress({ write: t => process.stderr.write(t), tty: process.stderr.isTTY === true, quiet, files, bytes })
  }

  /** Progress of one file's transfer, as the sync events a TransferProgress shows. */
  protected fileProgress (p: TransferProgress, op: SyncEvent['op'], label: string, name: string): (done: number, total: number) => void {
    return (done, total) => p.event({ type: 'bytes', op, label, name, done, total })
  }
}
