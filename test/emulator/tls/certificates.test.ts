// The emulator's CA may be trusted by every test process, so it must be unable to vouch
// for anything but loopback names, and its directory must be the user's alone.
import { strict as assert } from "assert";
import { promises as fs } from "fs";
import * as net from "net";
import { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";
import * as tls from "tls";
import forge from "node-forge";
import {
    CA_CERT_FILE,
    CA_KEY_FILE,
    caDirectoryProblem,
    CertificateAuthority,
    defaultCaDir,
    ensureCertificateAuthority,
    ensureKeyPair,
    generateRsaKeyPair,
    issueServerCertificate,
    KeyPair,
} from "../../../emulator/tls/certificates";

const NAME_CONSTRAINTS_OID = "2.5.29.30";

/** A certificate signed with forge itself (slow but independent of the code under test). */
function forgeCertificate(
    subject: string,
    keys: KeyPair,
    issuer: { name: forge.pki.CertificateField[]; key: KeyPair["privateKey"] },
    extensions: object[],
): string {
    const cert = forge.pki.createCertificate();
    cert.publicKey = forge.pki.publicKeyFromPem(keys.publicKey.export({ type: "spki", format: "pem" }).toString());
    cert.serialNumber = "4a0102030405";
    cert.validity.notBefore = new Date(Date.now() - 3600_000);
    cert.validity.notAfter = new Date(Date.now() + 86400_000);
    cert.setSubject([{ name: "commonName", value: subject }]);
    cert.setIssuer(issuer.name);
    cert.setExtensions(extensions);
    cert.sign(
        forge.pki.privateKeyFromPem(issuer.key.export({ type: "pkcs1", format: "pem" }).toString()) as forge.pki.rsa.PrivateKey,
        forge.md.sha256.create(),
    );
    return forge.pki.certificateToPem(cert);
}

/** What a TLS client that trusts only `caPem` says of a server showing `certPem` for `servername`. */
async function handshake(
    caPem: string,
    certPem: string,
    keyPem: string,
    servername: string,
): Promise<{ ok: true } | { ok: false; code: string; message: string }> {
    const server = tls.createServer({ cert: certPem, key: keyPem }, (socket) => socket.end());
    server.on("tlsClientError", () => undefined);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
        const { port } = server.address() as AddressInfo;
        return await new Promise((resolve) => {
            // checkServerIdentity checks `servername`, else `host` (an IP address may not be a servername)
            const target = net.isIP(servername) ? { host: servername } : { host: "127.0.0.1", servername };
            const socket = tls.connect({ ...target, port, ca: [caPem] }, () => {
                socket.destroy();
                resolve({ ok: true });
            });
            socket.on("error", (err: NodeJS.ErrnoException) => resolve({ ok: false, code: String(err.code), message: err.message }));
        });
    } finally {
        await new Promise((resolve) => server.close(resolve));
    }
}

