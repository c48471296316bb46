/**
 * The chaos suite's network: Linux network namespaces, one per site, joined by veth pairs
 * to a bridge in a hub namespace, plus one namespace for the driver (clients' view of the
 * sites). Nothing touches the host's own namespace. Faults are `ip link` (cut a site off)
 * and `tc netem` (latency, loss) where the kernel has it.
 */
import { execFile } from 'node:child_process'
import { access } from 'node:fs/promises'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** CHAOS_PREFIX: another prefix lets a second run build its own network beside a first */
export const PREFIX = process.env.CHAOS_PREFIX ?? 'cnx'
export const HUB = `${PREFIX}-hub`
export const DRIVER = `${PREFIX}-drv`
export const FAKETIME_LIB = '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1'

export interface SiteNet {
  readonly index: number
  readonly ns: string
  readonly ip: string
  /** the hub end of its veth pair (its router's, behind NAT): down = the site is cut off */
  readonly hubIf: string
  /** behind NAT: its router's namespace (no inbound connection but to the API port, from the driver) */
  readonly router?: string
}

export async function ip (...args: string[]): Promise<string> {
  const { stdout } = await run('ip', args)
  return stdout
}

export async function inNs (ns: string, cmd: string, ...args: string[]): Promise<string> {
  const { stdout } = await run('ip', ['netns', 'exec', ns, cmd, ...args])
  return stdout
}

export interface Capabilities {
  /** namespaces can be made here (root, CAP_NET_ADMIN) */
  readonly netns: boolean
  readonly netem: boolean
  readonly faketime: boolean
  /** iptables can masquerade in a namespace (the NAT scenarios) */
  readonly nat: boolean
  /** why something is missing, for the report */
  readonly notes: string[]
}

/** What this machine allows, found by trying it in a scratch namespace. */
export async function probe (): Promise<Capabilities> {
  const notes: string[] = []
  const scratch = `${PREFIX}-probe`
  let netns = false
  let netem = false
  try {
    await ip('netns', 'add', scratch)
    netns = true
    try {
      await ip('-n', scratch, 'link', 'add', 'pa', 'type', 'veth', 'peer', 'name', 'pb')
      await ip('-n', scratch, 'link', 'add', 'br0', 'type', 'bridge')
    } catch (err) {
      netns = false
      notes.push(`veth pairs or bridges cannot be made here (${firstLine(err)})`)
    }
    try {
      await inNs(scratch, 'tc', 'qdisc', 'add', 'dev', 'lo', 'root', 'netem', 'delay', '1ms')
      netem = true
    } catch (err) {
      notes.push(`tc netem is not available (${firstLine(err)}): latency and loss are emulated by each site's libp2p proxy`)
    }
  } catch (err) {
    notes.push(`network namespaces are not permitted here (${firstLine(err)}): run as root with CAP_NET_ADMIN`)
  } finally {
    await ip('netns', 'del', scratch).catch(() => {})
  }
  const faketime = await access(FAKETIME_LIB).then(() => true, () => false)
  if (!faketime) notes.push(`libfaketime is not installed (${FAKETIME_LIB}; Debian package faketime): the clock scenario is skipped`)
  const natProblem = netns ? await probeNat() : 'no namespaces'
  if (natProblem !== undefined && netns) notes.push(natProblem)
  return { netns, netem, faketime, nat: natProblem === undefined, notes }
}

function firstLine (err: unknown): string {
  const e = err as { stderr?: string, message?: string }
  return (e.stderr ?? e.message ?? String(err)).trim().split('\n')[0] ?? ''
}

/** Removes every namespace a previous (interrupted) run left behind. */
export async function sweep (): Promise<void> {
  const list = await ip('netns', 'list').catch(() => '')
  for (const line of list.split('\n')) {
    const name = line.split(' ')[0] ?? ''
    if (name.startsWith(`${PREFIX}-`)) await ip('netns', 'del', name).catch(() => {})
  }
}

/** Site i's namespace, address and hub-side link, the same in every part of the suite. */
export function siteNets (n: number): SiteNet[] {
  return Array.from({ length: n }, (_, i) => ({ index: i, ns: `${PREFIX}-s${i}`, ip: `10.77.0.${10 + i}`, hubIf: `vs${i}` }))
}

/** The hub with its bridge, `n` site namespaces and the driver's namespace, all on 10.77.0.0/24. */
export async function createTopology (n: number): Promise<SiteNet[]> {
  await sweep()
  await ip('netns', 'add', HUB)
  await ip('-n', HUB, 'link', 'add', 'br0', 'type', 'bridge')
  await ip('-n', HUB, 'link', 'set', 'br0', 'up')
  const attach = async (ns: string, hubIf: string, addr: string): Promise<void> => {
    await ip('netns', 'add', ns)
    await ip('-n', ns, 'link', 'set', 'lo', 'up')
    await ip('link', 'add', hubIf, 'netns', HUB, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns)
    await ip('-n', HUB, 'link', 'set', hubIf, 'master', 'br0')
    await ip('-n', HUB, 'link', 'set', hubIf, 'up')
    await ip('-n', ns, 'addr', 'add', `${addr}/24`, 'dev', 'eth0')
    await ip('-n', ns, 'link', 'set', 'eth0', 'up')
  }
  await attach(DRIVER, 'vdrv', '10.77.0.2')
  const sites = siteNets(n)
  for (const site of sites) await attach(site.ns, site.hubIf, site.ip)
  return sites
}

