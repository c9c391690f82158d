{{/* Postgres pieces shared by the primary, the replica and the Patroni members. */}}

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
