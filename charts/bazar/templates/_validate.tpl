{{/* Checks across values that the schema cannot express (rendered once, by validate.yaml). */}}

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
