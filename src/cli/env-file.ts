/**
 * The `export NAME=value` file `colonies dev` writes to <data>/dev.env: sourceable by a
 * shell (`source ~/.colonynet/dev/dev.env`) and read back on the next run, so the dev
 * colony keeps its keys across restarts.
 */

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/
/** values that need no quoting in sh */
const PLAIN = /^[A-Za-z0-9_./:@%+,=-]*$/

function quote (value: string): string {
  return PLAIN.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`
}

/** One `export NAME=value` line per entry, in the given order. */
export function formatExports (vars: ReadonlyArray<readonly [string, string]>): string {
  return vars.map(([name, value]) => {
    if (!NAME.test(name)) throw new Error(`not an environment variable name: ${name}`)
    return `export ${name}=${quote(value)}`
  }).join('\n')
}

/**
 * Reads what formatExports wrote (and hand-written variants: without `export`, with
 * double quotes, with comments). Lines it does not understand are skipped.
 */
export function parseExports (text: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) continue
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line)
    if (m === null) continue
    const name = m[1] as string
    let value = (m[2] as string).trim()
    if (value.startsWith("'")) {
      // sh single quotes, with '\'' for an embedded quote
      value = value.replace(/'\\''/g, '\u0000').replace(/^'|'$/g, '').replace(/\u0000/g, "'")
    } else if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) {
      value = value.slice(1, -1).replace(/\\(["\\$`])/g, '$1')
    }
    out[name] = value
  }
  return out
}
