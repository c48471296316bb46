/**
 * Turns any error into the one line a user sees on stderr and the process exit code.
 * Errors are matched by `name` (and an RPC error's HTTP `status`), never by message.
 *
 * Exit codes:
 *   0  success
 *   1  anything else (a conflict, a failed or cancelled process, an unexpected error)
 *   2  usage: bad flags, a missing or invalid setting, an invalid spec, a request the node
 *      rejected as malformed (400)
 *   3  no node answers at the configured URL
 *   4  access denied (403): the key is not allowed to do this
 *   5  not found (404): no such colony, executor, user, process, attribute
 */

export const ExitCode = {
  OK: 0,
  FAILURE: 1,
  USAGE: 2,
  UNREACHABLE: 3,
  FORBIDDEN: 4,
  NOT_FOUND: 5
} as const
export type ExitCodeValue = typeof ExitCode[keyof typeof ExitCode]

export interface FailureContext {
  /** the node the command talked to */
  url?: string
  /** the setting that holds the key the failed request was signed with, e.g. COLONIES_COLONY_PRVKEY */
  keySetting?: string
  /** who that key must belong to, e.g. "the colony owner's key" */
  keyRole?: string
  colonyName?: string
  /** where colonyName came from: COLONIES_COLONY_NAME (the default), --colonyname, or a field of a spec file */
  colonySource?: string
}

export interface Failure {
  code: ExitCodeValue
  message: string
}

interface ErrorLike {
  name?: unknown
  message?: unknown
  status?: unknown
  field?: unknown
  url?: unknown
  cause?: unknown
  oclif?: { exit?: unknown }
}

function asErrorLike (err: unknown): ErrorLike {
  return typeof err === 'object' && err !== null ? err as ErrorLike : { message: String(err) }
}

function text (v: unknown): string {
  return typeof v === 'string' ? v : ''
}

/** The text the node sent, without a repeated "403:"-style prefix some layers add. */
function serverMessage (e: ErrorLike): string {
  const m = text(e.message).trim()
  return m === ''
    ? 'no reason given'
    : m.replace(/^(error:\s*)?(\d{3}\s*[:-]\s*)?(access denied\s*[,:.-]\s*)?/i, '').replace(/\.$/, '')
}

function causeText (e: ErrorLike): string {
  const reason = text((e as { reason?: unknown }).reason)
  if (reason !== '') return reason
  const c = e.cause
  if (c === undefined || c === null) return ''
  const ce = asErrorLike(c)
  const code = text((c as { code?: unknown }).code)
  return code !== '' ? code : text(ce.message)
}

/** oclif's parse errors span lines ("The following error occurred:", "See more help with --help"). */
function oneLine (message: string): string {
  const lines = message.split('\n').map(l => l.trim())
    .filter(l => l !== '' && !/^the following errors? occurred:?$/i.test(l) && !/^see more help with --help$/i.test(l))
  // a line ending in ':' introduces the next ("Missing 1 required arg:" / "dir  The directory …")
  const joined = lines.reduce((out, l) => out === '' ? l : `${out}${out.endsWith(':') ? ' ' : '; '}${l}`, '')
  return message.includes('--help') ? `${joined} (see --help)` : joined
}

function statusOf (e: ErrorLike): number | undefined {
  switch (e.name) {
    case 'ForbiddenError': case 'SignatureError': return 403
    case 'NotFoundError': return 404
    case 'BadRequestError': return 400
    case 'ConflictError': return 409
  }
  return typeof e.status === 'number' ? e.status : undefined
}

/** A TLS handshake the other end did not answer in TLS (OpenSSL's "wrong version number", EPROTO). */
function tlsRefused (e: ErrorLike): boolean {
  const texts: string[] = [causeText(e)]
  let c = e.cause
  for (let depth = 0; c !== undefined && c !== null && depth < 4; depth++) {
    const ce = asErrorLike(c)
    texts.push(text((c as { code?: unknown }).code), text(ce.message))
    c = ce.cause
  }
  return texts.some(t => /EPROTO|ERR_SSL_|wrong version number|SSL routines/i.test(t))
}

/** A TLS certificate the client refused: not from a trusted CA, expired, or for another host. */
function tlsUntrusted (e: ErrorLike): boolean {
  const codes: string[] = []
  let c = e.cause
  for (let depth = 0; c !== undefined && c !== null && depth < 4; depth++) {
    codes.push(text((c as { code?: unknown }).code))
    c = asErrorLike(c).cause
  }
  return codes.some(t => /SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|CERT_(HAS_EXPIRED|NOT_YET_VALID|UNTRUSTED|REJECTED)|ERR_TLS_CERT_ALTNAME_INVALID/.test(t))
}

