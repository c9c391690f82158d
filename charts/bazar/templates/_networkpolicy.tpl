{{/* NetworkPolicy pieces: who may scrape metrics, peers by component, egress to a service. */}}

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
