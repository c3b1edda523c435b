// Least privilege per process: each role reads only the secrets it uses, so a process can be
// started without the others' (the chart gives each component only its own). The fields of the
// other role are dropped from the document before ${ENV} expansion, so their variables need not
// exist, and they are not there to leak.
//   receiver (ferry serve, ferry status): webhook secrets and Redis; no forge tokens, no
//            cluster credentials (and no FERRY_STATE_KEY, which only workers read)
//   worker   (ferry worker, ferry sync, ferry diff): forge tokens, cluster credentials, Redis;
//            no webhook secrets
//   all      (ferry up, ferry config check): everything
export type ConfigRole = "receiver" | "worker" | "all";

/** Per list section of ferry.yaml: the fields only one role may read. */
const roleFields: Record<"forges" | "clusters" | "registries", Record<string, Exclude<ConfigRole, "all">>> = {
  forges: { token: "worker", app: "worker", webhookSecret: "receiver" },
  clusters: { kubeconfig: "worker", context: "worker" },
  // The receiver checks registry notifications; workers list tags and read image configs.
  registries: { username: "worker", password: "worker", webhookSecret: "receiver" },
};

/** The document without the fields `role` must not read. */
export function forRole(document: unknown, role: ConfigRole): unknown {
  if (role === "all" || document === null || typeof document !== "object" || Array.isArray(document)) {
    return document;
  }
  const out: Record<string, unknown> = { ...(document as Record<string, unknown>) };
  for (const [section, fields] of Object.entries(roleFields)) {
    const list = out[section];
    if (!Array.isArray(list)) continue;
    out[section] = list.map((item: unknown) => {
      if (item === null || typeof item !== "object") return item;
      return Object.fromEntries(
        Object.entries(item as Record<string, unknown>).filter(([field]) => {
          const owner = fields[field];
          return owner === undefined || owner === role;
        }),
      );
    });
  }
  return out;
}
