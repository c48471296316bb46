/** One attribute for people: `attribute add|get`. */
import type { Attribute } from '../../protocol/wire-types.js'
import { renderFields } from '../table.js'
import { attributeTypeName } from './process.js'

export function attributeFields (a: Attribute): string {
  return renderFields([
    ['Id', a.attributeid],
    ['Process', a.targetid],
    ['Workflow', a.targetprocessgraphid || '-'],
    ['Colony', a.targetcolonyname],
    ['Type', attributeTypeName(a.attributetype)],
    ['Key', a.key],
    ['Value', a.value]
  ])
}
