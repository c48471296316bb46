/**
 * Text from a spec, a process or a log as it may be shown to a person or written to a log
 * line: every control character made visible, so that no member of a colony can recolour
 * another's terminal, retitle it, move its cursor or hide a line (an escape sequence in an
 * argument reaches everyone's `process pss`), and no NUL byte reaches a log file.
 * JSON output needs none of this: JSON already escapes C0 controls, and it keeps the text exact.
 */

/**
 * C0 controls, DEL, C1 controls, the bidirectional overrides and isolates (they reorder what
 * follows them on screen) and the line and paragraph separators.
 */
const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g

function escape (c: string): string {
  const code = c.charCodeAt(0)
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`
}

/** `text` with each control character as `\xHH` (or `\uHHHH`): ESC is `\x1b`, NUL `\x00`. */
export function visible (text: string): string {
  return text.replace(CONTROLS, escape)
}

/** As visible(), but newlines and tabs are kept (multi-line text such as a log). */
export function visibleLines (text: string): string {
  return text.replace(CONTROLS, c => c === '\n' || c === '\t' ? c : escape(c))
}
