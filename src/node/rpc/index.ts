/**
 * The RPC as one table: a handler for every message type, grouped by family in the files
 * beside this one (as protocol/messages.ts parses every type from one table). `Handlers`
 * is a mapped type over every msgtype, so a type without a handler does not compile.
 */
import { blueprintHandlers } from './blueprints.js'
import { channelHandlers } from './channels.js'
import { colonyHandlers, executorHandlers, functionHandlers, userHandlers } from './colonies.js'
import type { Handlers } from './context.js'
import { cronHandlers } from './crons.js'
import { dashboardHandlers } from './dashboard.js'
import { fileHandlers } from './files.js'
import { generatorHandlers } from './generators.js'
import { logHandlers } from './logs.js'
import { processHandlers } from './processes.js'
import { serverHandlers, siteHandlers } from './sites.js'
import { workflowHandlers } from './workflows.js'

/** The families, each owning its message types (a test checks that no two share one). */
export const FAMILIES = {
  server: serverHandlers,
  sites: siteHandlers,
  colonies: colonyHandlers,
  executors: executorHandlers,
  users: userHandlers,
  functions: functionHandlers,
  processes: processHandlers,
  logs: logHandlers,
  workflows: workflowHandlers,
  crons: cronHandlers,
  generators: generatorHandlers,
  files: fileHandlers,
  blueprints: blueprintHandlers,
  dashboard: dashboardHandlers,
  channels: channelHandlers
} as const

export const HANDLERS: Handlers = Object.freeze({
  ...serverHandlers,
  ...siteHandlers,
  ...colonyHandlers,
  ...executorHandlers,
  ...userHandlers,
  ...functionHandlers,
  ...processHandlers,
  ...logHandlers,
  ...workflowHandlers,
  ...cronHandlers,
  ...generatorHandlers,
  ...fileHandlers,
  ...blueprintHandlers,
  ...dashboardHandlers,
  ...channelHandlers
})

export { BUILD_TIME, BUILD_VERSION } from './sites.js'
export { type Call, type Handler, type Handlers, type Request, RpcContext, type RpcServiceOptions } from './context.js'
