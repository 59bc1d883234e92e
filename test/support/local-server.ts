// A scriptable plain-HTTP server on loopback for testing the HTTP layer without the
// tenant emulator: each test installs a handler and reads what arrived.

import * as http from "http";
import { AddressInfo } from "net";

export interface ReceivedRequest {
    readonly method: string;
    readonly url: string;
    readonly headers: http.IncomingHttpHeaders;
    readonly body: string;
    readonly at: number;
}

export type Handler = (request: ReceivedRequest, response: http.ServerResponse, socket: import("net").Socket) => void | Promise<void>;

export interface LocalServer {
    readonly url: string;
    readonly requests: ReceivedRequest[];
    /** Highest number of requests handled at the same time. */
    readonly maxInFlight: () => number;
    handle(handler: Handler): void;
    close(): Promise<void>;
}

export async function startLocalServer(): Promise<LocalServer> {
    const requests: ReceivedRequest[] = [];
    let handler: Handler = (_request, response) => {
        response.statusCode = 500;
        response.end();
    };
    let inFlight = 0;
    let maxInFlight = 0;
    const server = http.createServer((incoming, response) => {
        const chunks: Buffer[] = [];
        incoming.on("data", (chunk) => chunks.push(chunk));
        incoming.on("end", async () => {
            const request: ReceivedRequest = {
                method: incoming.method ?? "",
                url: incoming.url ?? "",
                headers: incoming.headers,
                body: Buffer.concat(chunks).toString("utf8"),
                at: Date.now(),
            };
            requests.push(request);
            inFlight++;
            maxInFlight = Math.max(maxInFlight, inFlight);
            response.on("close", () => inFlight--);
            try {
                await handler(request, response, incoming.socket);
            } catch (error) {
                response.statusCode = 500;
                response.end(String(error));
            }
        });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    return {
        url: `http://127.0.0.1:${port}`,
        requests,
        maxInFlight: () => maxInFlight,
        handle(next) {
            handler = next;
        },
        close() {
            server.closeAllConnections();
            return new Promise((resolve) => server.close(() => resolve()));
        },
    };
}

export function json(response: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    response.writeHead(status, { "Content-Type": "application/json", ...headers });
    response.end(body === undefined ? "" : JSON.stringify(body));
}
