/**
 * Signing in: the private key is checked here (format), then against the node (is its id a
 * member or the owner of the colony?), and kept in this tab's sessionStorage only, so a
 * reload keeps the session and closing the tab forgets the key. It is never sent anywhere:
 * requests carry signatures made with it.
 */
import { Api, ApiError } from './api.js'
import { idFromPrivateKey, isPrivateKey } from './sign.js'

export type Role = 'owner' | 'member'

export interface Session {
  readonly api: Api
  readonly colony: string
  /** the signer's ColonyOS id */
  readonly id: string
  readonly role: Role
}

const KEY = 'colonynet.session'
const LAST_COLONY = 'colonynet.colony'

/** A sign-in the user can act on: what was wrong and what to do. */
export class SignInError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'SignInError'
  }
}

const short = (id: string): string => `${id.slice(0, 8)}…`

export async function signIn (prvkeyText: string, colonyText: string): Promise<Session> {
  const prvkey = prvkeyText.trim().toLowerCase().replace(/^0x/, '')
  const colony = colonyText.trim()
  if (colony === '') throw new SignInError('Enter the name of the colony to open.')
  if (prvkey === '') throw new SignInError('Enter your ColonyOS private key (the value of COLONIES_PRVKEY).')
  if (!isPrivateKey(prvkey)) throw new SignInError('That is not a ColonyOS private key: it must be 64 hexadecimal characters.')
  const id = idFromPrivateKey(prvkey)
  const api = new Api(prvkey, colony)
  let info
  try {
    info = await api.colonyInfo()
  } catch (err) {
    if (err instanceof ApiError && err.status === 403) {
      throw new SignInError(`This key (id ${short(id)}) is not a member of colony "${colony}". Sign in with the key of a user or approved executor of the colony, or of its owner; the owner can add you with "colonies user add".`)
    }
    if (err instanceof ApiError && err.status === 404) {
      throw new SignInError(`Colony "${colony}" does not exist on this node. Check the name (COLONIES_COLONY_NAME).`)
    }
    throw new SignInError(err instanceof ApiError ? err.message : 'The node could not be asked. Is it running?')
  }
  const session: Session = { api, colony, id, role: info.colonyid === id ? 'owner' : 'member' }
  try {
    sessionStorage.setItem(KEY, JSON.stringify({ prvkey, colony }))
    localStorage.setItem(LAST_COLONY, colony)
  } catch {
    // storage may be disabled: the session then lasts until the page is reloaded
  }
  return session
}

/** The session saved in this tab, checked again with the node; undefined when there is none or it no longer works. */
export async function resume (): Promise<Session | undefined> {
  let saved: { prvkey?: unknown, colony?: unknown } | undefined
  try {
    saved = JSON.parse(sessionStorage.getItem(KEY) ?? 'null') ?? undefined
  } catch {
    saved = undefined
  }
  if (typeof saved?.prvkey !== 'string' || typeof saved.colony !== 'string') return undefined
  try {
    return await signIn(saved.prvkey, saved.colony)
  } catch {
    signOut()
    return undefined
  }
}

export function signOut (): void {
  try {
    sessionStorage.removeItem(KEY)
  } catch {}
}

export function lastColony (): string {
  try {
    return localStorage.getItem(LAST_COLONY) ?? ''
  } catch {
    return ''
  }
}
