// The transport demo: starts a local redis-server unless REDIS_URL is set, then pushes messages through the
// Redis Streams transport and prints what happens: key-based consumption by two consumers, a scheduled
// message, a retried then dead-lettered message, and atomic consume-and-produce steps.
//
//   swift run transport-demo                       # embedded redis-server
//   REDIS_URL=redis://127.0.0.1:6379 swift run transport-demo
import Foundation
import InfiniticRedis
import InfiniticTransport
import Logging
import Synchronization

LoggingSystem.bootstrap { label in
    var handler = StreamLogHandler.standardError(label: label)
    handler.logLevel = .error
    return handler
}

@Sendable func say(_ text: String) {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
}

let configuredURL = ProcessInfo.processInfo.environment["REDIS_URL"].flatMap { $0.isEmpty ? nil : $0 }
var embedded: RedisServerProcess?
let url: String
if let configuredURL {
    url = configuredURL
    say("Using Redis at \(configuredURL)")
} else {
    let server = try await RedisServerProcess.start()
    embedded = server
    url = server.url
    say("Started a local redis-server at \(url) (AOF on, data in \(server.directory)); set REDIS_URL to use yours")
}

let namespace = "demo-\(Int(Date().timeIntervalSince1970))"
let transport = try await RedisStreamsTransport.connect(
    configuration: RedisStreamsConfiguration(url: url, namespace: namespace))
let orders = Topic("orders", keyed: true)
let invoices = Topic("invoices")
let reminders = Topic("reminders")
let start = Date()

func elapsed() -> String { String(format: "%5.2fs", Date().timeIntervalSince(start)) }

/// What the demo waits for before it stops.
final class Progress: Sendable {
    private let counts = Mutex<[String: Int]>([:])
    func add(_ name: String) { counts.withLock { $0[name, default: 0] += 1 } }
    func count(_ name: String) -> Int { counts.withLock { $0[name, default: 0] } }
}
let progress = Progress()

say("\n1. Ten orders for three customers on a keyed topic, handled by two consumers of one group.")
say("   Orders of one customer are never handled at the same time, and keep their order.")
try await transport.publish(
    (1...10).map { number in
        OutgoingMessage(topic: orders, key: "customer-\(number % 3 + 1)", payload: Array("order \(number)".utf8))
    })
say("2. A reminder scheduled in 1.5 s, and a malformed order that fails every time.")
try await transport.publish(
    OutgoingMessage(topic: reminders, payload: Array("pay your invoices".utf8), delivery: .after(.milliseconds(1500))))
try await transport.publish(OutgoingMessage(topic: orders, key: "customer-9", payload: Array("order ???".utf8)))

struct MalformedOrder: Error, CustomStringConvertible {
    let text: String
    var description: String { "cannot parse '\(text)'" }
}

try await withThrowingTaskGroup(of: Void.self) { group in
    for consumer in ["A", "B"] {
        group.addTask {
            let subscription = Subscription(
                topic: orders, group: "billing", consumer: "consumer-\(consumer)", concurrency: 4, maxDeliveries: 3,
                schedulerInterval: .milliseconds(50))
            try await transport.consume(subscription) { message in
                let text = String(decoding: message.payload, as: UTF8.self)
                guard let number = Int(text.dropFirst("order ".count)) else {
                    say(
                        "   \(elapsed()) consumer \(consumer): \(text) of \(message.key ?? "-") fails (delivery \(message.deliveryCount))"
                    )
                    throw MalformedOrder(text: text)
                }
                // Consume and produce atomically: the customer's running total (a versioned value), an invoice,
                // and the acknowledgement of the order are one step.
                let totalKey = StateKey("total:\(message.key!)", partitionKey: message.key)
                let current = try await transport.read(totalKey)
                let total = (current.map { Int(String(decoding: $0.bytes, as: UTF8.self)) ?? 0 } ?? 0) + number * 10
                try await Task.sleep(for: .milliseconds(100))
                say("   \(elapsed()) consumer \(consumer): order \(number) of \(message.key!) -> total \(total) EUR")
                progress.add("orders")
                return .ack(
                    Commit(
                        messages: [
                            OutgoingMessage(topic: invoices, payload: Array("invoice for order \(number)".utf8))
                        ],
                        writes: [
                            StateWrite(
                                key: totalKey, operation: .put(Array(String(total).utf8)),
                                expectedVersion: current?.version ?? 0)
                        ]))
            }
        }
    }
    group.addTask {
        try await transport.consume(Subscription(topic: invoices, group: "mailer")) { message in
            progress.add("invoices")
            return .ack
        }
    }
    group.addTask {
        try await transport.consume(
            Subscription(topic: reminders, group: "mailer", schedulerInterval: .milliseconds(20))
        ) {
            message in
            say("   \(elapsed()) reminder delivered: \(String(decoding: message.payload, as: UTF8.self))")
            progress.add("reminders")
            return .ack
        }
    }
    while true {
        let deadLetters = try await transport.deadLetters(of: orders, limit: 10)
        if progress.count("orders") == 10 && progress.count("invoices") == 10 && progress.count("reminders") == 1
            && !deadLetters.isEmpty
        {
            break
        }
        try await Task.sleep(for: .milliseconds(50))
    }
    group.cancelAll()
}

say("\n3. Results")
for customer in 1...3 {
    let total = try await transport.read(StateKey("total:customer-\(customer)", partitionKey: "customer-\(customer)"))
    say(
        "   customer-\(customer): total \(total.map { String(decoding: $0.bytes, as: UTF8.self) } ?? "0") EUR "
            + "(version \(total?.version ?? 0): one atomic write per order)")
}
say("   invoices published with their orders: \(progress.count("invoices"))")
for letter in try await transport.deadLetters(of: orders, limit: 10) {
    say(
        "   dead letter: '\(String(decoding: letter.payload, as: UTF8.self))' after \(letter.deliveryCount) deliveries: "
            + letter.reason)
}
transport.close()
embedded?.stopAndRemoveData()
say("\nDone in \(elapsed()).")