export function describeFailure (err: unknown, ctx: FailureContext = {}): Failure {
  const e = asErrorLike(err)
  const name = text(e.name)

  if (name === 'NodeUnreachableError') {
    const url = text(e.url) !== '' ? text(e.url) : (ctx.url ?? 'the configured URL')
    const why = causeText(e)
    if (url.startsWith('https:') && tlsRefused(e)) {
      return {
        code: ExitCode.UNREACHABLE,
        message: `TLS mismatch? The node at ${url} answers, but not with TLS (${why}): it serves plain HTTP. ` +
          'Unset COLONIES_SERVER_TLS (or set it to false), as `colonies dev` prints.'
      }
    }
    if (url.startsWith('http:') && /serves HTTPS/.test(why)) {
      return {
        code: ExitCode.UNREACHABLE,
        message: `TLS mismatch? The node at ${url} serves HTTPS (TLS), not plain HTTP. ` +
          'Export COLONIES_SERVER_TLS=true (and, for a self-signed certificate, NODE_EXTRA_CA_CERTS=<its cert.pem>).'
      }
    }
    if (url.startsWith('https:') && tlsUntrusted(e)) {
      return {
        code: ExitCode.UNREACHABLE,
        message: `The node at ${url} serves TLS with a certificate this machine does not accept (${why}). ` +
          'For a self-signed or private-CA certificate, export NODE_EXTRA_CA_CERTS=<its cert.pem>; ' +
          'the certificate must name the host you connect to (COLONIES_SERVER_HOST).'
      }
    }
    return {
      code: ExitCode.UNREACHABLE,
      message: `No colonynet node answers at ${url}${why === '' ? '' : ` (${why})`}. ` +
        'Start one with `colonies dev` (or `colonies node start`), or point COLONIES_SERVER_HOST / COLONIES_SERVER_PORT at a running node.'
    }
  }

  // the process we waited for failed, or the wait ran out, or downloaded bytes were not the
  // file's (the client checks them; the node did not refuse anything): already one clear line
  if (name === 'ProcessEndedError' || name === 'WaitTimeoutError' || name === 'ChecksumMismatchError') {
    return { code: ExitCode.FAILURE, message: text(e.message) }
  }

  // S3's own statuses are not the node's: a 403 there is about the AWS_S3_* keys
  if (name === 'S3Error') {
    return { code: ExitCode.FAILURE, message: `S3 refused: ${text(e.message)}. Check AWS_S3_ENDPOINT, AWS_S3_BUCKET, AWS_S3_ACCESSKEY and AWS_S3_SECRETKEY` }
  }

  // Our own usage errors, the spec validator's ValidationError and oclif's parse errors.
  if (name === 'UsageError' || name === 'MissingSettingError' || name === 'InvalidSettingError' || name === 'SpecFileError') {
    return { code: ExitCode.USAGE, message: text(e.message) }
  }
  if (name === 'ValidationError') {
    return { code: ExitCode.USAGE, message: `Invalid input: ${text(e.message)}` }
  }
  if (e.oclif !== undefined && typeof e.oclif.exit === 'number' && statusOf(e) === undefined) {
    return { code: e.oclif.exit === 2 ? ExitCode.USAGE : ExitCode.FAILURE, message: oneLine(text(e.message)) }
  }

  const status = statusOf(e)
  if (status === 403) {
    const setting = ctx.keySetting
    const hint = setting === undefined
      ? 'check COLONIES_PRVKEY / COLONIES_COLONY_PRVKEY'
      : `the request was signed with ${setting}; check that it holds ${ctx.keyRole ?? 'the right key'}`
    return { code: ExitCode.FORBIDDEN, message: `Access denied: ${serverMessage(e)} (${hint}).` }
  }
  if (status === 404) {
    const colony = ctx.colonyName !== undefined && /colony/i.test(text(e.message))
      ? ` (${ctx.colonySource ?? 'COLONIES_COLONY_NAME'} is "${ctx.colonyName}"; \`colonies colony ls\` lists the colonies)`
      : ''
    return { code: ExitCode.NOT_FOUND, message: `Not found: ${serverMessage(e)}${colony}.` }
  }
  if (status === 400) {
    return { code: ExitCode.USAGE, message: `Rejected by the node: ${serverMessage(e)}.` }
  }
  if (status !== undefined) {
    return { code: ExitCode.FAILURE, message: `The node refused: ${serverMessage(e)} (HTTP ${status}).` }
  }

  const message = text(e.message)
  return { code: ExitCode.FAILURE, message: message === '' ? `Unexpected error: ${name === '' ? String(err) : name}` : message }
}
