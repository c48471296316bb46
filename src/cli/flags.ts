/**
 * Flags that several commands share, named as upstream's CLI names them.
 */
import { Flags } from '@oclif/core'
import { DEFAULT_PORT } from '../protocol/wire-types.js'

/** --host/--port: which node to talk to (upstream has them on every topic). */
export const connectionFlags = {
  host: Flags.string({ description: 'Node host [env: COLONIES_SERVER_HOST, default: localhost]', helpGroup: 'GLOBAL' }),
  port: Flags.integer({ description: `Node API port [env: COLONIES_SERVER_PORT, default: ${DEFAULT_PORT}]`, min: 1, max: 65535, helpGroup: 'GLOBAL' })
}

export const colonyFlag = {
  colonyname: Flags.string({ description: 'Colony name [env: COLONIES_COLONY_NAME]' })
}

export const memberKeyFlag = {
  prvkey: Flags.string({ description: 'Private key of an executor or user of the colony [env: COLONIES_PRVKEY]' })
}

export const executorKeyFlag = {
  prvkey: Flags.string({ description: "Private key of the executor the process is assigned to [env: COLONIES_PRVKEY]" })
}

export const ownerKeyFlag = {
  colonyprvkey: Flags.string({ description: "Colony owner's private key [env: COLONIES_COLONY_PRVKEY]" })
}

export const operatorKeyFlag = {
  serverprvkey: Flags.string({ description: "Node operator's private key [env: COLONIES_SERVER_PRVKEY]" })
}

export const processIdFlag = {
  processid: Flags.string({ char: 'p', description: 'Process id', required: true })
}

/** `node start` and `dev`: ColonyOS's retention, and the archive of what it purges. */
export const retentionFlags = {
  retention: Flags.boolean({ description: 'Purge successful processes older than the retention policy, at every site (--no-retention: keep everything) [env: COLONIES_RETENTION]', allowNo: true }),
  'retention-policy': Flags.string({ description: 'Seconds a settled process is kept with retention on, e.g. 604800 (a week); implies --retention [env: COLONIES_RETENTION_POLICY]', helpValue: 'SECONDS' }),
  archive: Flags.string({ description: 'Write purged records here first, as signed JSON lines, one file per UTC day (`colonies node verify-archive DIR` checks them)', helpValue: 'DIR' })
}
