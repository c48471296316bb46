/**
 * The federation lives in federation/ now; this keeps `./federation.js` imports resolving
 * until the last of them (rpc-service.ts's) points there.
 */
export * from './federation/index.js'