describe("emulator CA", () => {
    let root: string;
    let ca: CertificateAuthority;
    let leafKeys: KeyPair;

    before(async () => {
        root = await fs.mkdtemp(path.join(os.tmpdir(), "emulator-ca-test-"));
        ca = await ensureCertificateAuthority(path.join(root, "ca"));
        leafKeys = await generateRsaKeyPair();
    });
    after(() => fs.rm(root, { recursive: true, force: true }));

    describe("name constraints", () => {
        it("carries a critical nameConstraints extension permitting localhost, 127.0.0.0/8 and ::1 only", () => {
            const ext = forge.pki.certificateFromPem(ca.certPem).getExtension("nameConstraints") as unknown as {
                id: string;
                critical: boolean;
                permittedSubtrees: Array<{ type: number; value: string }>;
                excludedSubtrees: unknown[];
            };
            assert.ok(ext, "the CA has a nameConstraints extension");
            assert.equal(ext.id, NAME_CONSTRAINTS_OID);
            assert.equal(ext.critical, true);
            assert.deepEqual(
                ext.permittedSubtrees.map((t) => (t.type === 2 ? `dns:${t.value}` : `ip:${Buffer.from(t.value, "binary").toString("hex")}`)),
                ["dns:localhost", "ip:7f000000ff000000", `ip:${"00".repeat(15)}01${"ff".repeat(16)}`],
            );
            assert.deepEqual(ext.excludedSubtrees, []);
        });

        it("makes Node's TLS refuse a certificate it signed for another host name", async () => {
            const leaf = forgeCertificate("elsewhere", leafKeys, { name: ca.certificate.subject.attributes, key: ca.privateKey }, [
                { name: "basicConstraints", cA: false },
                { name: "extKeyUsage", serverAuth: true },
                { name: "subjectAltName", altNames: [{ type: 2, value: "login.microsoftonline.com" }] },
            ]);
            const result = await handshake(
                ca.certPem,
                leaf,
                leafKeys.privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
                "login.microsoftonline.com",
            );
            assert.equal(result.ok, false, "the handshake must fail");
            assert.ok(!result.ok && result.message === "permitted subtree violation", `expected a name-constraint violation, got ${JSON.stringify(result)}`);
        });

        it("still lets Node's TLS accept the emulator's own certificates for localhost and 127.0.0.1", async () => {
            const leaf = issueServerCertificate(ca, leafKeys, "d365ba emulator test");
            assert.deepEqual(await handshake(ca.certPem, leaf.certPem, leaf.keyPem, "localhost"), { ok: true });
            assert.deepEqual(await handshake(ca.certPem, leaf.certPem, leaf.keyPem, "127.0.0.1"), { ok: true });
        });

        it("issues leaf certificates for loopback names only", () => {
            assert.throws(
                () => issueServerCertificate(ca, leafKeys, "x", ["localhost", "graph.microsoft.com"]),
                /loopback names only.*refused: graph\.microsoft\.com/,
            );
            assert.throws(() => issueServerCertificate(ca, leafKeys, "x", ["10.0.0.1"]), /refused: 10\.0\.0\.1/);
            assert.throws(() => issueServerCertificate(ca, leafKeys, "x", ["localhost.example.com"]), /refused: localhost\.example\.com/);
            const leaf = forge.pki.certificateFromPem(issueServerCertificate(ca, leafKeys, "x", ["127.0.0.2", "::1", "api.localhost"]).certPem);
            const altNames = (leaf.getExtension("subjectAltName") as unknown as { altNames: Array<{ ip?: string; value?: string }> }).altNames;
            assert.deepEqual(
                altNames.map((n) => n.ip ?? n.value),
                ["127.0.0.2", "::1", "api.localhost"],
            );
        });

        it("replaces a CA made without name constraints, with a note", async () => {
            const dir = path.join(root, "old");
            await fs.mkdir(dir, { mode: 0o700 });
            const oldKeys = await generateRsaKeyPair();
            const name = [{ name: "commonName", value: "d365-backup-access tenant emulator CA" }];
            const oldPem = forgeCertificate("d365-backup-access tenant emulator CA", oldKeys, { name, key: oldKeys.privateKey }, [
                { name: "basicConstraints", cA: true, critical: true },
                { name: "keyUsage", keyCertSign: true, cRLSign: true, critical: true },
            ]);
            await fs.writeFile(path.join(dir, CA_CERT_FILE), oldPem);
            await fs.writeFile(path.join(dir, CA_KEY_FILE), oldKeys.privateKey.export({ type: "pkcs8", format: "pem" }).toString(), { mode: 0o600 });

            const notes: string[] = [];
            const renewed = await ensureCertificateAuthority(dir, (m) => notes.push(m));
            assert.notEqual(renewed.certPem, oldPem);
            assert.equal(await fs.readFile(path.join(dir, CA_CERT_FILE), "utf8"), renewed.certPem);
            assert.equal((forge.pki.certificateFromPem(renewed.certPem).getExtension("nameConstraints") as unknown as { id: string }).id, NAME_CONSTRAINTS_OID);
            assert.equal(notes.length, 1);
            assert.match(notes[0], /without name constraints.*limited to loopback names.*Restart/);

            const again: string[] = [];
            assert.equal((await ensureCertificateAuthority(dir, (m) => again.push(m))).certPem, renewed.certPem, "the new CA is kept");
            assert.deepEqual(again, []);
        });
    });

    describe("directory", () => {
        it("defaults to a directory named after the user", () => {
            const uid = typeof process.getuid === "function" ? String(process.getuid()) : os.userInfo().username;
            assert.equal(defaultCaDir(), path.join(os.tmpdir(), `d365ba-emulator-ca-${uid}`));
        });

        it("is created with mode 0700, whatever the umask", async function () {
            if (process.platform === "win32") this.skip();
            const dir = path.join(root, "fresh");
            const previous = process.umask(0);
            try {
                await ensureCertificateAuthority(dir);
            } finally {
                process.umask(previous);
            }
            assert.equal((await fs.stat(dir)).mode & 0o777, 0o700);
        });

        it("refuses a directory open to group or others, saying how to fix it", async function () {
            if (process.platform === "win32") this.skip();
            const dir = path.join(root, "open");
            await fs.mkdir(dir);
            await fs.chmod(dir, 0o755);
            await assert.rejects(ensureCertificateAuthority(dir), (err: Error) => {
                assert.match(err.message, /emulator CA directory .*open\b.* is open to other users \(mode 0755, expected 0700\)/);
                assert.match(err.message, /chmod 700 .*or remove it/);
                return true;
            });
            await assert.rejects(ensureKeyPair(dir, "server-key.pem"), /open to other users/, "the keys kept beside the CA are guarded as well");
            assert.deepEqual(await fs.readdir(dir), [], "nothing was written into it");
        });

        it("refuses a directory owned by another user", async function () {
            if (typeof process.getuid !== "function" || process.getuid() !== 0) this.skip(); // only root can give a directory away
            const dir = path.join(root, "theirs");
            await fs.mkdir(dir, { mode: 0o700 });
            await fs.chown(dir, 65534, 65534);
            await assert.rejects(ensureCertificateAuthority(dir), /belongs to another user \(uid 65534, you are uid 0\); its CA is not trusted\. Remove it/);
        });

        it("refuses a symbolic link in place of the directory", async function () {
            if (process.platform === "win32") this.skip();
            const target = path.join(root, "target");
            await fs.mkdir(target, { mode: 0o700 });
            const link = path.join(root, "link");
            await fs.symlink(target, link);
            await assert.rejects(ensureCertificateAuthority(link), /is a symbolic link/);
        });

        it("judges owner and mode from the directory's status", () => {
            const info = (uid: number, mode: number) => ({ uid, mode: 0o40000 | mode, isDirectory: () => true, isSymbolicLink: () => false });
            assert.equal(caDirectoryProblem("/d", info(1000, 0o700), 1000), undefined);
            assert.match(caDirectoryProblem("/d", info(1001, 0o700), 1000) ?? "", /belongs to another user \(uid 1001, you are uid 1000\)/);
            assert.match(caDirectoryProblem("/d", info(1000, 0o710), 1000) ?? "", /mode 0710/);
            assert.match(caDirectoryProblem("/d", info(1000, 0o701), 1000) ?? "", /mode 0701/);
        });
    });
});