/**
 * Two sites behind NAT for the NAT scenarios: each in a LAN (10.88.N.0/24) behind its own
 * router namespace, whose WAN end is on the hub bridge (10.77.0.2N). The router masquerades
 * what leaves and forwards nothing in but replies (conntrack), except the driver's requests
 * to the site's API port (the driver plays the operator and reads health; libp2p from other
 * sites is refused as behind any NAT). The sites are natNets()'s 1 and 2; 0 and 3 are
 * createTopology(4)'s public ones.
 */
export async function createNat (apiPort: number): Promise<void> {
  for (const site of natNets().filter(s => s.router !== undefined)) {
    const n = site.index
    const router = site.router as string
    const wan = `10.77.0.2${n}`
    await ip('netns', 'add', router)
    await ip('netns', 'add', site.ns)
    await ip('-n', router, 'link', 'set', 'lo', 'up')
    await ip('-n', site.ns, 'link', 'set', 'lo', 'up')
    await ip('link', 'add', site.hubIf, 'netns', HUB, 'type', 'veth', 'peer', 'name', 'wan', 'netns', router)
    await ip('-n', HUB, 'link', 'set', site.hubIf, 'master', 'br0')
    await ip('-n', HUB, 'link', 'set', site.hubIf, 'up')
    await ip('-n', router, 'addr', 'add', `${wan}/24`, 'dev', 'wan')
    await ip('-n', router, 'link', 'set', 'wan', 'up')
    await ip('link', 'add', 'lan', 'netns', router, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', site.ns)
    await ip('-n', router, 'addr', 'add', `10.88.${n}.1/24`, 'dev', 'lan')
    await ip('-n', router, 'link', 'set', 'lan', 'up')
    await ip('-n', site.ns, 'addr', 'add', `${site.ip}/24`, 'dev', 'eth0')
    await ip('-n', site.ns, 'link', 'set', 'eth0', 'up')
    await ip('-n', site.ns, 'route', 'add', 'default', 'via', `10.88.${n}.1`)
    await inNs(router, 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=1')
    await inNs(router, 'iptables', '-A', 'FORWARD', '-i', 'wan', '-o', 'lan', '-m', 'conntrack', '--ctstate', 'ESTABLISHED,RELATED', '-j', 'ACCEPT')
    await inNs(router, 'iptables', '-A', 'FORWARD', '-i', 'wan', '-o', 'lan', '-s', '10.77.0.2', '-p', 'tcp', '--dport', String(apiPort), '-j', 'ACCEPT')
    await inNs(router, 'iptables', '-A', 'FORWARD', '-i', 'wan', '-o', 'lan', '-j', 'DROP')
    await setNatKind(site, 'cone')
    // the driver (the operator's view) reaches the API port behind each router
    await ip('-n', DRIVER, 'route', 'add', `10.88.${n}.0/24`, 'via', wan)
  }
}

/** The NAT scenarios' four sites: 0 and 3 public (on the hub), 1 and 2 each behind its router. */
export function natNets (): SiteNet[] {
  const [s0, , , s3] = siteNets(4) as [SiteNet, SiteNet, SiteNet, SiteNet]
  const behind = (n: number): SiteNet => ({ index: n, ns: `${PREFIX}-n${n}`, ip: `10.88.${n}.10`, hubIf: `vr${n}`, router: `${PREFIX}-r${n}` })
  return [s0, behind(1), behind(2), s3]
}

/**
 * How a router maps: 'cone' keeps each connection's source port where it can (endpoint-
 * independent mapping, what hole punching needs); 'symmetric' picks a random port per
 * connection (--random-fully), so no peer can predict a mapping and only a relay can join
 * two such sites. Either way nothing comes in unasked.
 */
export async function setNatKind (site: SiteNet, kind: 'cone' | 'symmetric'): Promise<void> {
  if (site.router === undefined) return
  await inNs(site.router, 'iptables', '-t', 'nat', '-F', 'POSTROUTING')
  await inNs(site.router, 'iptables', '-t', 'nat', '-A', 'POSTROUTING', '-o', 'wan', '-j', 'MASQUERADE', ...(kind === 'symmetric' ? ['--random-fully'] : []))
  await inNs(site.router, 'conntrack', '-F').catch(() => {}) // where conntrack(8) is installed
}

/** Whether iptables can NAT in a namespace here (the NAT scenarios need it). */
export async function probeNat (): Promise<string | undefined> {
  const scratch = `${PREFIX}-probe-nat`
  try {
    await ip('netns', 'add', scratch)
    await inNs(scratch, 'iptables', '-t', 'nat', '-A', 'POSTROUTING', '-o', 'lo', '-j', 'MASQUERADE', '--random-fully')
    return undefined
  } catch (err) {
    return `iptables cannot masquerade in a namespace here (${firstLine(err)}; Debian package iptables): the NAT scenarios are skipped`
  } finally {
    await ip('netns', 'del', scratch).catch(() => {})
  }
}

/** Cuts the site off from everyone (its own clients and executors, inside its namespace, go on). */
export async function cut (site: SiteNet): Promise<void> {
  await ip('-n', HUB, 'link', 'set', site.hubIf, 'down')
}

export async function heal (site: SiteNet): Promise<void> {
  await ip('-n', HUB, 'link', 'set', site.hubIf, 'up')
}

/** `tc netem` on the site's link, e.g. ['delay', '200ms', '50ms'] or ['loss', '5%']; [] clears it. */
export async function netem (site: SiteNet, args: string[]): Promise<void> {
  if (args.length === 0) {
    await inNs(site.ns, 'tc', 'qdisc', 'del', 'dev', 'eth0', 'root').catch(() => {})
    return
  }
  await inNs(site.ns, 'tc', 'qdisc', 'replace', 'dev', 'eth0', 'root', 'netem', ...args)
}

export async function destroyTopology (): Promise<void> {
  await sweep()
}
