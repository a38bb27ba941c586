{{- define "etl.labels" -}}
app.kubernetes.io/name: etl
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}
