/**
 * What the API port says, with TLS on, to a client that speaks plain HTTP to it (a 400
 * error reply); the client recognises it by this text and explains the mismatch.
 */
export const PLAIN_ON_TLS_MESSAGE = 'this port serves HTTPS (TLS): connect with https:// or wss:// (COLONIES_SERVER_TLS=true)'
