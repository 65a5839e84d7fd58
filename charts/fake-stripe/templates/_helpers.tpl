{{/*
Names, labels, and what each service is: the facts of the code (who calls whom, who keeps a ledger,
who has chaos) live in "fake-stripe.topology", so values cannot contradict the code.
*/}}

{{- define "fake-stripe.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* `<release>-<chart>`, or the release name when it already holds the chart's name. */}}
{{- define "fake-stripe.fullname" -}}
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

{{- define "fake-stripe.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
The name of one service's objects: at most 52 characters, so a StatefulSet's
controller-revision-hash label (`<name>-<10 characters>`) stays within 63. Argument: (list $ "<service>").
*/}}
{{- define "fake-stripe.component" -}}
{{- $root := index . 0 -}}
{{- printf "%s-%s" (include "fake-stripe.fullname" $root | trunc 39 | trimSuffix "-") (index . 1) -}}
{{- end -}}

{{/* The release's pods, whatever the service: the default-deny policy selects them. */}}
{{- define "fake-stripe.releaseSelectorLabels" -}}
app.kubernetes.io/name: {{ include "fake-stripe.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* The small stable selector of one service: name, instance, component. Argument: (list $ "<service>"). */}}
{{- define "fake-stripe.selectorLabels" -}}
{{ include "fake-stripe.releaseSelectorLabels" (index . 0) }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end -}}

{{/* Every object's labels; with a service (list $ "<service>"), its component too. Argument: $ or (list $ "<service>"). */}}
{{- define "fake-stripe.labels" -}}
{{- $root := . -}}
{{- if kindIs "slice" . -}}
{{- $root = index . 0 -}}
{{ include "fake-stripe.selectorLabels" . }}
{{- else -}}
{{ include "fake-stripe.releaseSelectorLabels" . }}
{{- end }}
app.kubernetes.io/version: {{ $root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ $root.Release.Service }}
app.kubernetes.io/part-of: {{ include "fake-stripe.name" $root }}
helm.sh/chart: {{ include "fake-stripe.chart" $root }}
{{- end -}}

{{/*
What the code of each service is and does (not configurable):
  ledger: keeps a SQLite ledger (DATA_DIR on a volume, one pod);
  chaos: injects chaos from a ConfigMap (CHAOS_FILE, ADMIN_TOKEN for its chaos endpoints);
  calls: the services it calls over HTTP (env URLs and NetworkPolicy edges);
  temporal: a Temporal client (TEMPORAL_*, TASK_QUEUE);
  public: an entry point that answers anyone on its port (users, an ingress controller);
  http: runs the kernel's HTTP service (reads HOST, BODY_LIMIT, ALLOW_CHAOS_FORCING, ...).
*/}}
{{- define "fake-stripe.topology" -}}
payment: {ledger: true, chaos: true, http: true}
inventory: {ledger: true, chaos: true, http: true}
shipping: {ledger: true, chaos: true, http: true}
notification: {ledger: true, chaos: true, http: true}
public-apis: {chaos: true, http: true}
user-context: {calls: [public-apis], public: true, http: true}
worker: {calls: [payment, inventory, shipping, notification, public-apis, api], temporal: true}
api: {calls: [payment, inventory, shipping, notification], temporal: true, public: true, http: true}
{{- end -}}

{{/* One service's facts from the topology. Argument: "<service>". */}}
{{- define "fake-stripe.facts" -}}
{{- index (include "fake-stripe.topology" . | fromYaml) . | toYaml -}}
{{- end -}}

{{/*
`default` merged with one service's values, as YAML: maps merge key by key, anything else (a list,
`false`, `0`) replaces. Sprig's merge functions take `false` and `0` for unset, so this is its own.
Argument: (list <base map> <overriding map>).
*/}}
{{- define "fake-stripe.merge" -}}
{{- $out := deepCopy (index . 0) -}}
{{- range $key, $value := index . 1 -}}
{{- if and (kindIs "map" $value) (kindIs "map" (index $out $key)) -}}
{{- $_ := set $out $key (include "fake-stripe.merge" (list (index $out $key) $value) | fromYaml) -}}
{{- else -}}
{{- $_ := set $out $key $value -}}
{{- end -}}
{{- end -}}
{{- toYaml $out -}}
{{- end -}}

{{/* A service's effective values. Argument: (list $ "<service>"). */}}
{{- define "fake-stripe.values" -}}
{{- $root := index . 0 -}}
{{- include "fake-stripe.merge" (list $root.Values.default (index $root.Values.services (index . 1))) -}}
{{- end -}}

{{/* The services deployed, in the order of the topology. */}}
{{- define "fake-stripe.enabled" -}}
{{- $enabled := list -}}
{{- range $name := list "payment" "inventory" "shipping" "notification" "public-apis" "user-context" "worker" "api" -}}
{{- if (index $.Values.services $name).enabled -}}
{{- $enabled = append $enabled $name -}}
{{- end -}}
{{- end -}}
{{- toJson $enabled -}}
{{- end -}}

{{- define "fake-stripe.tokensSecret" -}}
{{- default (printf "%s-tokens" (include "fake-stripe.fullname" .)) .Values.auth.existingSecret -}}
{{- end -}}

{{/* The base URL of one of our services inside the cluster. Argument: (list $ "<service>"). */}}
{{- define "fake-stripe.url" -}}
{{- $root := index . 0 -}}
{{- printf "http://%s:%v" (include "fake-stripe.component" .) (index $root.Values.services (index . 1)).port -}}
{{- end -}}

{{/*
The variables of one service that are not secret, exactly those its config.ts reads (the kernel's
serviceEnvSchema for the HTTP services, services/worker/src/config.ts for the worker), as YAML.
The static ConfigMap holds them and the pods' checksum/config annotation hashes them.
Argument: (list $ "<service>").
*/}}
{{- define "fake-stripe.env" -}}
{{- $root := index . 0 -}}
{{- $name := index . 1 -}}
{{- $facts := include "fake-stripe.facts" $name | fromYaml -}}
{{- $svc := include "fake-stripe.values" . | fromYaml -}}
{{- $env := dict -}}
{{- $_ := set $env "AUTH" $root.Values.auth.mode -}}
{{- $_ := set $env "LOG_LEVEL" $root.Values.logLevel -}}
{{- $_ := set $env "PORT" (toString $svc.port) -}}
{{- $_ := set $env "HOST" "0.0.0.0" -}}
{{- if $facts.http -}}
{{- $_ := set $env "ALLOW_CHAOS_FORCING" (toString $root.Values.allowChaosForcing) -}}
{{- end -}}
{{- if $facts.ledger -}}
{{- $_ := set $env "DATA_DIR" "/data" -}}
{{- end -}}
{{- if $facts.chaos -}}
{{- $_ := set $env "CHAOS_FILE" "/etc/fake-stripe/chaos/chaos.json" -}}
{{- end -}}
{{- if $facts.temporal -}}
{{- $_ := set $env "TEMPORAL_ADDRESS" $root.Values.temporal.address -}}
{{- $_ := set $env "TEMPORAL_NAMESPACE" $root.Values.temporal.namespace -}}
{{- $_ := set $env "TASK_QUEUE" $root.Values.temporal.taskQueue -}}
{{- /* Both clients read all four domain URLs (the API's auditor uses three). */ -}}
{{- range $domain := list "payment" "inventory" "shipping" "notification" -}}
{{- $_ := set $env (printf "%s_URL" (upper $domain)) (default (include "fake-stripe.url" (list $root $domain)) (index $root.Values.urls $domain)) -}}
{{- end -}}
{{- end -}}
{{- /* The worker's scheduled audit runs the API's auditor (GET /api/v1/audit). */ -}}
{{- if has "api" ($facts.calls | default list) -}}
{{- $_ := set $env "API_URL" (include "fake-stripe.url" (list $root "api")) -}}
{{- end -}}
{{- if has "public-apis" ($facts.calls | default list) -}}
{{- $base := include "fake-stripe.url" (list $root "public-apis") -}}
{{- $_ := set $env "LOCATION_API_URL" (default (printf "%s/ipapi" $base) $root.Values.urls.location) -}}
{{- $_ := set $env "WEATHER_API_URL" (default (printf "%s/open-meteo" $base) $root.Values.urls.weather) -}}
{{- $_ := set $env "CATFACT_API_URL" (default (printf "%s/catfact" $base) $root.Values.urls.catfact) -}}
{{- end -}}
{{- if $svc.metricsPort -}}
{{- $_ := set $env "METRICS_PORT" (toString $svc.metricsPort) -}}
{{- end -}}
{{- if eq $name "api" -}}
{{- $console := $root.Values.console -}}
{{- $_ := set $env "CONSOLE_ENABLED" (toString $console.enabled) -}}
{{- if $console.enabled -}}
{{- with $console.temporalUiUrl }}{{ $_ := set $env "CONSOLE_TEMPORAL_UI_URL" . }}{{ end -}}
{{- with $console.jaegerUrl }}{{ $_ := set $env "CONSOLE_JAEGER_URL" . }}{{ end -}}
{{- $_ := set $env "CONSOLE_CHAOS_WRITES" $console.chaosWrites -}}
{{- if include "fake-stripe.consoleWritesConfigMaps" $root -}}
{{- /* The chaos ConfigMaps' names, `{service}` standing for the service (the API fills it in). */ -}}
{{- $_ := set $env "CONSOLE_CHAOS_CONFIGMAP" (printf "%s-chaos" (include "fake-stripe.component" (list $root "{service}"))) -}}
{{- $_ := set $env "CONSOLE_CHAOS_NAMESPACE" $root.Release.Namespace -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- if $root.Values.otel.endpoint -}}
{{- $_ := set $env "OTEL_EXPORTER_OTLP_ENDPOINT" $root.Values.otel.endpoint -}}
{{- end -}}
{{- range $key, $value := $svc.env -}}
{{- if or (hasKey $env $key) (has $key (list "SERVICE_TOKEN" "ADMIN_TOKEN" "MANAGER_TOKEN" "CUSTOMER_TOKEN_SECRET")) -}}
{{- fail (printf "services.%s.env.%s: the chart sets %s itself (see the chart README)" $name $key $key) -}}
{{- end -}}
{{- $_ := set $env $key (toString $value) -}}
{{- end -}}
{{- toYaml $env -}}
{{- end -}}

{{/*
The secret variables of one service, each a secretKeyRef: SERVICE_TOKEN everywhere (every process
checks it at start under AUTH=strict; the worker and the API send it), ADMIN_TOKEN where there are
chaos endpoints and in the worker (its restock schedule), MANAGER_TOKEN and CUSTOMER_TOKEN_SECRET in the API. Argument: (list $ "<service>").
*/}}
{{- define "fake-stripe.secretEnv" -}}
{{- $root := index . 0 -}}
{{- $name := index . 1 -}}
{{- $facts := include "fake-stripe.facts" $name | fromYaml -}}
{{- $keys := $root.Values.auth.keys -}}
{{- $vars := dict "SERVICE_TOKEN" $keys.serviceToken -}}
{{- /* The worker's scheduled restock calls inventory's admin endpoint POST /inventory/restock; the
API checks the admin token itself when the console writes chaos to the ConfigMaps. */ -}}
{{- if or $facts.chaos (eq $name "worker") (and (eq $name "api") (include "fake-stripe.consoleWritesConfigMaps" $root)) -}}
{{- $_ := set $vars "ADMIN_TOKEN" $keys.adminToken -}}
{{- end -}}
{{- if eq $name "api" -}}
{{- $_ := set $vars "MANAGER_TOKEN" $keys.managerToken -}}
{{- $_ := set $vars "CUSTOMER_TOKEN_SECRET" $keys.customerTokenSecret -}}
{{- end -}}
{{- range $var := keys $vars | sortAlpha }}
- name: {{ $var }}
  valueFrom:
    secretKeyRef:
      name: {{ include "fake-stripe.tokensSecret" $root }}
      key: {{ index $vars $var }}
{{- end -}}
{{- end -}}

{{/* Whether one service's pod watches its chaos ConfigMap through the Kubernetes API ("true" or ""). Argument: (list $ "<service>"). */}}
{{- define "fake-stripe.watchesApi" -}}
{{- $facts := include "fake-stripe.facts" (index . 1) | fromYaml -}}
{{- $svc := include "fake-stripe.values" . | fromYaml -}}
{{- if and $facts.chaos $svc.chaos.watchApi -}}true{{- end -}}
{{- end -}}

{{/* Whether the API's console writes chaos to the ConfigMaps through the Kubernetes API ("true" or ""). Argument: $. */}}
{{- define "fake-stripe.consoleWritesConfigMaps" -}}
{{- if and .Values.services.api.enabled .Values.console.enabled (eq .Values.console.chaosWrites "configmap") -}}true{{- end -}}
{{- end -}}

{{/*
Whether one service's pod talks to the Kubernetes API ("true" or ""): a chaos watcher, or the API
writing the console's chaos. It then holds a ServiceAccount token and an egress rule to the API
server. Argument: (list $ "<service>").
*/}}
{{- define "fake-stripe.usesKubeApi" -}}
{{- if or (include "fake-stripe.watchesApi" .) (and (eq (index . 1) "api") (include "fake-stripe.consoleWritesConfigMaps" (index . 0))) -}}true{{- end -}}
{{- end -}}

{{/* The chaos ConfigMaps the console may write: those of the enabled domain services. Argument: $. */}}
{{- define "fake-stripe.consoleChaosConfigMaps" -}}
{{- $names := list -}}
{{- range $name := list "payment" "inventory" "shipping" "notification" -}}
{{- if (index $.Values.services $name).enabled -}}
{{- $names = append $names (printf "%s-chaos" (include "fake-stripe.component" (list $ $name))) -}}
{{- end -}}
{{- end -}}
{{- toJson $names -}}
{{- end -}}
