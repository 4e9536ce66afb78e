/** Keep-alive HTTP/1.1 requests for REST load, lighter than fetch so the generator is not the bottleneck. */
import { Agent, request } from "node:http";

const agent = new Agent({ keepAlive: true, maxSockets: 64 });

function send(method: string, url: string, body: string | undefined, headers: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, agent, headers: { "content-type": "application/json", ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        if ((res.statusCode ?? 0) >= 400) reject(new Error(`HTTP ${res.statusCode}: ${text.slice(0, 200)}`));
        else resolve(text);
      });
    });
    req.on("error", reject);
    req.end(body);
  });
}

export const httpPost = async (url: string, body: string, headers: Record<string, string> = {}) => {
  await send("POST", url, body, headers);
};
export const httpGet = (url: string, headers: Record<string, string> = {}) => send("GET", url, undefined, headers);
