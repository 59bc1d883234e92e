// The emulator's TLS material: a certificate authority kept in a directory (so that a
// process started with NODE_EXTRA_CA_CERTS pointing at it keeps trusting later
// emulators), and short-lived server certificates for 127.0.0.1 / localhost.
//
// A process that trusts this CA trusts whatever its key signs, so the CA is made harmless
// outside this machine: its certificate carries a critical nameConstraints extension that
// permits only loopback names (TLS stacks such as OpenSSL and Go refuse any other name
// it vouches for, whoever holds the key), its directory belongs to the user alone (mode
// 0700, owner checked: a directory planted by another user is refused), and leaf
// certificates are issued for loopback names only.
//
// Keys come from Node's native generator (fast); node-forge only assembles the X.509
// structures, and the signature itself is made with Node's crypto as well, because
// forge's pure-JavaScript RSA signing costs ~50 ms per certificate.
import { generateKeyPair, KeyObject, createPrivateKey, createPublicKey, randomBytes, sign } from "crypto";
import { promises as fs, constants as fsConstants } from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import forge from "node-forge";

export const CA_CERT_FILE = "ca.pem";
const TRUST_BUNDLE_FILE = "trust-bundle.pem";
export const CA_KEY_FILE = "ca-key.pem";
const LOCK_FILE = "ca.lock";
const CA_COMMON_NAME = "d365-backup-access tenant emulator CA";
const CA_LIFETIME_DAYS = 3650;
const LEAF_LIFETIME_DAYS = 30;
const RENEW_BEFORE_MS = 24 * 3600 * 1000;
const STALE_LOCK_MS = 30_000;

export interface KeyPair {
    privateKey: KeyObject;
    publicKey: KeyObject;
}

export interface CertificateAuthority {
    certFile: string;
    certPem: string;
    privateKey: KeyObject;
    certificate: forge.pki.Certificate;
}

export interface ServerCertificate {
    certPem: string;
    keyPem: string;
}

/** The names the CA may vouch for: its nameConstraints, and the only names a leaf may carry. */
export const LOOPBACK_DNS_NAME = "localhost";
const LOOPBACK_IPV4 = { network: "127.0.0.0", mask: "255.0.0.0" };
const LOOPBACK_IPV6 = { network: "::1", mask: "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff" };
export const LOOPBACK_NAMES: readonly string[] = ["127.0.0.1", LOOPBACK_DNS_NAME];
const NAME_CONSTRAINTS_OID = "2.5.29.30";

/**
 * Where the test launcher and the CLI keep the CA unless told otherwise: one directory
 * per user (the temp folder is shared, and a fixed name would let another user create
 * it first and have us trust their CA).
 */
export function defaultCaDir(): string {
    return path.join(os.tmpdir(), `d365ba-emulator-ca-${currentUserId()}`);
}

function currentUserId(): string {
    return typeof process.getuid === "function" ? String(process.getuid()) : os.userInfo().username;
}

const CA_DIR_FIX = "Remove it (or choose another directory with --ca-dir or D365BA_EMULATOR_CA_DIR) and start again: the emulator then creates a private one.";

/**
 * Why `dir` (its lstat) must not hold the CA, or undefined when it may: the CA's key
 * signs certificates every test process trusts, so only its owner may read or replace it.
 */
export function caDirectoryProblem(
    dir: string,
    info: { uid: number; mode: number; isDirectory(): boolean; isSymbolicLink(): boolean },
    ownerUid: number | undefined,
): string | undefined {
    if (info.isSymbolicLink()) return `The emulator CA directory ${dir} is a symbolic link; it must be a directory of its own. ${CA_DIR_FIX}`;
    if (!info.isDirectory()) return `The emulator CA directory ${dir} exists but is not a directory. ${CA_DIR_FIX}`;
    if (ownerUid !== undefined && info.uid !== ownerUid) {
        return `The emulator CA directory ${dir} belongs to another user (uid ${info.uid}, you are uid ${ownerUid}); its CA is not trusted. ${CA_DIR_FIX}`;
    }
    const mode = info.mode & 0o777;
    if (ownerUid !== undefined && (mode & 0o077) !== 0) {
        return `The emulator CA directory ${dir} is open to other users (mode ${mode.toString(8).padStart(4, "0")}, expected 0700). Run \`chmod 700 ${dir}\` if every file in it is yours, or remove it: ${CA_DIR_FIX}`;
    }
    return undefined;
}

