import { resolve } from 'node:path';
import { freePort, startServerProcess, type ServerProcess } from '../lib/server-process';

export const PEER_TOKEN = 'peer-bench-token-0123456789';

export interface RunningPeer {
  server: ServerProcess;
  token: string;
  scimBase: string;
  stop(): Promise<void>;
}

/** Starts the SCIMMY peer as its own process, from the build or from sources like the bench itself. */
export async function startPeer(): Promise<RunningPeer> {
  const port = await freePort();
  const compiled = __filename.endsWith('.js');
  const args = compiled
    ? [resolve(__dirname, 'scimmy-server.js')]
    : ['-r', '@swc-node/register', resolve(__dirname, 'scimmy-server.ts')];
  const server = await startServerProcess({
    args,
    env: { PORT: String(port), PEER_TOKEN },
    port,
    readyPath: '/health',
    cwd: compiled ? undefined : resolve(__dirname, '../..'),
  });
  return { server, token: PEER_TOKEN, scimBase: '/scim/v2', stop: () => server.stop() };
}
