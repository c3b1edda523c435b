// Makes rendered objects ready to compare and apply: namespaced kinds get the destination
// namespace when the manifests leave it out, cluster-scoped ones lose a stray namespace, and
// every object carries Ferry's tracking label and annotation (docs/architecture.md).
import { APP_LABEL, TRACKING_ANNOTATION, trackingId, type KubeObject } from "../kube/types.ts";
import { scopeOf, type ScopeLookup } from "./scope.ts";

export interface NormalizeOptions {
  app: string;
  namespace: string;
  isClusterScoped?: ScopeLookup;
}

export function normalizeObjects(objects: KubeObject[], options: NormalizeOptions): KubeObject[] {
  const isCluster = scopeOf(objects, options.isClusterScoped);
  return objects.map((object) => {
    const metadata = { ...object.metadata };
    if (isCluster(object)) delete metadata.namespace;
    else if (!metadata.namespace) metadata.namespace = options.namespace;
    metadata.labels = { ...metadata.labels, [APP_LABEL]: options.app };
    const normalized: KubeObject = { ...object, metadata };
    metadata.annotations = {
      ...metadata.annotations,
      [TRACKING_ANNOTATION]: trackingId(options.app, normalized),
    };
    return normalized;
  });
}
