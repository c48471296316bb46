/**
 * Deterministic claims (DESIGN decision 6): for a waiting process, every site ranks the
 * sites that advertise an idle, eligible executor by rendezvous hashing of (process id,
 * site id). The top site claims at once; the others wait a rank-proportional delay and
 * claim only if nobody has. Ranking only reduces contention: correctness comes from the
 * fold, where the lowest (clock, record id) claim of an attempt wins on every node.
 */
import { sha3Hex } from './crypto.js'

/** Rendezvous score: higher ranks first. Equal inputs give equal scores everywhere. */
export function rendezvousScore (processid: string, siteid: string): string {
  return sha3Hex(processid + siteid)
}

/** Sites in claim order for this process (best first); ties cannot happen for distinct ids. */
export function rankSites (processid: string, sites: Iterable<string>): string[] {
  return [...sites]
    .map(s => ({ s, score: rendezvousScore(processid, s) }))
    .sort((a, b) => a.score < b.score ? 1 : a.score > b.score ? -1 : 0)
    .map(x => x.s)
}

/** This site's rank among `sites` (0 = first); −1 when it is not among them. */
export function rankOf (processid: string, site: string, sites: Iterable<string>): number {
  return rankSites(processid, sites).indexOf(site)
}

/**
 * When a site of rank `rank` may claim a process that became claimable at `since` (ms):
 * at once for rank 0, then `stepMs` later per rank.
 */
export function claimableAt (since: number, rank: number, stepMs: number): number {
  return since + Math.max(0, rank) * stepMs
}

/**
 * During a partition, the site that may run a process without racing the other side.
 * `sites` are the sites with executors for it on both sides (the silent ones by their last
 * advert): it is the one it ranks first among them, as before the partition began, so the
 * sides go on with the shares they had. A process submitted after the sides lost sight of
 * each other (`fresh`) is known only on its origin's side: the origin owns it. Each side
 * works out the same owner from what it holds, so they take disjoint shares; the owner's
 * side claims at once, the other only after a grace.
 */
export function partitionOwner (processid: string, origin: string | undefined, fresh: boolean, sites: Iterable<string>): string | undefined {
  if (origin !== undefined && fresh) return origin
  return rankSites(processid, sites)[0]
}
