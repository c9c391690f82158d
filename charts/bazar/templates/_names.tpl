{{/* Names and labels: the release's and each component's names, the standard labels, Service DNS names. The named
     templates live in the _*.tpl files by subject; every name is namespaced `bazar.`. */}}

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

{{/* The fully qualified DNS name of a Service of this release: bazar.serviceFqdn (dict "ctx" $ "component" "catalog-hl"). */}}
{{- define "bazar.serviceFqdn" -}}
{{- printf "%s.%s.svc.%s" (include "bazar.componentName" .) .ctx.Release.Namespace .ctx.Values.clusterDomain -}}
{{- end -}}

{{/* The port of a URL, or the default: bazar.urlPort (dict "url" "redis://r:6380" "default" 6379). */}}
{{- define "bazar.urlPort" -}}
{{- $host := (urlParse .url).host -}}
{{- if regexMatch ":[0-9]+$" $host -}}{{ regexFind "[0-9]+$" $host }}{{- else -}}{{ .default }}{{- end -}}
{{- end -}}
