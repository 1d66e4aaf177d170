{{/* Names, labels and the settings shared by several templates. */}}

{{- define "vilicus.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* "<release>-<chart>", or the release name alone when it already holds the chart name. */}}
{{- define "vilicus.fullname" -}}
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

{{/* The leader Lease: server.leaseName, else "<fullname>-leader", so two releases in one namespace elect apart. */}}
{{- define "vilicus.leaseName" -}}
{{- default (printf "%s-leader" (include "vilicus.fullname" .)) .Values.server.leaseName }}
{{- end }}

{{- define "vilicus.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Selector labels of one component: include "vilicus.selectorLabels" (list . "server") */}}
{{- define "vilicus.selectorLabels" -}}
{{- $ctx := index . 0 -}}
app.kubernetes.io/name: {{ include "vilicus.name" $ctx }}
app.kubernetes.io/instance: {{ $ctx.Release.Name }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end }}

{{/* Every object's labels: include "vilicus.labels" (list . "server") */}}
{{- define "vilicus.labels" -}}
{{- $ctx := index . 0 -}}
helm.sh/chart: {{ include "vilicus.chart" $ctx }}
{{ include "vilicus.selectorLabels" . }}
app.kubernetes.io/version: {{ $ctx.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ $ctx.Release.Service }}
app.kubernetes.io/part-of: vilicus
{{- with $ctx.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{- define "vilicus.serverServiceAccountName" -}}
{{- if .Values.server.serviceAccount.create }}
{{- default (printf "%s-server" (include "vilicus.fullname" .)) .Values.server.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.server.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "vilicus.agentServiceAccountName" -}}
{{- if .Values.agent.serviceAccount.create }}
{{- default (printf "%s-agent" (include "vilicus.fullname" .)) .Values.agent.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.agent.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "vilicus.postgresqlName" -}}
{{- printf "%s-postgresql" (include "vilicus.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* image: include "vilicus.image" (list . .Values.server.image) */}}
{{- define "vilicus.image" -}}
{{- $ctx := index . 0 -}}
{{- $image := index . 1 -}}
{{- printf "%s:%s" $image.repository (default $ctx.Chart.AppVersion $image.tag) }}
{{- end }}

{{/* The server's in-cluster URL, for the agents. */}}
{{- define "vilicus.serverUrl" -}}
{{- printf "http://%s.%s.svc:%v" (include "vilicus.fullname" .) .Release.Namespace .Values.server.service.port }}
{{- end }}

{{/*
Where the database URL comes from: the bundled PostgreSQL, an existing Secret,
or externalDatabase.url (kept in the chart's Secret). Exactly one.
*/}}
{{- define "vilicus.validateDatabase" -}}
{{- $external := or .Values.externalDatabase.url .Values.externalDatabase.existingSecret }}
{{- if and .Values.postgresql.enabled $external }}
{{- fail "postgresql.enabled=true and externalDatabase are both set: pick one (set postgresql.enabled=false to use externalDatabase)" }}
{{- end }}
{{- if and (not .Values.postgresql.enabled) (not $external) }}
{{- fail "postgresql.enabled=false needs externalDatabase.existingSecret (a Secret with the PostgreSQL URL) or externalDatabase.url" }}
{{- end }}
{{- if and .Values.externalDatabase.url .Values.externalDatabase.existingSecret }}
{{- fail "externalDatabase.url and externalDatabase.existingSecret are both set: pick one" }}
{{- end }}
{{- end }}

{{/* The chart's Secret is needed for a generated admin token or a database URL given in values. */}}
{{- define "vilicus.needsSecret" -}}
{{- if or (not .Values.adminToken.existingSecret) .Values.externalDatabase.url }}true{{ end }}
{{- end }}

{{/* A value kept across upgrades: the key of an existing Secret, else a fresh one. */}}
{{- define "vilicus.keptSecretValue" -}}
{{- $ctx := index . 0 -}}
{{- $secret := lookup "v1" "Secret" $ctx.Release.Namespace (index . 1) -}}
{{- $key := index . 2 -}}
{{- if and $secret (hasKey $secret.data $key) -}}
{{- index $secret.data $key | b64dec -}}
{{- else -}}
{{- index . 3 -}}
{{- end -}}
{{- end }}

{{/* Filled-in labelSelector for topology spread constraints that have none. */}}
{{- define "vilicus.topologySpread" -}}
{{- $ctx := index . 0 -}}
{{- $component := index . 1 -}}
{{- $out := list -}}
{{- range (index . 2) -}}
{{- $c := deepCopy . -}}
{{- if not (hasKey $c "labelSelector") -}}
{{- $_ := set $c "labelSelector" (dict "matchLabels" (include "vilicus.selectorLabels" (list $ctx $component) | fromYaml)) -}}
{{- end -}}
{{- $out = append $out $c -}}
{{- end -}}
{{- toYaml $out -}}
{{- end }}

{{/* secretKeyRef of the admin token, the database URL and the PostgreSQL password. */}}
{{- define "vilicus.adminTokenRef" -}}
name: {{ default (include "vilicus.fullname" .) .Values.adminToken.existingSecret }}
key: {{ ternary .Values.adminToken.existingSecretKey "admin-token" (ne .Values.adminToken.existingSecret "") }}
{{- end }}

{{- define "vilicus.databaseUrlRef" -}}
name: {{ default (include "vilicus.fullname" .) .Values.externalDatabase.existingSecret }}
key: {{ ternary .Values.externalDatabase.existingSecretKey "database-url" (ne .Values.externalDatabase.existingSecret "") }}
{{- end }}

{{- define "vilicus.postgresqlPasswordRef" -}}
name: {{ default (include "vilicus.postgresqlName" .) .Values.postgresql.auth.existingSecret }}
key: {{ ternary .Values.postgresql.auth.existingSecretKey "password" (ne .Values.postgresql.auth.existingSecret "") }}
{{- end }}

{{/* The webhook receivers of values as NAME=URL,NAME=URL (VILICUS_WEBHOOKS), in name order. */}}
{{- define "vilicus.webhookList" -}}
{{- $items := list -}}
{{- range $name := keys .Values.webhooks.receivers | sortAlpha -}}
{{- $items = append $items (printf "%s=%s" $name (index $.Values.webhooks.receivers $name)) -}}
{{- end -}}
{{- join "," $items -}}
{{- end -}}
