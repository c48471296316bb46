/**
 * The comparison as an SVG, written by hand: completed jobs/s per system (with each
 * colonynet bar's ratio to BullMQ and the one-site signature ceiling as a line), and
 * submit → start latency p50/p99 beside it.
 */

export interface ChartBar {
  readonly label: string
  readonly jobsPerSec: number
  /** "0.31× BullMQ" */
  readonly note?: string
  readonly p50: number
  readonly p99: number
}

export interface ChartInput {
  readonly title: string
  readonly subtitle: string
  readonly bars: ChartBar[]
  /** the one-site signature ceiling, processes/s */
  readonly ceiling?: number
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
const fmt = (x: number): string => Math.round(x).toLocaleString('en-US')
const ms = (x: number): string => x < 10 ? x.toFixed(2) : x.toFixed(1)
const COLORS = ['#7a7a7a', '#2f6db5', '#5aa0e6']

/** A "nice" axis maximum at or above `x`. */
function niceMax (x: number): number {
  if (!(x > 0)) return 1
  const p = 10 ** Math.floor(Math.log10(x))
  for (const m of [1, 2, 4, 6, 8, 10]) if (m * p >= x) return m * p
  return 10 * p
}

function panel (x0: number, y0: number, w: number, h: number, title: string, max: number, groups: Array<{ label: string, values: Array<{ v: number, color: string, text: string }> }>, line?: { v: number, text: string }): string {
  const out: string[] = []
  const plotH = h - 60
  const base = y0 + 30 + plotH
  const y = (v: number): number => base - (v / max) * plotH
  out.push(`<text x="${x0}" y="${y0 + 14}" class="t">${esc(title)}</text>`)
  for (let i = 0; i <= 4; i++) {
    const v = (max * i) / 4
    out.push(`<line x1="${x0 + 50}" x2="${x0 + w}" y1="${y(v)}" y2="${y(v)}" class="grid"/>`)
    const tick = Number.isInteger(v) ? fmt(v) : v.toFixed(1)
    out.push(`<text x="${x0 + 44}" y="${y(v) + 4}" class="ax" text-anchor="end">${esc(tick)}</text>`)
  }
  const gw = (w - 60) / groups.length
  groups.forEach((g, gi) => {
    const gx = x0 + 56 + gi * gw
    const bw = Math.min(60, (gw - 16) / g.values.length)
    g.values.forEach((b, bi) => {
      const bx = gx + (gw - 8 - bw * g.values.length) / 2 + bi * bw
      const top = y(Math.min(b.v, max))
      out.push(`<rect x="${bx.toFixed(1)}" y="${top.toFixed(1)}" width="${(bw - 4).toFixed(1)}" height="${(base - top).toFixed(1)}" fill="${b.color}"/>`)
      out.push(`<text x="${(bx + (bw - 4) / 2).toFixed(1)}" y="${(top - 5).toFixed(1)}" class="v" text-anchor="middle">${esc(b.text)}</text>`)
    })
    g.label.split('\n').forEach((l, li) => out.push(`<text x="${(gx + (gw - 8) / 2).toFixed(1)}" y="${base + 16 + li * 13}" class="ax" text-anchor="middle">${esc(l)}</text>`))
  })
  if (line !== undefined && line.v <= max) {
    out.push(`<line x1="${x0 + 50}" x2="${x0 + w}" y1="${y(line.v)}" y2="${y(line.v)}" class="ceil"/>`)
    out.push(`<text x="${x0 + w}" y="${y(line.v) - 5}" class="ceilt" text-anchor="end">${esc(line.text)}</text>`)
  }
  return out.join('\n')
}

export function chart (c: ChartInput): string {
  const W = 900
  const H = 400
  const tmax = niceMax(Math.max(...c.bars.map(b => b.jobsPerSec), c.ceiling ?? 0) * 1.08)
  const lmax = niceMax(Math.max(...c.bars.map(b => b.p99)) * 1.1)
  const tput = panel(20, 56, 500, 320, 'Completed jobs/s (higher is better)', tmax,
    c.bars.map((b, i) => ({ label: b.label.replace(', ', '\n'), values: [{ v: b.jobsPerSec, color: COLORS[i % COLORS.length] as string, text: fmt(b.jobsPerSec) + (b.note === undefined ? '' : ` (${b.note})`) }] })),
    c.ceiling === undefined ? undefined : { v: c.ceiling, text: `signature ceiling, one site: ${fmt(c.ceiling)}/s` })
  const lat = panel(560, 56, 320, 320, 'Submit → start, ms (one waiting worker)', lmax,
    c.bars.map((b, i) => ({
      label: b.label.replace(', ', '\n'),
      values: [
        { v: b.p50, color: COLORS[i % COLORS.length] as string, text: ms(b.p50) },
        { v: b.p99, color: '#c9c9c9', text: ms(b.p99) }
      ]
    })))
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H + 20}" viewBox="0 0 ${W} ${H + 20}" font-family="system-ui, sans-serif">
<style>
.h { font-size: 16px; font-weight: 600; fill: #222 }
.s { font-size: 11px; fill: #555 }
.t { font-size: 13px; font-weight: 600; fill: #333 }
.ax { font-size: 10px; fill: #555 }
.v { font-size: 10px; fill: #222 }
.grid { stroke: #e4e4e4; stroke-width: 1 }
.ceil { stroke: #c0392b; stroke-width: 1.5; stroke-dasharray: 6 4 }
.ceilt { font-size: 10px; fill: #c0392b }
</style>
<rect width="100%" height="100%" fill="#fff"/>
<text x="20" y="24" class="h">${esc(c.title)}</text>
<text x="20" y="42" class="s">${esc(c.subtitle)}</text>
${tput}
${lat}
<text x="580" y="${H + 12}" class="ax">bars: p50 (colour) and p99 (grey)</text>
</svg>
`
}