/**
 * Creates `dir` with mode 0700 when missing, then refuses it unless it is a real
 * directory of the current user that nobody else can enter. (On Windows, where there
 * are no uids, only the kind of file is checked.)
 */
export async function ensurePrivateCaDirectory(dir: string): Promise<void> {
    await fs.mkdir(path.dirname(dir), { recursive: true });
    try {
        await fs.mkdir(dir, { mode: 0o700 });
    } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    const problem = caDirectoryProblem(dir, await fs.lstat(dir), typeof process.getuid === "function" ? process.getuid() : undefined);
    if (problem) throw new Error(problem);
}

export function generateRsaKeyPair(): Promise<KeyPair> {
    return new Promise((resolve, reject) => {
        generateKeyPair("rsa", { modulusLength: 2048 }, (err, publicKey, privateKey) => (err ? reject(err) : resolve({ publicKey, privateKey })));
    });
}

/**
 * Loads the CA from `dir`, creating it first when absent, expired or inconsistent.
 * Several processes may race here (parallel test runs): creation happens under an
 * exclusive lock file and every file is written by rename, so a reader never sees a
 * certificate without its key.
 */
export async function ensureCertificateAuthority(
    dir: string,
    note: (message: string) => void = (m) => process.stderr.write(`${m}\n`),
): Promise<CertificateAuthority> {
    await ensurePrivateCaDirectory(dir);
    const existing = await loadCertificateAuthority(dir);
    if (existing) return existing;
    if (await hasUnconstrainedCa(dir)) {
        note(
            `note: the emulator CA in ${dir} was made by an older version without name constraints (it could vouch for any host); replacing it with one limited to loopback names. Restart any process that trusts the old one (NODE_EXTRA_CA_CERTS, SSL_CERT_FILE).`,
        );
    }
    const lockPath = path.join(dir, LOCK_FILE);
    const deadline = Date.now() + 20_000;
    for (;;) {
        let lock: fs.FileHandle | undefined;
        try {
            lock = await fs.open(lockPath, fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_WRONLY, 0o600);
        } catch (err) {
            if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
        }
        if (lock) {
            try {
                const again = await loadCertificateAuthority(dir);
                if (again) return again;
                return await createCertificateAuthority(dir);
            } finally {
                await lock.close();
                await fs.rm(lockPath, { force: true });
            }
        }
        await removeStaleLock(lockPath);
        const created = await loadCertificateAuthority(dir);
        if (created) return created;
        if (Date.now() > deadline) {
            throw new Error(`Timed out waiting for another process to create the emulator CA in ${dir} (lock file ${lockPath})`);
        }
        await new Promise((r) => setTimeout(r, 25));
    }
}

async function removeStaleLock(lockPath: string): Promise<void> {
    try {
        const info = await fs.stat(lockPath);
        if (Date.now() - info.mtimeMs > STALE_LOCK_MS) await fs.rm(lockPath, { force: true });
    } catch {
        // the lock disappeared meanwhile: fine
    }
}

async function loadCertificateAuthority(dir: string): Promise<CertificateAuthority | undefined> {
    const certFile = path.join(dir, CA_CERT_FILE);
    let certPem: string;
    let keyPem: string;
    try {
        [certPem, keyPem] = await Promise.all([fs.readFile(certFile, "utf8"), fs.readFile(path.join(dir, CA_KEY_FILE), "utf8")]);
    } catch {
        return undefined;
    }
    try {
        const certificate = forge.pki.certificateFromPem(certPem);
        const privateKey = createPrivateKey(keyPem);
        const certKeyPem = forge.pki.publicKeyToPem(certificate.publicKey);
        const matches =
            createPublicKey(privateKey).export({ type: "spki", format: "pem" }) === createPublicKey(certKeyPem).export({ type: "spki", format: "pem" });
        const fresh = certificate.validity.notAfter.getTime() - Date.now() > RENEW_BEFORE_MS;
        return matches && fresh && isLoopbackConstrained(certificate) ? { certFile, certPem, privateKey, certificate } : undefined;
    } catch {
        return undefined;
    }
}

/** A CA certificate in `dir` that parses but lacks the loopback name constraints (made before they existed). */
async function hasUnconstrainedCa(dir: string): Promise<boolean> {
    try {
        return !isLoopbackConstrained(forge.pki.certificateFromPem(await fs.readFile(path.join(dir, CA_CERT_FILE), "utf8")));
    } catch {
        return false;
    }
}

