{{- /* The StatefulSet of a back-end service (catalog, order): one shape, the differences passed in.
       dict: ctx (the chart's root), component ("catalog" | "order"), db and secretKey (its database and the Secret
       key of its password), env (its own environment entries, rendered: what only that service needs). */}}
{{- define "bazar.backendStatefulSet" -}}
{{- $ctx := .ctx }}
{{- $component := .component }}
{{- $v := index $ctx.Values $component }}
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: {{ include "bazar.componentName" (dict "ctx" $ctx "component" $component) }}
  namespace: {{ $ctx.Release.Namespace }}
  labels:
    {{- include "bazar.labels" (dict "ctx" $ctx "component" $component) | nindent 4 }}
spec:
  replicas: {{ $v.replicaCount }}
  serviceName: {{ include "bazar.componentName" (dict "ctx" $ctx "component" (printf "%s-hl" $component)) }}
  # Pods start together: their migrations take an advisory lock, so concurrent starts migrate once.
  podManagementPolicy: Parallel
  revisionHistoryLimit: 5
  updateStrategy:
    type: RollingUpdate
  selector:
    matchLabels:
      {{- include "bazar.selectorLabels" (dict "ctx" $ctx "component" $component) | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "bazar.labels" (dict "ctx" $ctx "component" $component) | nindent 8 }}
      annotations:
        checksum/secret: {{ include (print $ctx.Template.BasePath "/secret.yaml") $ctx | sha256sum }}
        {{- with $v.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      serviceAccountName: {{ include "bazar.fullname" $ctx }}
      automountServiceAccountToken: false
      securityContext:
        {{- include "bazar.podSecurityContext" (dict "uid" 1000) | nindent 8 }}
      {{- include "bazar.scheduling" (dict "ctx" $ctx "component" $component "values" $v) | trim | nindent 6 }}
      initContainers:
        - name: wait-for-postgresql
          image: {{ include "bazar.imageRef" (dict "image" $ctx.Values.postgresql.image) }}
          imagePullPolicy: {{ $ctx.Values.postgresql.image.pullPolicy }}
          command: ["/bin/sh", "/opt/bazar/scripts/wait-for.sh"]
          env:
            {{- include "bazar.postgresPath" $ctx | nindent 12 }}
            - name: WAIT_FOR
              value: {{ printf "postgres://%s:5432" (include "bazar.serviceFqdn" (dict "ctx" $ctx "component" "postgresql-primary")) | quote }}
            - name: WAIT_TIMEOUT
              value: "300"
          resources:
            requests:
              cpu: 10m
              memory: 16Mi
            limits:
              cpu: 100m
              memory: 32Mi
          securityContext:
            {{- include "bazar.containerSecurityContext" $ctx | nindent 12 }}
          volumeMounts:
            - name: scripts
              mountPath: /opt/bazar/scripts
      containers:
        - name: {{ $component }}
          image: {{ include "bazar.image" $ctx }}
          imagePullPolicy: {{ $ctx.Values.image.pullPolicy }}
          args: [{{ printf "services/%s/dist/src/main.js" $component | quote }}]
          ports:
            - name: http
              containerPort: {{ $v.containerPort }}
              protocol: TCP
            - name: metrics
              containerPort: {{ $ctx.Values.metrics.port }}
              protocol: TCP
          env:
            {{- include "bazar.commonEnv" (dict "ctx" $ctx "component" $component) | nindent 12 }}
            {{- include "bazar.databaseEnv" (dict "ctx" $ctx "db" .db "secretKey" .secretKey "poolMax" $v.dbPoolMax) | nindent 12 }}
            - name: PORT
              value: {{ $v.containerPort | quote }}
            - name: LOG_LEVEL
              value: {{ $v.logLevel | quote }}
            {{- .env | nindent 12 }}
            {{- with $v.extraEnv }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
          livenessProbe:
            httpGet:
              path: /healthz
              port: http
            periodSeconds: 10
            timeoutSeconds: 2
            failureThreshold: 3
          readinessProbe:
            httpGet:
              path: /readyz
              port: http
            periodSeconds: 5
            timeoutSeconds: 2
            failureThreshold: 2
          startupProbe:
            httpGet:
              path: /healthz
              port: http
            periodSeconds: 2
            failureThreshold: 60
          lifecycle:
            # Serve on while the peers learn the successor's address (bazar.handoverSeconds), then SIGTERM.
            preStop:
              sleep:
                seconds: {{ include "bazar.handoverSeconds" $ctx }}
          resources:
            {{- toYaml $v.resources | nindent 12 }}
          securityContext:
            {{- include "bazar.containerSecurityContext" $ctx | nindent 12 }}
          volumeMounts:
            - name: tmp
              mountPath: /tmp
      # preStop sleep + SHUTDOWN_DRAIN_MS (10 s) + closing the pools, with room to spare.
      terminationGracePeriodSeconds: 45
      volumes:
        {{- include "bazar.scriptsVolume" $ctx | nindent 8 }}
        - name: tmp
          emptyDir:
            sizeLimit: 64Mi
{{- end }}
