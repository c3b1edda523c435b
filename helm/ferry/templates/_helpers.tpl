{{/* Names, truncated to 63 characters because Kubernetes names are DNS labels. */}}
{{- define "ferry.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "ferry.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "ferry.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "ferry.selectorLabels" -}}
app.kubernetes.io/name: {{ include "ferry.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "ferry.labels" -}}
helm.sh/chart: {{ include "ferry.chart" . }}
{{ include "ferry.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: ferry
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Labels of one component: (dict "root" $ "component" "receiver") */}}
{{- define "ferry.componentLabels" -}}
{{ include "ferry.labels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "ferry.componentSelector" -}}
{{ include "ferry.selectorLabels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "ferry.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "ferry.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "ferry.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/* The Redis mode: redis.mode, or for "auto" the one the values describe (values.yaml). */}}
{{- define "ferry.redisMode" -}}
{{- $r := .Values.redis }}
{{- if ne $r.mode "auto" }}{{ $r.mode }}
{{- else if $r.sentinel.nodes }}sentinel
{{- else if $r.cluster.nodes }}cluster
{{- else if or $r.url $r.existingSecret }}external
{{- else }}bundled
{{- end }}
{{- end }}

{{/* The bundled Redis' name (Service, StatefulSet, Secret with its password). */}}
{{- define "ferry.redisName" -}}
{{- printf "%s-redis" (include "ferry.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The Secret and key that hold the Redis password: the generated one in bundled mode. */}}
{{- define "ferry.redisPasswordSecret" -}}
{{- if eq (include "ferry.redisMode" .) "bundled" }}{{ include "ferry.redisName" . }}
{{- else }}{{ .Values.redis.auth.existingSecret }}{{ end }}
{{- end }}

{{/* The Secret that holds the state key: the one named in values, or the generated one. */}}
{{- define "ferry.stateKeySecret" -}}
{{- default (printf "%s-state" (include "ferry.fullname" .) | trunc 63 | trimSuffix "-") .Values.stateKey.existingSecret }}
{{- end }}

{{/*
A random secret that survives upgrades: the value already in the Secret when there is one
(lookup; empty under `helm template`), else `fresh`. Base64-encoded, for a Secret's data.
(dict "root" $ "name" "<secret>" "key" "<key>" "fresh" "<new value>")
*/}}
{{- define "ferry.generatedSecret" -}}
{{- $existing := lookup "v1" "Secret" .root.Release.Namespace .name }}
{{- if and $existing $existing.data (hasKey $existing.data .key) }}
{{- index $existing.data .key }}
{{- else }}
{{- .fresh | b64enc }}
{{- end }}
{{- end }}

{{/* Fails early with a message that says what to set: Ferry cannot start without Redis. */}}
{{- define "ferry.requireRedis" -}}
{{- $mode := include "ferry.redisMode" . }}
{{- $r := .Values.redis }}
{{- if and (eq $mode "external") (not $r.url) (not $r.existingSecret) }}
{{- fail "ferry: redis.mode external needs redis.url (e.g. --set redis.url=redis://redis:6379) or redis.existingSecret with the URL under redis.existingSecretKey" }}
{{- end }}
{{- if and (eq $mode "sentinel") (or (not $r.sentinel.masterName) (not $r.sentinel.nodes)) }}
{{- fail "ferry: redis.mode sentinel needs redis.sentinel.masterName and redis.sentinel.nodes (host:port of each sentinel)" }}
{{- end }}
{{- if and (eq $mode "cluster") (not $r.cluster.nodes) }}
{{- fail "ferry: redis.mode cluster needs redis.cluster.nodes (host:port of some nodes)" }}
{{- end }}
{{- if and (eq $mode "cluster") $r.prefix (not (regexMatch "\\{.+\\}" $r.prefix)) }}
{{- fail "ferry: redis.prefix needs a {hash tag} on Redis Cluster, e.g. {ferry}" }}
{{- end }}
{{- end }}

{{/* Names of the environment variables the pods get, for checking ${NAME} references. */}}
{{- define "ferry.envNames" -}}
{{- $names := list }}
{{- if has (include "ferry.redisMode" .) (list "bundled" "external") }}{{ $names = append $names "REDIS_URL" }}{{ end }}
{{- if include "ferry.redisAuth" . }}{{ $names = append $names "REDIS_PASSWORD" }}{{ end }}
{{- if include "ferry.redisUsernames" . }}{{ $names = append $names "REDIS_USERNAME" }}{{ end }}
{{- range $name, $_ := .Values.secrets.env }}{{ $names = append $names $name }}{{ end }}
{{- range .Values.extraEnv }}{{ $names = append $names .name }}{{ end }}
{{- toJson $names }}
{{- end }}

{{/*
ferry.yaml as the pods read it. The chart owns `redis` (the URL always from the REDIS_URL
variable and the password from REDIS_PASSWORD, so neither lands in the ConfigMap) and
`server.port`.
*/}}
{{- define "ferry.config" -}}
{{- if hasKey .Values.config "redis" }}
{{- fail "ferry: do not set config.redis; use the chart's redis values (mode, url or existingSecret, sentinel, cluster, prefix)" }}
{{- end }}
{{- $config := deepCopy .Values.config }}
{{- $server := merge (dict "port" (int .Values.server.port) "host" "0.0.0.0") (default (dict) $config.server) }}
{{- if not $server.publicUrl }}{{ $_ := unset $server "publicUrl" }}{{ end }}
{{- $_ := set $server "port" (int .Values.server.port) }}
{{- $_ := set $config "server" $server }}
{{- $mode := include "ferry.redisMode" . }}
{{- $r := .Values.redis }}
{{- $redis := dict }}
{{- if eq $mode "sentinel" }}
{{- $sentinel := dict "masterName" $r.sentinel.masterName "nodes" $r.sentinel.nodes }}
{{- if and $r.sentinel.usePassword (include "ferry.redisAuth" .) }}{{ $_ := set $sentinel "password" "${REDIS_PASSWORD}" }}{{ end }}
{{- $_ := set $redis "sentinel" $sentinel }}
{{- else if eq $mode "cluster" }}
{{- $_ := set $redis "cluster" (dict "nodes" $r.cluster.nodes) }}
{{- else }}
{{- $_ := set $redis "url" "${REDIS_URL}" }}
{{- end }}
{{- $prefix := $r.prefix }}
{{- if and (not $prefix) (eq $mode "cluster") }}{{ $prefix = "{ferry}" }}{{ end }}
{{- if $prefix }}{{ $_ := set $redis "prefix" $prefix }}{{ end }}
{{- if include "ferry.redisAuth" . }}{{ $_ := set $redis "password" "${REDIS_PASSWORD}" }}{{ end }}
{{- if include "ferry.redisUsernames" . }}{{ $_ := set $redis "username" "${REDIS_USERNAME}" }}{{ end }}
{{- $_ := set $config "redis" $redis }}
{{- range $i, $forge := $config.forges }}
{{- range $field := list "token" "webhookSecret" }}
{{- $value := get $forge $field }}
{{- if and $value (not (regexMatch "^\\$\\{[A-Za-z_][A-Za-z0-9_]*\\}$" (toString $value))) }}
{{- fail (printf "ferry: config.forges[%d].%s must be a ${NAME} reference to an environment variable (map NAME under secrets.env), never the secret itself" $i $field) }}
{{- end }}
{{- end }}
{{- end }}
{{- $yaml := toYaml $config }}
{{- $known := include "ferry.envNames" . | fromJsonArray }}
{{- range $ref := regexFindAll "\\$\\{[A-Za-z_][A-Za-z0-9_]*\\}" $yaml -1 | uniq }}
{{- $name := trimSuffix "}" (trimPrefix "${" $ref) }}
{{- if not (has $name $known) }}
{{- fail (printf "ferry: config references ${%s} but no environment variable %s is provided: add it to secrets.env (with secrets.existingSecret) or extraEnv" $name $name) }}
{{- end }}
{{- end }}
{{- $yaml }}
{{- end }}

{{/* "yes" when Ferry authenticates to Redis: always for the bundled Redis (its generated password). */}}
{{- define "ferry.redisAuth" -}}
{{- if or .Values.redis.auth.enabled (eq (include "ferry.redisMode" .) "bundled") }}yes{{ end }}
{{- end }}

{{/*
"yes" when Redis ACL usernames are set (both components or neither: they share ferry.yaml).
*/}}
{{- define "ferry.redisUsernames" -}}
{{- $users := .Values.redis.auth.usernames }}
{{- if or $users.receiver $users.worker }}
{{- if not (and $users.receiver $users.worker) }}
{{- fail "ferry: redis.auth.usernames needs both receiver and worker (they share ferry.yaml's redis.username)" }}
{{- end }}
{{- "yes" }}
{{- end }}
{{- end }}

{{/*
The ${NAME} variables one part of ferry.yaml references: (dict "root" $ "role" "receiver"|"worker").
Each part is ferry.yaml without the fields only the other role reads, the same fields
src/config/roles.ts drops: the receiver's has webhook secrets but no forge tokens, GitHub App
keys or cluster credentials; the worker's has those but no webhook secrets.
*/}}
{{- define "ferry.roleEnvNames" -}}
{{- $config := deepCopy .root.Values.config }}
{{- range $forge := (default (list) $config.forges) }}
{{- if eq $.role "receiver" }}
{{- $_ := unset $forge "token" }}{{ $_ := unset $forge "app" }}
{{- else }}
{{- $_ := unset $forge "webhookSecret" }}
{{- end }}
{{- end }}
{{- if eq .role "receiver" }}
{{- range $cluster := (default (list) $config.clusters) }}
{{- $_ := unset $cluster "kubeconfig" }}{{ $_ := unset $cluster "context" }}
{{- end }}
{{- end }}
{{- $names := list }}
{{- range $ref := regexFindAll "\\$\\{[A-Za-z_][A-Za-z0-9_]*\\}" (toYaml $config) -1 | uniq }}
{{- $names = append $names (trimSuffix "}" (trimPrefix "${" $ref)) }}
{{- end }}
{{- toJson $names }}
{{- end }}

{{/*
Environment of one component: (dict "root" $ "component" "receiver"|"worker"). Least privilege:
the receiver gets Redis and the secrets.env variables its part of ferry.yaml references
(webhook secrets); the worker gets every secrets.env variable except those only the receiver's
part references (so no webhook secret), and FERRY_STATE_KEY.
*/}}
{{- define "ferry.env" -}}
{{- $root := .root }}
{{- $values := $root.Values }}
{{- $mode := include "ferry.redisMode" $root }}
{{- if eq $mode "bundled" }}
- name: REDIS_URL
  value: {{ printf "redis://%s.%s.svc:6379" (include "ferry.redisName" $root) $root.Release.Namespace | quote }}
{{- else if eq $mode "external" }}
- name: REDIS_URL
{{- if $values.redis.existingSecret }}
  valueFrom:
    secretKeyRef:
      name: {{ $values.redis.existingSecret }}
      key: {{ $values.redis.existingSecretKey }}
{{- else }}
  value: {{ $values.redis.url | quote }}
{{- end }}
{{- end }}
{{- if include "ferry.redisAuth" $root }}
{{- if not (include "ferry.redisPasswordSecret" $root) }}
{{- fail "ferry: Redis needs a password: set redis.auth.existingSecret to a Secret holding it under redis.auth.passwordKey (or redis.auth.enabled=false for a Redis without authentication)" }}
{{- end }}
- name: REDIS_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "ferry.redisPasswordSecret" $root }}
      key: {{ $values.redis.auth.passwordKey }}
{{- end }}
{{- if include "ferry.redisUsernames" $root }}
- name: REDIS_USERNAME
  value: {{ get $values.redis.auth.usernames .component | quote }}
{{- end }}
{{- if $values.secrets.env }}
{{- if not $values.secrets.existingSecret }}
{{- fail "ferry: secrets.env maps variables to keys of a Secret: set secrets.existingSecret to its name" }}
{{- end }}
{{- $receiverNames := include "ferry.roleEnvNames" (dict "root" $root "role" "receiver") | fromJsonArray }}
{{- $workerNames := include "ferry.roleEnvNames" (dict "root" $root "role" "worker") | fromJsonArray }}
{{- range $name, $key := $values.secrets.env }}
{{- $receiverOnly := and (has $name $receiverNames) (not (has $name $workerNames)) }}
{{- if or (and (eq $.component "worker") (not $receiverOnly)) (and (eq $.component "receiver") (has $name $receiverNames)) }}
- name: {{ $name }}
  valueFrom:
    secretKeyRef:
      name: {{ $values.secrets.existingSecret }}
      key: {{ $key }}
{{- end }}
{{- end }}
{{- end }}
{{- if eq .component "worker" }}
- name: FERRY_STATE_KEY
  valueFrom:
    secretKeyRef:
      name: {{ include "ferry.stateKeySecret" $root }}
      key: {{ $values.stateKey.key }}
{{- with $values.stateKey.previousKeysKey }}
- name: FERRY_STATE_PREVIOUS_KEYS
  valueFrom:
    secretKeyRef:
      name: {{ include "ferry.stateKeySecret" $root }}
      key: {{ . }}
{{- end }}
{{- end }}
- name: FERRY_LOG_LEVEL
  value: {{ $values.logLevel | quote }}
- name: FERRY_WORK_DIR
  value: /var/lib/ferry/work
{{- with $values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Volumes shared by receiver and worker: (dict "root" $ "tmp" "256Mi" "work" "1Gi") */}}
{{- define "ferry.volumes" -}}
- name: config
  configMap:
    name: {{ include "ferry.fullname" .root }}
- name: tmp
  emptyDir:
    sizeLimit: {{ .tmp }}
- name: home
  emptyDir:
    sizeLimit: {{ .work }}
{{- with .root.Values.extraVolumes }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{- define "ferry.volumeMounts" -}}
- name: config
  mountPath: /etc/ferry/ferry.yaml
  subPath: ferry.yaml
  readOnly: true
- name: tmp
  mountPath: /tmp
- name: home
  mountPath: /var/lib/ferry
{{- with .Values.extraVolumeMounts }}
{{ toYaml . }}
{{- end }}
{{- end }}
