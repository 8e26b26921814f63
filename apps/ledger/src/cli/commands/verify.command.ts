import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { verifyBundle, verifyStore } from '@ledger/transparency';
import { CliUsageError, dataDirOf, flag, type CliCommand, type CliIo } from '../cli-command';

/** Exit codes: 0 verified, 1 something does not verify, 2 the inputs could not be read. */
const VERIFIED = 0;
const NOT_VERIFIED = 1;
const UNREADABLE = 2;

function readInput(path: string, what: string, io: CliIo): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    io.err(`cannot read the ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    return null;
  }
}

export const verifyCommands: CliCommand[] = [
  {
    name: ['verify'],
    usage: 'verify <bundle.jsonl> --public-key <ledger.pem> | verify --store [--data-dir DIR] [--public-key <ledger.pem>]',
    flags: ['public-key', 'data-dir'],
    switches: ['store'],
    positional: true,
    summary: 'check an evidence bundle, or the whole local SQLite store, offline: hash chains, Merkle proofs, checkpoint signatures',
    async run(args, io) {
      const keyPath = flag(args, 'public-key');
      if (args.flags['store'] !== undefined) {
        const dataDir = dataDirOf(args, io);
        const pem = keyPath ? readInput(keyPath, 'public key', io) : null;
        if (keyPath && pem === null) return UNREADABLE;
        const verdict = verifyStore({
          dataDir,
          publicKeyPems: pem ? [pem] : undefined,
          keyFile: io.env['LEDGER_KEY_FILE'] ? resolve(io.env['LEDGER_KEY_FILE']) : resolve(dataDir, 'ledger-signing-key.pem'),
        });
        for (const warning of verdict.warnings) io.err(`warning: ${warning}`);
        if (!verdict.ok) {
          io.out(`NOT VERIFIED: ${verdict.problem}`);
          return NOT_VERIFIED;
        }
        io.out(`VERIFIED: ${dataDir}: ${verdict.events} events in ${verdict.streams} streams; every hash chain is intact`);
        if (verdict.latest) {
          io.out(
            `  Merkle tree recomputed; ${verdict.checkpointsVerified} signed checkpoint(s) match it; latest: size ${verdict.latest.treeSize}, root ${verdict.latest.rootHash}, key ${verdict.latest.keyId}, signed ${verdict.latest.time ?? '(no time)'}`,
          );
          if (verdict.uncovered > 0) io.out(`  ${verdict.uncovered} event(s) after the latest checkpoint are chained but not yet under a signature`);
        }
        return VERIFIED;
      }

      const [bundlePath, ...extra] = args.positional;
      if (!bundlePath || extra.length > 0) throw new CliUsageError('give one bundle file (or --store)');
      if (!keyPath) throw new CliUsageError('--public-key <pem file> is required: the key you obtained from the ledger operator');
      const bundle = readInput(bundlePath, 'bundle', io);
      const pem = readInput(keyPath, 'public key', io);
      if (bundle === null || pem === null) return UNREADABLE;
      const verdict = verifyBundle(bundle, pem);
      for (const warning of verdict.warnings) io.err(`warning: ${warning}`);
      if (!verdict.ok) {
        io.out(`NOT VERIFIED: ${verdict.problem}`);
        return NOT_VERIFIED;
      }
      const c = verdict.checkpoint;
      io.out(`VERIFIED: ${verdict.events} events in ${verdict.streams} streams; hash chains intact; every event proven in the checkpoint`);
      io.out(`  checkpoint: ${c.origin}, size ${c.treeSize}, root ${c.rootHash}, signed ${c.time ?? '(no time)'} by key ${c.keyId}`);
      io.out(`  manifest: ${verdict.manifestSigned ? 'signed, digest matches' : 'digest matches (unsigned)'}`);
      return VERIFIED;
    },
  },
];
