// A static file server for the built site in tests: serves `dir` under `base` on 127.0.0.1 (a
// free port), 404 for anything else, so a link that escapes the base path shows up as broken.
import * as fs from "node:fs";
import * as http from "node:http";
import * as path from "node:path";

const TYPES: Record<string, string> = { ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".css": "text/css", ".json": "application/json", ".csv": "text/csv", ".svg": "image/svg+xml" };

export interface Served {
  url: string;
  close(): Promise<void>;
}

/** A port free now, for a site that must know its address before it is built and served. */
export async function freePort(): Promise<number> {
  const probe = http.createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

export async function serveStatic(dir: string, base: string, port = 0): Promise<Served> {
  const server = http.createServer((req, res) => {
    const pathname = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    let file = pathname.startsWith(base) ? path.join(dir, pathname.slice(base.length)) : "";
    if (file && !path.resolve(file).startsWith(path.resolve(dir))) file = "";
    if (file && fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, "index.html");
    if (!file || !fs.existsSync(file)) {
      res.writeHead(404).end("not found");
      return;
    }
    res.writeHead(200, { "Content-Type": TYPES[path.extname(file)] ?? "application/octet-stream" }).end(fs.readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const { port: bound } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${bound}${base}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
