// The certificates a local control plane needs: one CA, the apiserver's serving certificate,
// an admin client certificate in system:masters (the components and Ferry use it), and the RSA
// key that signs service account tokens. Node makes the keys; openssl signs, because Node has
// no X.509 writer.
import { execFile } from "node:child_process";
import { generateKeyPair } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface Pki {
  dir: string;
  caCert: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
  adminCert: string;
  adminKey: string;
  serviceAccountKey: string;
  serviceAccountPub: string;
}

const SERVER_SANS = [
  "DNS:localhost",
  "DNS:kubernetes",
  "DNS:kubernetes.default",
  "DNS:kubernetes.default.svc",
  "DNS:kubernetes.default.svc.cluster.local",
  "IP:127.0.0.1",
  "IP:10.96.0.1",
].join(",");

async function ecKey(path: string): Promise<void> {
  const { privateKey } = await promisify(generateKeyPair)("ec", {
    namedCurve: "prime256v1",
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  });
  await writeFile(path, privateKey, { mode: 0o600 });
}

async function rsaKey(keyPath: string, pubPath: string): Promise<void> {
  const { privateKey, publicKey } = await promisify(generateKeyPair)("rsa", {
    modulusLength: 2048,
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  });
  await writeFile(keyPath, privateKey, { mode: 0o600 });
  await writeFile(pubPath, publicKey);
}

/** Signs a certificate for `keyPath` with the CA; `extensions` go into an openssl extfile. */
async function signed(pki: Pki, name: string, subject: string, extensions: string[]): Promise<void> {
  const csr = join(pki.dir, `${name}.csr`);
  const ext = join(pki.dir, `${name}.ext`);
  await writeFile(ext, `${extensions.join("\n")}\n`);
  await run("openssl", ["req", "-new", "-key", join(pki.dir, `${name}.key`), "-subj", subject, "-out", csr]);
  await run("openssl", [
    ...["x509", "-req", "-in", csr, "-CA", pki.caCert, "-CAkey", pki.caKey, "-set_serial"],
    ...[
      String(Date.now()),
      "-days",
      "3650",
      "-sha256",
      "-extfile",
      ext,
      "-out",
      join(pki.dir, `${name}.crt`),
    ],
  ]);
}

export async function generatePki(dir: string): Promise<Pki> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const pki: Pki = {
    dir,
    caCert: join(dir, "ca.crt"),
    caKey: join(dir, "ca.key"),
    serverCert: join(dir, "server.crt"),
    serverKey: join(dir, "server.key"),
    adminCert: join(dir, "admin.crt"),
    adminKey: join(dir, "admin.key"),
    serviceAccountKey: join(dir, "sa.key"),
    serviceAccountPub: join(dir, "sa.pub"),
  };
  await Promise.all([
    ecKey(pki.caKey),
    ecKey(pki.serverKey),
    ecKey(pki.adminKey),
    rsaKey(pki.serviceAccountKey, pki.serviceAccountPub),
  ]);
  await run("openssl", [
    ...["req", "-x509", "-new", "-key", pki.caKey, "-sha256", "-days", "3650", "-subj", "/CN=ferry-local-ca"],
    ...["-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"],
    ...["-out", pki.caCert],
  ]);
  await Promise.all([
    signed(pki, "server", "/CN=kube-apiserver", [
      `subjectAltName=${SERVER_SANS}`,
      "keyUsage=critical,digitalSignature,keyEncipherment",
      "extendedKeyUsage=serverAuth",
    ]),
    signed(pki, "admin", "/O=system:masters/CN=ferry-admin", [
      "keyUsage=critical,digitalSignature,keyEncipherment",
      "extendedKeyUsage=clientAuth",
    ]),
  ]);
  return pki;
}

/** The PEM contents the HTTPS client needs to talk to the apiserver as admin. */
export async function adminCredentials(
  pki: Pick<Pki, "caCert" | "adminCert" | "adminKey">,
): Promise<{ ca: string; cert: string; key: string }> {
  const [ca, cert, key] = await Promise.all([
    readFile(pki.caCert, "utf8"),
    readFile(pki.adminCert, "utf8"),
    readFile(pki.adminKey, "utf8"),
  ]);
  return { ca, cert, key };
}