function isLoopbackConstrained(certificate: forge.pki.Certificate): boolean {
    const extension = certificate.getExtension("nameConstraints") as { id?: string; critical?: boolean; value?: string } | null;
    const expected = forge.asn1.toDer(loopbackNameConstraints()).getBytes();
    return extension?.id === NAME_CONSTRAINTS_OID && Boolean(extension.critical) && extension.value === expected;
}

/**
 * NameConstraints ::= SEQUENCE { permittedSubtrees [0] GeneralSubtrees } (RFC 5280
 * 4.2.1.10), permitting dNSName localhost (and its subdomains), iPAddress 127.0.0.0/8
 * and ::1/128. Name types that are not listed (e.g. e-mail) stay unconstrained, which
 * does not matter for TLS server names.
 */
function loopbackNameConstraints(): forge.asn1.Asn1 {
    const { asn1 } = forge;
    // bytesFromIP exists at run time but is missing from @types/node-forge
    const bytesFromIP = (forge.util as unknown as { bytesFromIP(ip: string): string }).bytesFromIP;
    const subtree = (base: forge.asn1.Asn1) => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [base]);
    const ipRange = (range: { network: string; mask: string }) =>
        asn1.create(asn1.Class.CONTEXT_SPECIFIC, 7, false, bytesFromIP(range.network) + bytesFromIP(range.mask));
    return asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
        asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, [
            subtree(asn1.create(asn1.Class.CONTEXT_SPECIFIC, 2, false, LOOPBACK_DNS_NAME)),
            subtree(ipRange(LOOPBACK_IPV4)),
            subtree(ipRange(LOOPBACK_IPV6)),
        ]),
    ]);
}

