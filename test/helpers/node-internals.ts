/** Counters of a node's RPC that the tests read from its insides (no public API carries them). */
import type { ColonyNode } from '../../src/node/index.js'

/** Requests the node is handling now (parked assigns included). */
export const nodeInFlight = (node: ColonyNode): number => (node as unknown as { rpc: { inFlight: number } }).rpc.inFlight

/** The WebSocket RPC's connections, requests in flight and frames queued. */
export const socketStats = (node: ColonyNode): { connections: number, inflight: number, queued: number } =>
  (node as unknown as { http: { rpcSocket: { stats: () => { connections: number, inflight: number, queued: number } } } }).http.rpcSocket.stats()
