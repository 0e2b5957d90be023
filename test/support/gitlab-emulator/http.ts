/** Reading a request's body and writing an answer, as GitLab's Rack/Grape stack does. */
import type { IncomingMessage, ServerResponse } from "http";
import { HttpError } from "./model";

/** The body's bytes, and its fields when it is JSON or a form (query parameters are merged by the caller). */
export async function readBody(req: IncomingMessage): Promise<{ raw: Buffer; fields: Record<string, any> }> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks);
    const text = raw.toString("utf8");
    const type = String(req.headers["content-type"] ?? "");
    if (!text || !(type.includes("application/json") || type.includes("application/x-www-form-urlencoded") || type === "")) return { raw, fields: {} };
    if (!type.includes("application/json")) return { raw, fields: Object.fromEntries(new URLSearchParams(text)) };
    try {
        return { raw, fields: JSON.parse(text) };
    } catch {
        // Grape::Exceptions::InvalidMessageBody (grape's JSON parser middleware): a 400, before any endpoint runs.
        throw new HttpError(400, { error: "message body does not match declared format" });
    }
}

/** Sends a JSON answer (or a Buffer as `application/octet-stream`), with GitLab's rate-limit headers unless told not to. */
export function send(res: ServerResponse, status: number, body: unknown, rateLimitHeaders = true) {
    // doc/administration/settings/user_and_ip_rate_limits.md "Response headers".
    if (rateLimitHeaders) {
        res.setHeader("RateLimit-Limit", "2000");
        res.setHeader("RateLimit-Remaining", status === 429 ? "0" : "1999");
        res.setHeader("RateLimit-Observed", status === 429 ? "2000" : "1");
        res.setHeader("RateLimit-Reset", String(Math.floor(Date.now() / 1000) + 60));
    }
    if (status === 204) {
        res.writeHead(204);
        res.end();
        return;
    }
    if (Buffer.isBuffer(body)) {
        res.setHeader("Content-Type", "application/octet-stream");
        res.writeHead(status);
        res.end(body);
        return;
    }
    res.setHeader("Content-Type", "application/json");
    res.writeHead(status);
    res.end(JSON.stringify(body));
}

/**
 * A throttled answer as Rack::Attack's responder gives it, before any API code runs
 * (lib/gitlab/rack_attack.rb `throttled_responder`, spec/lib/gitlab/rack_attack_spec.rb):
 * 429, `Content-Type: text/plain`, the body `Gitlab::Throttle.rate_limiting_response_text`
 * ("Retry later\n" unless an admin set another, lib/gitlab/throttle.rb), with the RateLimit-*
 * and Retry-After headers when the throttle's data is known and none at all otherwise.
 */
export function sendThrottled(res: ServerResponse, retryAfterSeconds: number | undefined) {
    if (retryAfterSeconds !== undefined) {
        res.setHeader("RateLimit-Name", "throttle_authenticated_api");
        res.setHeader("RateLimit-Limit", "2000");
        res.setHeader("RateLimit-Observed", "2001");
        res.setHeader("RateLimit-Remaining", "0");
        res.setHeader("RateLimit-Reset", String(Math.floor(Date.now() / 1000) + retryAfterSeconds));
        res.setHeader("Retry-After", String(retryAfterSeconds));
    }
    res.setHeader("Content-Type", "text/plain");
    res.writeHead(429);
    res.end("Retry later\n");
}
