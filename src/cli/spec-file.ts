/**
 * Reads a function spec file (`function submit --spec F`) and validates it with the same
 * parser the node uses, so a bad file is refused before anything is sent, with the file
 * and the offending field named.
 */
import { readFile } from 'node:fs/promises'
import { type FunctionSpec, parseFunctionSpec } from '../protocol/spec.js'
import { SpecFileError } from './errors.js'

/** "line 3, column 7" for a JSON.parse position, when the message carries one. */
export function where (text: string, message: string): string {
  const m = /position (\d+)/.exec(message)
  if (m === null) return ''
  const pos = Number(m[1])
  const before = text.slice(0, pos).split('\n')
  return ` at line ${before.length}, column ${(before.at(-1)?.length ?? 0) + 1}`
}

/** The JSON in a spec file's text; refused naming the line and column where it breaks. */
export function parseJsonText (text: string, file: string): unknown {
  try {
    return JSON.parse(text)
  } catch (err) {
    const msg = (err as Error).message
    const detail = msg.replace(/ in JSON at position \d+.*$/, '').replace(/ is not valid JSON$/, '')
    return fail(file, '', `not valid JSON${where(text, msg)}: ${detail}`)
  }
}

export function parseSpecText (text: string, file: string): FunctionSpec {
  const json = parseJsonText(text, file)
  if (Array.isArray(json)) {
    return fail(file, '', 'holds a list of specs (a workflow); `function submit` takes one function spec object')
  }
  let spec: FunctionSpec
  try {
    spec = parseFunctionSpec(json, 'spec')
  } catch (err) {
    const e = err as { name?: string, field?: string, message?: string }
    if (e.name !== 'ValidationError' || typeof e.field !== 'string') throw err
    // the message is "<field>: <problem>"; keep the problem only, the field is named separately
    const problem = (e.message ?? '').startsWith(`${e.field}: `) ? (e.message ?? '').slice(e.field.length + 2) : (e.message ?? '')
    return fail(file, e.field, problem)
  }
  if (spec.funcname.trim() === '') fail(file, 'spec.funcname', EMPTY_FUNCNAME)
  return spec
}

/**
 * Upstream's node accepts an empty funcname (it checks only the priority), and so does
 * ours, to stay compatible; but no executor can run it, so the process would only fail
 * later. The CLI's spec reading refuses it up front instead.
 */
export const EMPTY_FUNCNAME = 'is empty: name the function to run (for the Unix executor, the command line)'

export function fail (file: string, field: string, problem: string): never {
  throw new SpecFileError(file, field, problem)
}

/** A spec file's text; refused saying why it cannot be read. */
export async function readSpecText (file: string): Promise<string> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (err as Error).message
    return fail(file, '', `cannot read the spec file: ${why}`)
  }
  // editors on Windows save UTF-8 with a byte order mark; JSON.parse refuses it
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
}

export async function loadSpecFile (file: string): Promise<FunctionSpec> {
  return parseSpecText(await readSpecText(file), file)
}
