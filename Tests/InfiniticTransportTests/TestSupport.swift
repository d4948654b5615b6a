import Foundation
import Synchronization
import Testing

@testable import InfiniticTransport

/// A condition was still false when its wait ended.
struct TimedOut: Error, CustomStringConvertible {
    let description: String
}

/// Waits until `condition` holds, polling every few milliseconds; throws `TimedOut` after `timeout`.
/// The timeouts are generous: they only bound a failing test, a passing one returns as soon as it can.
func eventually(
    _ what: String, timeout: Duration = .seconds(30), _ condition: () async throws -> Bool
) async throws {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while try await !condition() {
        guard clock.now < deadline else { throw TimedOut(description: "timed out waiting for \(what)") }
        try await Task.sleep(for: .milliseconds(2))
    }
}

/// A value shared between handlers and the test.
final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>

    init(_ value: Value) { mutex = Mutex(value) }

    @discardableResult
    func withLock<Result: Sendable>(_ body: (inout Value) -> Result) -> Result {
        mutex.withLock { body(&$0) }
    }

    var value: Value { mutex.withLock { $0 } }
}

/// Handlers wait on it until the test opens it (or their task is cancelled, so a failing test cannot hang).
final class Gate: Sendable {
    private struct State {
        var isOpen = false
        var waiters: [Int: CheckedContinuation<Void, any Error>] = [:]
        var nextID = 0
    }

    private let state = Mutex(State())

    func open() {
        let waiters = state.withLock { state in
            state.isOpen = true
            defer { state.waiters.removeAll() }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    func wait() async throws {
        let id = state.withLock { state in
            defer { state.nextID += 1 }
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let outcome = state.withLock { state -> Result<Void, any Error>? in
                    if state.isOpen { return .success(()) }
                    if Task.isCancelled { return .failure(CancellationError()) }
                    state.waiters[id] = continuation
                    return nil
                }
                if let outcome { continuation.resume(with: outcome) }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.resume(throwing: CancellationError())
        }
    }
}

/// Runs one `consume` per subscription while `body` runs, then cancels them and waits for them to return.
func withConsumers(
    _ transport: some Transport, _ subscriptions: [Subscription], handler: @escaping MessageHandler,
    _ body: () async throws -> Void
) async throws {
    try await withConsumers(transport, subscriptions.map { ($0, handler) }, body)
}

/// Runs one `consume` per (subscription, handler) while `body` runs, then cancels them and waits for them.
func withConsumers(
    _ transport: some Transport, _ consumers: [(Subscription, MessageHandler)], _ body: () async throws -> Void
) async throws {
    try await withThrowingTaskGroup(of: Void.self) { group in
        for (subscription, handler) in consumers {
            group.addTask { try await transport.consume(subscription, handler: handler) }
        }
        try await body()
        group.cancelAll()
        try await group.waitForAll()
    }
}

/// Subscriptions of `count` consumers of one group.
func consumers(
    _ count: Int, of topic: Topic, group: String = "g", concurrency: Int = 8, maxDeliveries: Int = 10
) -> [Subscription] {
    (0..<count).map { index in
        Subscription(
            topic: topic, group: group, consumer: "\(group)-\(index)", concurrency: concurrency,
            maxDeliveries: maxDeliveries)
    }
}

func bytes(_ number: Int) -> [UInt8] { Array(String(number).utf8) }

func number(_ message: ReceivedMessage) -> Int { Int(String(decoding: message.payload, as: UTF8.self)) ?? -1 }

/// Messages numbered `range` (the payload is the number) on `topic`.
func messages(_ range: Range<Int>, to topic: Topic, key: (Int) -> String? = { _ in nil }) -> [OutgoingMessage] {
    range.map { OutgoingMessage(topic: topic, key: key($0), payload: bytes($0)) }
}
