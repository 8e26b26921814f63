#!/usr/bin/env bash
# A single-node Kafka (KRaft) in the foreground for local runs: `KAFKA_BROKERS=127.0.0.1:9092 npm start`.
# Data stays in $KAFKA_DATA_DIR (default ./data/kafka) across runs; Ctrl-C stops the broker.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
lib="$("$here/fetch-jars.sh")"
port="${KAFKA_PORT:-9092}"
controller_port="${KAFKA_CONTROLLER_PORT:-9093}"
data="$(mkdir -p "${KAFKA_DATA_DIR:-./data/kafka}" && cd "${KAFKA_DATA_DIR:-./data/kafka}" && pwd)"
config="$data/server.properties"

cat > "$config" <<PROPERTIES
node.id=1
process.roles=broker,controller
controller.quorum.voters=1@127.0.0.1:$controller_port
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$controller_port
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$data/log
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
PROPERTIES

cat > "$data/log4j.properties" <<'LOG4J'
log4j.rootLogger=WARN, stdout
log4j.logger.kafka.server.KafkaRaftServer=INFO
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
LOG4J

jvm=(java -Xmx512m "-Dlog4j.configuration=file:$data/log4j.properties" -cp "$lib/*")
if [[ ! -f "$data/log/meta.properties" ]]; then
  cluster_id="$("${jvm[@]}" kafka.tools.StorageTool random-uuid)"
  "${jvm[@]}" kafka.tools.StorageTool format -t "$cluster_id" -c "$config" >/dev/null
fi
echo "Kafka on 127.0.0.1:$port (data in $data)" >&2
exec "${jvm[@]}" kafka.Kafka "$config"
