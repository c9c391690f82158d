{{/* Named templates of the Bazar chart; every name is namespaced `bazar.`. */}}

{{/* The chart name, or nameOverride. */}}
{{- define "bazar.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The prefix of every resource name: fullnameOverride, or <release>-<chart> (just <release> when it has the chart name). */}}
{{- define "bazar.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* The name of one component's resources: bazar.componentName (dict "ctx" $ "component" "catalog"). */}}
{{- define "bazar.componentName" -}}
{{- printf "%s-%s" (include "bazar.fullname" .ctx) .component | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* chart label value */}}
{{- define "bazar.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels that select one component's pods: bazar.selectorLabels (dict "ctx" $ "component" "catalog"). */}}
{{- define "bazar.selectorLabels" -}}
app.kubernetes.io/name: {{ include "bazar.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* Every label of one component's resources. */}}
{{- define "bazar.labels" -}}
{{ include "bazar.selectorLabels" . }}
app.kubernetes.io/part-of: bazar
app.kubernetes.io/version: {{ .ctx.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .ctx.Release.Service }}
helm.sh/chart: {{ include "bazar.chart" .ctx }}
{{- with .ctx.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* An image reference from {repository, tag, digest}: bazar.imageRef (dict "image" .Values.x.image "default" "1.0"). */}}
{{- define "bazar.imageRef" -}}
{{- if .image.digest -}}
{{- printf "%s@%s" .image.repository .image.digest -}}
{{- else -}}
{{- printf "%s:%s" .image.repository (default .default .image.tag) -}}
{{- end -}}
{{- end -}}

{{/* The Bazar image. */}}
{{- define "bazar.image" -}}
{{- include "bazar.imageRef" (dict "image" .Values.image "default" .Chart.AppVersion) -}}
{{- end -}}

{{/* The fully qualified DNS name of a Service of this release: bazar.serviceFqdn (dict "ctx" $ "component" "catalog-hl"). */}}
{{- define "bazar.serviceFqdn" -}}
{{- printf "%s.%s.svc.%s" (include "bazar.componentName" .) .ctx.Release.Namespace .ctx.Values.clusterDomain -}}
{{- end -}}

{{/* The Secret holding tokens and passwords. */}}
{{- define "bazar.secretName" -}}
{{- default (include "bazar.fullname" .) .Values.auth.existingSecret -}}
{{- end -}}

{{/* An env entry read from the release's Secret: bazar.secretEnv (dict "ctx" $ "name" "INTERNAL_TOKEN" "key" "internal-token"). */}}
{{- define "bazar.secretEnv" -}}
- name: {{ .name }}
  valueFrom:
    secretKeyRef:
      name: {{ include "bazar.secretName" .ctx }}
      key: {{ .key }}
{{- end -}}

{{/* Ingress to the `metrics` port of a Bazar pod, from networkPolicy.metricsFrom only (nothing when it is empty). */}}
{{- define "bazar.metricsIngress" -}}
{{- with .Values.networkPolicy.metricsFrom -}}
# Prometheus scrapes: only the peers networkPolicy.metricsFrom names.
- from:
    {{- toYaml . | nindent 4 }}
  ports:
    - port: metrics
      protocol: TCP
{{- end }}
{{- end -}}

{{/* The OTLP/HTTP endpoint the services export to: the chart's collector, otel.exporterEndpoint, or nothing. */}}
{{- define "bazar.otelEndpoint" -}}
{{- if .Values.otel.collector.enabled -}}
{{- printf "http://%s:4318" (include "bazar.serviceFqdn" (dict "ctx" . "component" "otel-collector")) -}}
{{- else -}}
{{- .Values.otel.exporterEndpoint -}}
{{- end -}}
{{- end -}}

{{/* Env every service pod gets: its pod name, the internal token, and OpenTelemetry when an endpoint is known. */}}
{{- define "bazar.commonEnv" -}}
- name: POD_NAME
  valueFrom:
    fieldRef:
      fieldPath: metadata.name
{{ include "bazar.secretEnv" (dict "ctx" .ctx "name" "INTERNAL_TOKEN" "key" "internal-token") }}
- name: METRICS_PORT
  value: {{ .ctx.Values.metrics.port | quote }}
{{- $endpoint := include "bazar.otelEndpoint" .ctx }}
{{- if $endpoint }}
- name: OTEL_EXPORTER_OTLP_ENDPOINT
  value: {{ $endpoint | quote }}
- name: OTEL_SERVICE_NAME
  value: {{ printf "bazar-%s" .component | quote }}
- name: OTEL_RESOURCE_ATTRIBUTES
  value: {{ printf "service.namespace=%s,k8s.namespace.name=%s,k8s.pod.name=$(POD_NAME),service.instance.id=$(POD_NAME)" .ctx.Release.Name .ctx.Release.Namespace | quote }}
{{- end }}
{{- end -}}

{{/* Database env of catalog or order: bazar.databaseEnv (dict "ctx" $ "db" "catalog" "secretKey" "catalog-password" "poolMax" 20). */}}
{{- define "bazar.databaseEnv" -}}
{{ include "bazar.secretEnv" (dict "ctx" .ctx "name" "DB_PASSWORD" "key" .secretKey) }}
- name: DATABASE_URL
  value: {{ printf "postgres://%s:$(DB_PASSWORD)@%s:5432/%s" .db (include "bazar.serviceFqdn" (dict "ctx" .ctx "component" "postgresql-primary")) .db | quote }}
{{- if .ctx.Values.postgresql.ha.enabled }}
# Patroni owns synchronous replication and failover: commits always wait for its standby, reads go to the primary.
- name: DB_HA_ENGINE
  value: "true"
{{- else }}
{{- if .ctx.Values.postgresql.replica.enabled }}
- name: DATABASE_REPLICA_URL
  value: {{ printf "postgres://%s:$(DB_PASSWORD)@%s:5432/%s" .db (include "bazar.serviceFqdn" (dict "ctx" .ctx "component" "postgresql-replica")) .db | quote }}
{{- end }}
- name: DB_STANDBY_NAME
  value: {{ .ctx.Values.postgresql.standbyName | quote }}
{{- end }}
- name: DB_POOL_MAX
  value: {{ .poolMax | quote }}
{{- end -}}

{{/* Pod-level security of Bazar's pods: bazar.podSecurityContext (dict "uid" 1000). */}}
{{- define "bazar.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .uid }}
runAsGroup: {{ .uid }}
fsGroup: {{ .uid }}
fsGroupChangePolicy: OnRootMismatch
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* Container-level security of every container. */}}
{{- define "bazar.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
privileged: false
capabilities:
  drop:
    - ALL
{{- end -}}

{{/* Spread one component's pods over nodes when the user gave no affinity: bazar.affinity (dict "ctx" $ "component" "catalog" "affinity" .Values.catalog.affinity). */}}
{{- define "bazar.affinity" -}}
{{- if .affinity -}}
{{ toYaml .affinity }}
{{- else -}}
podAntiAffinity:
  preferredDuringSchedulingIgnoredDuringExecution:
    - weight: 100
      podAffinityTerm:
        topologyKey: kubernetes.io/hostname
        labelSelector:
          matchLabels:
            {{- include "bazar.selectorLabels" (dict "ctx" .ctx "component" (default .component .awayFrom)) | nindent 12 }}
{{- end -}}
{{- end -}}

{{/* Scheduling fields shared by all pods: bazar.scheduling (dict "ctx" $ "component" "catalog" "values" .Values.catalog). */}}
{{- define "bazar.scheduling" -}}
{{- with .ctx.Values.imagePullSecrets }}
imagePullSecrets:
  {{- range . }}
  - name: {{ . }}
  {{- end }}
{{- end }}
{{- with .values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
affinity:
  {{- include "bazar.affinity" (dict "ctx" .ctx "component" .component "affinity" .values.affinity "awayFrom" .awayFrom) | nindent 2 }}
{{- end -}}

{{/* A Secret value: given in values, else the one already in the cluster (kept across upgrades), else random. */}}
{{- define "bazar.secretValue" -}}
{{- if .given -}}
{{- .given -}}
{{- else if and .existing (hasKey .existing.data .key) -}}
{{- index .existing.data .key | b64dec -}}
{{- else -}}
{{- randAlphaNum 32 -}}
{{- end -}}
{{- end -}}

{{/* The volume with the chart's scripts (files/*.sh). */}}
{{- define "bazar.scriptsVolume" -}}
- name: scripts
  configMap:
    name: {{ include "bazar.componentName" (dict "ctx" . "component" "scripts") }}
    defaultMode: 0555
{{- end -}}

{{/* postgres -c settings both servers run with (a hot standby needs max_connections etc. at least the primary's). */}}
{{- define "bazar.postgresSettings" -}}
- -c
- listen_addresses=*
- -c
- {{ printf "max_connections=%d" (int .Values.postgresql.maxConnections) }}
- -c
- {{ printf "shared_buffers=%s" .Values.postgresql.sharedBuffers }}
- -c
- wal_level=replica
- -c
- max_wal_senders=10
- -c
- max_replication_slots=10
- -c
- hot_standby=on
- -c
- password_encryption=scram-sha-256
- -c
- log_line_prefix=%m [%p] %q%u@%d %a
{{- end -}}

{{/* The postgres container's probes: pg_isready on the pod's own TCP port (a standby answers once consistent). */}}
{{- define "bazar.postgresProbes" -}}
startupProbe:
  exec:
    command: ["pg_isready", "-q", "-h", "127.0.0.1", "-p", "5432", "-d", "postgres"]
  periodSeconds: 5
  timeoutSeconds: 3
  failureThreshold: 120
# Alive while the postmaster accepts TCP connections; ready only once it answers as a server (pg_isready).
livenessProbe:
  tcpSocket:
    port: postgresql
  periodSeconds: 10
  timeoutSeconds: 3
  failureThreshold: 6
readinessProbe:
  exec:
    command: ["pg_isready", "-q", "-h", "127.0.0.1", "-p", "5432", "-d", "postgres"]
  periodSeconds: 5
  timeoutSeconds: 3
  failureThreshold: 2
{{- end -}}

{{/* The data volume claim of a Postgres StatefulSet: bazar.postgresVolumeClaim (dict "persistence" .Values.postgresql.primary.persistence). */}}
{{- define "bazar.postgresVolumeClaim" -}}
- metadata:
    name: data
  spec:
    accessModes: ["ReadWriteOnce"]
    {{- with .persistence.storageClass }}
    storageClassName: {{ . | quote }}
    {{- end }}
    resources:
      requests:
        storage: {{ .persistence.size | quote }}
{{- end -}}


{{/* A NetworkPolicy peer: the pods of one component of this release. */}}
{{- define "bazar.peer" -}}
- podSelector:
    matchLabels:
      {{- include "bazar.selectorLabels" . | nindent 6 }}
{{- end -}}

{{/* NetworkPolicy egress rules every service pod needs: DNS, and OpenTelemetry when it is on. */}}
{{- define "bazar.serviceEgress" -}}
# DNS, for discovery through the headless Services (whichever resolver the cluster runs).
- ports:
    - port: 53
      protocol: UDP
    - port: 53
      protocol: TCP
{{- if .Values.otel.collector.enabled }}
- to:
    {{- include "bazar.peer" (dict "ctx" . "component" "otel-collector") | nindent 4 }}
  ports:
    - port: 4318
      protocol: TCP
{{- else if .Values.otel.exporterEndpoint }}
# An external collector: its port, anywhere.
- ports:
    - port: {{ include "bazar.urlPort" (dict "url" .Values.otel.exporterEndpoint "default" 4318) }}
      protocol: TCP
{{- end }}
{{- end -}}

{{/* The port of a URL, or the default: bazar.urlPort (dict "url" "redis://r:6380" "default" 6379). */}}
{{- define "bazar.urlPort" -}}
{{- $host := (urlParse .url).host -}}
{{- if regexMatch ":[0-9]+$" $host -}}{{ regexFind "[0-9]+$" $host }}{{- else -}}{{ .default }}{{- end -}}
{{- end -}}

{{/* Checks across values that the schema cannot express. */}}
{{- define "bazar.validateValues" -}}
{{- if and (eq .Values.frontend.cache.store "redis") (not .Values.redis.enabled) (not .Values.redis.externalUrl) -}}
{{- fail "frontend.cache.store=redis needs redis.enabled=true or redis.externalUrl" -}}
{{- end -}}
{{- if and .Values.redis.enabled .Values.redis.externalUrl -}}
{{- fail "redis.enabled and redis.externalUrl: give one of them" -}}
{{- end -}}
{{- if and .Values.otel.jaeger.enabled (not .Values.otel.collector.enabled) -}}
{{- fail "otel.jaeger.enabled needs otel.collector.enabled (the services send to the collector, which feeds Jaeger)" -}}
{{- end -}}
{{- end -}}

{{/* PATH for containers of the Postgres image: its server binaries by name, whichever image provides them. */}}
{{- define "bazar.postgresPath" -}}
- name: PATH
  value: /usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
{{- end -}}

{{/* preStop sleep of the catalog and order pods, in seconds: a pod being replaced keeps serving until every peer has
     looked up its successor in DNS again (discovery refresh + 3 s); a StatefulSet stops the next old pod as soon
     as the new one is Ready (minReadySeconds does not hold its rolling update back). */}}
{{- define "bazar.handoverSeconds" -}}
{{- add 3 (div (add .Values.frontend.discoveryRefreshMs 999) 1000) -}}
{{- end -}}