/** Whether a leaf may carry `name`: localhost (or a name under it) or a loopback address. */
export function isLoopbackName(name: string): boolean {
    const lower = name.toLowerCase();
    if (lower === LOOPBACK_DNS_NAME || lower.endsWith(`.${LOOPBACK_DNS_NAME}`)) return true;
    if (/^127(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/.test(lower)) return true;
    return lower === "::1";
}

async function createCertificateAuthority(dir: string): Promise<CertificateAuthority> {
    const keys = await generateRsaKeyPair();
    const cert = forge.pki.createCertificate();
    cert.publicKey = forge.pki.publicKeyFromPem(keys.publicKey.export({ type: "spki", format: "pem" }).toString());
    cert.serialNumber = serialNumber();
    cert.validity.notBefore = new Date(Date.now() - 3600_000);
    cert.validity.notAfter = new Date(Date.now() + CA_LIFETIME_DAYS * 86400_000);
    const name = [
        { name: "commonName", value: CA_COMMON_NAME },
        { name: "organizationName", value: "d365-backup-access" },
    ];
    cert.setSubject(name);
    cert.setIssuer(name);
    cert.setExtensions([
        { name: "basicConstraints", cA: true, critical: true },
        { name: "keyUsage", keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
        { name: "subjectKeyIdentifier" },
        { id: NAME_CONSTRAINTS_OID, critical: true, value: loopbackNameConstraints() },
    ]);
    signCertificate(cert, keys.privateKey);
    const certPem = forge.pki.certificateToPem(cert);
    const keyPem = keys.privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    await writeAtomically(path.join(dir, CA_KEY_FILE), keyPem, 0o600);
    await writeAtomically(path.join(dir, CA_CERT_FILE), certPem, 0o644);
    return { certFile: path.join(dir, CA_CERT_FILE), certPem, privateKey: keys.privateKey, certificate: cert };
}

/**
 * A key pair kept in `dir` under `name` (created when missing). Reusing the server and
 * token-signing keys between runs spares two RSA key generations per start, which are
 * most of the start-up time. Racing processes each end up with a valid key: files are
 * replaced by rename, and every process uses the key it loaded or made.
 */
/**
 * Where Go (the Pulumi CLI and provider plugins) finds the system's trusted roots on
 * Linux when SSL_CERT_FILE is unset; the first one present is the system's bundle.
 */
const SYSTEM_ROOT_BUNDLES = [
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/ca-bundle.pem",
    "/etc/pki/tls/cacert.pem",
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
    "/etc/ssl/cert.pem",
];

/**
 * The system's trusted roots plus the emulator's CA, for SSL_CERT_FILE: Go replaces its
 * roots with that file, so the CA alone would make every public host (a plugin
 * download, Pulumi Cloud) untrusted in a shell pointed at the emulator.
 */
export async function writeTrustBundle(
    dir: string,
    ca: Pick<CertificateAuthority, "certPem">,
    systemBundles: readonly string[] = SYSTEM_ROOT_BUNDLES,
): Promise<string> {
    let system = "";
    for (const candidate of systemBundles) {
        system = await fs.readFile(candidate, "utf8").catch(() => "");
        if (system) break;
    }
    const file = path.join(dir, TRUST_BUNDLE_FILE);
    const content = `${system.trimEnd()}${system ? "\n" : ""}${ca.certPem.trimEnd()}\n`;
    const current = await fs.readFile(file, "utf8").catch(() => "");
    if (current !== content) await writeAtomically(file, content, 0o644);
    return file;
}

export async function ensureKeyPair(dir: string, name: string): Promise<KeyPair> {
    await ensurePrivateCaDirectory(dir);
    const file = path.join(dir, name);
    try {
        const privateKey = createPrivateKey(await fs.readFile(file, "utf8"));
        return { privateKey, publicKey: createPublicKey(privateKey) };
    } catch {
        const keys = await generateRsaKeyPair();
        await writeAtomically(file, keys.privateKey.export({ type: "pkcs8", format: "pem" }).toString(), 0o600);
        return keys;
    }
}

/**
 * A server certificate for `hostNames` (127.0.0.1 and localhost by default), signed by
 * the CA. Only loopback names are accepted: the CA's constraints would make any other
 * name fail verification anyway, and failing here says why.
 */
export function issueServerCertificate(
    ca: CertificateAuthority,
    keys: KeyPair,
    commonName: string,
    hostNames: readonly string[] = LOOPBACK_NAMES,
): ServerCertificate {
    const refused = hostNames.filter((name) => !isLoopbackName(name));
    if (refused.length > 0) {
        throw new Error(`The emulator issues certificates for loopback names only (localhost, 127.0.0.0/8, ::1); refused: ${refused.join(", ")}.`);
    }
    const altNames = hostNames.map((name) => (net.isIP(name) ? { type: 7, ip: name } : { type: 2, value: name }));
    const cert = forge.pki.createCertificate();
    cert.publicKey = forge.pki.publicKeyFromPem(keys.publicKey.export({ type: "spki", format: "pem" }).toString());
    cert.serialNumber = serialNumber();
    cert.validity.notBefore = new Date(Date.now() - 3600_000);
    cert.validity.notAfter = new Date(Date.now() + LEAF_LIFETIME_DAYS * 86400_000);
    cert.setSubject([{ name: "commonName", value: commonName }]);
    cert.setIssuer(ca.certificate.subject.attributes);
    cert.setExtensions([
        { name: "basicConstraints", cA: false, critical: true },
        { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
        { name: "extKeyUsage", serverAuth: true },
        { name: "subjectAltName", altNames },
        { name: "subjectKeyIdentifier" },
        { name: "authorityKeyIdentifier", keyIdentifier: ca.certificate.generateSubjectKeyIdentifier().getBytes() },
    ]);
    signCertificate(cert, ca.privateKey);
    return {
        certPem: forge.pki.certificateToPem(cert),
        keyPem: keys.privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    };
}

function signCertificate(cert: forge.pki.Certificate, signer: KeyObject): void {
    const oid = forge.pki.oids.sha256WithRSAEncryption;
    cert.siginfo.algorithmOid = oid;
    (cert as unknown as { signatureOid: string }).signatureOid = oid;
    // getTBSCertificate exists at run time but is missing from @types/node-forge
    const pki = forge.pki as unknown as { getTBSCertificate(c: forge.pki.Certificate): forge.asn1.Asn1 };
    const tbs = pki.getTBSCertificate(cert);
    const der = Buffer.from(forge.asn1.toDer(tbs).getBytes(), "binary");
    (cert as unknown as { tbsCertificate: forge.asn1.Asn1 }).tbsCertificate = tbs;
    cert.signature = sign("sha256", der, signer).toString("binary");
}

function serialNumber(): string {
    const bytes = randomBytes(16);
    // A positive INTEGER in minimal DER: the first byte must be neither above 0x7f
    // (negative) nor 0x00 (OpenSSL 3 rejects a needless leading zero: "illegal padding").
    bytes[0] = 0x40 | (bytes[0] & 0x3f);
    return bytes.toString("hex");
}

async function writeAtomically(file: string, content: string, mode: number): Promise<void> {
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
    await fs.writeFile(tmp, content, { mode });
    await fs.rename(tmp, file);
}
