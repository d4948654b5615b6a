import Foundation
import InfiniticRedis
import InfiniticTransport
import Logging
import Synchronization
import Testing

/// The redis-server shared by the tests of a test process (started once on a free port, killed with the
/// process), and helpers to build clients and transports isolated by a unique namespace.
public enum TestRedis {
    private actor Shared {
        var starting: Task<RedisServerProcess, any Error>?

        func get() async throws -> RedisServerProcess {
            if let starting { return try await starting.value }
            let task = Task { try await RedisServerProcess.start() }
            starting = task
            return try await task.value
        }
    }

    private static let shared = Shared()

    public static func server() async throws -> RedisServerProcess {
        try await shared.get()
    }

    public static func client() async throws -> RedisClient {
        try RedisClient(url: try await server().url)
    }

    public static func uniqueNamespace(_ name: String = "test") -> String {
        "\(name)-\(UUID().uuidString.prefix(8))"
    }

    public static func transport(
        server: RedisServerProcess? = nil, namespace: String = uniqueNamespace(), partitions: Int = 1
    ) async throws -> RedisStreamsTransport {
        let server = if let server { server } else { try await self.server() }
        return try await RedisStreamsTransport.connect(
            configuration: RedisStreamsConfiguration(url: server.url, namespace: namespace, partitions: partitions),
            logger: Logger(label: "test"))
    }
}

/// Waits until `condition` holds, polling; fails the test after `timeout`.
public func eventually(
    _ what: String, timeout: Duration = .seconds(20), sourceLocation: SourceLocation = #_sourceLocation,
    _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(20))
    }
    Issue.record("timed out waiting for: \(what)", sourceLocation: sourceLocation)
    throw CancellationError()
}

/// Runs `consume` in a child task for the duration of `body`, then cancels it and checks it stops promptly.
public func whileConsuming<T: Sendable>(
    _ transport: any Transport, _ subscription: Subscription, handler: @escaping MessageHandler,
    _ body: () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await transport.consume(subscription, handler: handler) }
        let result = try await body()
        group.cancelAll()
        try await group.waitForAll()
        return result
    }
}

/// Writes to a transport's state store the only way it can be written: as the commit of a handled message (of a
/// scratch topic, in the partition of `partitionKey`). Returns once the commit is applied.
public func commitWrites(
    _ writes: [StateWrite], on transport: any Transport, partitionKey: String
) async throws {
    let topic = Topic("test-writes-\(UUID().uuidString.prefix(8).lowercased())")
    try await transport.publish(OutgoingMessage(topic: topic, partitionKey: partitionKey, payload: [0]))
    let handled = Locked(false)
    try await whileConsuming(transport, Subscription(topic: topic, group: "writer")) { _ in
        handled.withLock { $0 = true }
        return .ack(Commit(writes: writes))
    } _: {
        // Handled first: before that, the backlog may count only the groups of other partitions (each partition's
        // consumer creates its group when it starts), which are empty. Once handled, nothing pending means the
        // acknowledgement, and the commit with it, applied.
        try await eventually("the writes are committed") {
            guard handled.value else { return false }
            return try await transport.backlog(of: topic, group: "writer") == ConsumerBacklog(pending: 0, lag: 0)
        }
    }
}

/// Thread-safe collection of observations made by handlers.
public final class Recorder<Element: Sendable>: Sendable {
    private let items = Mutex<[Element]>([])

    public init() {}

    public func append(_ element: Element) {
        items.withLock { $0.append(element) }
    }

    public var all: [Element] { items.withLock { $0 } }
    public var count: Int { items.withLock { $0.count } }
}

extension String {
    public var bytes: [UInt8] { Array(utf8) }
}

extension Array where Element == UInt8 {
    public var text: String { String(decoding: self, as: UTF8.self) }
}

/// A mutable value shared by concurrent handlers in a test.
public final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>

    public init(_ value: Value) {
        mutex = Mutex(value)
    }

    public func withLock<Result: Sendable>(_ body: (inout Value) -> Result) -> Result {
        mutex.withLock { body(&$0) }
    }

    public var value: Value { mutex.withLock { $0 } }
}

/// The executable `name` built with the tests (a probe, an example's command), next to the test bundle.
public func testExecutable(_ name: String) throws -> String {
    var folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for _ in 0..<4 {
        let candidate = folder.appendingPathComponent(name).path
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        folder = folder.deletingLastPathComponent()
    }
    throw RedisError(.connectionFailed, "\(name) not found near \(CommandLine.arguments[0])")
}
