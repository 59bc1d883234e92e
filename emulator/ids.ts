// Identifier helpers. Derived ids are deterministic so that a seed always yields the
// same Dataverse role ids, business units and system users from one run to the next:
// tests and benchmarks can then compare runs, and nothing random leaks into the state.
import { createHash, randomUUID } from "crypto";

export const GUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isGuid(value: unknown): value is string {
    return typeof value === "string" && GUID_PATTERN.test(value);
}

/** A name-based (version 5 style) GUID from the given parts. */
export function derivedGuid(...parts: string[]): string {
    const hash = createHash("sha1").update(parts.join("\u0000")).digest();
    hash[6] = (hash[6] & 0x0f) | 0x50;
    hash[8] = (hash[8] & 0x3f) | 0x80;
    const hex = hash.subarray(0, 16).toString("hex");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

export function randomGuid(): string {
    return randomUUID();
}

/** The 16 bytes of a GUID in the mixed-endian order .NET (and so Entra) serialises them. */
function guidBytes(guid: string): Buffer {
    const hex = guid.replace(/-/g, "");
    const raw = Buffer.from(hex, "hex");
    const out = Buffer.from(raw);
    out.writeUInt32LE(raw.readUInt32BE(0), 0);
    out.writeUInt16LE(raw.readUInt16BE(4), 4);
    out.writeUInt16LE(raw.readUInt16BE(6), 6);
    return out;
}

/**
 * Graph's id for a tenant-wide directory role assignment: the GUID bytes of the role
 * definition and of the principal, base64url-encoded together, then "-1". Real ids
 * have this form (those of Global Administrator start "lAPpYvVpN0KRkAEhdxReE"), which
 * also makes them stable for the same principal and role, as in the real directory.
 */
export function roleAssignmentId(roleDefinitionId: string, principalId: string): string {
    return `${Buffer.concat([guidBytes(roleDefinitionId), guidBytes(principalId)]).toString("base64url")}-1`;
}
