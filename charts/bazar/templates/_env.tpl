{{/* The pods' environment: Secret references, the settings every service gets, the database URLs, OTLP. */}}

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
