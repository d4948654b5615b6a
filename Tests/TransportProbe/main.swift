// A consumer process for the crash tests: it consumes a topic through the Redis Streams transport and logs
// each handling to a Redis list, so the test (another process) can SIGKILL it mid-flight and check what
// happened.
//
// usage: TransportProbe <redis-url> <namespace> <topic> <group> <keyed 0|1> <handle-ms> <visibility-ms> <log-key>
//                       [<key-batch-size> [block]]   (batches of one key's messages, each batch handled for handle-ms;
//                       with `block`, a handler holds its thread the whole time, as CPU-bound code does, and as many
//                       run at once as the machine has cores: the cooperative pool has no thread left)
// Log lines: "start|<consumer>|<id>|<key>|<payload>|<deliveries>|<ms>" and "end|..." with the same fields.
import Foundation
import InfiniticRedis
import InfiniticTransport

let arguments = CommandLine.arguments
guard (9...11).contains(arguments.count), let handleMilliseconds = Int(arguments[6]),
    let visibility = Int(arguments[7])
else {
    FileHandle.standardError.write(
        Data("usage: TransportProbe url namespace topic group keyed handle-ms visibility-ms log-key\n".utf8))
    exit(2)
}
let (url, namespace, topicName, group, keyed, logKey) = (
    arguments[1], arguments[2], arguments[3], arguments[4], arguments[5] == "1", arguments[8]
)

let transport = try await RedisStreamsTransport.connect(
    configuration: RedisStreamsConfiguration(url: url, namespace: namespace))
let log = try RedisClient(url: url)
let consumer = "probe-\(ProcessInfo.processInfo.processIdentifier)"
let keyBatchSize = arguments.count >= 10 ? Int(arguments[9]) ?? 1 : 1
let blocksItsThread = arguments.count == 11 && arguments[10] == "block"
let subscription = Subscription(
    topic: Topic(topicName, keyed: keyed), group: group, consumer: consumer,
    concurrency: blocksItsThread ? max(4, ProcessInfo.processInfo.activeProcessorCount) : 4,
    batchSize: keyBatchSize > 1 ? keyBatchSize : 1, visibilityTimeout: .milliseconds(visibility),
    keyBatchSize: keyBatchSize)

@Sendable func line(_ event: String, _ message: ReceivedMessage) -> String {
    let payload = String(decoding: message.payload, as: UTF8.self)
    let now = Int(Date().timeIntervalSince1970 * 1000)
    return "\(event)|\(consumer)|\(message.id)|\(message.key ?? "")|\(payload)|\(message.deliveryCount)|\(now)"
}

try await log.send(RPUSH(logKey, [Array("ready|\(consumer)".utf8)]))
try await transport.consume(subscription) { batch in
    for message in batch.messages { try await log.send(RPUSH(logKey, [Array(line("start", message).utf8)])) }
    if blocksItsThread {
        usleep(UInt32(handleMilliseconds) * 1000)
    } else {
        try await Task.sleep(for: .milliseconds(handleMilliseconds))
    }
    for message in batch.messages { try await log.send(RPUSH(logKey, [Array(line("end", message).utf8)])) }
    return .ack()
}
