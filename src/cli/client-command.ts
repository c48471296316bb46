/**
 * A command that talks to a node: --host/--port over COLONIES_SERVER_*, and a client
 * signing with the key the operation needs (member, colony owner or node operator).
 * The key's setting is remembered so an "access denied" can say which one to check.
 */
import type { Transport } from '../client/ws-transport.js'
import type { Command, Interfaces } from '@oclif/core'
import type { ColoniesClient } from '../client/index.js'
import { BaseCommand } from './base-command.js'
import { COLONY_NAME_VAR, type Connection, type KeyKind, MEMBER_KEY, resolveColonyName, resolveConnection, resolveKey } from './config.js'
import { connectionFlags } from './flags.js'

export type ClientFlags<T extends typeof Command> = Interfaces.InferredFlags<typeof ClientCommand['baseFlags'] & T['flags']>

export abstract class ClientCommand<T extends typeof Command> extends BaseCommand<T> {
  static override baseFlags = { ...BaseCommand.baseFlags, ...connectionFlags }

  protected declare flags: ClientFlags<T>

  /**
   * How this command's client reaches the node unless COLONIES_TRANSPORT says: a one-shot
   * command sends a request or two, for which HTTP costs a round trip less than opening
   * the WebSocket RPC; a long-running one (an executor) sets 'auto'.
   */
  protected transportDefault: Transport = 'http'

  protected connection (): Connection {
    const conn = resolveConnection(process.env, { host: this.flags.host, port: this.flags.port })
    this.failureContext.url = conn.url
    return conn
  }

  /** The colony from --colonyname or COLONIES_COLONY_NAME. */
  protected colonyName (): string {
    const flag = (this.flags as { colonyname?: string }).colonyname
    const name = resolveColonyName(process.env, flag)
    this.failureContext.colonyName = name
    this.failureContext.colonySource = flag !== undefined && flag !== '' ? '--colonyname' : COLONY_NAME_VAR
    return name
  }

  /** The colony a file chose; unless colonyName() gave it, an error names the file's field, not the setting. */
  protected colonyFromFile (name: string, file: string, field: string): void {
    if (this.failureContext.colonyName === name) return
    this.failureContext.colonyName = name
    this.failureContext.colonySource = `${field} in ${file}`
  }

  /** A client for the node, signing with the key of `kind` (its flag wins over its variable). */
  protected async client (kind: KeyKind, flagValue?: string): Promise<ColoniesClient> {
    const prvkey = resolveKey(process.env, kind, flagValue)
    return await this.clientWithKey(prvkey, flagValue !== undefined && flagValue !== '' ? `--${kind.flag}` : kind.variable, kind.role)
  }

  /** The id everyday commands sign as (COLONIES_PRVKEY), when it is set: to warn before removing it. */
  protected async signedInId (): Promise<string | undefined> {
    let prvkey: string
    try {
      prvkey = resolveKey(process.env, MEMBER_KEY)
    } catch {
      return undefined
    }
    const { idFromPrivateKey } = await import('../protocol/crypto.js')
    return idFromPrivateKey(prvkey)
  }

  /** A client for an explicit key; `setting` names where the key came from for error messages. */
  protected async clientWithKey (prvkey: string, setting: string, role: string): Promise<ColoniesClient> {
    const { url } = this.connection()
    const { ColoniesClient, transportFromEnv } = await import('../client/index.js')
    this.failureContext.keySetting = setting
    this.failureContext.keyRole = role
    const client = new ColoniesClient({ url, prvkey, transport: transportFromEnv(process.env, this.transportDefault) })
    this.detail(`${url} as ${client.id} (${setting})`)
    return client
  }
}
