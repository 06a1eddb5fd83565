{{- define "platform.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "platform.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name (include "platform.name" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{- define "platform.selectorLabels" -}}
app.kubernetes.io/name: {{ include "platform.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "platform.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "platform.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/*
The image, by digest: repository[:tag]@digest (the tag, if any, is for people; the digest decides).
*/}}
{{- define "platform.image" -}}
{{- .Values.image.repository }}{{ with .Values.image.tag }}:{{ . }}{{ end }}@{{ required "image.digest is required (sha256:…)" .Values.image.digest }}
{{- end }}

{{/*
Checkov renders the chart without a namespace and so reads every object as living in `default`
(CKV_K8S_21). The objects take the release's namespace, which the deploy job always names.
*/}}
{{- define "platform.checkovNamespace" -}}
checkov.io/skip1: CKV_K8S_21=the objects take the release namespace (helm --namespace), never default
{{- end }}
