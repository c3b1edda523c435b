// Exec credential plugins (a kubeconfig user's `exec:`), as
// https://kubernetes.io/docs/reference/access-authn-authz/authentication/#client-go-credential-plugins
// describes them: Ferry runs the command (through render/exec.ts: deadline, output cap, its own
// process group), reads the ExecCredential it prints (client.authentication.k8s.io v1 or
// v1beta1) and uses the token or client certificate until status.expirationTimestamp. Ferry is
// never interactive: a plugin that insists on a terminal is refused at load.
import { isAbsolute, join } from "node:path";
import { z } from "zod";
import { AppError } from "../errors.ts";
import { runTool } from "../render/exec.ts";
import type { KubeTls } from "./kubeconfig.ts";

const API_VERSIONS = ["client.authentication.k8s.io/v1", "client.authentication.k8s.io/v1beta1"] as const;
const TIMEOUT_MS = 30_000;
const MAX_OUTPUT_BYTES = 1 << 20;
/** Ask for a fresh credential this long before the old one expires: a request is in flight. */
const EXPIRY_MARGIN_MS = 10_000;

export const execConfigSchema = z.looseObject({
  apiVersion: z.enum(API_VERSIONS, { error: `must be one of ${API_VERSIONS.join(", ")}` }),
  command: z.string().min(1),
  args: z.array(z.string()).nullish(),
  env: z.array(z.object({ name: z.string().min(1), value: z.string() })).nullish(),
  provideClusterInfo: z.boolean().optional(),
  interactiveMode: z
    .enum(["Never", "IfAvailable", "Always"])
    .refine((mode) => mode !== "Always", "Always: Ferry runs without a terminal")
    .optional(),
});

export type ExecConfig = z.infer<typeof execConfigSchema>;

const execCredentialSchema = z.object({
  apiVersion: z.enum(API_VERSIONS),
  kind: z.literal("ExecCredential"),
  status: z
    .looseObject({
      token: z.string().min(1).optional(),
      clientCertificateData: z.string().min(1).optional(),
      clientKeyData: z.string().min(1).optional(),
      expirationTimestamp: z.iso.datetime({ offset: true }).optional(),
    })
    .refine(
      (status) => status.token !== undefined || (status.clientCertificateData && status.clientKeyData),
      "needs a token or clientCertificateData and clientKeyData",
    ),
});

export interface IssuedCredential {
  token?: string;
  certificate?: { cert: Buffer; key: Buffer };
  /** Epoch ms; absent: valid for as long as Ferry runs. */
  expires?: number;
}

interface ExecContext {
  /** The kubeconfig's directory: a relative command path is relative to it, as for kubectl. */
  dir: string;
  server: URL;
  tls: KubeTls;
  /** For errors: `kubeconfig user "ci" exec`. */
  what: string;
}

function execInfo(config: ExecConfig, context: ExecContext): string {
  const cluster = config.provideClusterInfo
    ? {
        cluster: {
          server: context.server.href.replace(/\/$/, ""),
          ...(context.tls.ca ? { "certificate-authority-data": context.tls.ca.toString("base64") } : {}),
          ...(context.tls.rejectUnauthorized ? {} : { "insecure-skip-tls-verify": true }),
          ...(context.tls.servername ? { "tls-server-name": context.tls.servername } : {}),
        },
      }
    : {};
  return JSON.stringify({
    apiVersion: config.apiVersion,
    kind: "ExecCredential",
    spec: { interactive: false, ...cluster },
  });
}

async function runPlugin(config: ExecConfig, context: ExecContext): Promise<IssuedCredential> {
  const command =
    config.command.includes("/") && !isAbsolute(config.command)
      ? join(context.dir, config.command)
      : config.command;
  const env: NodeJS.ProcessEnv = { ...process.env, KUBERNETES_EXEC_INFO: execInfo(config, context) };
  for (const { name, value } of config.env ?? []) env[name] = value;
  const codes = {
    failed: "KUBE_UNAVAILABLE",
    timeout: "KUBE_UNAVAILABLE",
    tooLarge: "KUBE_UNAVAILABLE",
  } as const;
  const { stdout } = await runTool(command, config.args ?? [], {
    what: `${context.what} ${config.command}`,
    env,
    timeoutMs: TIMEOUT_MS,
    maxOutputBytes: MAX_OUTPUT_BYTES,
    codes,
  });
  let printed: unknown;
  try {
    printed = JSON.parse(stdout.toString("utf8"));
  } catch {
    printed = undefined;
  }
  const parsed = execCredentialSchema.safeParse(printed);
  if (!parsed.success) {
    // Zod's messages name fields, never values: the output holds the credential.
    const reason = parsed.error.issues.map((i) => `${i.path.join(".") || "(top)"}: ${i.message}`).join("; ");
    throw new AppError(
      "KUBE_UNAVAILABLE",
      `${context.what} ${config.command} printed no valid ExecCredential: ${reason}`,
    );
  }
  if (parsed.data.apiVersion !== config.apiVersion) {
    throw new AppError(
      "KUBE_UNAVAILABLE",
      `${context.what} ${config.command} answered ${parsed.data.apiVersion}, asked for ${config.apiVersion}`,
    );
  }
  const { token, clientCertificateData, clientKeyData, expirationTimestamp } = parsed.data.status;
  return {
    ...(token ? { token } : {}),
    ...(clientCertificateData && clientKeyData
      ? { certificate: { cert: Buffer.from(clientCertificateData), key: Buffer.from(clientKeyData) } }
      : {}),
    ...(expirationTimestamp ? { expires: Date.parse(expirationTimestamp) } : {}),
  };
}

/** The plugin's credential, run again only once it expires; concurrent callers share one run. */
export function execCredentialSource(
  config: ExecConfig,
  context: ExecContext,
): () => Promise<IssuedCredential> {
  let issued: IssuedCredential | undefined;
  let running: Promise<IssuedCredential> | undefined;
  const valid = (credential: IssuedCredential) =>
    credential.expires === undefined || credential.expires - EXPIRY_MARGIN_MS > Date.now();
  return () => {
    if (issued && valid(issued)) return Promise.resolve(issued);
    running ??= runPlugin(config, context).then(
      (credential) => {
        issued = credential;
        running = undefined;
        return credential;
      },
      (error: unknown) => {
        running = undefined;
        throw error;
      },
    );
    return running;
  };
}
