/**
 * Where a process's time went, from a V8 CPU profile (`node --cpu-prof`): self time by
 * area (a project file, an npm package, a Node subsystem, GC) and inclusive time of the
 * project's own functions, both as shares of the busy (non-idle) time.
 */
import { readFile } from 'node:fs/promises'

interface CallFrame { functionName: string, url: string, lineNumber: number }
interface ProfileNode { id: number, callFrame: CallFrame, children?: number[] }
interface CpuProfile { nodes: ProfileNode[], samples: number[], timeDeltas: number[], startTime: number, endTime: number }

export interface ProfileSummary {
  /** wall time covered by the profile, s */
  readonly seconds: number
  /** share of that time the thread was busy */
  readonly busy: number
  /** self time by area, share of busy time, largest first */
  readonly areas: Array<[string, number]>
  /** inclusive time of project functions (src/), share of busy time, largest first */
  readonly project: Array<[string, number]>
  /** self time by function, share of busy time, largest first */
  readonly functions: Array<[string, number]>
}

function area (f: CallFrame): string {
  const { url, functionName: fn } = f
  if (url === '') {
    if (fn === '(garbage collector)') return 'GC'
    if (fn === '(program)') return 'V8 and native, outside JS'
    if (fn === '(idle)' || fn === '(root)') return fn
    // the syscall of a socket write; on loopback the kernel's TCP work for the receiver lands here too
    if (/^(writev|writeBuffer|write\w*String)$/.test(fn)) return 'socket writes (syscalls, loopback TCP)'
    return 'built-ins and native calls'
  }
  if (url.startsWith('node:')) return 'node:' + url.slice(5).split('/').slice(0, 2).join('/').replace(/\.js$/, '')
  const npm = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)
  if (npm !== null) return `npm ${npm[1] as string}`
  const own = /\/((?:src|bench|test)\/.*)$/.exec(url)
  if (own !== null) return own[1] as string
  return url
}

function name (f: CallFrame): string {
  const file = /\/((?:src|bench)\/.*)$/.exec(f.url)?.[1] ?? f.url
  // tsx's output has no useful line numbers: the function and its file name it
  return `${f.functionName === '' ? '(anonymous)' : f.functionName} (${file})`
}

/**
 * `window` (CLOCK_MONOTONIC ms, the clock of the profile's own timestamps) limits the
 * summary to a part of the run, e.g. the measured throughput run without start-up.
 */
export function summarize (p: CpuProfile, window?: { start: number, end: number }): ProfileSummary {
  const byId = new Map(p.nodes.map(n => [n.id, n]))
  const parent = new Map<number, number>()
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
  const self = new Map<string, number>()
  const selfFn = new Map<string, number>()
  const inclusive = new Map<string, number>()
  let idle = 0
  let total = 0
  let at = p.startTime / 1000
  p.samples.forEach((id, i) => {
    const dt = (p.timeDeltas[i] ?? 0) / 1000
    at += dt
    if (window !== undefined && (at < window.start || at > window.end)) return
    const node = byId.get(id)
    if (node === undefined) return
    total += dt
    const a = area(node.callFrame)
    if (a === '(idle)') { idle += dt; return }
    self.set(a, (self.get(a) ?? 0) + dt)
    const fk = `${node.callFrame.functionName === '' ? '(anonymous)' : node.callFrame.functionName} [${a}]`
    selfFn.set(fk, (selfFn.get(fk) ?? 0) + dt)
    const seen = new Set<string>()
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const f = (byId.get(cur) as ProfileNode).callFrame
      if (!f.url.includes('/src/') || f.url.includes('/node_modules/')) continue
      const k = name(f)
      if (seen.has(k)) continue
      seen.add(k)
      inclusive.set(k, (inclusive.get(k) ?? 0) + dt)
    }
  })
  const busy = total - idle
  const share = (m: Map<string, number>): Array<[string, number]> =>
    [...m].map(([k, v]): [string, number] => [k, busy > 0 ? v / busy : 0]).sort((a, b) => b[1] - a[1])
  return { seconds: total / 1000, busy: total > 0 ? busy / total : 0, areas: share(self), project: share(inclusive), functions: share(selfFn) }
}

export async function summarizeFile (file: string, window?: { start: number, end: number }): Promise<ProfileSummary> {
  return summarize(JSON.parse(await readFile(file, 'utf8')) as CpuProfile, window)
}

/** `--cpu-prof` writes one file per thread (CPU.date.time.pid.thread.seq.cpuprofile); 0 is the main thread. */
export const isMainThreadProfile = (file: string): boolean => /^CPU\.\d+\.\d+\.\d+\.0\.\d+\.cpuprofile$/.test(file)

/** A few lines for the terminal. */
export function formatSummary (role: string, s: ProfileSummary, top = 10): string[] {
  const pct = (x: number): string => `${(x * 100).toFixed(1).padStart(5)} %`
  return [
    `  ${role}: ${s.seconds.toFixed(1)} s, busy ${pct(s.busy).trim()} of it`,
    '    self time by area (share of busy time):',
    ...s.areas.slice(0, top).map(([k, v]) => `      ${pct(v)}  ${k}`),
    '    self time by function:',
    ...s.functions.slice(0, top).map(([k, v]) => `      ${pct(v)}  ${k}`),
    '    inclusive time of project functions:',
    ...s.project.slice(0, top).map(([k, v]) => `      ${pct(v)}  ${k}`)
  ]
}
