/**
 * The physical ceiling: how many processes/s this machine could complete if a node did
 * nothing but the signature recoveries each process needs. Counted from the protocol
 * (src/node/rpc-service.ts, src/store/ledger.ts, src/client/executor.ts):
 *
 * one site — the node recovers the signer of every signed request once:
 *   submit envelope (user) · assign request (executor's long-poll) · close envelope
 *   (executor): 3. Records the node writes itself keep the author it recovered (no second
 *   recovery); the batch it signs is signing, not recovery.
 *
 * three sites, submitted at one site and run at another — each site verifies what it
 *   ingests: the submit envelope at its own site and again at each of the 2 others (3),
 *   the assign request at the executor's site (1), the close envelope at its site and at
 *   the 2 others (3): 7, plus one batch signature per gossiped batch at each receiving site
 *   (shared by every record of the batch, so left out: the ceiling is an upper bound).
 *   The claim is a record of the site's own (no envelope); adverts and gossip are unsigned
 *   (gossipsub StrictNoSign).
 *
 * A node verifies on its one event-loop thread, so one node's ceiling is one core's
 * recoveries/s ÷ 3. Three sites share the machine: min(cores, sites) cores ÷ 7.
 * bench/compare/count.ts checks these counts by counting (and shows the batch signatures).
 */

export const RECOVERIES_PER_PROCESS = {
  oneSite: { submit: 1, assign: 1, close: 1 },
  threeSites: { submit: 3, assign: 1, close: 3 }
} as const

const total = (r: Record<string, number>): number => Object.values(r).reduce((a, b) => a + b, 0)

export interface Ceiling {
  /** native secp256k1 recoveries/s on one core, measured in this run */
  readonly recoverPerSecOneCore: number
  readonly cores: number
  /** what the protocol requires (the divisor) */
  readonly recoveriesPerProcess: { oneSite: number, threeSites: number }
  /** what the nodes did, counted (batch signatures and empty long-polls included) */
  readonly counted?: { oneSite: number, threeSites: number }
  /** processes/s if recovery were the only work */
  readonly oneSite: number
  readonly threeSites: number
}

export function ceiling (recoverPerSecOneCore: number, cores: number, counted?: { oneSite: number, threeSites: number }): Ceiling {
  const one = total(RECOVERIES_PER_PROCESS.oneSite)
  const three = total(RECOVERIES_PER_PROCESS.threeSites)
  return {
    recoverPerSecOneCore,
    cores,
    recoveriesPerProcess: { oneSite: one, threeSites: three },
    ...(counted === undefined ? {} : { counted }),
    oneSite: recoverPerSecOneCore / one,
    threeSites: Math.min(cores, 3) * recoverPerSecOneCore / three
  }
}
