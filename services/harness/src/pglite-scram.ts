// Password authentication for the embedded database. PGlite answers a startup message with AuthenticationOk,
// whoever asks, so pglite-socket on its own lets any local user connect (and, say, UPDATE books, or hold a
// transaction open that stalls every pod). This is the server side of SCRAM-SHA-256 (RFC 5802/7677), as Postgres
// does it: the startup message is held back until the client proves it knows the password, and only then goes to
// PGlite. Without channel binding (loopback, no TLS), like a Postgres server without SSL.
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';

const iterations = 4096;
const hmac = (key: Buffer, text: string) => createHmac('sha256', key).update(text).digest();

/** An authentication message from the server: 'R', length, code, then the payload. */
function authMessage(code: number, payload = Buffer.alloc(0)): Uint8Array {
  const out = Buffer.alloc(9 + payload.length);
  out.write('R', 0);
  out.writeInt32BE(8 + payload.length, 1);
  out.writeInt32BE(code, 5);
  payload.copy(out, 9);
  return out;
}

/** A FATAL ErrorResponse with SQLSTATE 28P01 (invalid_password). */
function authFailed(): Uint8Array {
  const fields = ['SFATAL', 'VFATAL', 'C28P01', 'Mpassword authentication failed'];
  const body = Buffer.from(fields.map((f) => `${f}\0`).join('') + '\0');
  const out = Buffer.alloc(5 + body.length);
  out.write('E', 0);
  out.writeInt32BE(4 + body.length, 1);
  body.copy(out, 5);
  return out;
}

/** The SASL payload of a PasswordMessage ('p'): SASLInitialResponse carries the mechanism and a length first. */
function saslPayload(message: Uint8Array, initial: boolean): string | undefined {
  const m = Buffer.from(message);
  if (m[0] !== 0x70 /* 'p' */) return undefined;
  if (!initial) return m.subarray(5).toString();
  const end = m.indexOf(0, 5);
  if (end < 0 || m.subarray(5, end).toString() !== 'SCRAM-SHA-256') return undefined;
  return m.subarray(end + 5).toString(); // skip the NUL and the int32 length
}

type Step =
  | { at: 'startup' }
  | { at: 'first'; startup: Uint8Array }
  | { at: 'final'; startup: Uint8Array; clientFirstBare: string; serverFirst: string; nonce: string }
  | { at: 'done' }
  | { at: 'failed' };

/** What to do with a message of a connection that is authenticating. */
export type AuthOutcome =
  | { reply: Uint8Array } // answer this, the backend sees nothing
  | { reply: Uint8Array; then: Uint8Array } // answer this, then send `then` (the held startup) to the backend
  | { refuse: true } // the connection failed to authenticate: close it
  | { pass: true }; // authenticated: the backend handles this message

export class ScramVerifier {
  private readonly salt = randomBytes(16);
  private readonly storedKey: Buffer;
  private readonly serverKey: Buffer;
  private readonly connections = new Map<number, Step>();

  constructor(password: string) {
    // The verifier Postgres keeps for a role: only keys derived from the salted password, not the password.
    const salted = pbkdf2Sync(password.normalize('NFKC'), this.salt, iterations, 32, 'sha256');
    this.storedKey = createHash('sha256').update(hmac(salted, 'Client Key')).digest();
    this.serverKey = hmac(salted, 'Server Key');
  }

  forget(connection: number): void {
    this.connections.delete(connection);
  }

  handle(connection: number, message: Uint8Array): AuthOutcome {
    const step = this.connections.get(connection) ?? { at: 'startup' };
    switch (step.at) {
      case 'done':
        return { pass: true };
      case 'failed':
        return { refuse: true };
      case 'startup': {
        // The first message of a connection is its startup message (SSL and cancel requests never get here).
        this.connections.set(connection, { at: 'first', startup: message });
        return { reply: authMessage(10, Buffer.from('SCRAM-SHA-256\0\0')) }; // AuthenticationSASL
      }
      case 'first': {
        const first = saslPayload(message, true);
        const bare = first?.startsWith('n,,') ? first.slice(3) : undefined;
        const clientNonce = bare ? /(?:^|,)r=([^,]+)/.exec(bare)?.[1] : undefined;
        if (!bare || !clientNonce) return this.fail(connection);
        const nonce = clientNonce + randomBytes(18).toString('base64');
        const serverFirst = `r=${nonce},s=${this.salt.toString('base64')},i=${iterations}`;
        this.connections.set(connection, {
          at: 'final',
          startup: step.startup,
          clientFirstBare: bare,
          serverFirst,
          nonce,
        });
        return { reply: authMessage(11, Buffer.from(serverFirst)) }; // AuthenticationSASLContinue
      }
      case 'final': {
        const final = saslPayload(message, false);
        const match = final ? /^(c=[^,]*,r=([^,]+)),p=([A-Za-z0-9+/=]+)$/.exec(final) : null;
        if (!match || match[2] !== step.nonce) return this.fail(connection);
        const signed = `${step.clientFirstBare},${step.serverFirst},${match[1]}`;
        const proof = Buffer.from(match[3]!, 'base64');
        const signature = hmac(this.storedKey, signed);
        if (proof.length !== signature.length) return this.fail(connection);
        const clientKey = Buffer.from(proof.map((b, i) => b ^ signature[i]!));
        const stored = createHash('sha256').update(clientKey).digest();
        if (!timingSafeEqual(stored, this.storedKey)) return this.fail(connection);
        this.connections.set(connection, { at: 'done' });
        const verifier = `v=${hmac(this.serverKey, signed).toString('base64')}`;
        return { reply: authMessage(12, Buffer.from(verifier)), then: step.startup }; // AuthenticationSASLFinal
      }
    }
  }

  private fail(connection: number): AuthOutcome {
    this.connections.set(connection, { at: 'failed' });
    return { reply: authFailed() };
  }
}
