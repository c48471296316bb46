/**
 * Serves the dashboard (issue 7): the static files `npm run build:dashboard` writes into
 * dashboard/dist, at `/` on the node's API port. Nothing is fetched from elsewhere at run
 * time; the page talks only to this node (POST /api, WebSocket /pubsub). A missing build
 * gets a page that says how to make it, not an error.
 */
import { readFile, stat } from 'node:fs/promises'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { extname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** Where the build script writes the bundle (beside src/, in the package). */
export const DASHBOARD_DIST = fileURLToPath(new URL('../../dashboard/dist/', import.meta.url))

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.map': 'application/json',
  '.ico': 'image/x-icon'
}

// The page signs with a key that must never leave it: only this origin may run code in it
// or be talked to, and no other site may frame it.
const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
    "connect-src 'self' ws: wss:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY'
}

const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>colonynet dashboard: not built</title></head>
<body>
<h1>The dashboard is not built</h1>
<p>This node serves the ColonyOS API, but the dashboard's files are missing from <code>dashboard/dist</code>.</p>
<p>Build them in the colonynet folder (<code>npm ci</code> does it too), then reload this page:</p>
<pre>npm run build:dashboard</pre>
<p>To run a node without the dashboard, start it with <code>--no-dashboard</code>.</p>
</body></html>
`

export class DashboardAssets {
  private readonly dir: string

  constructor (dir: string = DASHBOARD_DIST) {
    this.dir = dir
  }

  /** Answers GET/HEAD for `/` and the bundle's files; returns false for any other path. */
  async serve (req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean> {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false
    const name = path === '/' || path === '/index.html' ? 'index.html' : path.slice(1)
    if (!SAFE_NAME.test(name)) return false
    const file = join(this.dir, name)
    let info
    try {
      info = await stat(file)
    } catch {
      if (name !== 'index.html') return false
      this.write(req, res, 503, 'text/html; charset=utf-8', Buffer.from(NOT_BUILT), undefined)
      return true
    }
    if (!info.isFile()) return false
    const etag = `"${info.size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}"`
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, { etag, ...SECURITY_HEADERS })
      res.end()
      return true
    }
    const body = await readFile(file)
    this.write(req, res, 200, TYPES[extname(name)] ?? 'application/octet-stream', body, etag)
    return true
  }

  private write (req: IncomingMessage, res: ServerResponse, status: number, type: string, body: Buffer, etag: string | undefined): void {
    res.writeHead(status, {
      'content-type': type,
      'content-length': body.length,
      // revalidate every time: the bundle's names carry no hash, and a rebuild must show
      'cache-control': 'no-cache',
      ...(etag === undefined ? {} : { etag }),
      ...SECURITY_HEADERS
    })
    res.end(req.method === 'HEAD' ? undefined : body)
  }
}
