/** Users for people: `user ls` and `user get`. */
import type { User } from '../../protocol/wire-types.js'
import { renderFields, renderTable } from '../table.js'

export function usersTable (users: readonly User[], colonyname: string): string {
  return renderTable([
    { header: 'NAME', value: u => u.name },
    { header: 'EMAIL', value: u => u.email },
    { header: 'PHONE', value: u => u.phone },
    { header: 'USERID', value: u => u.userid }
  ], users, `No users found in colony ${colonyname}`)
}

export function userDetail (u: User): string {
  return renderFields([
    ['Name', u.name],
    ['Id', u.userid],
    ['Colony', u.colonyname],
    ['Email', u.email || '-'],
    ['Phone', u.phone || '-']
  ], 'User')
}
