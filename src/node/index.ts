import './polyfills.js'
export { ColonyNode, DEFAULT_PORT, type NodeOptions, rebuildDataDir } from './node.js'
export { MAX_BODY_BYTES } from './http-server.js'
export { BUILD_VERSION } from './rpc-service.js'
