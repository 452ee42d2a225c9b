# KillKrill: the one image recipe of the three services. Build from the repository root, naming the service
# (receivers, log-worker or metrics-worker); docker-compose.yml builds all three this way:
#   docker build --build-arg SERVICE=log-worker -t killkrill/log-worker .
# Every module of the root pom is copied (the reactor reads them all); DeploymentFilesIT checks it.
FROM eclipse-temurin:17-jdk AS build
ARG SERVICE
WORKDIR /src
COPY .mvn .mvn
COPY mvnw pom.xml ./
COPY shared-models shared-models
COPY service-shell service-shell
COPY stream-runtime stream-runtime
COPY receivers receivers
COPY log-worker log-worker
COPY metrics-worker metrics-worker
COPY integration-tests/pom.xml integration-tests/pom.xml
RUN test -n "$SERVICE" || { echo "build with --build-arg SERVICE=receivers|log-worker|metrics-worker" >&2; exit 2; }; \
    ./mvnw -B -q -pl "$SERVICE" -am package -DskipTests \
 && cp "$SERVICE"/target/"$SERVICE"-*-all.jar /service.jar

FROM eclipse-temurin:17-jre
ARG SERVICE
RUN groupadd --system killkrill && useradd --system --gid killkrill --no-create-home killkrill
COPY --from=build /service.jar /opt/killkrill/service.jar
# the JVM options the service is measured and tested with, as ./killkrill and deploy/systemd run it (a fixed heap:
# the HTTP memory budget and the bounds of docs/performance.md assume it), read by the java launcher as an argument
# file. More heap: override the entrypoint with a later -Xmx, e.g. in docker-compose.yml
#   entrypoint: ["java", "@/opt/killkrill/jvm.options", "-Xmx512m", "-jar", "/opt/killkrill/service.jar"]
COPY deploy/jvm/${SERVICE}.options /opt/killkrill/jvm.options
USER killkrill
# ports: receivers 8080 (HTTP) and 5514 (syslog TCP/UDP), log-worker 8081, metrics-worker 8082 (admin)
ENTRYPOINT ["java", "@/opt/killkrill/jvm.options", "-jar", "/opt/killkrill/service.jar"]
