{{/* Pod building blocks: images, security contexts, scheduling, the scripts volume. */}}

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

{{/* The volume with the chart's scripts (files/*.sh). */}}
{{- define "bazar.scriptsVolume" -}}
- name: scripts
  configMap:
    name: {{ include "bazar.componentName" (dict "ctx" . "component" "scripts") }}
    defaultMode: 0555
{{- end -}}
